/* Annotating APDU traffic for people: instruction names, the application
 * and file a command addresses, P1/P2 meanings, lengths and status words.
 * A context follows SELECT across a session so that "READ BINARY" can say
 * which EF it reads.  Used by the --trace output, `jpki-apdu` and
 * `jpki-apdu replay`.  Input bytes are redacted here too (jpki_trace_redact)
 * before anything is formatted, so a caller cannot print a PIN by mistake. */
#ifndef JPKI_APDU_DESCRIBE_H
#define JPKI_APDU_DESCRIBE_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jpki/card.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JPKI_AID_MAX 16

typedef struct jpki_apdu_ctx {
    jpki_app app;             /* known application selected, else JPKI_APP_NONE */
    uint8_t aid[JPKI_AID_MAX]; /* AID of the selected application (known or not) */
    size_t aid_len;           /* 0 = no application selected / unknown */
    bool ef_selected;
    uint16_t ef;              /* selected EF, valid when ef_selected */
    uint8_t chained_ins;      /* instruction whose answer is pending (after 61xx) */
    bool chained;
} jpki_apdu_ctx;

/* Reset a describe context to "no exchange seen yet" (all zero); NULL is a no-op.
 * The context is caller-owned and holds no heap memory. */
JPKI_API void jpki_apdu_ctx_init(jpki_apdu_ctx *ctx);

/* Display name of a known AID ("JPKI", "card-info input support", ...) and
 * its jpki_app; NULL (and JPKI_APP_NONE) for unknown ones. */
JPKI_API const char *jpki_aid_label(const uint8_t *aid, size_t len, jpki_app *app);
/* Display name of an EF of a known application ("auth cert", "sign PIN",
 * "my number", ...); NULL when not known. */
JPKI_API const char *jpki_ef_label(jpki_app app, uint16_t fid);

/* One line (no newline) describing a command in the context: what it
 * addresses, P1/P2 meaning, Lc/Le.  Returns buf. */
JPKI_API const char *jpki_apdu_describe_command(const jpki_apdu_ctx *ctx, const uint8_t *capdu,
                                       size_t clen, char *buf, size_t n);
/* One line describing the answer to capdu: status word meaning, data length
 * and, where the content is known, what it is.  Returns buf. */
JPKI_API const char *jpki_apdu_describe_response(const jpki_apdu_ctx *ctx, const uint8_t *capdu,
                                        size_t clen, const uint8_t *rapdu, size_t rlen,
                                        char *buf, size_t n);
/* Advance the context after an exchange (a successful SELECT changes the
 * current application or EF; 61xx remembers the instruction it belongs to). */
JPKI_API void jpki_apdu_ctx_update(jpki_apdu_ctx *ctx, const uint8_t *capdu, size_t clen,
                          const uint8_t *rapdu, size_t rlen);
/* A trace event: a card reset or a disconnect forgets the selection. */
JPKI_API void jpki_apdu_ctx_event(jpki_apdu_ctx *ctx, const char *what);

/* Print one exchange as annotated text (the --trace format, see
 * jpki-trace(5)): a header line per direction followed by hex lines.
 * capdu is redacted before printing; rapdu NULL = the transmit failed
 * (err_text says why).  seq 0 and reader NULL are left out.  Updates ctx. */
JPKI_API void jpki_apdu_print_exchange(FILE *f, jpki_apdu_ctx *ctx, unsigned long seq,
                              const char *reader, const uint8_t *capdu, size_t clen,
                              const uint8_t *rapdu, size_t rlen, double elapsed_ms,
                              const char *err_text);
/* Print an event line ("[reader] -- transaction begin").  Updates ctx. */
JPKI_API void jpki_apdu_print_event(FILE *f, jpki_apdu_ctx *ctx, const char *reader,
                           const char *what);
/* Hex dump, bytes separated by spaces, lines of 32 bytes each starting with
 * indent. */
JPKI_API void jpki_hex_print(FILE *f, const char *indent, const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
