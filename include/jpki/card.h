/* JPKI operations on a card behind a transport: select, read certificates,
 * PIN retry counters (without spending a try), VERIFY, signature. */
#ifndef JPKI_CARD_H
#define JPKI_CARD_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jpki/error.h"
#include "jpki/secret.h"
#include "jpki/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jpki_app {
    JPKI_APP_NONE = 0,
    JPKI_APP_JPKI,
    JPKI_APP_CARDINFO,
    JPKI_APP_VISUAL,
    JPKI_APP_REGISTRY,
    JPKI_APP_COMMON
} jpki_app;

typedef enum jpki_cert_kind {
    JPKI_CERT_AUTH = 0,    /* user-authentication certificate (EF 000A) */
    JPKI_CERT_AUTH_CA = 1, /* its CA certificate (EF 000B) */
    JPKI_CERT_SIGN = 2,    /* signature certificate (EF 0001, needs sign PIN) */
    JPKI_CERT_SIGN_CA = 3  /* its CA certificate (EF 0002) */
} jpki_cert_kind;

typedef enum jpki_key_kind { JPKI_KEY_AUTH = 0, JPKI_KEY_SIGN = 1 } jpki_key_kind;

/* A card behind a transport: opaque; made by jpki_card_new, freed by
 * jpki_card_free.  It caches the selected application/EF between commands. */
typedef struct jpki_card jpki_card;

typedef struct jpki_pin_status {
    int tries_left;    /* 0..max; 0 when blocked */
    bool blocked;      /* 6983/6984 or 63C0 */
    bool present;      /* the PIN's application/EF answered */
} jpki_pin_status;

/* A card handle on transport t (not owned: close the transport after
 * jpki_card_free).  Errors: ARG (t NULL), NOMEM. */
JPKI_API jpki_rc jpki_card_new(jpki_transport *t, jpki_card **out, jpki_error *err);
/* Free a handle from jpki_card_new; NULL is a no-op. */
JPKI_API void jpki_card_free(jpki_card *c);
/* The transport the card was made on. */
JPKI_API jpki_transport *jpki_card_transport(const jpki_card *c);

JPKI_API const char *jpki_app_name(jpki_app app);            /* "jpki", "cardinfo", ... */
JPKI_API const char *jpki_cert_kind_name(jpki_cert_kind k);  /* "auth", "auth-ca", "sign", "sign-ca" */
JPKI_API jpki_rc jpki_cert_kind_parse(const char *s, jpki_cert_kind *out, jpki_error *err);

/* SELECT by AID (00 A4 04 0C).  6A82 -> JPKI_ERR_NOT_FOUND
 * (for JPKI_APP_JPKI: JPKI_ERR_NOT_JPKI). */
JPKI_API jpki_rc jpki_select_app(jpki_card *c, jpki_app app, jpki_error *err);
/* SELECT EF by id (00 A4 02 0C 02 xxxx) in the current application. */
JPKI_API jpki_rc jpki_select_ef(jpki_card *c, uint16_t fid, jpki_error *err);

/* READ BINARY of the selected EF: off/len in short APDUs of <= 256 bytes. */
JPKI_API jpki_rc jpki_read_binary(jpki_card *c, size_t off, size_t len, uint8_t *out,
                         size_t *got, jpki_error *err);
/* Read a whole DER object (size from its header, non-minimal lengths
 * accepted) from the selected EF, at most max bytes; *out is malloc'd. */
JPKI_API jpki_rc jpki_read_der(jpki_card *c, size_t max, uint8_t **out, size_t *len,
                      jpki_error *err);

/* Select JPKI and read a certificate.  JPKI_ERR_NOT_FOUND when the EF is
 * empty/absent; the sign certificate needs a verified sign PIN first
 * (6982 -> JPKI_ERR_AUTH). */
JPKI_API jpki_rc jpki_read_cert(jpki_card *c, jpki_cert_kind kind, uint8_t **der,
                       size_t *len, jpki_error *err);

/* A certificate's validity only, from one short READ BINARY of its first
 * 256 bytes (SELECT JPKI and the EF as needed): 3 APDUs where reading the
 * whole certificate takes 7 on a short-APDU card.  Errors as
 * jpki_read_cert. */
JPKI_API jpki_rc jpki_read_cert_validity(jpki_card *c, jpki_cert_kind kind, time_t *not_before,
                                         time_t *not_after, jpki_error *err);

/* Token (EF 0006) as a NUL-terminated string, trailing spaces removed. */
JPKI_API jpki_rc jpki_read_token(jpki_card *c, char *out, size_t n, jpki_error *err);
/* Certificate-availability flags (EF 0008): auth_present, sign_present. */
JPKI_API jpki_rc jpki_read_cert_flags(jpki_card *c, bool *auth_present,
                             bool *sign_present, jpki_error *err);
/* Common record: card serial (15 digits), municipality (5), expiry YYYYMMDD;
 * on cards holding only a 13-character serial, municipality and expiry are "". */
JPKI_API jpki_rc jpki_read_card_id(jpki_card *c, char serial[16], char municipality[6],
                          char expiry[9], jpki_error *err);

/* Retry counter by VERIFY with no data: never spends a try. */
JPKI_API jpki_rc jpki_pin_status_get(jpki_card *c, jpki_pin_id id, jpki_pin_status *st,
                            jpki_error *err);
/* VERIFY.  Checks the format first (no card traffic on a bad format).
 * Wrong PIN -> JPKI_ERR_PIN_WRONG with err->tries_left; blocked ->
 * JPKI_ERR_PIN_BLOCKED. */
JPKI_API jpki_rc jpki_pin_verify(jpki_card *c, jpki_pin_id id, const jpki_secret *pin,
                        jpki_error *err);
/* CHANGE REFERENCE DATA after a VERIFY of the same PIN. */
JPKI_API jpki_rc jpki_pin_change(jpki_card *c, jpki_pin_id id, const jpki_secret *newpin,
                        jpki_error *err);

/* Sign a DER DigestInfo with the active (pending=false) or pending key;
 * the card adds PKCS#1 v1.5 padding.  sig must hold 256 bytes. */
JPKI_API jpki_rc jpki_sign_digestinfo(jpki_card *c, jpki_key_kind key, bool pending,
                             const uint8_t *digestinfo, size_t dlen,
                             uint8_t *sig, size_t *siglen, jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
