/* Terminal-safe text (jpki/text.h): the code points are the ASN.1 string
 * decoder's (UTF-8 in, invalid bytes kept apart as raw units), the control
 * rule is the one the DN formatter applies (jpki_uchar_is_control). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "asn1_string.h"
#include "jpki/text.h"
#include "text_internal.h"

/* Calls emit(piece, len, ctx) per output piece; stops when emit says so. */
typedef int (*emit_fn)(const char *piece, size_t len, void *ctx);

static void escape_bytes(const char *b, size_t k, emit_fn emit, void *ctx, int *stop)
{
    char e[4 * 4 + 1];
    size_t m = 0;
    for (size_t j = 0; j < k; j++)
        m += (size_t)snprintf(e + m, sizeof e - m, "\\%02X", (unsigned char)b[j]);
    if (!*stop)
        *stop = emit(e, m, ctx);
}

static void walk(const char *in, size_t len, emit_fn emit, void *ctx)
{
    if (!len)
        return;
    jpki_uchar *u = malloc(len * sizeof *u);
    if (!u) {
        /* No room to decode: say so rather than pass raw bytes on. */
        emit("?", 1, ctx);
        return;
    }
    size_t units = jpki_asn1_string_decode(MBEDTLS_ASN1_UTF8_STRING, (const uint8_t *)in, len, u);
    int stop = 0;
    for (size_t i = 0; i < units && !stop; i++) {
        char b[4];
        if (u[i].raw >= 0) {
            b[0] = (char)u[i].raw;
            escape_bytes(b, 1, emit, ctx, &stop);
        } else if (jpki_uchar_is_control(u[i].cp)) {
            escape_bytes(b, jpki_utf8_put(u[i].cp, b), emit, ctx, &stop);
        } else {
            stop = emit(b, jpki_utf8_put(u[i].cp, b), ctx);
        }
    }
    free(u);
}

typedef struct buf_out {
    char *out;
    size_t n, len;
} buf_out;

static int to_buf(const char *piece, size_t len, void *ctx)
{
    buf_out *o = ctx;
    if (o->len + len >= o->n)
        return 1; /* a whole piece or nothing: never half a character */
    memcpy(o->out + o->len, piece, len);
    o->len += len;
    o->out[o->len] = '\0';
    return 0;
}

size_t jpki_text_safe_bytes(const char *in, size_t len, char *out, size_t n)
{
    if (!out || n == 0)
        return 0;
    out[0] = '\0';
    buf_out o = {out, n, 0};
    if (in)
        walk(in, len, to_buf, &o);
    return o.len;
}

size_t jpki_text_safe(const char *in, char *out, size_t n)
{
    return jpki_text_safe_bytes(in, in ? strlen(in) : 0, out, n);
}

static int to_file(const char *piece, size_t len, void *ctx)
{
    return fwrite(piece, 1, len, ctx) == len ? 0 : 1;
}

void jpki_text_fputs(const char *in, FILE *f)
{
    if (in && f)
        walk(in, strlen(in), to_file, f);
}
