/* Card-status records: lifetime, one-record encode/decode, and the UTC
 * time text the schema uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records_internal.h"

void jpki_record_init(jpki_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->version = JPKI_RECORD_VERSION;
    for (int k = 0; k < JPKI_PIN_COUNT; k++)
        rec->pins[k].tries_left = -1;
}

void jpki_record_clear(jpki_record *rec)
{
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        free(rec->certs[k].der);
    jpki_record_init(rec);
}

jpki_rc jpki_record_set_der(jpki_record *rec, jpki_cert_kind kind, const uint8_t *der, size_t len,
                            jpki_error *err)
{
    if ((unsigned)kind >= JPKI_RECORD_CERTS)
        return jpki_error_set(err, JPKI_ERR_ARG, "bad certificate kind %d", (int)kind);
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        memcpy(copy, der, len);
    }
    free(rec->certs[kind].der);
    rec->certs[kind].der = copy;
    rec->certs[kind].der_len = len;
    return JPKI_OK;
}

const char *jpki_card_mode_name(jpki_card_mode m)
{
    switch (m) {
    case JPKI_MODE_PIN: return "pin";
    case JPKI_MODE_FACE: return "face";
    case JPKI_MODE_UNKNOWN: break;
    }
    return "unknown";
}

long rv_days_left(time_t t, time_t now)
{
    long long d = (long long)t - (long long)now;
    long long days = d / 86400;
    if (d % 86400 < 0)
        days--; /* round down, also below zero */
    return (long)days;
}

void jpki_record_time_format(time_t t, char buf[32])
{
    struct tm tm;
    /* Four-digit years always (strftime's %Y would write "999"), so that
     * everything written parses back. */
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        strcpy(buf, t < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z");
        return;
    }
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

jpki_rc jpki_record_time_parse(const char *s, time_t *out, jpki_error *err)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &se))
        return jpki_error_set(err, JPKI_ERR_FORMAT, "bad time \"%.32s\" (want YYYY-MM-DDTHH:MM:SSZ)", s);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || se > 60)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "bad time \"%.32s\" (out of range)", s);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = se == 60 ? 59 : se};
    *out = timegm(&tm);
    return JPKI_OK;
}

/* Arena bound for decoding one record: generous next to the node sizes a
 * JPKI_RECORD_MAX_SIZE input can produce, and still a hard cap. */
#define DECODE_ARENA_LIMIT (48u * JPKI_RECORD_MAX_SIZE)

jpki_rc jpki_record_encode(const jpki_record *rec, jpki_record_format fmt, bool include_der,
                           uint8_t **out, size_t *len, jpki_error *err)
{
    if (fmt != JPKI_RECORD_JSON && fmt != JPKI_RECORD_CBOR)
        return jpki_error_set(err, JPKI_ERR_ARG, "encoding record: format must be JSON or CBOR");
    rv_arena a;
    rv_arena_init(&a, 1u << 20);
    rv *tree;
    jpki_rc rc = rv_from_record(rec, include_der, &a, &tree, err);
    if (rc) {
        rv_arena_free(&a);
        return rc;
    }
    rv_buf b = {0};
    if (fmt == JPKI_RECORD_JSON) {
        rv_json_emit(tree, &b);
        rv_buf_putc(&b, '\n');
    } else {
        rv_cbor_emit(tree, &b);
    }
    rv_arena_free(&a);
    if (b.oom) {
        free(b.p);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "encoding record: out of memory");
    }
    *out = b.p;
    *len = b.len;
    return JPKI_OK;
}

jpki_rc jpki_record_write(FILE *f, const jpki_record *rec, jpki_record_format fmt, bool include_der,
                          jpki_error *err)
{
    uint8_t *buf;
    size_t len;
    jpki_rc rc = jpki_record_encode(rec, fmt, include_der, &buf, &len, err);
    if (rc)
        return rc;
    size_t put = fwrite(buf, 1, len, f);
    free(buf);
    if (put != len || fflush(f) != 0)
        return jpki_error_set(err, JPKI_ERR_IO, "writing record: short write");
    return JPKI_OK;
}

jpki_rc jpki_record_decode(const uint8_t *buf, size_t len, jpki_record_format fmt, jpki_record *rec,
                           jpki_error *err)
{
    jpki_record_clear(rec);
    if (len > JPKI_RECORD_MAX_SIZE + 2) /* + CR LF of a JSON line */
        return jpki_error_set(err, JPKI_ERR_LIMIT, "record of %zu bytes exceeds the limit of %u", len,
                              JPKI_RECORD_MAX_SIZE);
    if (fmt == JPKI_RECORD_AUTO)
        fmt = jpki_record_sniff(buf, len);
    rv_arena a;
    rv_arena_init(&a, DECODE_ARENA_LIMIT);
    rv tree;
    jpki_rc rc;
    if (fmt == JPKI_RECORD_JSON) {
        rc = rv_json_parse(buf, len, &a, &tree, err);
    } else if (fmt == JPKI_RECORD_CBOR) {
        size_t need, more;
        rc = rv_cbor_measure(buf, len, &need, &more, err);
        if (rc == JPKI_OK && need == 0)
            rc = jpki_error_set(err, JPKI_ERR_FORMAT, "CBOR: truncated record (%zu more bytes needed)",
                                more);
        if (rc == JPKI_OK)
            rc = rv_cbor_parse(buf, len, &a, &tree, err);
    } else {
        rc = jpki_error_set(err, JPKI_ERR_FORMAT, "neither a JSON nor a CBOR record");
    }
    if (rc == JPKI_OK)
        rc = rv_to_record(&tree, rec, err);
    rv_arena_free(&a);
    if (rc)
        jpki_record_clear(rec);
    return rc;
}

jpki_record_format jpki_record_sniff(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i == len)
        return JPKI_RECORD_AUTO;
    if (buf[i] == '{')
        return JPKI_RECORD_JSON;
    if (i > 0)
        return JPKI_RECORD_AUTO; /* whitespace only makes sense before JSON */
    uint8_t major = buf[0] >> 5;
    if (major == 5)
        return JPKI_RECORD_CBOR; /* a map: our records */
    if (buf[0] == 0xD9 && (len < 2 || buf[1] == 0xD9) && (len < 3 || buf[2] == 0xF7))
        return JPKI_RECORD_CBOR; /* self-described CBOR (tag 55799) */
    return JPKI_RECORD_AUTO;
}
