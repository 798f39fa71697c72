/* Internal to the record library: a small value tree that both encodings
 * (JSON, CBOR) parse into and serialise from, so the schema mapping in
 * records_schema.c is written once.  Nodes live in an arena that is freed
 * in one go; every size is bounded by the JPKI_RECORD_MAX_* limits. */
#ifndef JPKI_RECORDS_INTERNAL_H
#define JPKI_RECORDS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jpki/error.h"
#include "jpki/records.h"

typedef enum rv_kind {
    RV_NULL,
    RV_BOOL,
    RV_INT,    /* fits int64_t */
    RV_OTHER,  /* a value we skip: float, big integer, undefined, simple */
    RV_TEXT,   /* valid UTF-8, no NUL, NUL-terminated copy */
    RV_BYTES,
    RV_ARRAY,
    RV_MAP
} rv_kind;

typedef struct rv rv;
typedef struct rv_pair rv_pair;

struct rv {
    rv_kind kind;
    union {
        bool b;
        int64_t i;
        struct { char *p; size_t n; } text;
        struct { uint8_t *p; size_t n; } bytes;
        struct { rv *items; size_t n; } arr;
        struct { rv_pair *pairs; size_t n; } map;
    } u;
};

struct rv_pair {
    const char *key; /* maps in records have text keys only */
    rv val;
};

/* ---- arena ---- */
typedef struct rv_arena {
    struct rv_chunk *chunks;
    size_t used_total;
    size_t limit; /* refuse to grow past this many bytes */
} rv_arena;

void rv_arena_init(rv_arena *a, size_t limit);
void rv_arena_free(rv_arena *a);
void *rv_alloc(rv_arena *a, size_t n); /* zeroed; NULL when over the limit or OOM */

/* ---- building trees (for encoding) ---- */
rv *rv_new_map(rv_arena *a, size_t cap);     /* cap = max pairs */
rv *rv_new_array(rv_arena *a, size_t cap);
/* Append to a map/array created with enough capacity; the returned node is
 * the new value slot (kind RV_NULL until set). */
rv *rv_map_add(rv *map, const char *key);
rv *rv_array_add(rv *arr);
void rv_set_text(rv *v, const char *s);      /* s must outlive the tree */
void rv_set_int(rv *v, int64_t i);
void rv_set_bool(rv *v, bool b);
void rv_set_bytes(rv *v, const uint8_t *p, size_t n);

/* Lookup in a map (NULL if absent). */
const rv *rv_get(const rv *map, const char *key);

/* ---- UTF-8 and text helpers ---- */
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid
 * (overlong, surrogate, > U+10FFFF, truncated). */
size_t rv_utf8_seq(const uint8_t *s, size_t n);
bool rv_utf8_valid(const uint8_t *s, size_t n);

size_t rv_base64_len(size_t n);
void rv_base64_encode(const uint8_t *in, size_t n, char *out); /* NUL-terminated */
/* Strict: padding required, no whitespace.  out must hold n/4*3 bytes. */
bool rv_base64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen);

/* ---- growable output buffer ---- */
typedef struct rv_buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} rv_buf;
void rv_buf_put(rv_buf *b, const void *data, size_t n);
void rv_buf_putc(rv_buf *b, char c);
void rv_buf_puts(rv_buf *b, const char *s);

/* ---- the two encodings ---- */
/* Serialise (never fails except out of memory: b->oom). */
void rv_json_emit(const rv *v, rv_buf *b);
void rv_cbor_emit(const rv *v, rv_buf *b);

/* Parse one value occupying exactly buf[0..len) (JSON: surrounding
 * whitespace allowed). */
jpki_rc rv_json_parse(const uint8_t *buf, size_t len, rv_arena *a, rv *out,
                      jpki_error *err);
jpki_rc rv_cbor_parse(const uint8_t *buf, size_t len, rv_arena *a, rv *out,
                      jpki_error *err);

/* Walk one CBOR data item at buf without building anything: *need is its
 * total length when JPKI_OK; when the buffer ends first, returns JPKI_OK with
 * *need = 0 and *more = a lower bound of the bytes still missing.  Limits
 * are enforced here (declared lengths, depth, counts, total size). */
jpki_rc rv_cbor_measure(const uint8_t *buf, size_t len, size_t *need, size_t *more,
                        jpki_error *err);

/* Whole days from now to t, rounded down (negative once past). */
long rv_days_left(time_t t, time_t now);

/* ---- schema ---- */
jpki_rc rv_from_record(const jpki_record *rec, bool include_der, rv_arena *a,
                       rv **out, jpki_error *err);
jpki_rc rv_to_record(const rv *v, jpki_record *rec, jpki_error *err);

#endif
