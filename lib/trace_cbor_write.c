/* Encoding jpki-trace items with libcbor's low-level encoders into a
 * growable buffer (one buffer per item, written with a single write()). */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "trace_cbor.h"

/* Largest CBOR head (initial byte + 8-byte argument). */
#define HEAD_MAX 9

static bool reserve(tc_buf *b, size_t more)
{
    if (b->failed)
        return false;
    if (more <= b->cap - b->len)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void tc_reset(tc_buf *b)
{
    b->len = 0;
    b->failed = false;
}

void tc_free(tc_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Run one libcbor encoder into the buffer. */
#define TC_HEAD(b, call)                                      \
    do {                                                      \
        if (reserve((b), HEAD_MAX)) {                         \
            size_t k_ = (call);                               \
            if (k_ == 0)                                      \
                (b)->failed = true;                           \
            (b)->len += k_;                                   \
        }                                                     \
    } while (0)

static void put_raw(tc_buf *b, const void *p, size_t n)
{
    if (n && reserve(b, n)) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
}

static void put_text(tc_buf *b, const char *s)
{
    size_t n = strlen(s);
    TC_HEAD(b, cbor_encode_string_start(n, b->p + b->len, b->cap - b->len));
    put_raw(b, s, n);
}

void tc_map(tc_buf *b, size_t entries)
{
    TC_HEAD(b, cbor_encode_map_start(entries, b->p + b->len, b->cap - b->len));
}

void tc_kv_text(tc_buf *b, const char *key, const char *val)
{
    put_text(b, key);
    put_text(b, val);
}

void tc_kv_uint(tc_buf *b, const char *key, uint64_t val)
{
    put_text(b, key);
    TC_HEAD(b, cbor_encode_uint(val, b->p + b->len, b->cap - b->len));
}

void tc_kv_bytes(tc_buf *b, const char *key, const uint8_t *p, size_t n)
{
    put_text(b, key);
    TC_HEAD(b, cbor_encode_bytestring_start(n, b->p + b->len, b->cap - b->len));
    put_raw(b, p, n);
}

void tc_kv_bool(tc_buf *b, const char *key, bool val)
{
    put_text(b, key);
    TC_HEAD(b, cbor_encode_bool(val, b->p + b->len, b->cap - b->len));
}
