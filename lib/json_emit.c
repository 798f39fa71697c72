/* JSON emitter for the value tree: compact, one line, UTF-8 passed
 * through, control characters escaped, invalid UTF-8 (e.g. a Latin-1
 * subject from an odd certificate) replaced by U+FFFD so the output always
 * parses.  Byte strings become base64 text (jpki-records(5)). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records_internal.h"

static void emit_text(const char *s, size_t n, rv_buf *b)
{
    const uint8_t *u = (const uint8_t *)s;
    rv_buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        uint8_t c = u[i];
        if (c == '"' || c == '\\') {
            rv_buf_putc(b, '\\');
            rv_buf_putc(b, (char)c);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char esc[8];
            switch (c) {
            case '\n': rv_buf_puts(b, "\\n"); break;
            case '\r': rv_buf_puts(b, "\\r"); break;
            case '\t': rv_buf_puts(b, "\\t"); break;
            default:
                snprintf(esc, sizeof esc, "\\u%04x", c);
                rv_buf_puts(b, esc);
            }
            i++;
        } else if (c < 0x80) {
            rv_buf_putc(b, (char)c);
            i++;
        } else {
            size_t k = rv_utf8_seq(u + i, n - i);
            if (k == 0) {
                rv_buf_puts(b, "\xEF\xBF\xBD");
                i++;
            } else {
                rv_buf_put(b, u + i, k);
                i += k;
            }
        }
    }
    rv_buf_putc(b, '"');
}

void rv_json_emit(const rv *v, rv_buf *b)
{
    char num[32];
    switch (v->kind) {
    case RV_NULL:
    case RV_OTHER:
        rv_buf_puts(b, "null");
        break;
    case RV_BOOL:
        rv_buf_puts(b, v->u.b ? "true" : "false");
        break;
    case RV_INT:
        snprintf(num, sizeof num, "%" PRId64, v->u.i);
        rv_buf_puts(b, num);
        break;
    case RV_TEXT:
        emit_text(v->u.text.p, v->u.text.n, b);
        break;
    case RV_BYTES: {
        char *t = malloc(rv_base64_len(v->u.bytes.n) + 1);
        if (!t) {
            b->oom = true;
            return;
        }
        rv_base64_encode(v->u.bytes.p, v->u.bytes.n, t);
        rv_buf_putc(b, '"');
        rv_buf_puts(b, t);
        rv_buf_putc(b, '"');
        free(t);
        break;
    }
    case RV_ARRAY:
        rv_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i)
                rv_buf_putc(b, ',');
            rv_json_emit(&v->u.arr.items[i], b);
        }
        rv_buf_putc(b, ']');
        break;
    case RV_MAP:
        rv_buf_putc(b, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            const rv_pair *p = &v->u.map.pairs[i];
            if (i)
                rv_buf_putc(b, ',');
            emit_text(p->key, strlen(p->key), b);
            rv_buf_putc(b, ':');
            rv_json_emit(&p->val, b);
        }
        rv_buf_putc(b, '}');
        break;
    }
}
