/* jpki-card-sim's persisted card state -- the content of a state file --
 * and its codec: the declared interface for white-box tests and checkers of
 * the virtual card (tests get -Icmd/jpki-card-sim), next to engine.h.
 * The engine's volatile session state (selection, verified PINs, issuer
 * session) stays private in sim.h. */
#ifndef JPKI_CARD_SIM_STATE_H
#define JPKI_CARD_SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"
#include "jpki/profile.h"
#include "jpki/secret.h"

#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_KEYS 2

/* Outer length of basic-4's FF 20 template: "82 00 xx" (xx >= 80 only,
 * as the cards behind jpki/myna) or the minimal form ("FF 20 65"). */
typedef enum { SIM_B4_LONG_FORM, SIM_B4_MINIMAL } sim_b4_form;
/* Common application record: 01 1C + serial(15) municipality(5) expiry(8),
 * or a 13-character serial (01 0D). */
typedef enum { SIM_COMMON_28_DIGITS, SIM_COMMON_13_CHARS } sim_common_form;

typedef struct sim_variant {
    const char *name;
    const char *description;
    uint8_t atr[24];
    size_t atr_len;
    bool contactless;     /* reader answers FF CA (PUPI) */
    bool extended;        /* extended Lc/Le (announced in the ATR) */
    sim_b4_form b4_form;
    sim_common_form common_form;
    uint8_t filler;       /* padding after the object in fixed-size EFs */
    /* Holder text as real cards encode it (U+3000 between the names,
     * full-width digits in the address), in basic-4 and certificates. */
    bool card_text;
    /* A no-data VERIFY on a PIN verified in this session answers 9000
     * instead of the counter (one source); the counter again after reset.
     * Off on every listed variant (variant.c says why). */
    bool verified_query_ok;
} sim_variant;

typedef struct sim_blob {
    uint8_t *p; /* NULL = absent */
    size_t len;
} sim_blob;

typedef struct sim_pin {
    uint8_t value[JPKI_SIGN_PW_MAX];
    size_t len;     /* 0 = no PIN set (deleted or face mode) */
    uint8_t tries;  /* tries left */
} sim_pin;

typedef struct sim_keyslot {
    sim_blob key;          /* active private key (DER) */
    sim_blob cert;         /* active certificate (DER) */
    sim_blob pending_key;  /* generated, not yet activated */
    sim_blob pending_cert; /* UPDATE BINARY buffer */
} sim_keyslot;

/* Everything the state file holds. */
typedef struct sim_persist {
    char persona[32];
    char variant[24];                 /* "" = default (old state files) */
    bool face_mode;
    uint8_t issuer_key[JPKI_ISSUER_KEY_LEN];
    sim_pin pin[JPKI_PIN_COUNT];      /* indexed by jpki_pin_id */
    /* Tries left of PIN A / PIN B of the visual and card-info applications
     * (values derived from the holder data); index sim_ab_pin. */
    uint8_t ab_tries[4];
    sim_keyslot slot[SIM_KEYS];       /* indexed by jpki_key_kind */
    sim_blob ca_cert[SIM_KEYS];       /* auth CA, sign CA */
    char name[128];
    char address[256];
    char birth[9];                    /* YYYYMMDD */
    char sex[2];
    char my_number[13];
    char serial[16];
    char municipality[6];
    char card_expiry[9];              /* YYYYMMDD */
} sim_persist;

/* ---- variant.c ---- */
/* NULL or "" -> the default variant; unknown -> NULL. */
const sim_variant *sim_variant_find(const char *name);
const sim_variant *sim_variant_at(size_t i);

/* ---- state.c ---- */
void sim_persist_free(sim_persist *st);
jpki_rc sim_state_read(const char *path, sim_persist *st, jpki_error *err);
/* Decode state bytes (bounded pre-check, then libcbor, then validation);
 * name is used in messages. */
jpki_rc sim_state_decode(const uint8_t *buf, size_t len, const char *name, sim_persist *st,
                         jpki_error *err);
jpki_rc sim_state_write(const char *path, const sim_persist *st, jpki_error *err);
jpki_rc sim_blob_set(sim_blob *b, const uint8_t *p, size_t len);
void sim_blob_clear(sim_blob *b);

/* ---- the card's state in memory (engine.c) ---- */
/* The persisted state of a loaded card.  A change is written to the state
 * file with the card's next state-changing answer (or never, if none). */
sim_persist *sim_card_state(sim_card *card);
/* A new in-memory card with a deep copy of card's persisted state, as
 * variant v (NULL = card's own), saving to state_path; no session state.
 * NULL when out of memory.  Cheaper than sim_card_load (no key checks). */
sim_card *sim_card_clone(const sim_card *card, const sim_variant *v, const char *state_path);
/* True while an issuer session is open (only the issuer key opens one). */
bool sim_card_issuer_open(const sim_card *card);

/* ---- facts the checkers compare against ---- */
/* Largest retry counter of PIN id (pin.c). */
int sim_pin_max_tries(jpki_pin_id id);
/* Does the certificate's public key equal the private key's? (crypto.c) */
bool sim_cert_matches_key(const sim_blob *cert, const sim_blob *key);

#ifdef __cplusplus
}
#endif
#endif
