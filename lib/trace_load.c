/* Reading a jpki-trace CBOR file (jpki-trace(5)).  The file is untrusted:
 * it is read whole under a size cap, then walked token by token with the
 * shared bounded reader (cbor_reader.h), which checks each declared string
 * length against our per-item caps and the bytes that are really there. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text_internal.h"
#include "jpki/apdu.h"
#include "jpki/trace.h"
#include "cbor_reader.h"
#include "trace_cbor.h"

#define MAP_ENTRIES_MAX 32
#define KEY_MAX 32
#define ATR_MAX 33
#define READERS_INTERNED 16

/* ---- owned storage behind a jpki_trace_log ---- */

typedef struct log_priv {
    uint8_t *buf;
    size_t len;
    char **strs;
    size_t nstrs, capstrs;
    const char *readers[READERS_INTERNED];
    size_t nreaders;
} log_priv;

/* Copy a CBOR text string into a C string made terminal-safe by the one
 * rule (jpki_text_safe: control characters and invalid UTF-8 as \HH): the
 * text comes from an untrusted file and ends up on a terminal. */
static char *keep_text(log_priv *pv, const uint8_t *p, size_t n)
{
    if (pv->nstrs == pv->capstrs) {
        size_t cap = pv->capstrs ? pv->capstrs * 2 : 64;
        char **s = realloc(pv->strs, cap * sizeof *s);
        if (!s)
            return NULL;
        pv->strs = s;
        pv->capstrs = cap;
    }
    char *out = malloc(3 * n + 1); /* every byte escaped at worst */
    if (!out)
        return NULL;
    jpki_text_safe_bytes((const char *)p, n, out, 3 * n + 1);
    pv->strs[pv->nstrs++] = out;
    return out;
}

/* Every APDU names its reader; one copy per distinct name is enough. */
static const char *keep_reader(log_priv *pv, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < pv->nreaders; i++)
        if (strlen(pv->readers[i]) == n && memcmp(pv->readers[i], p, n) == 0)
            return pv->readers[i];
    const char *s = keep_text(pv, p, n);
    if (s && pv->nreaders < READERS_INTERNED)
        pv->readers[pv->nreaders++] = s;
    return s;
}

void jpki_trace_log_free(jpki_trace_log *log)
{
    if (!log)
        return;
    log_priv *pv = log->priv;
    if (pv) {
        for (size_t i = 0; i < pv->nstrs; i++)
            free(pv->strs[i]);
        free(pv->strs);
        free(pv->buf);
        free(pv);
    }
    free(log->items);
    free(log);
}

/* ---- tokens ---- */

typedef enum tk_type {
    TK_UINT, TK_NEGINT, TK_BYTES, TK_TEXT, TK_ARRAY, TK_MAP, TK_TAG,
    TK_FLOAT, TK_BOOL, TK_NULL, TK_INDEF
} tk_type;

typedef struct token {
    tk_type type;
    uint64_t u;         /* uint value, collection size */
    const uint8_t *p;   /* string bytes (into the buffer) */
    size_t len;
    bool b;
} token;

static const char *tk_name(tk_type t)
{
    static const char *const names[] = {
        "an unsigned integer", "a negative integer", "a byte string", "a text string",
        "an array", "a map", "a tag", "a float", "a boolean", "null/undefined",
        "an indefinite-length item"};
    return names[t];
}

typedef enum rd_status { RD_OK, RD_TRUNCATED, RD_ERROR } rd_status;

typedef struct reader {
    const char *name;   /* for messages */
    const uint8_t *buf;
    size_t len, pos;
    size_t item;        /* 1-based index of the item being read */
    size_t item_start;
    jpki_error *err;
    jpki_rc rc;
} reader;

__attribute__((format(printf, 3, 4))) static rd_status fail(reader *r, jpki_rc code,
                                                            const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = jpki_error_set(r->err, code, "%s: item %zu at byte %zu: %s", r->name, r->item,
                           r->item_start, msg);
    return RD_ERROR;
}

/* Largest string any key may carry: the biggest C-APDU. */
#define STRING_MAX JPKI_CAPDU_MAX

