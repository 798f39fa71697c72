/* Strict JSON (RFC 8259) parser for records: one value, bounded depth,
 * bounded container sizes, bounded strings, UTF-8 validated, no NUL in
 * strings, no duplicate keys.  Errors name the byte offset. */
#include <stdio.h>
#include <string.h>

#include "records_internal.h"

typedef struct jp {
    const uint8_t *s;
    size_t n, pos;
    rv_arena *a;
    jpki_error *err;
} jp;

static jpki_rc fail(jp *p, jpki_rc code, const char *what)
{
    if (p->pos >= p->n)
        return jpki_error_set(p->err, code, "JSON: %s at end of input", what);
    return jpki_error_set(p->err, code, "JSON: %s at byte %zu", what, p->pos + 1);
}

static void skip_ws(jp *p)
{
    while (p->pos < p->n) {
        uint8_t c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static jpki_rc parse_value(jp *p, rv *out, int depth);

static bool literal(jp *p, const char *word)
{
    size_t k = strlen(word);
    if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k) != 0)
        return false;
    p->pos += k;
    return true;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(jp *p, uint32_t *cp)
{
    if (p->n - p->pos < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p->s[p->pos + i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    p->pos += 4;
    *cp = v;
    return true;
}

static size_t put_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* p->pos is at the opening quote.  The decoded text is never longer than
 * the raw span, so one allocation of the span's size is enough. */
static jpki_rc parse_string(jp *p, char **out, size_t *outlen)
{
    size_t start = ++p->pos, end = start;
    /* Find the closing quote first to size the buffer. */
    while (end < p->n && p->s[end] != '"') {
        if (p->s[end] == '\\')
            end++;
        end++;
    }
    if (end >= p->n)
        return fail(p, JPKI_ERR_FORMAT, "unterminated string");
    char *buf = rv_alloc(p->a, end - start + 1);
    if (!buf)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT, "JSON: record too large to decode");
    size_t o = 0;
    while (p->pos < end) {
        uint8_t c = p->s[p->pos];
        if (c < 0x20)
            return fail(p, JPKI_ERR_FORMAT, "control character in string");
        if (c != '\\') {
            size_t k = rv_utf8_seq(p->s + p->pos, end - p->pos);
            if (k == 0)
                return fail(p, JPKI_ERR_FORMAT, "invalid UTF-8 in string");
            memcpy(buf + o, p->s + p->pos, k);
            o += k;
            p->pos += k;
            continue;
        }
        p->pos++;
        uint8_t e = p->s[p->pos++];
        switch (e) {
        case '"': buf[o++] = '"'; break;
        case '\\': buf[o++] = '\\'; break;
        case '/': buf[o++] = '/'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case 'n': buf[o++] = '\n'; break;
        case 'r': buf[o++] = '\r'; break;
        case 't': buf[o++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!read_hex4(p, &cp))
                return fail(p, JPKI_ERR_FORMAT, "bad \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (!(p->pos + 2 <= end && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u'))
                    return fail(p, JPKI_ERR_FORMAT, "unpaired surrogate in \\u escape");
                p->pos += 2;
                if (!read_hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, JPKI_ERR_FORMAT, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(p, JPKI_ERR_FORMAT, "unpaired surrogate in \\u escape");
            }
            if (cp == 0)
                return fail(p, JPKI_ERR_FORMAT, "NUL character in string");
            o += put_utf8(cp, buf + o);
            break;
        }
        default:
            p->pos--;
            return fail(p, JPKI_ERR_FORMAT, "bad escape in string");
        }
    }
    if (p->pos != end) /* an escape ran over the closing quote */
        return fail(p, JPKI_ERR_FORMAT, "bad escape in string");
    p->pos = end + 1;
    if (o > JPKI_RECORD_MAX_TEXT)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT,
                              "JSON: string of %zu bytes exceeds the limit of %u", o,
                              JPKI_RECORD_MAX_TEXT);
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return JPKI_OK;
}

/* RFC 8259 number grammar; integers that fit int64_t become RV_INT. */
static jpki_rc parse_number(jp *p, rv *out)
{
    size_t start = p->pos;
    bool neg = false, integral = true, overflow = false;
    uint64_t mag = 0;
    if (p->s[p->pos] == '-') {
        neg = true;
        p->pos++;
    }
    if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
        return fail(p, JPKI_ERR_FORMAT, "bad number");
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            return fail(p, JPKI_ERR_FORMAT, "leading zero in number");
    } else {
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            unsigned d = p->s[p->pos++] - '0';
            if (mag > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                mag = mag * 10 + d;
        }
    }
    if (p->pos < p->n && p->s[p->pos] == '.') {
        integral = false;
        p->pos++;
        if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return fail(p, JPKI_ERR_FORMAT, "bad number");
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
    }
    if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        integral = false;
        p->pos++;
        if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (p->pos >= p->n || p->s[p->pos] < '0' || p->s[p->pos] > '9')
            return fail(p, JPKI_ERR_FORMAT, "bad number");
        while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
    }
    if (p->pos - start > 64)
        return fail(p, JPKI_ERR_LIMIT, "number too long");
    if (!integral || overflow || mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        out->kind = RV_OTHER;
        return JPKI_OK;
    }
    out->kind = RV_INT;
    out->u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return JPKI_OK;
}

