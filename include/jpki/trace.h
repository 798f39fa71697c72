/* APDU trace: annotated text (stderr by default) and/or a CBOR session file.
 * PIN data of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER /
 * ENABLE VERIFICATION REQUIREMENT is redacted before anything is written. */
#ifndef JPKI_TRACE_H
#define JPKI_TRACE_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_trace jpki_trace;

/* A new trace with no output yet (see jpki_trace_set_text and
 * jpki_trace_set_cbor_file); NULL when out of memory.
 * The caller owns it and releases it with jpki_trace_free. */
JPKI_API jpki_trace *jpki_trace_new(void);
/* Finish the trace (writes the final header when it goes to a file), close
 * its file and free the handle; NULL is a no-op. */
JPKI_API void jpki_trace_free(jpki_trace *tr); /* closes and finalises the CBOR file */

/* Annotated text lines to f (not owned). */
JPKI_API void jpki_trace_set_text(jpki_trace *tr, FILE *f);
/* CBOR session file (created 0600, truncated). */
JPKI_API jpki_rc jpki_trace_set_cbor_file(jpki_trace *tr, const char *path, jpki_error *err);

/* Record one exchange.  capdu/rapdu are the raw bytes as sent/received;
 * rapdu == NULL means the transmit failed (err_text says why). */
JPKI_API void jpki_trace_exchange(jpki_trace *tr, const char *reader,
                         const uint8_t *capdu, size_t clen,
                         const uint8_t *rapdu, size_t rlen,
                         double elapsed_ms, const char *err_text);

/* Free-form event (connect, transaction begin/end, card reset). */
JPKI_API void jpki_trace_event(jpki_trace *tr, const char *reader, const char *what);

/* Writes a copy of capdu with PIN data replaced by 0xFF bytes into out
 * (same length).  Returns true if anything was redacted. */
JPKI_API bool jpki_trace_redact(const uint8_t *capdu, size_t clen, uint8_t *out);

/* The bytes jpki_trace_redact hides: mask[i] = 1 for PIN data, 0 elsewhere
 * (mask has clen bytes).  Returns the number of PIN bytes.  PIN data is the
 * data field of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (also
 * their odd-INS forms) and the TLV values of ENABLE VERIFICATION
 * REQUIREMENT; an unparseable command with such an INS hides everything
 * after its header. */
JPKI_API size_t jpki_trace_pin_mask(const uint8_t *capdu, size_t clen, uint8_t *mask);

/* Session facts for the CBOR header (see jpki-trace(5)).  The header is
 * written when the first exchange or event arrives, so call these right
 * after connecting; a later jpki_trace_set_card adds a "card" item. */
JPKI_API void jpki_trace_set_tool(jpki_trace *tr, const char *tool);
JPKI_API void jpki_trace_set_card(jpki_trace *tr, const char *reader, const uint8_t *atr,
                         size_t atr_len);

/* JPKI_OK, or the first error writing the CBOR file (disk full, ...):
 * exchanges cannot report it themselves. */
JPKI_API jpki_rc jpki_trace_status(const jpki_trace *tr, jpki_error *err);

/* ---- reading a CBOR trace file (untrusted input: every length bounded) ---- */

#define JPKI_TRACE_FORMAT_VERSION 1
#define JPKI_TRACE_FILE_MAX (32u * 1024u * 1024u) /* whole file */
#define JPKI_TRACE_ITEMS_MAX 500000u
#define JPKI_TRACE_TEXT_MAX 1024u                 /* any text string */

typedef enum jpki_trace_item_kind {
    JPKI_TRACE_APDU = 1,  /* one physical exchange */
    JPKI_TRACE_EVENT,     /* transaction begin/end, reset, disconnect, ... */
    JPKI_TRACE_CARD,      /* a (new) card: reader and ATR */
    JPKI_TRACE_END        /* the session was closed normally */
} jpki_trace_item_kind;

typedef struct jpki_trace_item {
    jpki_trace_item_kind kind;
    uint64_t seq;           /* APDU number in the recording (1-based) */
    uint64_t t_us;          /* microseconds since the session started */
    uint64_t dur_us;        /* APDU: elapsed time of the exchange */
    const uint8_t *capdu;   /* APDU: redacted command (points into the log) */
    size_t clen;
    const uint8_t *rapdu;   /* APDU: response, NULL when the transmit failed */
    size_t rlen;
    const uint8_t *atr;     /* CARD: the ATR */
    size_t atr_len;
    const char *reader;     /* may be NULL */
    const char *text;       /* APDU: error text; EVENT: what happened */
    uint64_t apdus;         /* END: number of APDUs recorded */
} jpki_trace_item;

typedef struct jpki_trace_log {
    unsigned version;
    const char *tool;       /* "" when absent */
    const char *start;      /* RFC 3339 UTC, "" when absent */
    const char *reader;     /* NULL when absent */
    const uint8_t *atr;
    size_t atr_len;
    jpki_trace_item *items;
    size_t count;
    bool truncated;         /* (allow_truncated) the last item was cut short */
    size_t truncated_at;    /* byte offset of that item */
    void *priv;             /* the file bytes and strings */
} jpki_trace_log;

/* Load a trace file.  Errors: JPKI_ERR_IO (cannot read), JPKI_ERR_LIMIT
 * (file, item or string over a bound), JPKI_ERR_FORMAT (not a jpki-trace,
 * wrong types, truncated), JPKI_ERR_UNSUPPORTED (newer format version).
 * allow_truncated: a file cut short inside its last item (a crash while
 * writing) loads the complete items before it and sets log->truncated. */
JPKI_API jpki_rc jpki_trace_load(const char *path, bool allow_truncated, jpki_trace_log **out,
                        jpki_error *err);
/* The same from memory (the bytes are copied). */
JPKI_API jpki_rc jpki_trace_load_buffer(const uint8_t *buf, size_t len, bool allow_truncated,
                               jpki_trace_log **out, jpki_error *err);
/* Free a loaded trace log and everything its events point into; NULL is a
 * no-op. */
JPKI_API void jpki_trace_log_free(jpki_trace_log *log);

#ifdef __cplusplus
}
#endif
#endif
