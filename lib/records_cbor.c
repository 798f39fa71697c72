/* CBOR (RFC 8949) for records.  Decoding is our own bounded walk, never
 * libcbor's cbor_load: declared lengths and counts are checked against the
 * JPKI_RECORD_MAX_* limits and against the bytes actually present before
 * anything is allocated.  Only definite lengths are accepted (we never
 * produce others).  Encoding uses libcbor's head encoders. */
#include <string.h>

#include <cbor.h>

#include "cbor_reader.h"
#include "records_internal.h"

/* ---- heads ---- */

typedef struct chead {
    uint8_t major;  /* 0..7 */
    uint8_t ai;     /* additional information (low 5 bits) */
    uint64_t val;   /* argument (length, count, integer, tag, simple) */
    size_t hlen;    /* bytes of the head */
} chead;

typedef enum { H_OK, H_MORE, H_BAD } hstatus;

/* Heads come from the shared bounded reader; string and count limits are
 * checked by the walkers below, which word the records' messages. */
static const cbor_limits HEAD_ONLY = {UINT64_MAX, UINT64_MAX, UINT64_MAX};

/* Decode the head at buf[pos..len).  H_MORE: *more = bytes missing. */
static hstatus read_head(const uint8_t *buf, size_t len, size_t pos, chead *h, size_t *more,
                         jpki_error *err)
{
    cbor_token t;
    size_t missing;
    cbor_read r = cbor_read_token(buf, len, pos, &HEAD_ONLY, &t, &missing);
    h->major = t.major;
    h->ai = t.ai;
    h->val = t.val;
    h->hlen = t.hlen;
    switch (r) {
    case CBOR_READ_OK:
        return H_OK;
    case CBOR_READ_SHORT:
        if (t.hlen && (t.major == 2 || t.major == 3))
            return H_OK; /* the head is there; the walkers check the payload */
        *more = missing;
        return H_MORE;
    case CBOR_READ_INDEFINITE:
        if (t.major == 7)
            jpki_error_set(err, JPKI_ERR_FORMAT, "CBOR: unexpected break byte at byte %zu", pos + 1);
        else
            jpki_error_set(err, JPKI_ERR_FORMAT,
                           "CBOR: indefinite-length item at byte %zu not accepted", pos + 1);
        return H_BAD;
    default:
        if (t.major == 7 && t.ai == 24)
            jpki_error_set(err, JPKI_ERR_FORMAT, "CBOR: malformed simple value at byte %zu", pos + 1);
        else
            jpki_error_set(err, JPKI_ERR_FORMAT,
                           "CBOR: reserved additional information %u at byte %zu", t.ai, pos + 1);
        return H_BAD;
    }
}

/* ---- measuring one item (framing a record in a stream) ---- */

typedef struct walk {
    const uint8_t *buf;
    size_t len;
    jpki_error *err;
} walk;

typedef enum { W_OK, W_MORE, W_BAD } wstatus;

/* "what" names the item, e.g. "byte string of", "map of". */
static wstatus too_big(walk *w, const char *what, unsigned long long n, const char *unit,
                       unsigned long lim, size_t at)
{
    jpki_error_set(w->err, JPKI_ERR_LIMIT, "CBOR: %s %llu %s at byte %zu exceeds the limit of %lu",
                   what, n, unit, at + 1, lim);
    return W_BAD;
}

