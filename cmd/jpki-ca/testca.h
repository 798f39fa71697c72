/* The jpki-tools test CA: two self-signed CAs (user authentication and
 * digital signature) that issue certificates with the JPKI profile.
 * Shared by jpki-ca (issues from CSRs) and jpki-card-sim --new (issues the
 * persona cards' certificates).  Everything here is TEST material: the CA
 * names say so, and nothing checks who asks for a certificate.
 *
 * CA directory layout (see jpki-ca(1)):
 *   auth-ca.key auth-ca.crt sign-ca.key sign-ca.crt   PEM (keys mode 0600)
 *   serial      next serial number, hex (the format openssl ca uses)
 *   index.txt   empty, so `openssl ca` can use the directory too
 *   holders     registry: "BIRTH EXPIRY SUBJECT" per line (YYYY-MM-DD) */
#ifndef JPKI_TESTCA_H
#define JPKI_TESTCA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509.h>

#include "jpki/error.h"

typedef enum testca_kind { TESTCA_AUTH = 0, TESTCA_SIGN = 1 } testca_kind;

/* ---- dates: JPKI validity is counted in Japanese civil days (JST) ---- */

typedef struct testca_date {
    int y, m, d;
} testca_date;

/* "YYYY-MM-DD" or "YYYYMMDD"; checks the day exists. */
jpki_rc testca_date_parse(const char *s, testca_date *out, jpki_error *err);
/* Today's date in Japan. */
testca_date testca_date_today(void);
int testca_date_cmp(testca_date a, testca_date b);
/* "YYYY-MM-DD" (buf >= 11) */
void testca_date_format(testca_date d, char *buf, size_t n);
/* The 5th birthday strictly after `issued` (29 February counts as
 * 28 February in common years). */
testca_date testca_fifth_birthday(testca_date issued, testca_date birth);
/* The JPKI rule: the 5th birthday after issuance, or the card's own expiry
 * (card_expiry may be NULL) if that comes first. */
testca_date testca_validity_end(testca_date issued, testca_date birth,
                                const testca_date *card_expiry);

/* ---- the JPKI subjectAltName (signature certificate) ---- */

#define TESTCA_OID_SAN_NAME    "1.2.392.200149.8.5.5.1"
#define TESTCA_OID_SAN_SEX     "1.2.392.200149.8.5.5.3"
#define TESTCA_OID_SAN_BIRTH   "1.2.392.200149.8.5.5.4"
#define TESTCA_OID_SAN_ADDRESS "1.2.392.200149.8.5.5.5"

typedef struct testca_holder_attrs {
    const char *name;    /* UTF-8 */
    const char *sex;     /* "1" male, "2" female, "9" other */
    const char *birth;   /* YYYYMMDD */
    const char *address; /* UTF-8 */
} testca_holder_attrs;

/* DER GeneralNames with the four otherNames (the extension's value). */
jpki_rc testca_san_build(const testca_holder_attrs *h, uint8_t *buf, size_t cap,
                         size_t *len, jpki_error *err);
/* Find the birth date otherName in a GeneralNames value.  *found=false
 * when there is none; a malformed value is JPKI_ERR_FORMAT. */
jpki_rc testca_san_birth(const uint8_t *san, size_t len, testca_date *birth,
                         bool *found, jpki_error *err);

/* ---- the CA itself ---- */

typedef struct testca testca;

/* Create DIR (if missing) with both CA keys and certificates.  Refuses a
 * directory that already holds a CA. */
jpki_rc testca_create(const char *dir, jpki_error *err);
jpki_rc testca_open(const char *dir, testca **out, jpki_error *err);
void testca_free(testca *ca);
/* DER of the CA certificate of kind k (owned by ca). */
const uint8_t *testca_cert_der(const testca *ca, testca_kind k, size_t *len);

typedef struct testca_request {
    testca_kind kind;
    mbedtls_pk_context *subject_key; /* RSA public key */
    /* Subject: either a parsed name (kept as is, e.g. from a CSR) ... */
    const mbedtls_x509_name *subject_name;
    /* ... or "CN" value with C=JP (used when subject_name is NULL). */
    const char *subject_cn;
    /* ... optionally with L=<municipality in romaji> before the CN (the
     * signature certificate names the holder's municipality). */
    const char *subject_locality;
    const uint8_t *san; /* subjectAltName value (DER GeneralNames) or NULL */
    size_t san_len;
    testca_date not_before; /* 00:00:00 JST */
    testca_date not_after;  /* 23:59:59 JST */
} testca_request;

/* Issue a certificate; takes the next serial from the counter file (locked,
 * updated atomically).  *der is malloc'd. */
jpki_rc testca_issue(testca *ca, const testca_request *rq, uint8_t **der,
                     size_t *len, jpki_error *err);

/* ---- holders registry ---- */

/* Append "subject -> birth, card expiry" (subject as jpki_dn_format
 * prints it). */
jpki_rc testca_holder_add(const char *dir, const char *subject, testca_date birth,
                          testca_date card_expiry, jpki_error *err);
/* Look a subject up; *found=false when absent.  The last entry wins. */
jpki_rc testca_holder_find(const char *dir, const char *subject, testca_date *birth,
                           testca_date *card_expiry, bool *found, jpki_error *err);

/* ---- small helpers shared with the simulator ---- */

/* f_rng for mbedTLS backed by getrandom(2). */
int testca_rng(void *unused, unsigned char *out, size_t len);
/* Generate an RSA-2048 (e=65537) key into an unset pk context. */
jpki_rc testca_genkey(mbedtls_pk_context *pk, jpki_error *err);

#endif
