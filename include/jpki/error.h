/* One error type for all of libjpki: a code, the last status word and a
 * human message.  No library function prints or exits; callers decide. */
#ifndef JPKI_ERROR_H
#define JPKI_ERROR_H

#include "jpki/export.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jpki_rc {
    JPKI_OK = 0,
    JPKI_ERR_ARG,          /* bad argument from the caller */
    JPKI_ERR_NOMEM,        /* allocation failed */
    JPKI_ERR_IO,           /* file, pipe or socket I/O failed */
    JPKI_ERR_FORMAT,       /* malformed input (record, file, certificate text) */
    JPKI_ERR_LIMIT,        /* input exceeds a documented bound */
    JPKI_ERR_NO_SERVICE,   /* pcscd is not running */
    JPKI_ERR_NO_READER,    /* no reader, or the named reader does not exist */
    JPKI_ERR_NO_CARD,      /* the reader is empty */
    JPKI_ERR_CARD_REMOVED, /* the card was pulled during the operation */
    JPKI_ERR_READER_GONE,  /* the reader disappeared during the operation */
    JPKI_ERR_PCSC,         /* any other PC/SC failure (detail holds the LONG) */
    JPKI_ERR_TRANSPORT,    /* transport failure (replay mismatch, bad APDU size) */
    JPKI_ERR_CARD,         /* the card answered an unexpected status word */
    JPKI_ERR_CARD_DATA,    /* the card returned malformed data */
    JPKI_ERR_NOT_JPKI,     /* the card has no JPKI application */
    JPKI_ERR_NOT_FOUND,    /* file, certificate or key not present on the card */
    JPKI_ERR_PIN_WRONG,    /* VERIFY failed; tries_left says how many remain */
    JPKI_ERR_PIN_BLOCKED,  /* PIN blocked (or disabled on a face-auth card) */
    JPKI_ERR_PIN_FORMAT,   /* PIN does not match the PIN's rules; card untouched */
    JPKI_ERR_PIN_LAST_TRY, /* refused to spend the last try without force */
    JPKI_ERR_AUTH,         /* issuer authentication missing or failed */
    JPKI_ERR_STATE,        /* card state does not allow the operation */
    JPKI_ERR_CERT,         /* certificate invalid, mismatched or chain fails */
    JPKI_ERR_CRYPTO,       /* mbedTLS failure (detail holds its code) */
    JPKI_ERR_UNSUPPORTED,  /* operation not supported by this card/transport */
    JPKI_ERR_INTERNAL,     /* a bug: an invariant did not hold */
    JPKI_ERR_BUSY          /* another program holds the reader (its transaction or exclusive use) */
} jpki_rc;

typedef struct jpki_error {
    jpki_rc code;
    uint16_t sw;        /* last status word involved, 0 if none */
    int tries_left;     /* for PIN errors; -1 when unknown */
    long detail;        /* PC/SC LONG or mbedTLS code; 0 if none */
    char message[256];  /* one line, no trailing newline, in the user's language */
    char message_c[256]; /* the same untranslated (English): for records, journals
                          * and anything else a machine reads */
} jpki_error;

/* Reset to JPKI_OK with an empty message. */
JPKI_API void jpki_error_clear(jpki_error *err);

/* Fill err (if not NULL) and return code.  printf-style message: fmt is
 * looked up in the "jpki-tools" text domain for message; message_c gets it
 * as given. */
JPKI_API jpki_rc jpki_error_set(jpki_error *err, jpki_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with context ("reading auth cert: ..."). */
JPKI_API jpki_rc jpki_error_prefix(jpki_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Stable lower-case identifier of a code, e.g. "pin-blocked". */
JPKI_API const char *jpki_rc_name(jpki_rc code);

#ifdef __cplusplus
}
#endif
#endif