static wstatus measure_item(walk *w, size_t *pos, int depth, size_t *more)
{
    chead h;
    size_t at = *pos;
    switch (read_head(w->buf, w->len, at, &h, more, w->err)) {
    case H_MORE: return W_MORE;
    case H_BAD: return W_BAD;
    case H_OK: break;
    }
    *pos = at + h.hlen;
    switch (h.major) {
    case 0: case 1: case 7:
        return W_OK;
    case 2: case 3: {
        unsigned long lim = h.major == 2 ? JPKI_RECORD_MAX_BYTES : JPKI_RECORD_MAX_TEXT;
        if (h.val > lim)
            return too_big(w, h.major == 2 ? "byte string of" : "text string of",
                           (unsigned long long)h.val, "bytes", lim, at);
        if (w->len - *pos < h.val) {
            *more = (size_t)h.val - (w->len - *pos);
            return W_MORE;
        }
        *pos += (size_t)h.val;
        return W_OK;
    }
    case 4: case 5: case 6: {
        if (depth + 1 > JPKI_RECORD_MAX_DEPTH) {
            jpki_error_set(w->err, JPKI_ERR_LIMIT,
                           "CBOR: nesting deeper than %d at byte %zu", JPKI_RECORD_MAX_DEPTH, at + 1);
            return W_BAD;
        }
        if (h.major == 6)
            return measure_item(w, pos, depth + 1, more);
        if (h.val > JPKI_RECORD_MAX_ITEMS)
            return too_big(w, h.major == 4 ? "array of" : "map of", (unsigned long long)h.val,
                           h.major == 4 ? "items" : "entries", JPKI_RECORD_MAX_ITEMS, at);
        size_t n = (size_t)h.val * (h.major == 5 ? 2 : 1);
        for (size_t i = 0; i < n; i++) {
            wstatus s = measure_item(w, pos, depth + 1, more);
            if (s != W_OK)
                return s;
        }
        return W_OK;
    }
    }
    return W_BAD; /* not reached: major is 3 bits */
}

jpki_rc rv_cbor_measure(const uint8_t *buf, size_t len, size_t *need, size_t *more,
                        jpki_error *err)
{
    walk w = {.buf = buf, .len = len, .err = err};
    size_t pos = 0;
    *need = 0;
    *more = 0;
    switch (measure_item(&w, &pos, 0, more)) {
    case W_BAD:
        return err ? err->code : JPKI_ERR_FORMAT;
    case W_MORE:
        if (len + *more > JPKI_RECORD_MAX_SIZE)
            return jpki_error_set(err, JPKI_ERR_LIMIT,
                                  "CBOR: record longer than the limit of %u bytes",
                                  JPKI_RECORD_MAX_SIZE);
        return JPKI_OK;
    case W_OK:
        break;
    }
    if (pos > JPKI_RECORD_MAX_SIZE)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "CBOR: record of %zu bytes exceeds the limit of %u",
                              pos, JPKI_RECORD_MAX_SIZE);
    *need = pos;
    return JPKI_OK;
}

/* ---- parsing into the value tree (after measuring: sizes are sane) ---- */

typedef struct cp {
    const uint8_t *buf;
    size_t len, pos;
    rv_arena *a;
    jpki_error *err;
} cp;

static jpki_rc too_large(cp *p)
{
    return jpki_error_set(p->err, JPKI_ERR_LIMIT, "CBOR: record too large to decode");
}

static jpki_rc truncated(cp *p)
{
    return jpki_error_set(p->err, JPKI_ERR_FORMAT, "CBOR: truncated item at byte %zu", p->pos + 1);
}

static jpki_rc parse_item(cp *p, rv *out, int depth);

/* A definite byte or text string (text: UTF-8 without NUL). */
static jpki_rc parse_string(cp *p, const chead *h, size_t at, rv *out)
{
    unsigned long lim = h->major == 2 ? JPKI_RECORD_MAX_BYTES : JPKI_RECORD_MAX_TEXT;
    if (h->val > lim)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT,
                              "CBOR: string of %llu bytes at byte %zu exceeds the limit of %lu",
                              (unsigned long long)h->val, at + 1, lim);
    if (p->len - p->pos < h->val)
        return truncated(p);
    size_t n = (size_t)h->val;
    uint8_t *s = rv_alloc(p->a, n + 1);
    if (!s)
        return too_large(p);
    memcpy(s, p->buf + p->pos, n);
    if (h->major == 3) {
        if (memchr(s, 0, n))
            return jpki_error_set(p->err, JPKI_ERR_FORMAT,
                                  "CBOR: text string at byte %zu contains NUL", at + 1);
        if (!rv_utf8_valid(s, n))
            return jpki_error_set(p->err, JPKI_ERR_FORMAT,
                                  "CBOR: text string at byte %zu is not valid UTF-8", at + 1);
        out->kind = RV_TEXT;
        out->u.text.p = (char *)s;
        out->u.text.n = n;
    } else {
        rv_set_bytes(out, s, n);
    }
    p->pos += n;
    return JPKI_OK;
}

