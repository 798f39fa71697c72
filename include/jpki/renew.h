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
#include <stdio.h>

#include "jpki/card.h"
#include "jpki/error.h"
#include "jpki/issuer.h"
#include "jpki/journal.h"
#include "jpki/pubkey.h"
#include "jpki/secret.h"
#include "jpki/transport.h"

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

/* What a renewal works with: plain data, copied by jpki_renewal_new.  Set
 * size to sizeof(jpki_renewal_opts); fields are only ever appended, so a
 * caller built against an older, shorter struct keeps working (the missing
 * fields read as zero). */
typedef struct jpki_renewal_opts {
    size_t size;
    jpki_card *card;            /* required; not owned */
    jpki_journal *journal;      /* NULL: no journal; not owned */
    jpki_ca_issue_fn ca;        /* NULL: stop after the CSR (request mode) */
    void *ca_ctx;
    /* Step names as they happen ("verify", "generate", "csr", "ca", ...);
     * may be NULL. */
    void (*progress)(void *ctx, jpki_key_kind kind, const char *step);
    void *progress_ctx;
    /* The holder's data, read by the caller (jpki_read_holder, with the
     * card-info PIN) when the card has no signature certificate to copy it
     * from; NULL otherwise; not owned.  Read it before verifying the JPKI
     * PINs: the card forgets verified PINs when another application is
     * selected. */
    const jpki_holder *holder;
} jpki_renewal_opts;

/* One card's renewal state (opaque). */
typedef struct jpki_renewal jpki_renewal;

/* A renewal for o->card.  JPKI_ERR_ARG when o, o->card or o->size is
 * missing or o->size is smaller than the first release's struct. */
JPKI_API jpki_rc jpki_renewal_new(const jpki_renewal_opts *o, jpki_renewal **out,
                                  jpki_error *err);
/* Frees the certificates read back too; the card and journal are not
 * touched.  NULL is a no-op. */
JPKI_API void jpki_renewal_free(jpki_renewal *rn);
/* The card serial (the journal's key), "" before jpki_renew_identify. */
JPKI_API const char *jpki_renewal_serial(const jpki_renewal *rn);
/* The certificate the steps that activate a key (install, activate,
 * confirm) read back from the card, as the card holds it; NULL (and *len
 * 0) when none yet.  Owned by rn: valid until the next step or free. */
JPKI_API const uint8_t *jpki_renewal_active_cert(const jpki_renewal *rn, jpki_key_kind kind,
                                                 size_t *len);

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

/* What the card says about key kind: GET DATA DF30 (issuer session) and,
 * on a face-authentication card, JPKI_ERR_STATE for the signature key
 * (there is none and none can be made) -- the authentication key is
 * renewed there with the issuer session alone.  When pub is not NULL and
 * a key is pending, that key read back into pub (made by the caller with
 * jpki_pubkey_new, who frees it) and its fingerprint into
 * view->pending_fp.  Reading the pending key needs the issuer session and
 * the key's PIN verified (on a face card: the issuer session). */
JPKI_API jpki_rc jpki_renew_key_view(jpki_card *c, jpki_key_kind kind, jpki_card_key_view *view,
                            jpki_pubkey *pub, jpki_error *err);

/* Generate a pending key (generate=true) or reuse the one on the card, and
 * build the CSR for it, signed by the card (issuer session and the key's
 * PIN needed).  Subject and subjectAltName come from the key's current
 * certificate.  For the signature key, when that certificate is absent, the
 * subject is the authentication certificate's and the subjectAltName is
 * made from rn->holder (JPKI_ERR_STATE when that is NULL).  pub (from jpki_pubkey_new; the caller
 * frees it) receives the pending key.  Journal: pending-key, csr. */
JPKI_API jpki_rc jpki_renew_request(jpki_renewal *rn, jpki_key_kind kind, bool generate,
                           jpki_pubkey *pub, uint8_t **csr, size_t *csr_len,
                           jpki_error *err);

/* Is cert (DER) fit for the pending key pub: parses, same public key, chain
 * verifies against the CA certificate on the card (EF 000B / 0002)? */
