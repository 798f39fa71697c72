/* Certificate renewal on the card, step by step (jpki-renew(1)):
 *   retry counter -> VERIFY -> GENERATE KEY PAIR (pending) -> CSR signed by
 *   the card with the pending key -> CA -> check the certificate (key equals
 *   the pending key, chain verifies against the CA certificate on the card)
 *   -> UPDATE BINARY -> ACTIVATE -> read back and compare.
 * Each step that a resumed run depends on is recorded in the journal (when
 * one is given) before the next step runs.  The card keeps its old key and
 * certificate until ACTIVATE replaces both at once, so an interruption at
 * any point leaves a valid card and a resumable pending state. */
#ifndef JPKI_RENEW_H
#define JPKI_RENEW_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/rsa.h>

#include "jpki/card.h"
#include "jpki/error.h"
#include "jpki/issuer.h"
#include "jpki/journal.h"
#include "jpki/secret.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CA: answer a CSR (DER) with the certificate, as PEM (possibly with
 * its chain) or DER, in a malloc'd buffer; the renewal picks the
 * certificate for the pending key out of it.  Called once per certificate.
 * card_serial is informational. */
typedef jpki_rc (*jpki_ca_issue_fn)(void *ctx, jpki_key_kind kind,
                                    const char *card_serial,
                                    const uint8_t *csr, size_t csr_len,
                                    uint8_t **out, size_t *out_len,
                                    jpki_error *err);

/* The holder's basic-4 data from the card-info input support application
 * (EF 0002; needs the card-info PIN verified), for a signature certificate
 * issued again when the card has none to copy the holder's data from. */
typedef struct jpki_holder {
    char name[256];    /* UTF-8 */
    char address[512]; /* UTF-8 */
    char birth[9];     /* YYYYMMDD */
    char sex[2];       /* "1", "2" or "9" */
} jpki_holder;

/* Read the holder's name, address, birth date and sex from the card-info
 * application into *h (zeroed first, caller-owned).  Errors are prefixed
 * with what was being read. */
JPKI_API jpki_rc jpki_read_holder(jpki_card *c, jpki_holder *h, jpki_error *err);
/* DER GeneralNames of otherNames 1.2.392.200149.8.5.5.1 (name), .3 (sex),
 * .4 (birth date), .5 (address), UTF8String values; *san malloc'd. */
JPKI_API jpki_rc jpki_holder_san(const jpki_holder *h, uint8_t **san, size_t *san_len, jpki_error *err);

typedef struct jpki_renewal {
    jpki_card *card;
    jpki_journal *journal;      /* NULL: no journal */
    char serial[16];            /* card serial: the journal's key */
    char reader[128];
    jpki_ca_issue_fn ca;        /* NULL: stop after the CSR (request mode) */
    void *ca_ctx;
    /* Step names as they happen ("verify", "generate", "csr", "ca", ...);
     * may be NULL. */
    void (*progress)(void *ctx, jpki_key_kind kind, const char *step);
    void *progress_ctx;
    /* The holder's data, read by the caller (jpki_read_holder, with the
     * card-info PIN) when the card has no signature certificate to copy it
     * from; NULL otherwise.  Read it before verifying the JPKI PINs: the
     * card forgets verified PINs when another application is selected. */
    const jpki_holder *holder;
    /* Filled by the steps that read a key's certificate back after it
     * became active (install, activate, confirm): the DER as the card
     * holds it, owned here; free with jpki_renewal_clear. */
    uint8_t *active_cert[2];
    size_t active_cert_len[2];
} jpki_renewal;

/* Free the certificates the renewal read back (active_cert[]) and reset
 * their lengths; the card and journal it points to are not touched. */
JPKI_API void jpki_renewal_clear(jpki_renewal *rn);

/* Card serial from the common record (the journal key). */
JPKI_API jpki_rc jpki_renew_identify(jpki_renewal *rn, jpki_error *err);

/* The PIN rules of a renewal: blocked -> JPKI_ERR_PIN_BLOCKED (message
 * points to jpki-reset-pin); one try left and !force ->
 * JPKI_ERR_PIN_LAST_TRY before any VERIFY.  Never spends a try. */
