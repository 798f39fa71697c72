/* Reading a stream of records: JSON lines or a CBOR sequence (RFC 8742),
 * detected from the first byte.  A CBOR record is framed by walking its
 * heads and reading exactly the bytes they announce, so nothing is read
 * past the record (a live producer is served record by record) and a huge
 * declared length fails before any allocation. */
#include <stdlib.h>
#include <string.h>

#include "records_internal.h"

struct jpki_record_reader {
    FILE *in;
    uint8_t *prefix;       /* bytes handed in by a caller that sniffed the input */
    size_t prefix_len, prefix_pos;
    bool last_from_prefix; /* where next_byte() took its last byte */
    jpki_record_format fmt;
    uint8_t *buf;          /* the record being framed (JPKI_RECORD_MAX_SIZE + 2) */
    size_t len;
    unsigned long count;   /* records returned so far */
    bool failed;           /* sticky: the stream cannot be resynchronised */
    jpki_error failure;
};

jpki_rc jpki_record_reader_new(FILE *in, const uint8_t *prefix, size_t plen,
                               jpki_record_reader **out, jpki_error *err)
{
    jpki_record_reader *r = calloc(1, sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    r->in = in;
    r->buf = malloc(JPKI_RECORD_MAX_SIZE + 2);
    if (plen) {
        r->prefix = malloc(plen);
        if (r->prefix) {
            memcpy(r->prefix, prefix, plen);
            r->prefix_len = plen;
        }
    }
    if (!r->buf || (plen && !r->prefix)) {
        jpki_record_reader_free(r);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    }
    jpki_error_clear(&r->failure);
    *out = r;
    return JPKI_OK;
}

void jpki_record_reader_free(jpki_record_reader *r)
{
    if (!r)
        return;
    free(r->prefix);
    free(r->buf);
    free(r);
}

jpki_record_format jpki_record_reader_format(const jpki_record_reader *r)
{
    return r->fmt;
}

/* Next byte, or -1 at the end of the input (EOF or a read error). */
static int next_byte(jpki_record_reader *r)
{
    r->last_from_prefix = r->prefix_pos < r->prefix_len;
    if (r->last_from_prefix)
        return r->prefix[r->prefix_pos++];
    return getc(r->in);
}

static void unread_byte(jpki_record_reader *r, int c)
{
    /* Only ever the byte just taken: step back in the prefix or push back. */
    if (r->last_from_prefix)
        r->prefix_pos--;
    else
        ungetc(c, r->in);
}

static size_t read_bytes(jpki_record_reader *r, uint8_t *dst, size_t n)
{
    size_t got = 0;
    while (got < n && r->prefix_pos < r->prefix_len)
        dst[got++] = r->prefix[r->prefix_pos++];
    if (got < n)
        got += fread(dst + got, 1, n - got, r->in);
    return got;
}

static jpki_rc fail(jpki_record_reader *r, jpki_error *err)
{
    r->failed = true;
    r->failure = *err;
    return err->code;
}

static jpki_rc stream_error(jpki_record_reader *r, jpki_error *err)
{
    if (ferror(r->in))
        jpki_error_set(err, JPKI_ERR_IO, "record %lu: read error", r->count + 1);
    return fail(r, err);
}

/* Decide the format from the first byte that is not JSON whitespace. */
static jpki_rc detect(jpki_record_reader *r, bool *empty, jpki_error *err)
{
    int c;
    bool leading_ws = false;
    while ((c = next_byte(r)) == ' ' || c == '\t' || c == '\r' || c == '\n')
        leading_ws = true;
    if (c < 0) {
        *empty = true;
        return ferror(r->in) ? stream_error(r, err) : JPKI_OK;
    }
    unread_byte(r, c);
    uint8_t b = (uint8_t)c;
    if (b == '{')
        r->fmt = JPKI_RECORD_JSON;
    else if (!leading_ws && jpki_record_sniff(&b, 1) == JPKI_RECORD_CBOR)
        r->fmt = JPKI_RECORD_CBOR;
    else {
        jpki_error_set(err, JPKI_ERR_FORMAT,
                       "input is neither JSON records nor a CBOR sequence (first byte 0x%02x)", b);
        return fail(r, err);
    }
    return JPKI_OK;
}

/* One JSON line (blank lines skipped) into r->buf; *got false at EOF. */
static jpki_rc frame_json(jpki_record_reader *r, bool *got, jpki_error *err)
{
    for (;;) {
        size_t n = 0;
        bool blank = true;
        int c;
        while ((c = next_byte(r)) >= 0 && c != '\n') {
            if (n == JPKI_RECORD_MAX_SIZE + 1) {
                jpki_error_set(err, JPKI_ERR_LIMIT,
                               "record %lu: line longer than the limit of %u bytes", r->count + 1,
                               JPKI_RECORD_MAX_SIZE);
                return fail(r, err);
            }
            if (c != ' ' && c != '\t' && c != '\r')
                blank = false;
            r->buf[n++] = (uint8_t)c;
        }
        if (c < 0 && ferror(r->in))
            return stream_error(r, err);
        if (!blank) {
            r->len = n;
            *got = true;
            return JPKI_OK;
        }
        if (c < 0) {
            *got = false;
            return JPKI_OK;
        }
    }
}

/* One CBOR data item into r->buf: walk, read what is missing, repeat. */
static jpki_rc frame_cbor(jpki_record_reader *r, bool *got, jpki_error *err)
{
    r->len = 0;
    for (;;) {
        size_t need, more;
        jpki_rc rc = rv_cbor_measure(r->buf, r->len, &need, &more, err);
        if (rc) {
            jpki_error_prefix(err, "record %lu", r->count + 1);
            return fail(r, err);
        }
        if (need) {
            *got = true;
            return JPKI_OK;
        }
        size_t n = read_bytes(r, r->buf + r->len, more);
        r->len += n;
        if (n < more) {
            if (ferror(r->in))
                return stream_error(r, err);
            if (r->len == 0) {
                *got = false;
                return JPKI_OK;
            }
            jpki_error_set(err, JPKI_ERR_FORMAT,
                           "record %lu: input ends inside a CBOR record (%zu bytes read)",
                           r->count + 1, r->len);
            return fail(r, err);
        }
    }
}

jpki_rc jpki_record_read_next(jpki_record_reader *r, jpki_record *rec, bool *got, jpki_error *err)
{
    jpki_error local;
    if (!err) {
        jpki_error_clear(&local);
        err = &local;
    }
    *got = false;
    jpki_record_clear(rec);
    if (r->failed) {
        *err = r->failure;
        return err->code;
    }
    if (r->fmt == JPKI_RECORD_AUTO) {
        bool empty = false;
        jpki_rc rc = detect(r, &empty, err);
        if (rc || empty)
            return rc;
    }
    bool framed = false;
    jpki_rc rc = r->fmt == JPKI_RECORD_JSON ? frame_json(r, &framed, err) : frame_cbor(r, &framed, err);
    if (rc || !framed)
        return rc;
    rc = jpki_record_decode(r->buf, r->len, r->fmt, rec, err);
    if (rc) {
        jpki_error_prefix(err, "record %lu", r->count + 1);
        return fail(r, err);
    }
    r->count++;
    *got = true;
    return JPKI_OK;
}