static jpki_rc parse_array(cp *p, size_t n, rv *out, int depth)
{
    rv *items = rv_alloc(p->a, n * sizeof(rv));
    if (!items)
        return too_large(p);
    for (size_t i = 0; i < n; i++) {
        jpki_rc rc = parse_item(p, &items[i], depth + 1);
        if (rc)
            return rc;
    }
    out->kind = RV_ARRAY;
    out->u.arr.items = items;
    out->u.arr.n = n;
    return JPKI_OK;
}

/* A map with distinct text keys. */
static jpki_rc parse_map(cp *p, size_t n, rv *out, int depth)
{
    rv_pair *pairs = rv_alloc(p->a, n * sizeof(rv_pair));
    if (!pairs)
        return too_large(p);
    for (size_t i = 0; i < n; i++) {
        size_t keyat = p->pos;
        rv key;
        jpki_rc rc = parse_item(p, &key, depth + 1);
        if (rc)
            return rc;
        if (key.kind != RV_TEXT)
            return jpki_error_set(p->err, JPKI_ERR_FORMAT,
                                  "CBOR: map key at byte %zu is not a text string", keyat + 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp(pairs[k].key, key.u.text.p) == 0)
                return jpki_error_set(p->err, JPKI_ERR_FORMAT,
                                      "CBOR: duplicate key \"%.40s\" at byte %zu",
                                      key.u.text.p, keyat + 1);
        pairs[i].key = key.u.text.p;
        rc = parse_item(p, &pairs[i].val, depth + 1);
        if (rc)
            return rc;
    }
    out->kind = RV_MAP;
    out->u.map.pairs = pairs;
    out->u.map.n = n;
    return JPKI_OK;
}

/* Integers beyond int64 and simple values other than true/false/null are
 * kept as RV_OTHER: records never use them, the schema ignores them. */
static void parse_scalar(const chead *h, rv *out)
{
    if (h->major == 0 || h->major == 1) {
        if (h->val > INT64_MAX)
            out->kind = RV_OTHER;
        else
            rv_set_int(out, h->major == 0 ? (int64_t)h->val : -1 - (int64_t)h->val);
    } else if (h->ai == 20 || h->ai == 21) {
        rv_set_bool(out, h->ai == 21);
    } else if (h->ai == 22) {
        out->kind = RV_NULL;
    } else {
        out->kind = RV_OTHER; /* undefined, simple values, floats */
    }
}

static jpki_rc parse_item(cp *p, rv *out, int depth)
{
    chead h;
    size_t more, at = p->pos;
    memset(out, 0, sizeof *out);
    switch (read_head(p->buf, p->len, at, &h, &more, p->err)) {
    case H_MORE: return truncated(p);
    case H_BAD: return p->err ? p->err->code : JPKI_ERR_FORMAT;
    case H_OK: break;
    }
    p->pos += h.hlen;
    if (h.major == 2 || h.major == 3)
        return parse_string(p, &h, at, out);
    if (h.major == 0 || h.major == 1 || h.major == 7) {
        parse_scalar(&h, out);
        return JPKI_OK;
    }
    if (depth + 1 > JPKI_RECORD_MAX_DEPTH)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT, "CBOR: nesting deeper than %d at byte %zu",
                              JPKI_RECORD_MAX_DEPTH, at + 1);
    if (h.major == 6) /* tags carry no meaning in records; read through them */
        return parse_item(p, out, depth + 1);
    if (h.val > JPKI_RECORD_MAX_ITEMS)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT,
                              "CBOR: %s of %llu at byte %zu exceeds the limit of %u",
                              h.major == 4 ? "array" : "map", (unsigned long long)h.val, at + 1,
                              JPKI_RECORD_MAX_ITEMS);
    return h.major == 4 ? parse_array(p, (size_t)h.val, out, depth)
                        : parse_map(p, (size_t)h.val, out, depth);
}

