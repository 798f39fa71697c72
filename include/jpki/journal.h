/* The renewal journal: an append-only CBOR file recording every step of
 * every card's renewal, fsync'd as it goes, so that a crashed or killed
 * batch resumes where it stopped and never renews a card twice.
 *
 * File format (jpki-renew(1), JOURNAL): a CBOR sequence (RFC 8742) of
 * definite-length maps with text keys, one map per record:
 *   "v"      uint   format version (1) -- first record only, "step":"journal"
 *   "step"   text   journal | started | pending-key | csr | cert-issued |
 *                   activated | done | failed | pin-rejected | face-mode
 *   "time"   uint   seconds since the epoch
 *   "card"   text   card serial (15 digits) -- every record but the first
 *   "reader" text   reader name (started)
 *   "kinds"  uint   keys this attempt renews, bit 0 auth, bit 1 sign (started);
 *                   on done: the keys that were renewed
 *   "kind"   text   "auth" | "sign" (key steps)
 *   "key"    bytes  SHA-256 of the pending key's SubjectPublicKeyInfo
 *   "der"    bytes  the CSR (csr) or the certificate (cert-issued)
 *   "error"  text   one-line reason (failed)
 * Unknown keys are skipped, so later versions can add fields.
 *
 * Reading is bounded: the file, every record and every string have limits
 * below, and only libcbor's streaming decoder is used (never cbor_load). */
#ifndef JPKI_JOURNAL_H
#define JPKI_JOURNAL_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/card.h"
#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JPKI_JOURNAL_MAX_FILE (64u * 1024u * 1024u)
#define JPKI_JOURNAL_MAX_DER 8192u   /* CSR or certificate in one record */
#define JPKI_JOURNAL_MAX_TEXT 255u   /* any text value */
#define JPKI_JOURNAL_MAX_PAIRS 16u   /* keys per record */
#define JPKI_JOURNAL_FP_LEN 32
#define JPKI_JOURNAL_PIN_SALT_LEN 16
#define JPKI_JOURNAL_MAX_REJECTED 8  /* rejected PINs remembered per card */

typedef enum jpki_journal_step {
    JPKI_STEP_NONE = 0,
    JPKI_STEP_JOURNAL,     /* file header */
    JPKI_STEP_STARTED,
    JPKI_STEP_PENDING_KEY,
    JPKI_STEP_CSR,
    JPKI_STEP_CERT_ISSUED,
    JPKI_STEP_ACTIVATED,
    JPKI_STEP_DONE,
    JPKI_STEP_FAILED,
    /* The card refused a PIN: "key" = HMAC-SHA256 keyed with a random salt
     * of the PIN id byte and the PIN, "der" = the 16-byte salt then the PIN
     * id byte.  Never the PIN itself.  A rerun does not VERIFY a PIN that
     * matches one of these again. */
    JPKI_STEP_PIN_REJECTED,
    /* This attempt turns the card into a face-authentication card (a proxy
     * whose inquiry-and-answer form sets no PIN), written before the switch:
     * a resume finds the intent here and the switch's outcome on the card. */
    JPKI_STEP_FACE_MODE
} jpki_journal_step;

/* The step's name as written in the journal; "?" for an unknown value.
 * Static storage, never NULL. */
JPKI_API const char *jpki_journal_step_name(jpki_journal_step s);

typedef struct jpki_journal_record {
    jpki_journal_step step;
    uint64_t time;
    char card[16];          /* "" on the header */
    char reader[JPKI_JOURNAL_MAX_TEXT + 1];
    int kind;               /* jpki_key_kind, or -1 */
    unsigned kinds;         /* started/done: bit (1 << jpki_key_kind); 0 = not said */
    bool has_key;
    uint8_t key[JPKI_JOURNAL_FP_LEN];
    const uint8_t *der;     /* points into the caller's/reader's buffer */
    size_t der_len;
    char error[JPKI_JOURNAL_MAX_TEXT + 1];
} jpki_journal_record;

/* An empty record (kind -1, time 0) to fill in. */
JPKI_API void jpki_journal_record_init(jpki_journal_record *r, jpki_journal_step step,
                              const char *card);

/* Parse a journal image.  Calls visit for each complete, valid record.
 * A record cut short at the end of the buffer (a write interrupted by a
 * crash), or a tail of zero bytes (a file system that extended the file but
 * never wrote the data), is tolerated: *torn_tail is set and *valid_len is
 * where the intact prefix ends.  Anything malformed before that is
 * JPKI_ERR_FORMAT naming the byte offset; limits exceeded: JPKI_ERR_LIMIT. */
typedef jpki_rc (*jpki_journal_visit_fn)(void *ctx, const jpki_journal_record *r,
                                         jpki_error *err);
JPKI_API jpki_rc jpki_journal_parse(const uint8_t *buf, size_t len, jpki_journal_visit_fn visit,
                           void *ctx, size_t *valid_len, bool *torn_tail, jpki_error *err);

