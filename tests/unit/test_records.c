/* Card-status records: JSON/CBOR round trips, the stream reader, and
 * malformed input (truncated, huge declared lengths, deep nesting, wrong
 * types) failing with a clear error and no crash.  Pure in-process: no
 * card, no transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/records.h"

static const time_t T_CHECKED = 1735689600; /* 2025-01-01T00:00:00Z */
static const time_t T_NB = 1617235200;      /* 2021-04-01T00:00:00Z */
static const time_t T_NA = 1743465599;      /* 2025-03-31T23:59:59Z */

static void sample_record(jpki_record *r)
{
    jpki_record_init(r);
    strcpy(r->reader, "JPKI Test Reader A 00");
    r->card_present = true;
    r->checked_at = T_CHECKED;
    strcpy(r->serial, "123456789012345");
    strcpy(r->municipality, "13101");
    strcpy(r->card_expiry, "2030-03-31");
    strcpy(r->atr_hex, "3be000ff8131fe4514");
    strcpy(r->token, "JPKIAPICCTOKEN2");
    r->apps = (1u << JPKI_APP_JPKI) | (1u << JPKI_APP_CARDINFO) | (1u << JPKI_APP_COMMON);
    r->mode = JPKI_MODE_PIN;
    jpki_record_cert *a = &r->certs[JPKI_CERT_AUTH];
    a->listed = a->present = a->have_details = true;
    /* Quotes, backslash, a control character and Japanese text: escaping
     * and UTF-8 pass-through in both encodings. */
    strcpy(a->subject, "CN=\"12345\\ab\"\t\xe5\xb1\xb1\xe7\x94\xb0");
    strcpy(a->issuer, "C=JP, O=JPKI, OU=JPKI for user authentication");
    strcpy(a->serial_hex, "01ab");
    a->not_before = T_NB;
    a->not_after = T_NA;
    a->days_left = 89;
    /* (in real records only the sign entry has them; the codec does not care) */
    strcpy(a->name, "\xe7\x95\xaa\xe5\x8f\xb7 \xe8\x8a\xb1\xe5\xad\x90");  /* 番号 花子 */
    strcpy(a->address, "\xe6\x9e\xb6\xe7\xa9\xba\xe7\x9c\x8c 1-2-3"); /* 架空県 1-2-3 */
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    assert_int_equal(jpki_record_set_der(r, JPKI_CERT_AUTH, der, sizeof der, NULL), JPKI_OK);
    jpki_record_cert *s = &r->certs[JPKI_CERT_SIGN];
    s->listed = s->present = true;
    strcpy(s->unavailable, "readable only after the signature PIN");
    r->certs[JPKI_CERT_SIGN_CA].listed = true; /* absent */
    r->pins[JPKI_PIN_AUTH] = (jpki_record_pin){.listed = true, .tries_left = 3, .max_tries = 3};
    r->pins[JPKI_PIN_SIGN] = (jpki_record_pin){.listed = true, .tries_left = 0, .max_tries = 5,
                                               .blocked = true};
    r->pins[JPKI_PIN_REGISTRY] = (jpki_record_pin){.listed = true, .tries_left = -1, .max_tries = 3};
    r->renew = 1u << JPKI_CERT_AUTH;
}

