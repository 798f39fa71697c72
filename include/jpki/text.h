#ifndef JPKI_TEXT_H
#define JPKI_TEXT_H

#include "jpki/export.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Terminal-safe text: the one rule every tool applies to a string that came
 * from a card, a certificate, a record or any other input before it reaches
 * a person's terminal.  Valid UTF-8 is kept as it is (Japanese names stay
 * readable); control characters (C0, DEL, C1 -- so ESC and every escape
 * sequence it would start) and bytes that are not valid UTF-8 become
 * "\HH" (the byte in hex, as RFC 4514 escapes a DN; a control character
 * written in UTF-8 shows each of its bytes).  The same rule as
 * jpki_dn_format's, so text it made passes through unchanged. */

/* Write in (NUL-terminated) into out (size n, n > 0) made safe; cut at a
 * whole character when it does not fit.  Returns the length written. */
JPKI_API size_t jpki_text_safe(const char *in, char *out, size_t n);
/* The same, written to f (no length limit). */
JPKI_API void jpki_text_fputs(const char *in, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