/* Encode one record (CBOR map) into a malloc'd buffer. */
JPKI_API jpki_rc jpki_journal_encode(const jpki_journal_record *r, uint8_t **out, size_t *len,
                            jpki_error *err);

/* ---- per-card state folded from the records ---- */

typedef struct jpki_journal_key_state {
    jpki_journal_step last;   /* last step recorded for this key */
    bool has_key;             /* fingerprint of the pending key recorded */
    uint8_t key[JPKI_JOURNAL_FP_LEN];
    uint8_t *cert;            /* issued certificate for that key, or NULL */
    size_t cert_len;
} jpki_journal_key_state;

typedef struct jpki_journal_card_state {
    char card[16];
    jpki_journal_step last;   /* started, done or failed (card-level steps) */
    unsigned kinds;           /* keys the last started attempt set out to renew */
    jpki_journal_key_state key[2];
    char error[JPKI_JOURNAL_MAX_TEXT + 1];
    /* bit (1 << jpki_key_kind) of every key a done record says was renewed:
     * those are never renewed again; the other kind still can be. */
    unsigned done_kinds;
    /* PINs this card refused (pin-rejected records), the latest last. */
    struct {
        int pin;              /* jpki_pin_id */
        uint8_t salt[JPKI_JOURNAL_PIN_SALT_LEN];
        uint8_t mac[JPKI_JOURNAL_FP_LEN];
    } rejected[JPKI_JOURNAL_MAX_REJECTED];
    unsigned n_rejected;
    /* The last attempt set out to switch the card to face authentication
     * (a face-mode record after its started record). */
    bool to_face;
} jpki_journal_card_state;

/* Free the certificates *s owns and clear the pointers; NULL is a no-op. */
JPKI_API void jpki_journal_card_state_free(jpki_journal_card_state *s);

/* ---- the open journal file ---- */

typedef struct jpki_journal jpki_journal;

/* Open (create 0600 if missing) and read the journal, then cut off a torn
 * tail so new records follow intact ones.  The file is locked (flock) for
 * the life of the handle: a second process gets JPKI_ERR_STATE. */
JPKI_API jpki_rc jpki_journal_open(const char *path, jpki_journal **out, jpki_error *err);
/* Close the journal file (releasing its lock) and free the handle with the
 * card states it holds; NULL is a no-op. */
JPKI_API void jpki_journal_close(jpki_journal *j);
/* Bytes of an interrupted last record that jpki_journal_open cut off (0 if
 * none), so the caller can say so. */
JPKI_API size_t jpki_journal_dropped_bytes(const jpki_journal *j);

/* Append one record (time filled in when 0), write it whole and fsync.
 * Thread-safe: the batch's reader threads share one journal. */
JPKI_API jpki_rc jpki_journal_append(jpki_journal *j, const jpki_journal_record *r,
                            jpki_error *err);

/* Copy of what the journal knows about card serial (found=false when
 * nothing).  Free with jpki_journal_card_state_free. */
JPKI_API jpki_rc jpki_journal_lookup(jpki_journal *j, const char *serial,
                            jpki_journal_card_state *out, bool *found, jpki_error *err);

/* ---- resume decisions (pure) ---- */

/* What the card says about one key (GET DATA DF30 + the pending key read back). */
typedef struct jpki_card_key_view {
    bool active;
    bool pending;
    bool pending_cert;        /* pending certificate bytes were written */
    bool have_fp;             /* pending_fp was read from the card */
    uint8_t pending_fp[JPKI_JOURNAL_FP_LEN]; /* valid when have_fp */
} jpki_card_key_view;

typedef enum jpki_resume_action {
    JPKI_RESUME_SKIP_DONE,  /* the journal says this key was renewed: never again */
    JPKI_RESUME_GENERATE,   /* nothing in flight: start with a new key pair */
    JPKI_RESUME_REQUEST,    /* pending key, no certificate for it: new CSR, CA again */
    JPKI_RESUME_INSTALL,    /* the journal holds the certificate for the pending key */
    JPKI_RESUME_ACTIVATE,   /* certificate bytes already on the card: ACTIVATE
                             * (the card checks they match the pending key) */
    JPKI_RESUME_CONFIRM     /* the journal's certificate should be active now:
                             * read it back; a mismatch is JPKI_ERR_STATE */
} jpki_resume_action;

/* A short English name for the action ("generate", "install", ...) for
 * messages; static storage, never NULL. */
JPKI_API const char *jpki_resume_action_name(jpki_resume_action a);

/* js may be NULL (no journal, or nothing about this card). */
JPKI_API jpki_resume_action jpki_resume_decide(const jpki_journal_card_state *js,
                                      jpki_key_kind kind,
                                      const jpki_card_key_view *card);

#ifdef __cplusplus
}
#endif
#endif