static const cbor_limits TRACE_LIMITS = {
    .bytes_max = STRING_MAX,
    .text_max = JPKI_TRACE_TEXT_MAX,
    .items_max = UINT64_MAX, /* map sizes are checked (and worded) in read_map */
};

/* One token from the shared bounded reader, as the item reader sees it. */
static rd_status next_token(reader *r, token *t)
{
    cbor_token ct;
    size_t more;
    memset(t, 0, sizeof *t);
    switch (cbor_read_token(r->buf, r->len, r->pos, &TRACE_LIMITS, &ct, &more)) {
    case CBOR_READ_OK:
        break;
    case CBOR_READ_SHORT:
        return RD_TRUNCATED;
    case CBOR_READ_INDEFINITE:
        return fail(r, JPKI_ERR_FORMAT, "indefinite-length item (not used by jpki-trace)");
    case CBOR_READ_TOO_LONG: {
        unsigned long long cap = ct.major == 3 ? JPKI_TRACE_TEXT_MAX : STRING_MAX;
        return fail(r, JPKI_ERR_LIMIT, "%s string declares %llu bytes (limit %llu)",
                    ct.major == 3 ? "text" : "byte", (unsigned long long)ct.val, cap);
    }
    default:
        return fail(r, JPKI_ERR_FORMAT, "malformed CBOR (reserved length code %u)", ct.ai);
    }
    static const tk_type by_major[] = {TK_UINT, TK_NEGINT, TK_BYTES, TK_TEXT,
                                       TK_ARRAY, TK_MAP, TK_TAG};
    if (ct.major < 7) {
        t->type = by_major[ct.major];
    } else if (ct.ai == 20 || ct.ai == 21) {
        t->type = TK_BOOL;
        t->b = ct.ai == 21;
    } else if (ct.ai >= 25 && ct.ai <= 27) {
        t->type = TK_FLOAT;
    } else {
        t->type = TK_NULL; /* null, undefined, other simple values */
    }
    t->u = ct.val;
    t->p = ct.p;
    t->len = ct.major == 2 || ct.major == 3 ? (size_t)ct.val : 0;
    r->pos += ct.size;
    return RD_OK;
}

/* ---- items ---- */

enum { F_TYPE, F_VERSION, F_TOOL, F_START, F_READER, F_ATR, F_SEQ, F_T, F_DUR,
       F_CAPDU, F_RAPDU, F_REDACTED, F_ERROR, F_WHAT, F_APDUS, F_COUNT };

static const struct {
    const char *key;
    tk_type type;
    size_t max; /* strings: longest allowed */
} fields[F_COUNT] = {
    [F_TYPE] = {TC_K_TYPE, TK_TEXT, KEY_MAX},
    [F_VERSION] = {TC_K_VERSION, TK_UINT, 0},
    [F_TOOL] = {TC_K_TOOL, TK_TEXT, JPKI_TRACE_TEXT_MAX},
    [F_START] = {TC_K_START, TK_TEXT, JPKI_TRACE_TEXT_MAX},
    [F_READER] = {TC_K_READER, TK_TEXT, JPKI_TRACE_TEXT_MAX},
    [F_ATR] = {TC_K_ATR, TK_BYTES, ATR_MAX},
    [F_SEQ] = {TC_K_SEQ, TK_UINT, 0},
    [F_T] = {TC_K_T, TK_UINT, 0},
    [F_DUR] = {TC_K_DUR, TK_UINT, 0},
    [F_CAPDU] = {TC_K_CAPDU, TK_BYTES, JPKI_CAPDU_MAX},
    [F_RAPDU] = {TC_K_RAPDU, TK_BYTES, JPKI_RAPDU_MAX},
    [F_REDACTED] = {TC_K_REDACTED, TK_BOOL, 0},
    [F_ERROR] = {TC_K_ERROR, TK_TEXT, JPKI_TRACE_TEXT_MAX},
    [F_WHAT] = {TC_K_WHAT, TK_TEXT, JPKI_TRACE_TEXT_MAX},
    [F_APDUS] = {TC_K_APDUS, TK_UINT, 0},
};