JPKI_API jpki_rc jpki_renew_check_issued(jpki_card *c, jpki_key_kind kind,
                                const jpki_pubkey *pub,
                                const uint8_t *cert, size_t len, jpki_error *err);

/* check_issued, journal cert-issued, UPDATE BINARY, ACTIVATE, journal
 * activated, read the certificate back and compare. */
JPKI_API jpki_rc jpki_renew_install(jpki_renewal *rn, jpki_key_kind kind,
                           const jpki_pubkey *pub,
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
                             const jpki_pubkey *pub,
                             uint8_t **cert, size_t *cert_len, jpki_error *err);

/* ---- signals during a renewal ---- */

/* For a SIGINT/SIGTERM/SIGHUP handler (async-signal-safe): true when a
 * renewal in this process is giving a key a new certificate (from the
 * pending key to the certificate written); the signal is then noted and
 * every such renewal stops at its next safe point -- before the CA is
 * asked, or after the issued certificate is in the journal -- failing with
 * JPKI_ERR_IO "interrupted by SIG..." and its key pending (resumable).
 * Without a journal the issued certificate is installed first, so that it
 * is not lost.  false: nothing would be left half-done; the caller acts on
 * the signal as usual. */
JPKI_API bool jpki_renew_interrupt(int sig);
/* The signal noted by jpki_renew_interrupt, or 0. */
JPKI_API int jpki_renew_interrupted(void);
/* Set err to "interrupted by SIGxxx <when>" (JPKI_ERR_IO) and return that
 * code: the one wording of an interruption, for a CA callback too. */
JPKI_API jpki_rc jpki_renew_interrupted_error(jpki_error *err, const char *when);

/* ---- the PIN sequence of a renewal ---- */

#define JPKI_KIND_BIT(k) (1u << (k))
#define JPKI_KINDS_BOTH (JPKI_KIND_BIT(JPKI_KEY_AUTH) | JPKI_KIND_BIT(JPKI_KEY_SIGN))
#define JPKI_PIN_BIT(id) (1u << (id))

/* Where the PINs come from: the PIN id for card serial into *out. */
typedef jpki_rc (*jpki_renew_pin_fn)(void *ctx, const char *serial, jpki_pin_id id,
                                     jpki_secret *out, jpki_error *err);

typedef struct jpki_renew_pin_plan {
    const char *serial;
    unsigned need;             /* JPKI_PIN_BIT set */
    bool force;                /* allow spending a last try */
    bool proxy;                /* form PINs: a mismatch means a document inquiry */
    jpki_renew_pin_fn get_pin;
    void *pin_ctx;
    /* Before any counter is read: refuse a PIN known to be wrong (the
     * journal's record of rejected PINs); NULL: none.  Called after the
     * card refused a PIN, with that PIN, so it can be remembered. */
    jpki_rc (*screen)(void *ctx, jpki_pin_id id, const jpki_secret *pin, jpki_error *err);
    void (*rejected)(void *ctx, jpki_pin_id id, const jpki_secret *pin);
    void *screen_ctx;
} jpki_renew_pin_plan;

typedef struct jpki_renew_pin_outcome {
    unsigned rejected;         /* JPKI_PIN_BIT of the PIN the card refused */
    bool inquiry_needed;       /* proxy and a form PIN did not match */
    bool have_holder;          /* the card-info PIN was verified and holder read */
    jpki_holder holder;
} jpki_renew_pin_outcome;

/* Read and format-check every needed PIN (no card traffic), screen them,
 * check every retry counter (no try spent), then one VERIFY each, the
 * card-info PIN first (the holder's data is read right after it).  The
 * first failure stops.  Every PIN message of a renewal is worded here. */
JPKI_API jpki_rc jpki_renew_pins(jpki_card *card, const jpki_renew_pin_plan *p,
                        jpki_renew_pin_outcome *out, jpki_error *err);

/* ---- one card through a renewal mode (jpki-renew(1)) ---- */

typedef enum jpki_renew_mode {
    JPKI_RENEW_MODE_RENEW,   /* the whole way, via the CA callback */
    JPKI_RENEW_MODE_REQUEST, /* up to the CSR (written to csr_out); the key stays pending */
    JPKI_RENEW_MODE_INSTALL, /* certificates from install_input; finish */
    JPKI_RENEW_MODE_RESUME   /* from the card's (and journal's) pending state */
} jpki_renew_mode;

