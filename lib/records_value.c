/* The record library's value tree: arena, builders, lookup, UTF-8 checks,
 * base64 and the output buffer shared by the JSON and CBOR emitters. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "records_internal.h"

/* ---- arena: one free for the whole tree, and a hard byte limit so a
 * hostile record cannot make the decoder allocate more than it allows ---- */

struct rv_chunk {
    struct rv_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define RV_CHUNK_MIN 4096

void rv_arena_init(rv_arena *a, size_t limit)
{
    a->chunks = NULL;
    a->used_total = 0;
    a->limit = limit;
}

void rv_arena_free(rv_arena *a)
{
    struct rv_chunk *c = a->chunks;
    while (c) {
        struct rv_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->used_total = 0;
}

void *rv_alloc(rv_arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    if (n > a->limit || a->used_total > a->limit - n)
        return NULL;
    struct rv_chunk *c = a->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > RV_CHUNK_MIN ? n : RV_CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

/* ---- builders ---- */

rv *rv_new_map(rv_arena *a, size_t cap)
{
    rv *v = rv_alloc(a, sizeof *v);
    if (!v)
        return NULL;
    v->kind = RV_MAP;
    v->u.map.pairs = rv_alloc(a, cap * sizeof(rv_pair));
    return v->u.map.pairs || cap == 0 ? v : NULL;
}

rv *rv_new_array(rv_arena *a, size_t cap)
{
    rv *v = rv_alloc(a, sizeof *v);
    if (!v)
        return NULL;
    v->kind = RV_ARRAY;
    v->u.arr.items = rv_alloc(a, cap * sizeof(rv));
    return v->u.arr.items || cap == 0 ? v : NULL;
}

rv *rv_map_add(rv *map, const char *key)
{
    rv_pair *p = &map->u.map.pairs[map->u.map.n++];
    p->key = key;
    p->val.kind = RV_NULL;
    return &p->val;
}

rv *rv_array_add(rv *arr)
{
    rv *v = &arr->u.arr.items[arr->u.arr.n++];
    v->kind = RV_NULL;
    return v;
}

void rv_set_text(rv *v, const char *s)
{
    v->kind = RV_TEXT;
    v->u.text.p = (char *)s;
    v->u.text.n = strlen(s);
}

void rv_set_int(rv *v, int64_t i)
{
    v->kind = RV_INT;
    v->u.i = i;
}

void rv_set_bool(rv *v, bool b)
{
    v->kind = RV_BOOL;
    v->u.b = b;
}

void rv_set_bytes(rv *v, const uint8_t *p, size_t n)
{
    v->kind = RV_BYTES;
    v->u.bytes.p = (uint8_t *)p;
    v->u.bytes.n = n;
}

const rv *rv_get(const rv *map, const char *key)
{
    if (!map || map->kind != RV_MAP)
        return NULL;
    for (size_t i = 0; i < map->u.map.n; i++)
        if (strcmp(map->u.map.pairs[i].key, key) == 0)
            return &map->u.map.pairs[i].val;
    return NULL;
}

/* ---- UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF) ---- */

size_t rv_utf8_seq(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0;
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; cp = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool rv_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = rv_utf8_seq(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* ---- base64 (RFC 4648, standard alphabet, padded): mbedTLS does the work ---- */

size_t rv_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

void rv_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t olen = 0;
    /* out holds rv_base64_len(n) + 1 bytes, exactly what mbedTLS needs */
    if (mbedtls_base64_encode((unsigned char *)out, rv_base64_len(n) + 1, &olen, in, n) != 0)
        olen = 0;
    out[olen] = '\0'; /* mbedTLS writes no terminator for empty input */
}

bool rv_base64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
    /* mbedTLS also takes line breaks and unpadded tails (PEM bodies); the
     * records format does not, so those are refused here first. */
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        if (!alpha && !(c == '=' && i + 2 >= n))
            return false;
    }
    size_t olen = 0;
    if (mbedtls_base64_decode(out, n / 4 * 3, &olen, (const unsigned char *)in, n) != 0)
        return false;
    *outlen = olen;
    return true;
}

/* ---- output buffer ---- */

void rv_buf_put(rv_buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void rv_buf_putc(rv_buf *b, char c)
{
    rv_buf_put(b, &c, 1);
}

void rv_buf_puts(rv_buf *b, const char *s)
{
    rv_buf_put(b, s, strlen(s));
}