static jpki_rc parse_array(jp *p, rv *out, int depth)
{
    rv items[JPKI_RECORD_MAX_ITEMS];
    size_t n = 0;
    p->pos++; /* [ */
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == ']') {
        p->pos++;
    } else {
        for (;;) {
            if (n == JPKI_RECORD_MAX_ITEMS)
                return fail(p, JPKI_ERR_LIMIT, "array has too many items");
            jpki_rc rc = parse_value(p, &items[n], depth + 1);
            if (rc)
                return rc;
            n++;
            skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->n && p->s[p->pos] == ']') {
                p->pos++;
                break;
            }
            return fail(p, JPKI_ERR_FORMAT, "expected ',' or ']'");
        }
    }
    out->kind = RV_ARRAY;
    out->u.arr.n = n;
    out->u.arr.items = rv_alloc(p->a, n * sizeof(rv));
    if (!out->u.arr.items)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT, "JSON: record too large to decode");
    memcpy(out->u.arr.items, items, n * sizeof(rv));
    return JPKI_OK;
}

static jpki_rc parse_object(jp *p, rv *out, int depth)
{
    rv_pair pairs[JPKI_RECORD_MAX_ITEMS];
    size_t n = 0;
    p->pos++; /* { */
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == '}') {
        p->pos++;
    } else {
        for (;;) {
            if (n == JPKI_RECORD_MAX_ITEMS)
                return fail(p, JPKI_ERR_LIMIT, "object has too many members");
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != '"')
                return fail(p, JPKI_ERR_FORMAT, "expected a string key");
            size_t keypos = p->pos;
            char *key;
            size_t klen;
            jpki_rc rc = parse_string(p, &key, &klen);
            if (rc)
                return rc;
            for (size_t i = 0; i < n; i++)
                if (strcmp(pairs[i].key, key) == 0) {
                    p->pos = keypos;
                    return jpki_error_set(p->err, JPKI_ERR_FORMAT,
                                          "JSON: duplicate key \"%.40s\" at byte %zu", key,
                                          keypos + 1);
                }
            skip_ws(p);
            if (p->pos >= p->n || p->s[p->pos] != ':')
                return fail(p, JPKI_ERR_FORMAT, "expected ':'");
            p->pos++;
            pairs[n].key = key;
            rc = parse_value(p, &pairs[n].val, depth + 1);
            if (rc)
                return rc;
            n++;
            skip_ws(p);
            if (p->pos < p->n && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->n && p->s[p->pos] == '}') {
                p->pos++;
                break;
            }
            return fail(p, JPKI_ERR_FORMAT, "expected ',' or '}'");
        }
    }
    out->kind = RV_MAP;
    out->u.map.n = n;
    out->u.map.pairs = rv_alloc(p->a, n * sizeof(rv_pair));
    if (!out->u.map.pairs)
        return jpki_error_set(p->err, JPKI_ERR_LIMIT, "JSON: record too large to decode");
    memcpy(out->u.map.pairs, pairs, n * sizeof(rv_pair));
    return JPKI_OK;
}

static jpki_rc parse_value(jp *p, rv *out, int depth)
{
    skip_ws(p);
    if (p->pos >= p->n)
        return fail(p, JPKI_ERR_FORMAT, "expected a value");
    memset(out, 0, sizeof *out);
    uint8_t c = p->s[p->pos];
    if ((c == '{' || c == '[') && depth >= JPKI_RECORD_MAX_DEPTH)
        return fail(p, JPKI_ERR_LIMIT, "nesting too deep");
    switch (c) {
    case '{':
        return parse_object(p, out, depth);
    case '[':
        return parse_array(p, out, depth);
    case '"': {
        char *s;
        size_t n;
        jpki_rc rc = parse_string(p, &s, &n);
        if (rc)
            return rc;
        out->kind = RV_TEXT;
        out->u.text.p = s;
        out->u.text.n = n;
        return JPKI_OK;
    }
    case 't':
        if (!literal(p, "true"))
            break;
        rv_set_bool(out, true);
        return JPKI_OK;
    case 'f':
        if (!literal(p, "false"))
            break;
        rv_set_bool(out, false);
        return JPKI_OK;
    case 'n':
        if (!literal(p, "null"))
            break;
        out->kind = RV_NULL;
        return JPKI_OK;
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p, out);
        break;
    }
    return fail(p, JPKI_ERR_FORMAT, "unexpected character");
}

jpki_rc rv_json_parse(const uint8_t *buf, size_t len, rv_arena *a, rv *out, jpki_error *err)
{
    jp p = {.s = buf, .n = len, .pos = 0, .a = a, .err = err};
    /* A byte-order mark is not JSON text we produce; say so plainly. */
    if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "JSON: byte-order mark not allowed");
    jpki_rc rc = parse_value(&p, out, 0);
    if (rc)
        return rc;
    skip_ws(&p);
    if (p.pos != p.n)
        return fail(&p, JPKI_ERR_FORMAT, "trailing data after the value");
    return JPKI_OK;
}