static void assert_same(const jpki_record *x, const jpki_record *y, bool with_der)
{
    assert_string_equal(x->reader, y->reader);
    assert_int_equal(x->card_present, y->card_present);
    assert_int_equal((long long)x->checked_at, (long long)y->checked_at);
    assert_string_equal(x->serial, y->serial);
    assert_string_equal(x->municipality, y->municipality);
    assert_string_equal(x->card_expiry, y->card_expiry);
    assert_string_equal(x->atr_hex, y->atr_hex);
    assert_string_equal(x->token, y->token);
    assert_int_equal(x->apps, y->apps);
    assert_int_equal(x->mode, y->mode);
    for (int k = 0; k < JPKI_RECORD_CERTS; k++) {
        const jpki_record_cert *a = &x->certs[k], *b = &y->certs[k];
        assert_int_equal(a->listed, b->listed);
        assert_int_equal(a->present, b->present);
        assert_int_equal(a->have_details, b->have_details);
        assert_string_equal(a->subject, b->subject);
        assert_string_equal(a->issuer, b->issuer);
        assert_string_equal(a->serial_hex, b->serial_hex);
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->address, b->address);
        if (a->present && !a->have_details)
            assert_string_equal(a->unavailable, b->unavailable);
        assert_int_equal((long long)a->not_before, (long long)b->not_before);
        assert_int_equal((long long)a->not_after, (long long)b->not_after);
        assert_int_equal(a->days_left, b->days_left);
        if (with_der) {
            assert_int_equal(a->der_len, b->der_len);
            if (a->der_len)
                assert_memory_equal(a->der, b->der, a->der_len);
        } else {
            assert_null(b->der);
        }
    }
    for (int k = 0; k < JPKI_PIN_COUNT; k++) {
        assert_int_equal(x->pins[k].listed, y->pins[k].listed);
        assert_int_equal(x->pins[k].tries_left, y->pins[k].tries_left);
        assert_int_equal(x->pins[k].max_tries, y->pins[k].max_tries);
        assert_int_equal(x->pins[k].blocked, y->pins[k].blocked);
    }
    assert_int_equal(x->has_error, y->has_error);
    assert_string_equal(x->error_code, y->error_code);
    assert_string_equal(x->error, y->error);
    assert_int_equal(x->renew, y->renew);
}

static void round_trip(jpki_record_format fmt, bool with_der)
{
    jpki_record r, back;
    sample_record(&r);
    jpki_record_init(&back);
    uint8_t *buf;
    size_t len;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_record_encode(&r, fmt, with_der, &buf, &len, &e), JPKI_OK);
    if (fmt == JPKI_RECORD_JSON) {
        assert_int_equal(buf[len - 1], '\n');
        assert_null(memchr(buf, '\n', len - 1)); /* one line */
    }
    assert_int_equal(jpki_record_sniff(buf, len), fmt);
    assert_int_equal(jpki_record_decode(buf, len, fmt, &back, &e), JPKI_OK);
    assert_same(&r, &back, with_der);
    free(buf);
    jpki_record_clear(&r);
    jpki_record_clear(&back);
}

static void json_round_trip(void **state) { (void)state; round_trip(JPKI_RECORD_JSON, true); }
static void cbor_round_trip(void **state) { (void)state; round_trip(JPKI_RECORD_CBOR, true); }
static void round_trip_without_der(void **state)
{
    (void)state;
    round_trip(JPKI_RECORD_JSON, false);
    round_trip(JPKI_RECORD_CBOR, false);
}

static void empty_reader_and_error_records(void **state)
{
    (void)state;
    jpki_record r, back;
    jpki_record_init(&r);
    jpki_record_init(&back);
    strcpy(r.reader, "JPKI Test Reader B 01");
    r.checked_at = T_CHECKED;
    r.has_error = true;
    strcpy(r.error_code, "no-card");
    strcpy(r.error, "reader is empty");
    for (int f = JPKI_RECORD_JSON; f <= JPKI_RECORD_CBOR; f++) {
        uint8_t *buf;
        size_t len;
        assert_int_equal(jpki_record_encode(&r, (jpki_record_format)f, true, &buf, &len, NULL), JPKI_OK);
        assert_int_equal(jpki_record_decode(buf, len, JPKI_RECORD_AUTO, &back, NULL), JPKI_OK);
        assert_same(&r, &back, true);
        free(buf);
    }
    jpki_record_clear(&back);
}

static void exact_json_text(void **state)
{
    (void)state;
    jpki_record r;
    jpki_record_init(&r);
    strcpy(r.reader, "R\"1");
    r.card_present = false;
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpki_record_encode(&r, JPKI_RECORD_JSON, true, &buf, &len, NULL), JPKI_OK);
    const char *want = "{\"record\":\"jpki-card-status\",\"version\":1,\"reader\":\"R\\\"1\",\"card\":false}\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
    free(buf);
}