typedef struct jpki_renew_card_opts {
    jpki_renew_mode mode;
    unsigned kinds;           /* JPKI_KIND_BIT set; 0 = automatic (install/resume: both) */
    bool proxy;               /* PINs from the inquiry form: one VERIFY each, stop on mismatch */
    bool force;               /* allow spending a PIN's last try */
    bool retry_rejected_pin;  /* VERIFY again a PIN the journal saw refused */
    const jpki_issuer_key *issuer;
    jpki_journal *journal;    /* may be NULL */
    jpki_ca_issue_fn ca;      /* NULL: write CSRs instead (request; resume without a CA) */
    void *ca_ctx;
    jpki_renew_pin_fn get_pin;
    void *pin_ctx;
    const uint8_t *install_input; /* install: the certificates */
    size_t install_len;
    FILE *csr_out;            /* where CSR PEMs go */
    /* what: "issuer authentication", "PINs", "auth: csr", ... */
    void (*progress)(void *ctx, const char *serial, const char *what);
    void *progress_ctx;
    /* A face-authentication card has no PIN: the counter's identity check
     * (the holder's face or a visual check by staff; for a proxy, the
     * inquiry-and-answer form) takes the place of the VERIFY.  Called once
     * per card that is one, or is to become one (to_face), after the plan
     * and before anything on the card changes, naming the card; JPKI_OK
     * goes on, anything else stops this card with that error.  NULL: such
     * cards are refused (JPKI_ERR_ARG).  Only the authentication
     * certificate is renewed on them; a signature certificate asked for by
     * name is refused (JPKI_ERR_STATE, face_sign_refused). */
    jpki_rc (*confirm_identity)(void *ctx, const char *serial, const char *reader,
                                bool to_face, jpki_error *err);
    void *confirm_ctx;
    /* A proxy whose inquiry-and-answer form sets no PIN: switch the card to
     * face authentication first (journal face-mode, then the card command),
     * then renew the authentication certificate with no PIN.  A PIN card
     * generates a key only with that key's PIN verified and the form gives
     * none; in face mode the issuer session suffices.  Resume reads this
     * intent from the journal. */
    bool to_face;
} jpki_renew_card_opts;

typedef enum jpki_renew_outcome {
    JPKI_RENEW_DONE,       /* everything asked for is done */
    JPKI_RENEW_PENDING,    /* request written: the card waits for its certificates */
    JPKI_RENEW_SKIPPED,    /* the journal says this card's asked-for keys are done */
    JPKI_RENEW_NOTHING,    /* resume: nothing pending */
    JPKI_RENEW_FAILED
} jpki_renew_outcome;

typedef struct jpki_renew_card_result {
    char serial[16];
    jpki_renew_outcome outcome;
    jpki_rc rc;
    jpki_error err;
    bool left_pending;        /* a failure left a pending key: resumable */
    bool inquiry_needed;      /* proxy: a form PIN did not match */
    unsigned renewed;         /* JPKI_KIND_BIT of keys whose new certificate is active */
    char line[2][200];        /* per key: what happened, for a summary */
    bool face_card;           /* a face-authentication card (or made one here) */
    bool switched_to_face;    /* this run switched it (to_face) */
    bool face_sign_refused;   /* a signature certificate was asked of a face card */
    unsigned done_before;     /* JPKI_KIND_BIT: renewed already, per the journal */
    char line_c[2][200];      /* line in English, times in UTC: for machine output */
} jpki_renew_card_result;

/* Identify the card, look it up in the journal, issuer authentication,
 * plan each key, the PINs (jpki_renew_pins), then each key; journal
 * started / done / failed.  expect_serial (may be NULL): the card must be
 * this one.  t is begun and ended (reset) here, not closed. */
JPKI_API void jpki_renew_card(const jpki_renew_card_opts *o, jpki_transport *t, const char *reader,
                     const char *expect_serial, jpki_renew_card_result *res);

#ifdef __cplusplus
}
#endif
#endif
