/* Internal: jpki_text_safe over a byte string that may hold NULs (a CBOR
 * text string from a file); a NUL shows as \00 like any control. */
#ifndef JPKI_TEXT_INTERNAL_H
#define JPKI_TEXT_INTERNAL_H

#include <stddef.h>

size_t jpki_text_safe_bytes(const char *in, size_t len, char *out, size_t n);

#endif
