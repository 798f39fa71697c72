/* Internal types of the card engine (engine.h is the public face,
 * sim_state.h the persisted state its white-box tests see). */
#ifndef JPKI_CARD_SIM_SIM_H
#define JPKI_CARD_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/apdu.h"
#include "jpki/card.h"
#include "jpki/error.h"
#include "jpki/profile.h"
#include "jpki/secret.h"

#include "engine.h"
#include "sim_state.h"

/* Status words the engine answers. */
enum {
    SW_OK = 0x9000,
    SW_EOF_WARNING = 0x6282,
    SW_VERIFY_FAILED = 0x6300,
    SW_MEMORY_FAILURE = 0x6581,
    SW_WRONG_LENGTH = 0x6700,
    SW_INCOMPATIBLE_FILE = 0x6981,
    SW_SECURITY = 0x6982,
    SW_BLOCKED = 0x6984,
    SW_CONDITIONS = 0x6985,
    SW_NO_CURRENT_EF = 0x6986,
    SW_WRONG_DATA = 0x6A80,
    SW_FUNC_NOT_SUPPORTED = 0x6A81,
    SW_NOT_FOUND = 0x6A82,
    SW_NO_SPACE = 0x6A84,
    SW_NOT_FOUND_RECORD = 0x6A83,
    SW_WRONG_P1P2 = 0x6A86,
    SW_DATA_NOT_FOUND = 0x6A88,
    SW_WRONG_OFFSET = 0x6B00,
    SW_INS_NOT_SUPPORTED = 0x6D00,
    SW_CLA_NOT_SUPPORTED = 0x6E00,
    SW_UNKNOWN = 0x6F00
};

#define SIM_KEY_DER_MAX 2048
/* Room for one extended-length answer (Ne up to 65536). */
#define SIM_RESP_MAX 65536


/* Response under construction. */
typedef struct sim_out {
    uint8_t data[SIM_RESP_MAX];
    size_t len;
} sim_out;

struct sim_card {
    char *path;
    sim_persist st;
    const sim_variant *v;
    /* Volatile (dropped by a power cycle). */
    jpki_app app;
    uint16_t ef;                      /* 0 = none */
    bool verified[JPKI_PIN_COUNT];
    bool ab_verified[4];
    bool issuer;                      /* issuer session open */
    bool challenge_valid;
    uint8_t challenge[JPKI_CHALLENGE_LEN];
    uint8_t pending_resp[SIM_RESP_MAX]; /* GET RESPONSE data */
    size_t pending_len, pending_off;
    sim_out out;                      /* the answer being built (64 KB, kept off the stack) */
};


/* PIN A / PIN B of the visual and card-info applications. */
typedef enum { SIM_AB_VISUAL_A, SIM_AB_VISUAL_B, SIM_AB_CARDINFO_A, SIM_AB_CARDINFO_B } sim_ab_pin;
#define SIM_AB_TRIES 10

/* ---- state.c (the codec is in sim_state.h) ---- */
/* Write c->st to c->path; false (and a message on stderr-free err) if it failed. */
bool sim_commit(sim_card *c);

/* ---- pin.c ---- */
bool sim_pin_format_ok(jpki_pin_id id, const uint8_t *p, size_t len);
/* The PIN EF (in the current application) -> PIN id; false if not a PIN EF. */
bool sim_pin_for_ef(jpki_app app, uint16_t ef, jpki_pin_id *id);
uint16_t sim_verify(sim_card *c, const jpki_apdu *a);
uint16_t sim_change_ref(sim_card *c, const jpki_apdu *a);