static void invalid_utf8_is_replaced_on_output(void **state)
{
    (void)state;
    jpki_record r, back;
    sample_record(&r);
    jpki_record_init(&back);
    strcpy(r.certs[JPKI_CERT_AUTH].subject, "CN=Caf\xe9 \xc0\xaf"); /* Latin-1 and an overlong */
    for (int f = JPKI_RECORD_JSON; f <= JPKI_RECORD_CBOR; f++) {
        uint8_t *buf;
        size_t len;
        assert_int_equal(jpki_record_encode(&r, (jpki_record_format)f, false, &buf, &len, NULL), JPKI_OK);
        assert_int_equal(jpki_record_decode(buf, len, JPKI_RECORD_AUTO, &back, NULL), JPKI_OK);
        assert_string_equal(back.certs[JPKI_CERT_AUTH].subject,
                            "CN=Caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
        free(buf);
    }
    jpki_record_clear(&r);
    jpki_record_clear(&back);
}

/* ---- malformed input ---- */

static void expect_bad(const void *buf, size_t len, jpki_record_format fmt, jpki_rc want,
                       const char *needle)
{
    jpki_record r;
    jpki_record_init(&r);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = jpki_record_decode(buf, len, fmt, &r, &e);
    if (rc != want || !strstr(e.message, needle))
        fail_msg("decode gave %d \"%s\", wanted %d containing \"%s\"", rc, e.message, want, needle);
    assert_null(strchr(e.message, '\n'));
    jpki_record_clear(&r);
}

#define BAD_JSON(s, rc, needle) expect_bad(s, strlen(s), JPKI_RECORD_JSON, rc, needle)
#define HEAD "{\"record\":\"jpki-card-status\",\"version\":1,\"reader\":\"r\","

static void malformed_json(void **state)
{
    (void)state;
    BAD_JSON("", JPKI_ERR_FORMAT, "expected a value");
    BAD_JSON(HEAD "\"card\":tru", JPKI_ERR_FORMAT, "unexpected character");
    BAD_JSON(HEAD "\"card\":true", JPKI_ERR_FORMAT, "expected ',' or '}'");
    BAD_JSON(HEAD "\"card\":\"yes\"}", JPKI_ERR_FORMAT, "\"card\" must be a boolean, not text");
    BAD_JSON(HEAD "\"card\":true,\"certs\":{}}", JPKI_ERR_FORMAT, "\"certs\" must be an array");
    BAD_JSON(HEAD "\"card\":true,\"certs\":[{\"kind\":\"auth\",\"present\":1}]}", JPKI_ERR_FORMAT,
             "certs[0]: \"present\" must be a boolean");
    BAD_JSON(HEAD "\"card\":true,\"certs\":[{\"kind\":\"bogus\",\"present\":true}]}", JPKI_ERR_FORMAT,
             "unknown certificate kind");
    BAD_JSON(HEAD "\"card\":true,\"certs\":[{\"kind\":\"auth\",\"present\":true,"
                  "\"not_before\":\"2021-04-01T00:00:00Z\",\"not_after\":\"2025-02-30T00:00:00Z\"}]}",
             JPKI_ERR_FORMAT, "out of range");
    BAD_JSON(HEAD "\"card\":true,\"pins\":[{\"pin\":\"auth\",\"tries_left\":-1}]}", JPKI_ERR_FORMAT,
             "out of range");
    BAD_JSON(HEAD "\"card\":true,\"card\":false}", JPKI_ERR_FORMAT, "duplicate key \"card\"");
    BAD_JSON(HEAD "\"card\":true} x", JPKI_ERR_FORMAT, "trailing data");
    BAD_JSON(HEAD "\"card\":true,\"x\":\"a\\qb\"}", JPKI_ERR_FORMAT, "bad escape");
    BAD_JSON(HEAD "\"card\":true,\"x\":\"a\\u0000b\"}", JPKI_ERR_FORMAT, "NUL");
    BAD_JSON(HEAD "\"card\":true,\"x\":\"\\ud800\"}", JPKI_ERR_FORMAT, "surrogate");
    BAD_JSON(HEAD "\"card\":true,\"x\":\"\xff\"}", JPKI_ERR_FORMAT, "invalid UTF-8");
    BAD_JSON(HEAD "\"card\":true,\"x\":01}", JPKI_ERR_FORMAT, "leading zero");
    BAD_JSON("{\"record\":\"something-else\",\"version\":1}", JPKI_ERR_FORMAT,
             "not a jpki-card-status record");
    BAD_JSON("{\"record\":\"jpki-card-status\",\"version\":2,\"reader\":\"r\",\"card\":true}",
             JPKI_ERR_FORMAT, "version 2 is not supported");
    BAD_JSON("{\"version\":1}", JPKI_ERR_FORMAT, "missing \"record\"");
    BAD_JSON("[1,2]", JPKI_ERR_FORMAT, "must be a map");
    /* Deep nesting: bounded, no stack exhaustion at 60 000 levels. */
    size_t n = 60000;
    char *deep = malloc(n + 1);
    memset(deep, '[', n);
    deep[n] = '\0';
    expect_bad(deep, n, JPKI_RECORD_JSON, JPKI_ERR_LIMIT, "nesting too deep");
    free(deep);
    /* A string longer than any field allows. */
    size_t big = JPKI_RECORD_MAX_TEXT + 10;
    char *s = malloc(big + 256);
    strcpy(s, HEAD "\"card\":true,\"x\":\"");
    size_t h = strlen(s);
    memset(s + h, 'a', big);
    strcpy(s + h + big, "\"}");
    expect_bad(s, strlen(s), JPKI_RECORD_JSON, JPKI_ERR_LIMIT, "exceeds the limit");
    free(s);
    /* A field longer than its buffer. */
    char reader[400];
    memset(reader, 'r', 300);
    reader[300] = '\0';
    char line[600];
    snprintf(line, sizeof line,
             "{\"record\":\"jpki-card-status\",\"version\":1,\"reader\":\"%s\",\"card\":false}", reader);
    BAD_JSON(line, JPKI_ERR_LIMIT, "\"reader\" is longer than 255 bytes");
    /* Too many members. */
    char many[4096] = "[";
    for (int i = 0; i < 70; i++)
        strcat(many, i ? ",1" : "1");
    strcat(many, "]");
    BAD_JSON(many, JPKI_ERR_LIMIT, "too many items");
}

static void expect_bad_cbor(const uint8_t *b, size_t n, jpki_rc rc, const char *needle)
{
    expect_bad(b, n, JPKI_RECORD_CBOR, rc, needle);
}

static void malformed_cbor(void **state)
{
    (void)state;
    /* The NOTES trap: an array declaring 2^32-1 items (cbor_load would
     * allocate ~15 GB). */
    static const uint8_t huge_array[] = {0x9a, 0x72, 0xff, 0xff, 0xff, 0xff};
    expect_bad_cbor(huge_array, sizeof huge_array, JPKI_ERR_LIMIT, "array of 1929379839 items");
    static const uint8_t huge_bytes[] = {0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    expect_bad_cbor(huge_bytes, sizeof huge_bytes, JPKI_ERR_LIMIT, "byte string of");
    static const uint8_t huge_text_in_map[] = {0xa1, 0x61, 'x', 0x7a, 0x00, 0x10, 0x00, 0x00};
    expect_bad_cbor(huge_text_in_map, sizeof huge_text_in_map, JPKI_ERR_LIMIT, "text string of");
    static const uint8_t huge_map[] = {0xbb, 0, 0, 0, 1, 0, 0, 0, 0};
    expect_bad_cbor(huge_map, sizeof huge_map, JPKI_ERR_LIMIT, "map of");
    static const uint8_t truncated[] = {0xa2, 0x61, 'a', 0x01, 0x61};
    expect_bad_cbor(truncated, sizeof truncated, JPKI_ERR_FORMAT, "truncated");
    static const uint8_t indefinite[] = {0xbf, 0x61, 'a', 0x01, 0xff};
    expect_bad_cbor(indefinite, sizeof indefinite, JPKI_ERR_FORMAT, "indefinite-length");
    static const uint8_t reserved[] = {0xa1, 0x61, 'a', 0x1c};
    expect_bad_cbor(reserved, sizeof reserved, JPKI_ERR_FORMAT, "reserved");
    static const uint8_t int_key[] = {0xa1, 0x01, 0x02};
    expect_bad_cbor(int_key, sizeof int_key, JPKI_ERR_FORMAT, "not a text string");
    static const uint8_t bad_utf8[] = {0xa1, 0x61, 'a', 0x62, 0xc3, 0x28};
    expect_bad_cbor(bad_utf8, sizeof bad_utf8, JPKI_ERR_FORMAT, "not valid UTF-8");
    static const uint8_t trailing[] = {0xa0, 0x00};
    expect_bad_cbor(trailing, sizeof trailing, JPKI_ERR_FORMAT, "trailing");
    static const uint8_t not_map[] = {0x83, 1, 2, 3};
    expect_bad_cbor(not_map, sizeof not_map, JPKI_ERR_FORMAT, "must be a map");
    /* 1000 nested one-element arrays. */
    uint8_t deep[1001];
    memset(deep, 0x81, 1000);
    deep[1000] = 0x00;
    expect_bad_cbor(deep, sizeof deep, JPKI_ERR_LIMIT, "nesting deeper");
    /* Deep tags too. */
    uint8_t tags[200];
    for (int i = 0; i < 100; i++) {
        tags[2 * i] = 0xc1; /* tag 1 */
        tags[2 * i + 1] = 0xc1;
    }
    expect_bad_cbor(tags, sizeof tags, JPKI_ERR_LIMIT, "nesting deeper");

    /* Wrong type for a known key in an otherwise valid record. */
    jpki_record r;
    jpki_record_init(&r);
    strcpy(r.reader, "r");
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpki_record_encode(&r, JPKI_RECORD_CBOR, false, &buf, &len, NULL), JPKI_OK);
    /* The last entry is "card": false (0xf4); make it the integer 0. */
    assert_int_equal(buf[len - 1], 0xf4);
    buf[len - 1] = 0x00;
    expect_bad_cbor(buf, len, JPKI_ERR_FORMAT, "\"card\" must be a boolean, not an integer");
    /* Every truncation of a valid record is an error, never a crash. */
    buf[len - 1] = 0xf4;
    for (size_t cut = 0; cut < len; cut++) {
        jpki_record back;
        jpki_record_init(&back);
        jpki_error e;
        jpki_error_clear(&e);
        assert_int_not_equal(jpki_record_decode(buf, cut, JPKI_RECORD_CBOR, &back, &e), JPKI_OK);
        assert_true(e.message[0] != '\0');
    }
    free(buf);
}

/* Random single-byte mutations of full records: the decoder must return
 * (OK or an error with a message) and ASan/valgrind must stay quiet. */
static void mutations_never_crash(void **state)
{
    (void)state;
    jpki_record r;
    sample_record(&r);
    uint32_t seed = 12345;
    int rejected = 0;
    for (int f = JPKI_RECORD_JSON; f <= JPKI_RECORD_CBOR; f++) {
        uint8_t *buf;
        size_t len;
        assert_int_equal(jpki_record_encode(&r, (jpki_record_format)f, true, &buf, &len, NULL), JPKI_OK);
        uint8_t *m = malloc(len);
        for (int i = 0; i < 3000; i++) {
            memcpy(m, buf, len);
            for (int k = 0; k < 1 + i % 3; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % len;
                seed = seed * 1103515245u + 12345u;
                m[at] = (uint8_t)(seed >> 16);
            }
            jpki_record back;
            jpki_record_init(&back);
            jpki_error e;
            jpki_error_clear(&e);
            jpki_rc rc = jpki_record_decode(m, len, (jpki_record_format)f, &back, &e);
            if (rc != JPKI_OK) {
                assert_true(e.message[0] != '\0');
                rejected++;
            }
            jpki_record_clear(&back);
        }
        free(m);
        free(buf);
    }
    assert_true(rejected > 100); /* the mutations did reach the checks */
    jpki_record_clear(&r);
}

/* ---- streams ---- */

static FILE *mem_stream(const void *buf, size_t len)
{
    FILE *f = fmemopen((void *)buf, len, "rb");
    assert_non_null(f);
    return f;
}

static void stream_of(jpki_record_format fmt)
{
    jpki_record r;
    sample_record(&r);
    uint8_t all[32768];
    size_t n = 0;
    if (fmt == JPKI_RECORD_JSON)
        all[n++] = '\n'; /* leading blank line is fine for JSON */
    for (int i = 0; i < 3; i++) {
        snprintf(r.reader, sizeof r.reader, "reader %d", i);
        uint8_t *buf;
        size_t len;
        assert_int_equal(jpki_record_encode(&r, fmt, true, &buf, &len, NULL), JPKI_OK);
        memcpy(all + n, buf, len);
        n += len;
        free(buf);
        if (fmt == JPKI_RECORD_JSON)
            all[n++] = '\n';
    }
    /* Hand the first 3 bytes in as an already-sniffed prefix. */
    FILE *f = mem_stream(all + 3, n - 3);
    jpki_record_reader *rd;
    assert_int_equal(jpki_record_reader_new(f, all, 3, &rd, NULL), JPKI_OK);
    jpki_record got;
    jpki_record_init(&got);
    bool have;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jpki_record_read_next(rd, &got, &have, NULL), JPKI_OK);
        assert_true(have);
        char want[32];
        snprintf(want, sizeof want, "reader %d", i);
        assert_string_equal(got.reader, want);
        assert_int_equal(got.certs[JPKI_CERT_AUTH].der_len, 5);
    }
    assert_int_equal(jpki_record_reader_format(rd), fmt);
    assert_int_equal(jpki_record_read_next(rd, &got, &have, NULL), JPKI_OK);
    assert_false(have);
    jpki_record_clear(&got);
    jpki_record_clear(&r);
    jpki_record_reader_free(rd);
    fclose(f);
}

