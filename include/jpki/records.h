/* Card-status records: the one record schema every jpki-* tool shares
 * (jpki-status writes them, jpki-expiry-check filters them, jpki-renew
 * --batch reads them).  Encoded as JSON (one object per line) or as a CBOR
 * sequence (RFC 8742); the schema is the CDDL in jpki-records(5).
 *
 * Decoding treats its input as untrusted: every record is bounded by the
 * JPKI_RECORD_MAX_* limits before anything is allocated for it, and a bad
 * record yields JPKI_ERR_FORMAT or JPKI_ERR_LIMIT with a one-line message. */
#ifndef JPKI_RECORDS_H
#define JPKI_RECORDS_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "jpki/card.h"
#include "jpki/error.h"
#include "jpki/secret.h"
#include "jpki/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JPKI_RECORD_TYPE "jpki-card-status"
#define JPKI_RECORD_VERSION 1

/* Decoder bounds (documented in jpki-records(5)). */
#define JPKI_RECORD_MAX_SIZE (64u * 1024u) /* one encoded record, bytes */
#define JPKI_RECORD_MAX_DEPTH 8            /* nested maps/arrays/tags */
#define JPKI_RECORD_MAX_TEXT 16384         /* one text string, bytes (base64 DER in JSON) */
#define JPKI_RECORD_MAX_BYTES 8192         /* one byte string (a DER certificate) */
#define JPKI_RECORD_MAX_ITEMS 64           /* entries of one map or array */

typedef enum jpki_record_format {
    JPKI_RECORD_AUTO = 0, /* reader: detect from the first byte */
    JPKI_RECORD_JSON,
    JPKI_RECORD_CBOR
} jpki_record_format;

typedef enum jpki_card_mode {
    JPKI_MODE_UNKNOWN = 0,
    JPKI_MODE_PIN,  /* ordinary card: PINs set */
    JPKI_MODE_FACE  /* face-authentication card: no PINs, no sign certificate */
} jpki_card_mode;

#define JPKI_RECORD_CERTS 4 /* indexed by jpki_cert_kind */

typedef struct jpki_record_cert {
    bool listed;          /* the record says anything about this kind */
    bool present;         /* the card holds this certificate */
    bool have_details;    /* subject..not_after below are filled */
    char unavailable[128]; /* why details are missing, e.g. sign PIN needed */
    char subject[512];
    char issuer[512];
    char serial_hex[80];  /* lower-case hex */
    time_t not_before;    /* UTC */
    time_t not_after;     /* UTC */
    long days_left;       /* whole days from checked_at, rounded down */
    uint8_t *der;         /* optional copy of the certificate (owned) */
    size_t der_len;
    /* The holder's name and address (UTF-8) from the signature
     * certificate's JPKI subjectAltName otherNames; "" when absent (other
     * kinds, or the certificate was not read). */
    char name[256];
    char address[512];
} jpki_record_cert;

typedef struct jpki_record_pin {
    bool listed;
    int tries_left;   /* -1 when the counter could not be read */
    int max_tries;
    bool blocked;     /* blocked, or disabled on a face-authentication card */
} jpki_record_pin;

/* The counter's calendar around one user certificate (auth or sign), in
 * Japanese civil days "YYYY-MM-DD" (jpki-records(5), RENEWAL WINDOW).
 * Filled by jpki_record_window_fill. */
typedef struct jpki_record_window {
    bool known;           /* the certificate's expiry is known; the rest is filled */
    char expiry_day[11];  /* the day not_after falls on in Japan */
    char opens[11];       /* renewal accepted from: the day after the date three
                             months before expiry_day */
    char notice_from[11]; /* J-LIS mails the expiry notice between these two */
    char notice_until[11];
    bool open;            /* opens <= today: renewal (or, once expired, issuing
                             anew) is possible at the counter */
    char next_expiry[11]; /* end of a certificate issued on today or on opens,
                             whichever is later: the holder's 5th birthday after
                             that day, or the card's expiry if earlier; "" when
                             the birth date or the card expiry is unknown */
} jpki_record_window;