jpki_rc rv_cbor_parse(const uint8_t *buf, size_t len, rv_arena *a, rv *out, jpki_error *err)
{
    if (len > JPKI_RECORD_MAX_SIZE)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "CBOR: record of %zu bytes exceeds the limit of %u",
                              len, JPKI_RECORD_MAX_SIZE);
    cp p = {.buf = buf, .len = len, .pos = 0, .a = a, .err = err};
    jpki_rc rc = parse_item(&p, out, 0);
    if (rc)
        return rc;
    if (p.pos != len)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "CBOR: %zu trailing bytes after the record",
                              len - p.pos);
    return JPKI_OK;
}

/* ---- emitting (definite lengths, shortest heads: deterministic) ---- */

/* Text must be valid UTF-8 in CBOR too: invalid bytes (odd certificate
 * strings) become U+FFFD, as in the JSON emitter. */
static void emit_text(const char *s, size_t n, rv_buf *b)
{
    unsigned char h[16];
    const uint8_t *u = (const uint8_t *)s;
    if (rv_utf8_valid(u, n)) {
        rv_buf_put(b, h, cbor_encode_string_start(n, h, sizeof h));
        rv_buf_put(b, s, n);
        return;
    }
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        size_t k = rv_utf8_seq(u + i, n - i);
        out += k ? k : 3;
        i += k ? k : 1;
    }
    rv_buf_put(b, h, cbor_encode_string_start(out, h, sizeof h));
    for (size_t i = 0; i < n;) {
        size_t k = rv_utf8_seq(u + i, n - i);
        if (k) {
            rv_buf_put(b, u + i, k);
            i += k;
        } else {
            rv_buf_put(b, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}

void rv_cbor_emit(const rv *v, rv_buf *b)
{
    unsigned char h[16];
    size_t n = 0;
    switch (v->kind) {
    case RV_NULL:
    case RV_OTHER:
        n = cbor_encode_null(h, sizeof h);
        rv_buf_put(b, h, n);
        break;
    case RV_BOOL:
        n = cbor_encode_bool(v->u.b, h, sizeof h);
        rv_buf_put(b, h, n);
        break;
    case RV_INT:
        if (v->u.i >= 0)
            n = cbor_encode_uint((uint64_t)v->u.i, h, sizeof h);
        else
            n = cbor_encode_negint((uint64_t)(-1 - v->u.i), h, sizeof h);
        rv_buf_put(b, h, n);
        break;
    case RV_TEXT:
        emit_text(v->u.text.p, v->u.text.n, b);
        break;
    case RV_BYTES:
        n = cbor_encode_bytestring_start(v->u.bytes.n, h, sizeof h);
        rv_buf_put(b, h, n);
        rv_buf_put(b, v->u.bytes.p, v->u.bytes.n);
        break;
    case RV_ARRAY:
        n = cbor_encode_array_start(v->u.arr.n, h, sizeof h);
        rv_buf_put(b, h, n);
        for (size_t i = 0; i < v->u.arr.n; i++)
            rv_cbor_emit(&v->u.arr.items[i], b);
        break;
    case RV_MAP:
        n = cbor_encode_map_start(v->u.map.n, h, sizeof h);
        rv_buf_put(b, h, n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            const char *k = v->u.map.pairs[i].key;
            emit_text(k, strlen(k), b);
            rv_cbor_emit(&v->u.map.pairs[i].val, b);
        }
        break;
    }
}
