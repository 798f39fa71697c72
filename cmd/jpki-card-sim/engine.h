/* jpki-card-sim's card engine: a virtual My Number Card (public JPKI layout
 * plus jpki-tools' issuance profile, see jpki/profile.h and
 * jpki-card-profile(7)) that answers APDUs in-process.
 *
 * Used by the jpki-card-sim binary (behind vpcd) and linked into unit tests
 * (build/cmd/jpki-card-sim/libjpki-card-sim.a):
 *
 *     #include "engine.h"  (the tests get -Icmd/jpki-card-sim)
 *     sim_card *card = sim_card_load(path, &err);
 *     jpki_mem_transport_new(sim_card_apdu, card, atr, atr_len, &t, &err);
 *
 * The card is one of several variants (ATR and the content choices real
 * cards differ in: variant.c, jpki-card-profile(7) CARD VARIANTS), chosen
 * at creation and kept in the state file.
 *
 * Every state change is written to the state file atomically before the
 * answer is returned, so a kill at any moment leaves the last answered
 * state on disk. */
#ifndef JPKI_CARD_SIM_ENGINE_H
#define JPKI_CARD_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_card sim_card;

/* Largest state file accepted (a card holds ~15 KB). */
#define SIM_STATE_MAX (256u * 1024u)

/* Load a card from its CBOR state file (bounded, every field validated). */
sim_card *sim_card_load(const char *state_path, jpki_error *err);

/* Answer one C-APDU: writes data || SW1 SW2 into rapdu and returns the
 * length (>= 2), or 0 when rcap < 2.  Same signature as jpki_mem_handler. */
size_t sim_card_apdu(void *card, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                     size_t rcap);

/* Power cycle / reset: drops verified PINs, the issuer session, the
 * challenge, selections and pending GET RESPONSE data. */
void sim_card_power_cycle(sim_card *card);

void sim_card_free(sim_card *card);

/* The default variant's ATR (contact My Number Card). */
const uint8_t *sim_card_atr(size_t *len);
/* The ATR of this card's variant. */
const uint8_t *sim_card_variant_atr(const sim_card *card, size_t *len);
/* Variant i (0 = default): name / one-line description, NULL past the end. */
const char *sim_variant_name(size_t i);
const char *sim_variant_description(size_t i);

/* Persona data (the three sample cardholders; see jpki-card-sim(1)). */
typedef struct sim_persona {
    const char *id;          /* "hanako", "taro", "ichiko" */
    const char *name;        /* UTF-8 */
    const char *sex;         /* "1" male, "2" female */
    const char *birth;       /* YYYYMMDD */
    const char *address;     /* UTF-8, fictional */
    const char *my_number;   /* 12 digits, valid check digit, fictional */
    const char *serial;      /* card serial, 15 digits */
    const char *municipality;/* 5 digits */
    const char *card_expiry; /* YYYYMMDD */
    const char *issued;      /* YYYY-MM-DD: default issuance date of the certificates */
    const char *pin_auth;    /* initial PINs (test data) */
    const char *pin_sign;
    const char *pin_cardinfo;
    const char *pin_registry;
} sim_persona;

const sim_persona *sim_persona_find(const char *id);
/* NULL-terminated list. */
const sim_persona *const *sim_persona_list(void);

typedef struct sim_new_options {
    const char *state_path;      /* must not exist yet */
    const char *persona;         /* persona id */
    const char *ca_dir;          /* a jpki-ca init directory */
    const char *issuer_key_path; /* used if it exists, else created (0600) */
    const char *now;             /* YYYY-MM-DD issuance date; NULL = persona's */
    const char *serial;          /* 15-digit card serial; NULL = persona's */
} sim_new_options;

/* Create a new card state file for a persona: fresh RSA-2048 keys,
 * certificates from the test CA (holders registered in the CA directory),
 * initial PINs with full tries. */
jpki_rc sim_card_create(const sim_new_options *opt, jpki_error *err);
/* The same for a card variant (sim_variant_name(); NULL = default). */
jpki_rc sim_card_create_variant(const sim_new_options *opt, const char *variant, jpki_error *err);

/* Start generating the keys one renewal needs in the background, so that
 * GENERATE KEY PAIR does not spend the host's CPU at the command (keypool.c;
 * jpki-card-sim does this at --slow, a real card's pace). */
void sim_keypool_start(void);
/* A key made ahead, or one generated now when none is ready (a DER RSA
 * private key into out, a sim_blob of sim_state.h). */
struct sim_blob;
jpki_rc sim_keypool_take(struct sim_blob *out, jpki_error *err);
/* Validate a DER private key (RSA-2048, e=65537). */
bool sim_key_valid(const uint8_t *der, size_t len);

#ifdef __cplusplus
}
#endif

#endif