typedef struct jpki_record {
    int version;
    char reader[256];
    bool card_present;       /* false: the reader is empty */
    time_t checked_at;       /* the "now" days_left is counted from */
    char serial[32];         /* card serial (common application), "" if unknown */
    char municipality[8];
    char card_expiry[16];    /* YYYY-MM-DD, "" if unknown */
    char atr_hex[80];
    char token[32];
    unsigned apps;           /* bit (1u << jpki_app) for each application that answered */
    jpki_card_mode mode;
    jpki_record_cert certs[JPKI_RECORD_CERTS]; /* by jpki_cert_kind */
    jpki_record_pin pins[JPKI_PIN_COUNT];      /* by jpki_pin_id */
    bool has_error;          /* the card could not be (fully) read */
    char error_code[32];     /* jpki_rc_name() of the failure */
    char error[256];         /* one line */
    unsigned renew;          /* bit (1u << jpki_cert_kind): needs renewal */
    /* Appended after the first release's fields. */
    char birth[11];          /* holder's birth date YYYY-MM-DD, "" unknown: from the
                                signature certificate (read with its password) or
                                the card-info application (with its PIN) */
    jpki_record_window window[JPKI_RECORD_CERTS]; /* auth and sign only */
} jpki_record;

/* Zeroed record with version set.  jpki_record_clear frees the DER copies
 * (and leaves an initialised, empty record). */
JPKI_API void jpki_record_init(jpki_record *rec);
JPKI_API void jpki_record_clear(jpki_record *rec);
/* Attach a copy of der to rec->certs[kind]. */
JPKI_API jpki_rc jpki_record_set_der(jpki_record *rec, jpki_cert_kind kind,
                            const uint8_t *der, size_t len, jpki_error *err);

/* Names used in the encodings. */
JPKI_API const char *jpki_card_mode_name(jpki_card_mode m); /* "pin", "face", "unknown" */

/* The card's mode as any reader may see it, without an issuer key and
 * without spending a try: the authentication PIN disabled and no signature
 * certificate is a face-authentication card (the rule of the records' "mode").
 * A few APDUs in a transaction of their own; JPKI_MODE_UNKNOWN when the card
 * does not say.  For tools that must know before asking for PINs. */
JPKI_API jpki_rc jpki_card_mode_probe(jpki_transport *t, jpki_card_mode *mode, jpki_error *err);

/* ---- encoding ---- */

/* Encode one record: JSON ends with a newline; CBOR is one data item.
 * *out is malloc'd.  include_der=false leaves the DER copies out. */
JPKI_API jpki_rc jpki_record_encode(const jpki_record *rec, jpki_record_format fmt,
                           bool include_der, uint8_t **out, size_t *len,
                           jpki_error *err);
/* Encode and fwrite; JPKI_ERR_IO on a short write. */
JPKI_API jpki_rc jpki_record_write(FILE *f, const jpki_record *rec, jpki_record_format fmt,
                          bool include_der, jpki_error *err);

/* ---- decoding ---- */

/* Decode exactly one record from buf (JSON: one object, surrounding
 * whitespace allowed; CBOR: one data item, no trailing bytes). */
JPKI_API jpki_rc jpki_record_decode(const uint8_t *buf, size_t len, jpki_record_format fmt,
                           jpki_record *rec, jpki_error *err);

/* Stream reader: JSON lines or a CBOR sequence, detected from the first
 * byte of the stream ('{' JSON; a CBOR map or the self-describe tag CBOR).
 * Reads only as much as one record needs, so huge declared lengths fail
 * with JPKI_ERR_LIMIT before any allocation. */
typedef struct jpki_record_reader jpki_record_reader;

/* in is not owned.  prefix/plen are bytes already read from in (e.g. by a
 * caller sniffing the input kind); they are consumed first. */
JPKI_API jpki_rc jpki_record_reader_new(FILE *in, const uint8_t *prefix, size_t plen,
                               jpki_record_reader **out, jpki_error *err);
/* Free a record reader and its buffers; NULL is a no-op. */
JPKI_API void jpki_record_reader_free(jpki_record_reader *r);
/* Next record into rec (cleared first).  *got = false at a clean end of
 * the stream.  Errors name the record number ("record 3: ..."); after an
 * error the reader stays at the error. */
JPKI_API jpki_rc jpki_record_read_next(jpki_record_reader *r, jpki_record *rec, bool *got,
                              jpki_error *err);
/* Format of the stream (AUTO until the first byte was seen). */
JPKI_API jpki_record_format jpki_record_reader_format(const jpki_record_reader *r);

/* Guess the format from a stream's first byte(s); AUTO = neither. */
JPKI_API jpki_record_format jpki_record_sniff(const uint8_t *buf, size_t len);

/* ---- reading a card into a record ---- */