typedef struct raw_item {
    bool has[F_COUNT];
    token v[F_COUNT];
} raw_item;

static bool text_is(const token *t, const char *s)
{
    return t->type == TK_TEXT && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

/* One top-level item: a map of at most MAP_ENTRIES_MAX scalar values under
 * text keys.  Unknown keys are skipped (newer writers may add some). */
static rd_status read_map(reader *r, raw_item *it)
{
    memset(it, 0, sizeof *it);
    token t;
    rd_status st = next_token(r, &t);
    if (st != RD_OK)
        return st;
    if (t.type != TK_MAP)
        return fail(r, JPKI_ERR_FORMAT, "expected a map, found %s", tk_name(t.type));
    if (t.u > MAP_ENTRIES_MAX)
        return fail(r, JPKI_ERR_LIMIT, "map of %llu entries (limit %d)",
                    (unsigned long long)t.u, MAP_ENTRIES_MAX);
    for (uint64_t i = 0; i < t.u; i++) {
        token k, v;
        if ((st = next_token(r, &k)) != RD_OK)
            return st;
        if (k.type != TK_TEXT || k.len > KEY_MAX)
            return fail(r, JPKI_ERR_FORMAT, "map key is %s, not a short text string",
                        k.type == TK_TEXT ? "a long text string" : tk_name(k.type));
        if ((st = next_token(r, &v)) != RD_OK)
            return st;
        if (v.type == TK_ARRAY || v.type == TK_MAP || v.type == TK_TAG || v.type == TK_INDEF)
            return fail(r, JPKI_ERR_FORMAT, "value of \"%.*s\" is %s; jpki-trace values are scalars",
                        (int)k.len, (const char *)k.p, tk_name(v.type));
        for (int f = 0; f < F_COUNT; f++) {
            if (!text_is(&k, fields[f].key))
                continue;
            if (it->has[f])
                return fail(r, JPKI_ERR_FORMAT, "key \"%s\" appears twice", fields[f].key);
            if (v.type != fields[f].type)
                return fail(r, JPKI_ERR_FORMAT, "\"%s\" is %s, expected %s", fields[f].key,
                            tk_name(v.type), tk_name(fields[f].type));
            if (fields[f].max && v.len > fields[f].max)
                return fail(r, JPKI_ERR_LIMIT, "\"%s\" has %zu bytes (limit %zu)",
                            fields[f].key, v.len, fields[f].max);
            it->has[f] = true;
            it->v[f] = v;
        }
    }
    if (!it->has[F_TYPE])
        return fail(r, JPKI_ERR_FORMAT, "item without \"type\"");
    return RD_OK;
}

static rd_status require(reader *r, const raw_item *it, int f, const char *type)
{
    if (it->has[f])
        return RD_OK;
    return fail(r, JPKI_ERR_FORMAT, "%s item without \"%s\"", type, fields[f].key);
}

static rd_status nomem(reader *r)
{
    r->rc = jpki_error_set(r->err, JPKI_ERR_NOMEM, "%s: out of memory", r->name);
    return RD_ERROR;
}

static rd_status take_header(reader *r, const raw_item *it, jpki_trace_log *log)
{
    log_priv *pv = log->priv;
    if (!text_is(&it->v[F_TYPE], TC_TYPE_HEADER))
        return fail(r, JPKI_ERR_FORMAT, "not a jpki-trace file (the first item is no header)");
    rd_status st = require(r, it, F_VERSION, "header");
    if (st != RD_OK)
        return st;
    uint64_t v = it->v[F_VERSION].u;
    if (v == 0)
        return fail(r, JPKI_ERR_FORMAT, "format version 0");
    if (v > JPKI_TRACE_FORMAT_VERSION) {
        r->rc = jpki_error_set(r->err, JPKI_ERR_UNSUPPORTED,
                               "%s: jpki-trace format version %llu is newer than this program "
                               "understands (%d)", r->name, (unsigned long long)v,
                               JPKI_TRACE_FORMAT_VERSION);
        return RD_ERROR;
    }
    log->version = (unsigned)v;
    log->tool = it->has[F_TOOL] ? keep_text(pv, it->v[F_TOOL].p, it->v[F_TOOL].len) : "";
    log->start = it->has[F_START] ? keep_text(pv, it->v[F_START].p, it->v[F_START].len) : "";
    if (it->has[F_READER])
        log->reader = keep_reader(pv, it->v[F_READER].p, it->v[F_READER].len);
    if (!log->tool || !log->start || (it->has[F_READER] && !log->reader))
        return nomem(r);
    if (it->has[F_ATR]) {
        log->atr = it->v[F_ATR].p;
        log->atr_len = it->v[F_ATR].len;
    }
    return RD_OK;
}

/* Fill one jpki_trace_item from a map; *keep = false for unknown types. */
static rd_status take_item(reader *r, const raw_item *it, jpki_trace_log *log,
                           jpki_trace_item *out, bool *keep)
{
    log_priv *pv = log->priv;
    const token *type = &it->v[F_TYPE];
    rd_status st;
    memset(out, 0, sizeof *out);
    *keep = true;
    out->t_us = it->has[F_T] ? it->v[F_T].u : 0;
    if (it->has[F_READER] &&
        !(out->reader = keep_reader(pv, it->v[F_READER].p, it->v[F_READER].len)))
        return nomem(r);
    if (text_is(type, TC_TYPE_APDU)) {
        out->kind = JPKI_TRACE_APDU;
        if ((st = require(r, it, F_CAPDU, "apdu")) != RD_OK ||
            (st = require(r, it, F_SEQ, "apdu")) != RD_OK)
            return st;
        if (!it->has[F_RAPDU] && !it->has[F_ERROR])
            return fail(r, JPKI_ERR_FORMAT, "apdu item with neither \"r\" nor \"error\"");
        out->seq = it->v[F_SEQ].u;
        out->dur_us = it->has[F_DUR] ? it->v[F_DUR].u : 0;
        out->capdu = it->v[F_CAPDU].p;
        out->clen = it->v[F_CAPDU].len;
        if (it->has[F_RAPDU]) {
            /* A zero-length byte string still needs a non-NULL pointer:
             * NULL means "the transmit failed". */
            out->rapdu = it->v[F_RAPDU].len ? it->v[F_RAPDU].p : pv->buf;
            out->rlen = it->v[F_RAPDU].len;
        }
        if (it->has[F_ERROR] &&
            !(out->text = keep_text(pv, it->v[F_ERROR].p, it->v[F_ERROR].len)))
            return nomem(r);
    } else if (text_is(type, TC_TYPE_EVENT)) {
        out->kind = JPKI_TRACE_EVENT;
        if ((st = require(r, it, F_WHAT, "event")) != RD_OK)
            return st;
        if (!(out->text = keep_text(pv, it->v[F_WHAT].p, it->v[F_WHAT].len)))
            return nomem(r);
    } else if (text_is(type, TC_TYPE_CARD)) {
        out->kind = JPKI_TRACE_CARD;
        if ((st = require(r, it, F_ATR, "card")) != RD_OK)
            return st;
        out->atr = it->v[F_ATR].p;
        out->atr_len = it->v[F_ATR].len;
    } else if (text_is(type, TC_TYPE_END)) {
        out->kind = JPKI_TRACE_END;
        out->apdus = it->has[F_APDUS] ? it->v[F_APDUS].u : 0;
    } else if (text_is(type, TC_TYPE_HEADER)) {
        return fail(r, JPKI_ERR_FORMAT, "a second header (two recordings concatenated?)");
    } else {
        *keep = false; /* a newer writer's item type: skip it */
    }
    return RD_OK;
}

static rd_status push_item(reader *r, jpki_trace_log *log, size_t *cap,
                           const jpki_trace_item *it)
{
    if (log->count == *cap) {
        if (*cap >= JPKI_TRACE_ITEMS_MAX)
            return fail(r, JPKI_ERR_LIMIT, "more than %u items", JPKI_TRACE_ITEMS_MAX);
        size_t ncap = *cap ? *cap * 2 : 64;
        if (ncap > JPKI_TRACE_ITEMS_MAX)
            ncap = JPKI_TRACE_ITEMS_MAX;
        jpki_trace_item *n = realloc(log->items, ncap * sizeof *n);
        if (!n)
            return nomem(r);
        log->items = n;
        *cap = ncap;
    }
    log->items[log->count++] = *it;
    return RD_OK;
}

/* Takes ownership of buf (malloc'd). */
static jpki_rc parse(const char *name, uint8_t *buf, size_t len, bool allow_truncated,
                     jpki_trace_log **out, jpki_error *err)
{
    jpki_trace_log *log = calloc(1, sizeof *log);
    log_priv *pv = calloc(1, sizeof *pv);
    if (!log || !pv) {
        free(log);
        free(pv);
        free(buf);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", name);
    }
    pv->buf = buf;
    pv->len = len;
    log->priv = pv;
    reader r = {.name = name, .buf = buf, .len = len, .err = err, .rc = JPKI_OK};
    size_t cap = 0;
    rd_status st = RD_OK;
    if (len == 0) {
        jpki_trace_log_free(log);
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: empty file, not a jpki-trace", name);
    }
    while (r.pos < r.len) {
        r.item++;
        r.item_start = r.pos;
        raw_item raw;
        if ((st = read_map(&r, &raw)) != RD_OK)
            break;
        if (r.item == 1) {
            if ((st = take_header(&r, &raw, log)) != RD_OK)
                break;
            continue;
        }
        jpki_trace_item it;
        bool keep;
        if ((st = take_item(&r, &raw, log, &it, &keep)) != RD_OK)
            break;
        if (keep && (st = push_item(&r, log, &cap, &it)) != RD_OK)
            break;
    }
    if (st == RD_TRUNCATED) {
        if (allow_truncated && r.item > 1) {
            log->truncated = true;
            log->truncated_at = r.item_start;
            st = RD_OK;
        } else if (r.item == 1) {
            jpki_error_set(err, JPKI_ERR_FORMAT,
                           "%s: not a jpki-trace file (it ends inside its first item)", name);
            r.rc = JPKI_ERR_FORMAT;
        } else {
            jpki_error_set(err, JPKI_ERR_FORMAT,
                           "%s: truncated: the file ends at byte %zu inside item %zu (which "
                           "starts at byte %zu; the recording was cut short)",
                           name, r.len, r.item, r.item_start);
            r.rc = JPKI_ERR_FORMAT;
        }
    }
    if (st != RD_OK) {
        jpki_trace_log_free(log);
        return r.rc;
    }
    *out = log;
    return JPKI_OK;
}

jpki_rc jpki_trace_load_buffer(const uint8_t *buf, size_t len, bool allow_truncated,
                               jpki_trace_log **out, jpki_error *err)
{
    if (!out || (!buf && len))
        return jpki_error_set(err, JPKI_ERR_ARG, "trace: missing argument");
    if (len > JPKI_TRACE_FILE_MAX)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "trace: %zu bytes exceed the %u-byte limit",
                              len, JPKI_TRACE_FILE_MAX);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "trace: out of memory");
    if (len)
        memcpy(copy, buf, len);
    return parse("trace", copy, len, allow_truncated, out, err);
}

jpki_rc jpki_trace_load(const char *path, bool allow_truncated, jpki_trace_log **out,
                        jpki_error *err)
{
    if (!path || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "trace: missing argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > JPKI_TRACE_FILE_MAX) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: %lld bytes exceed the %u-byte limit",
                              path, (long long)st.st_size, JPKI_TRACE_FILE_MAX);
    }
    /* Read at most the cap (+1 to notice a file that grew meanwhile). */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            jpki_rc rc = jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
            close(fd);
            free(buf);
            return rc;
        }
        if (k == 0)
            break;
        len += (size_t)k;
        if (len == cap) {
            close(fd);
            free(buf);
            return jpki_error_set(err, JPKI_ERR_IO, "%s: file changed while being read", path);
        }
    }
    close(fd);
    return parse(path, buf, len, allow_truncated, out, err);
}