/* ---- app_jpki.c / app_others.c ---- */
bool sim_jpki_ef_exists(uint16_t ef);
uint16_t sim_jpki_read(sim_card *c, const jpki_apdu *a, sim_out *out);
uint16_t sim_sign(sim_card *c, const jpki_apdu *a, sim_out *out);
bool sim_other_ef_exists(jpki_app app, uint16_t ef);
uint16_t sim_other_read(sim_card *c, const jpki_apdu *a, sim_out *out);
/* PIN A / PIN B EF of the current application -> sim_ab_pin. */
bool sim_ab_for_ef(jpki_app app, uint16_t ef, int *ab);
/* Card-info EF 0012: a PIN that answers 63C0 / 6984 on every card seen. */
bool sim_is_dead_pin_ef(jpki_app app, uint16_t ef);
/* Value of PIN A (12-digit My Number) / PIN B (birth YYMMDD + expiry
 * year + security code); returns its length. */
size_t sim_ab_value(const sim_persist *st, int ab, char out[16]);
/* Re-encode holder text as real cards hold it: ASCII space -> U+3000,
 * ASCII digits -> full-width.  Returns false if it does not fit. */
bool sim_card_text(const char *in, char *out, size_t cap);
/* Basic-4 as the card encodes it (variant's outer length form). */
size_t sim_basic4(const sim_card *c, uint8_t *out);
/* READ RECORD (common application record EF). */
uint16_t sim_read_record(sim_card *c, const jpki_apdu *a, sim_out *out);
/* Short EF identifier (READ BINARY P1 = 80|SFI) -> EF id in the current
 * application; false if the SFI names no EF there. */
bool sim_ef_for_sfi(jpki_app app, uint8_t sfi, uint16_t *ef);
/* Copy [off, off+ne) of an EF into out following READ BINARY rules: the
 * EF has physical size efsize (>= clen), content then the variant's filler;
 * a read running past the end answers the remaining bytes with 9000, an
 * offset at or beyond the end 6B00. */
uint16_t sim_read_ef(const sim_card *c, const uint8_t *content, size_t clen, size_t efsize,
                     const jpki_apdu *a, sim_out *out);
/* The whole EF is its content (no padding). */
uint16_t sim_read_slice(const sim_card *c, const uint8_t *content, size_t clen, const jpki_apdu *a,
                        sim_out *out);
/* Key slot behind a key EF / certificate EF of JPKI; -1 if none. */
int sim_slot_for_key_ef(uint16_t ef);
int sim_slot_for_cert_ef(uint16_t ef);

/* ---- issuance.c ---- */
uint16_t sim_get_challenge(sim_card *c, const jpki_apdu *a, sim_out *out);
uint16_t sim_mutual_auth(sim_card *c, const jpki_apdu *a, sim_out *out);
uint16_t sim_gen_keypair(sim_card *c, const jpki_apdu *a, sim_out *out);
uint16_t sim_update_binary(sim_card *c, const jpki_apdu *a);
uint16_t sim_activate(sim_card *c, const jpki_apdu *a);
uint16_t sim_reset_retry(sim_card *c, const jpki_apdu *a);
uint16_t sim_disable_verif(sim_card *c, const jpki_apdu *a);
uint16_t sim_enable_verif(sim_card *c, const jpki_apdu *a);
uint16_t sim_get_data(sim_card *c, const jpki_apdu *a, sim_out *out);
/* May this key be used now (PIN verified, or face-mode issuer exception)? */
bool sim_key_usable(const sim_card *c, int slot, bool pending);

/* ---- crypto.c ---- */
/* PKCS#1 v1.5 signature of a DigestInfo with a DER private key. */
uint16_t sim_rsa_sign(const sim_blob *key, const uint8_t *in, size_t inlen, uint8_t sig[256]);
/* Public key of a DER private key as 7F49 { 81 n, 82 e }. */
uint16_t sim_pubkey_tlv(const sim_blob *key, sim_out *out);
/* Length of the DER object at p (header included), 0 if malformed. */
size_t sim_der_total_len(const uint8_t *p, size_t avail);
/* Generate an RSA-2048 key as DER. */
jpki_rc sim_genkey_der(sim_blob *out, jpki_error *err);

#endif
