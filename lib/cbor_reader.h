/* The one bounded CBOR reader behind records, journal and trace files
 * (all untrusted input).  It reads one token -- a head, plus the payload
 * of a definite string -- and checks, before anything is allocated or
 * read, the declared length or count against the caller's limits and
 * against the bytes really present.  Indefinite lengths are refused (none
 * of our writers produce them).  Nesting depth is bounded by the walkers
 * that recurse (records), the others read flat maps.  libcbor's cbor_load
 * is never used on input: it trusts declared lengths. */
#ifndef JPKI_CBOR_READER_H
#define JPKI_CBOR_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct cbor_limits {
    uint64_t bytes_max; /* longest byte string */
    uint64_t text_max;  /* longest text string */
    uint64_t items_max; /* most array items / map entries */
} cbor_limits;

typedef struct cbor_token {
    uint8_t major;      /* 0 uint, 1 negint, 2 bytes, 3 text, 4 array, 5 map, 6 tag, 7 simple */
    uint8_t ai;         /* additional information (low 5 bits of the first byte) */
    uint64_t val;       /* integer, string length, count, tag number or simple value */
    const uint8_t *p;   /* string payload (inside the buffer), else NULL */
    size_t hlen;        /* bytes of the head */
    size_t size;        /* bytes of the token: head, plus payload for strings */
} cbor_token;

typedef enum cbor_read {
    CBOR_READ_OK,
    CBOR_READ_SHORT,      /* *more bytes missing at the end of the buffer */
    CBOR_READ_INDEFINITE, /* indefinite length or a break byte (t->major says which) */
    CBOR_READ_MALFORMED,  /* reserved additional information, malformed simple value */
    CBOR_READ_TOO_LONG,   /* string longer than its limit (t->val is the claim) */
    CBOR_READ_TOO_MANY    /* array/map count over items_max (t->val is the claim) */
} cbor_read;

/* Read the token at buf[pos..len).  t->major/ai/val are set whenever the
 * head itself could be read, so callers can word their own messages. */
cbor_read cbor_read_token(const uint8_t *buf, size_t len, size_t pos, const cbor_limits *lim,
                          cbor_token *t, size_t *more);

#endif