static void json_stream(void **state) { (void)state; stream_of(JPKI_RECORD_JSON); }
static void cbor_stream(void **state) { (void)state; stream_of(JPKI_RECORD_CBOR); }

static void stream_error(const void *buf, size_t len, int good, jpki_rc want, const char *needle)
{
    FILE *f = mem_stream(buf, len);
    jpki_record_reader *rd;
    assert_int_equal(jpki_record_reader_new(f, NULL, 0, &rd, NULL), JPKI_OK);
    jpki_record rec;
    jpki_record_init(&rec);
    bool have;
    jpki_error e;
    jpki_error_clear(&e);
    for (int i = 0; i < good; i++) {
        assert_int_equal(jpki_record_read_next(rd, &rec, &have, &e), JPKI_OK);
        assert_true(have);
    }
    jpki_rc rc = jpki_record_read_next(rd, &rec, &have, &e);
    if (rc != want || !strstr(e.message, needle))
        fail_msg("stream gave %d \"%s\", wanted %d containing \"%s\"", rc, e.message, want, needle);
    assert_false(have);
    /* Sticky: the same error again. */
    assert_int_equal(jpki_record_read_next(rd, &rec, &have, NULL), want);
    jpki_record_clear(&rec);
    jpki_record_reader_free(rd);
    fclose(f);
}