typedef struct jpki_status_options {
    time_t now;                  /* for days_left */
    bool include_der;            /* keep the DER certificates in the record */
    const jpki_secret *sign_pin; /* NULL: never VERIFY; the sign certificate is
                                    reported present/absent from EF 0008 only */
} jpki_status_options;

/* Read everything jpki-status reports from the card behind t.  Never
 * spends a PIN try unless opts->sign_pin is given (then one VERIFY of the
 * signature password, refused with JPKI_ERR_PIN_LAST_TRY when only one try
 * is left; the card is reset at the end so the password does not stay
 * verified).  A failure of the card or reader is stored in rec->error and
 * returned; a signature-password failure (wrong, blocked, last try) is
 * returned and noted in rec->certs[JPKI_CERT_SIGN].unavailable, with the
 * rest of the record valid.  rec->reader is filled from t. */
JPKI_API jpki_rc jpki_record_from_card(jpki_transport *t, const jpki_status_options *opts,
                              jpki_record *rec, jpki_error *err);

/* The card's identity from its common record (jpki_read_card_id) into
 * rec: serial, municipality and card_expiry as YYYY-MM-DD (left empty when
 * the card holds only a 13-character serial).  Errors as jpki_read_card_id's;
 * rec is untouched on failure. */
JPKI_API jpki_rc jpki_record_read_card_id(jpki_card *card, jpki_record *rec, jpki_error *err);

/* Fill a certificate slot from a parsed certificate. */
JPKI_API void jpki_record_cert_fill(jpki_record_cert *c, const char *subject, const char *issuer,
                           const char *serial_hex, time_t not_before, time_t not_after,
                           time_t now);

/* ---- expiry ---- */

typedef enum jpki_expiry {
    JPKI_EXPIRY_OK = 0,       /* valid beyond the threshold */
    JPKI_EXPIRY_EXPIRING = 1, /* expires within the threshold */
    JPKI_EXPIRY_EXPIRED = 2,
    JPKI_EXPIRY_UNKNOWN = 3   /* could not tell */
} jpki_expiry;

JPKI_API const char *jpki_expiry_name(jpki_expiry e); /* "ok", "expiring", "expired", "unknown" */
/* Worse of two results, in monitoring-system order:
 * EXPIRED > EXPIRING > UNKNOWN > OK. */
JPKI_API jpki_expiry jpki_expiry_worst(jpki_expiry a, jpki_expiry b);

/* One validity period: expired when now > not_after, expiring when
 * not_after - now < within (seconds). */
JPKI_API jpki_expiry jpki_expiry_classify(time_t not_after, time_t now, long long within);

/* "90d", "12w", "3m" (30 days), "1y" (365 days), plain number = days.
 * Result in seconds. */
JPKI_API jpki_rc jpki_duration_parse(const char *s, long long *seconds, jpki_error *err);

/* Evaluate a record for the certificate kinds in kinds (bit per
 * jpki_cert_kind).  A kind that is present but without details (sign
 * certificate without the PIN) is UNKNOWN when it was asked for alone
 * (strict), otherwise skipped.  Sets rec->renew to the kinds that are
 * expiring or expired.  Records with an error or without a card: UNKNOWN
 * (check rec->card_present to tell an empty reader apart). */
JPKI_API jpki_expiry jpki_record_expiry(jpki_record *rec, unsigned kinds, bool strict,
                               time_t now, long long within);

/* ---- the renewal window ---- */

/* Recompute rec->window[] for the auth and sign certificates from their
 * not_after, rec->birth and rec->card_expiry as of now (--now).  Records
 * read by jpki_record_read_next/decode get it as of their checked time;
 * call again to judge them at another time. */
JPKI_API void jpki_record_window_fill(jpki_record *rec, time_t now);

/* The 5th birthday strictly after the day issued ("YYYY-MM-DD"; birth
 * "YYYY-MM-DD" or "YYYYMMDD"; 29 February counts as 28 February in common
 * years) into out ("YYYY-MM-DD").  JPKI_ERR_FORMAT for a day that does not
 * exist. */
JPKI_API jpki_rc jpki_fifth_birthday(const char *issued, const char *birth, char out[11],
                                     jpki_error *err);

/* Strict UTC time "YYYY-MM-DDTHH:MM:SSZ" (the record encoding). */
JPKI_API void jpki_record_time_format(time_t t, char buf[32]);
JPKI_API jpki_rc jpki_record_time_parse(const char *s, time_t *out, jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
