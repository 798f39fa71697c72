/* Card-status records: lifetime, one-record encode/decode, and the UTC
 * time text the schema uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/cert.h"
#include "records_internal.h"
#include "time_internal.h"

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
    /* Clamped to years 0000..9999 so that everything written parses back
     * with jpki_record_time_parse; the format itself is jpki_time_format's. */
    const time_t first = -62167219200LL, last = 253402300799LL;
    jpki_time_format(t < first ? first : t > last ? last : t, buf, 32);
}

jpki_rc jpki_record_time_parse(const char *s, time_t *out, jpki_error *err)
{
    /* Records carry only the full form; what a valid field is (and that
     * second 60 is refused) is decided in cert_time.c alone. */
    switch (s ? time_parse_calendar(s, out) : TIME_BAD_FORM) {
    case TIME_FULL:
        return JPKI_OK;
    case TIME_OUT_OF_RANGE:
        return jpki_error_set(err, JPKI_ERR_FORMAT, "bad time \"%.32s\" (out of range)", s);
    default:
        return jpki_error_set(err, JPKI_ERR_FORMAT, "bad time \"%.32s\" (want YYYY-MM-DDTHH:MM:SSZ)",
                              s ? s : "");
    }
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