JPKI_API jpki_rc jpki_renew_check_pin(jpki_card *c, jpki_pin_id id, bool force,
                             jpki_pin_status *st, jpki_error *err);
/* check_pin, then exactly one VERIFY. */
JPKI_API jpki_rc jpki_renew_verify_pin(jpki_card *c, jpki_pin_id id, const jpki_secret *pin,
                              bool force, jpki_error *err);

/* The PIN guarding a key: auth key <- auth PIN, sign key <- sign password. */
JPKI_API jpki_pin_id jpki_renew_pin_for(jpki_key_kind kind);
JPKI_API const char *jpki_key_kind_name(jpki_key_kind kind); /* "auth" / "sign" */

/* What the card says about key kind: GET DATA DF30 (no conditions) and,
 * when pub is not NULL and a key is pending, that key read back into pub
 * (public part only; the caller has run mbedtls_rsa_init on it and frees
 * it) and its fingerprint into view->pending_fp.  Reading the pending key
 * needs the issuer session and the key's PIN verified. */
JPKI_API jpki_rc jpki_renew_key_view(jpki_card *c, jpki_key_kind kind, jpki_card_key_view *view,
                            mbedtls_rsa_context *pub, jpki_error *err);

/* Generate a pending key (generate=true) or reuse the one on the card, and
 * build the CSR for it, signed by the card (issuer session and the key's
 * PIN needed).  Subject and subjectAltName come from the key's current
 * certificate.  For the signature key, when that certificate is absent, the
 * subject is the authentication certificate's and the subjectAltName is
 * made from rn->holder (JPKI_ERR_STATE when that is NULL).  pub (mbedtls_rsa_init'd by the caller, who
 * frees it) receives the pending key.  Journal: pending-key, csr. */
JPKI_API jpki_rc jpki_renew_request(jpki_renewal *rn, jpki_key_kind kind, bool generate,
                           mbedtls_rsa_context *pub, uint8_t **csr, size_t *csr_len,
                           jpki_error *err);

/* Is cert (DER) fit for the pending key pub: parses, same public key, chain
 * verifies against the CA certificate on the card (EF 000B / 0002)? */
JPKI_API jpki_rc jpki_renew_check_issued(jpki_card *c, jpki_key_kind kind,
                                const mbedtls_rsa_context *pub,
                                const uint8_t *cert, size_t len, jpki_error *err);

/* check_issued, journal cert-issued, UPDATE BINARY, ACTIVATE, journal
 * activated, read the certificate back and compare. */
JPKI_API jpki_rc jpki_renew_install(jpki_renewal *rn, jpki_key_kind kind,
                           const mbedtls_rsa_context *pub,
                           const uint8_t *cert, size_t len, jpki_error *err);

/* The certificate bytes are already on the card (an interrupted install):
 * ACTIVATE (the card refuses a certificate that does not match the pending
 * key: JPKI_ERR_CERT and the key stays pending), then read back and check
 * the chain. */
JPKI_API jpki_rc jpki_renew_activate_written(jpki_renewal *rn, jpki_key_kind kind,
                                    jpki_error *err);

/* The active certificate must be cert (the journal's): JPKI_ERR_STATE if not. */
JPKI_API jpki_rc jpki_renew_confirm(jpki_renewal *rn, jpki_key_kind kind,
                           const uint8_t *cert, size_t len, jpki_error *err);

/* One key, whole way or from where the card and journal say it stopped.
 * js: the journal's view of this card (NULL: none).  fresh=false (resume
 * mode) refuses to start a key that has nothing pending:
 * JPKI_ERR_STATE "nothing to resume".  *did says what was done. */
JPKI_API jpki_rc jpki_renew_key(jpki_renewal *rn, jpki_key_kind kind,
                       const jpki_journal_card_state *js, bool fresh,
                       jpki_resume_action *did, jpki_error *err);

/* Pick the certificate for key pub out of a PEM bundle or DER blob (a CA
 * may add its chain).  *cert is malloc'd; JPKI_ERR_CERT when none fits. */
JPKI_API jpki_rc jpki_renew_pick_cert(const uint8_t *buf, size_t len,
                             const mbedtls_rsa_context *pub,
                             uint8_t **cert, size_t *cert_len, jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