static void stream_errors(void **state)
{
    (void)state;
    stream_error("hello", 5, 0, JPKI_ERR_FORMAT, "neither JSON records nor a CBOR sequence");
    stream_error("-----BEGIN CERTIFICATE-----\n", 28, 0, JPKI_ERR_FORMAT, "first byte 0x2d");
    /* Huge declared length inside a stream: refused from the head alone. */
    static const uint8_t huge[] = {0xa1, 0x61, 'x', 0x5a, 0x7f, 0xff, 0xff, 0xff};
    stream_error(huge, sizeof huge, 0, JPKI_ERR_LIMIT, "record 1: CBOR: byte string of");
    /* Good record, then a truncated one. */
    jpki_record r;
    jpki_record_init(&r);
    strcpy(r.reader, "x");
    uint8_t *buf;
    size_t len;
    assert_int_equal(jpki_record_encode(&r, JPKI_RECORD_CBOR, false, &buf, &len, NULL), JPKI_OK);
    uint8_t two[256];
    memcpy(two, buf, len);
    memcpy(two + len, buf, len - 4);
    stream_error(two, 2 * len - 4, 1, JPKI_ERR_FORMAT, "record 2: input ends inside a CBOR record");
    free(buf);
    /* JSON: second line broken. */
    const char *lines = HEAD "\"card\":false}\n" HEAD "\"card\":fals}\n";
    stream_error(lines, strlen(lines), 1, JPKI_ERR_FORMAT, "record 2: JSON: unexpected character");
    /* JSON line beyond the size limit. */
    size_t big = JPKI_RECORD_MAX_SIZE + 100;
    char *longline = malloc(big);
    memset(longline, ' ', big);
    longline[0] = '{';
    stream_error(longline, big, 0, JPKI_ERR_LIMIT, "line longer than");
    free(longline);
}

