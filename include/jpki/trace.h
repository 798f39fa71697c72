/* APDU trace: annotated text (stderr by default) and/or a CBOR session file.
 * PIN data of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER /
 * ENABLE VERIFICATION REQUIREMENT is redacted before anything is written. */
#ifndef JPKI_TRACE_H
#define JPKI_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_trace jpki_trace;

jpki_trace *jpki_trace_new(void);
void jpki_trace_free(jpki_trace *tr); /* closes and finalises the CBOR file */

/* Annotated text lines to f (not owned). */
void jpki_trace_set_text(jpki_trace *tr, FILE *f);
/* CBOR session file (created 0600, truncated). */
jpki_rc jpki_trace_set_cbor_file(jpki_trace *tr, const char *path, jpki_error *err);

/* Record one exchange.  capdu/rapdu are the raw bytes as sent/received;
 * rapdu == NULL means the transmit failed (err_text says why). */
void jpki_trace_exchange(jpki_trace *tr, const char *reader,
                         const uint8_t *capdu, size_t clen,
                         const uint8_t *rapdu, size_t rlen,
                         double elapsed_ms, const char *err_text);

/* Free-form event (connect, transaction begin/end, card reset). */
void jpki_trace_event(jpki_trace *tr, const char *reader, const char *what);

/* Writes a copy of capdu with PIN data replaced by 0xFF bytes into out
 * (same length).  Returns true if anything was redacted. */
bool jpki_trace_redact(const uint8_t *capdu, size_t clen, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
