/* Bounded CBOR token reader (RFC 8949 heads): see cbor_reader.h. */
#include <string.h>

#include "cbor_reader.h"

cbor_read cbor_read_token(const uint8_t *buf, size_t len, size_t pos, const cbor_limits *lim,
                          cbor_token *t, size_t *more)
{
    memset(t, 0, sizeof *t);
    *more = 0;
    if (pos >= len) {
        *more = 1;
        return CBOR_READ_SHORT;
    }
    t->major = buf[pos] >> 5;
    t->ai = buf[pos] & 0x1F;
    size_t extra;
    if (t->ai < 24)
        extra = 0;
    else if (t->ai <= 27)
        extra = (size_t)1 << (t->ai - 24);
    else if (t->ai == 31)
        return CBOR_READ_INDEFINITE;
    else
        return CBOR_READ_MALFORMED; /* 28..30 are reserved */
    if (len - pos < 1 + extra) {
        *more = 1 + extra - (len - pos);
        return CBOR_READ_SHORT;
    }
    uint64_t v = t->ai < 24 ? t->ai : 0;
    for (size_t i = 0; i < extra; i++)
        v = v << 8 | buf[pos + 1 + i];
    t->val = v;
    t->hlen = 1 + extra;
    t->size = t->hlen;
    switch (t->major) {
    case 2: case 3: {
        /* the claim is checked against the limit first, so that a huge
         * length is reported as such and not as a truncated file */
        if (v > (t->major == 2 ? lim->bytes_max : lim->text_max))
            return CBOR_READ_TOO_LONG;
        size_t avail = len - pos - t->hlen;
        if (v > avail) {
            *more = (size_t)(v - avail);
            return CBOR_READ_SHORT;
        }
        t->p = buf + pos + t->hlen;
        t->size += (size_t)v;
        return CBOR_READ_OK;
    }
    case 4: case 5:
        return v > lim->items_max ? CBOR_READ_TOO_MANY : CBOR_READ_OK;
    case 7:
        /* a one-byte simple value below 32 must use the short form */
        return t->ai == 24 && v < 32 ? CBOR_READ_MALFORMED : CBOR_READ_OK;
    default:
        return CBOR_READ_OK;
    }
}