static void empty_stream(void **state)
{
    (void)state;
    FILE *f = mem_stream("  \n", 3);
    jpki_record_reader *rd;
    assert_int_equal(jpki_record_reader_new(f, NULL, 0, &rd, NULL), JPKI_OK);
    jpki_record rec;
    jpki_record_init(&rec);
    bool have = true;
    assert_int_equal(jpki_record_read_next(rd, &rec, &have, NULL), JPKI_OK);
    assert_false(have);
    jpki_record_reader_free(rd);
    fclose(f);
}

/* ---- times and expiry ---- */

static void time_text(void **state)
{
    (void)state;
    char buf[32];
    jpki_record_time_format(T_NA, buf);
    assert_string_equal(buf, "2025-03-31T23:59:59Z");
    time_t t;
    assert_int_equal(jpki_record_time_parse("2025-03-31T23:59:59Z", &t, NULL), JPKI_OK);
    assert_int_equal((long long)t, (long long)T_NA);
    assert_int_equal(jpki_record_time_parse("2024-02-29T00:00:00Z", &t, NULL), JPKI_OK);
    assert_int_equal(jpki_record_time_parse("2023-02-29T00:00:00Z", &t, NULL), JPKI_ERR_FORMAT);
    assert_int_equal(jpki_record_time_parse("2025-03-31", &t, NULL), JPKI_ERR_FORMAT);
    assert_int_equal(jpki_record_time_parse("2025-03-31T24:00:00Z", &t, NULL), JPKI_ERR_FORMAT);
    /* leap second: refused here as in jpki_time_parse (one rule) */
    assert_int_equal(jpki_record_time_parse("2016-12-31T23:59:60Z", &t, NULL), JPKI_ERR_FORMAT);
    /* a three-digit year is written with four digits and parses back */
    jpki_record_time_format(-30610224000LL, buf); /* 1000-01-01 */
    assert_string_equal(buf, "1000-01-01T00:00:00Z");
    jpki_record_time_format(-30610224001LL, buf);
    assert_string_equal(buf, "0999-12-31T23:59:59Z");
    assert_int_equal(jpki_record_time_parse(buf, &t, NULL), JPKI_OK);
    assert_int_equal((long long)t, -30610224001LL);
    /* beyond year 9999 clamps to its last second */
    jpki_record_time_format(253402300800LL + 86400, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
}

static void durations(void **state)
{
    (void)state;
    long long s;
    assert_int_equal(jpki_duration_parse("90d", &s, NULL), JPKI_OK);
    assert_int_equal(s, 90LL * 86400);
    assert_int_equal(jpki_duration_parse("90", &s, NULL), JPKI_OK);
    assert_int_equal(s, 90LL * 86400);
    assert_int_equal(jpki_duration_parse("2w", &s, NULL), JPKI_OK);
    assert_int_equal(s, 14LL * 86400);
    assert_int_equal(jpki_duration_parse("3m", &s, NULL), JPKI_OK);
    assert_int_equal(s, 90LL * 86400);
    assert_int_equal(jpki_duration_parse("1y", &s, NULL), JPKI_OK);
    assert_int_equal(s, 365LL * 86400);
    assert_int_equal(jpki_duration_parse("0d", &s, NULL), JPKI_OK);
    assert_int_equal(s, 0);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_duration_parse("90x", &s, &e), JPKI_ERR_ARG);
    assert_non_null(strstr(e.message, "unit must be"));
    assert_int_equal(jpki_duration_parse("-5d", &s, NULL), JPKI_ERR_ARG);
    assert_int_equal(jpki_duration_parse("", &s, NULL), JPKI_ERR_ARG);
    assert_int_equal(jpki_duration_parse("99999999999999999999d", &s, NULL), JPKI_ERR_ARG);
    assert_int_equal(jpki_duration_parse("101y", &s, NULL), JPKI_ERR_ARG);
}

static void classify_boundaries(void **state)
{
    (void)state;
    long long d90 = 90LL * 86400;
    assert_int_equal(jpki_expiry_classify(T_NA, T_NA + 1, d90), JPKI_EXPIRY_EXPIRED);
    assert_int_equal(jpki_expiry_classify(T_NA, T_NA, d90), JPKI_EXPIRY_EXPIRING); /* last second */
    assert_int_equal(jpki_expiry_classify(T_NA, T_NA - d90 + 1, d90), JPKI_EXPIRY_EXPIRING);
    assert_int_equal(jpki_expiry_classify(T_NA, T_NA - d90, d90), JPKI_EXPIRY_OK);
    assert_int_equal(jpki_expiry_classify(T_NA, T_NA - 1, 0), JPKI_EXPIRY_OK);
    assert_int_equal(jpki_expiry_worst(JPKI_EXPIRY_OK, JPKI_EXPIRY_UNKNOWN), JPKI_EXPIRY_UNKNOWN);
    assert_int_equal(jpki_expiry_worst(JPKI_EXPIRY_UNKNOWN, JPKI_EXPIRY_EXPIRING), JPKI_EXPIRY_EXPIRING);
    assert_int_equal(jpki_expiry_worst(JPKI_EXPIRY_EXPIRED, JPKI_EXPIRY_EXPIRING), JPKI_EXPIRY_EXPIRED);
    assert_string_equal(jpki_expiry_name(JPKI_EXPIRY_EXPIRING), "expiring");
}

static void record_expiry(void **state)
{
    (void)state;
    jpki_record r;
    sample_record(&r);
    unsigned both = (1u << JPKI_CERT_AUTH) | (1u << JPKI_CERT_SIGN);
    unsigned sign = 1u << JPKI_CERT_SIGN;
    long long d90 = 90LL * 86400;
    /* auth expires T_NA; sign present but unreadable without the PIN. */
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA - 200LL * 86400, d90), JPKI_EXPIRY_OK);
    assert_int_equal(r.renew, 0);
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA - 30LL * 86400, d90), JPKI_EXPIRY_EXPIRING);
    assert_int_equal(r.renew, 1u << JPKI_CERT_AUTH);
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA + 1, d90), JPKI_EXPIRY_EXPIRED);
    assert_int_equal(r.renew, 1u << JPKI_CERT_AUTH);
    /* Only the sign certificate asked for: cannot tell. */
    assert_int_equal(jpki_record_expiry(&r, sign, true, T_NA + 1, d90), JPKI_EXPIRY_UNKNOWN);
    assert_int_equal(r.renew, 0);
    /* With its details it counts. */
    jpki_record_cert *s = &r.certs[JPKI_CERT_SIGN];
    s->have_details = true;
    s->not_before = T_NB;
    s->not_after = T_NA + 20LL * 86400;
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA + 1, d90), JPKI_EXPIRY_EXPIRED);
    assert_int_equal(r.renew, both);
    assert_int_equal(jpki_record_expiry(&r, sign, true, T_NA + 1, d90), JPKI_EXPIRY_EXPIRING);
    assert_int_equal(r.renew, sign);
    /* An error record or an empty reader: unknown. */
    r.has_error = true;
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA, d90), JPKI_EXPIRY_UNKNOWN);
    r.has_error = false;
    r.card_present = false;
    assert_int_equal(jpki_record_expiry(&r, both, false, T_NA, d90), JPKI_EXPIRY_UNKNOWN);
    jpki_record_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(cbor_round_trip),
        cmocka_unit_test(round_trip_without_der),
        cmocka_unit_test(empty_reader_and_error_records),
        cmocka_unit_test(exact_json_text),
        cmocka_unit_test(invalid_utf8_is_replaced_on_output),
        cmocka_unit_test(malformed_json),
        cmocka_unit_test(malformed_cbor),
        cmocka_unit_test(mutations_never_crash),
        cmocka_unit_test(json_stream),
        cmocka_unit_test(cbor_stream),
        cmocka_unit_test(stream_errors),
        cmocka_unit_test(empty_stream),
        cmocka_unit_test(time_text),
        cmocka_unit_test(durations),
        cmocka_unit_test(classify_boundaries),
        cmocka_unit_test(record_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
