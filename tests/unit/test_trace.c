/* Trace sinks: PIN redaction (mask, text, CBOR: every output byte is
 * searched for the PIN), the CBOR session format read back, and the reader's
 * behaviour on malformed files (truncated, huge declared lengths, wrong
 * types).  No card involved: exchanges are fed to the trace directly, the
 * way lib/transport.c does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "jpki/profile.h"
#include "jpki/trace.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/jpki-test-trace.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path_in_tmp(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* The PINs used below, and forms they could leak in. */
static const char *const secrets[] = {"4711", "SIGNPW42", "9876", "1357", "2468", "AB12CD"};

static void assert_no_secret(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        const char *s = secrets[i];
        if (memmem(p, n, s, strlen(s)))
            fail_msg("secret '%s' found in output", s);
        /* also as hex text, with and without spaces */
        char hex[64] = "", spaced[96] = "";
        for (size_t k = 0; s[k]; k++) {
            char b[4];
            snprintf(b, sizeof b, "%02X", (unsigned char)s[k]);
            strcat(hex, b);
            strcat(spaced, b);
            if (s[k + 1])
                strcat(spaced, " ");
        }
        if (memmem(p, n, hex, strlen(hex)) || memmem(p, n, spaced, strlen(spaced)))
            fail_msg("secret '%s' found in output as hex", s);
    }
}

/* PIN-carrying commands of every kind, with the PINs above. */
static const uint8_t verify_auth[] = {0x00, 0x20, 0x00, 0x80, 0x04, '4', '7', '1', '1'};
static const uint8_t verify_sign[] = {0x00, 0x20, 0x00, 0x80, 0x08, 'S', 'I', 'G', 'N', 'P', 'W', '4', '2'};
static const uint8_t change[] = {0x00, 0x24, 0x01, 0x80, 0x04, '9', '8', '7', '6'};
static const uint8_t reset_new[] = {0x00, 0x2C, 0x00, 0x80, 0x04, '1', '3', '5', '7'};
static const uint8_t enable[] = {0x00, 0x28, 0x00, 0x00, 0x1A,
                                 0x81, 0x04, '2', '4', '6', '8',
                                 0x82, 0x06, 'A', 'B', '1', '2', 'C', 'D',
                                 0x83, 0x04, '4', '7', '1', '1',
                                 0x84, 0x04, '9', '8', '7', '6'};
/* VERIFY with a wrong Lc: cannot be parsed, still must not leak. */
static const uint8_t verify_bad_lc[] = {0x00, 0x20, 0x00, 0x80, 0x09, '2', '4', '6', '8'};
static const uint8_t sel_jpki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, JPKI_AID_JPKI};
static const uint8_t ok[] = {0x90, 0x00};
static const uint8_t wrong2[] = {0x63, 0xC2};

static void mask_marks_exactly_the_pin(void **state)
{
    (void)state;
    uint8_t m[64], out[64];
    assert_int_equal(jpki_trace_pin_mask(verify_auth, sizeof verify_auth, m), 4);
    for (size_t i = 0; i < sizeof verify_auth; i++)
        assert_int_equal(m[i], i >= 5);
    assert_true(jpki_trace_redact(verify_auth, sizeof verify_auth, out));
    assert_memory_equal(out, "\x00\x20\x00\x80\x04\xFF\xFF\xFF\xFF", 9);
    /* ENABLE VERIFICATION REQUIREMENT: values hidden, tags and lengths kept. */
    assert_int_equal(jpki_trace_pin_mask(enable, sizeof enable, m), 18);
    jpki_trace_redact(enable, sizeof enable, out);
    assert_int_equal(out[5], 0x81);
    assert_int_equal(out[6], 0x04);
    assert_int_equal(out[11], 0x82);
    assert_int_equal(out[12], 0x06);
    assert_int_equal(out[13], 0xFF);
    /* Unparseable PIN command: everything after the header. */
    assert_int_equal(jpki_trace_pin_mask(verify_bad_lc, sizeof verify_bad_lc, m), 5);
    /* Odd-INS VERIFY (BER-TLV data) is hidden too. */
    const uint8_t odd[] = {0x00, 0x21, 0x00, 0x80, 0x03, 0x01, 0x02, 0x03};
    assert_int_equal(jpki_trace_pin_mask(odd, sizeof odd, m), 3);
    /* Retry-counter query and ordinary commands: nothing to hide. */
    const uint8_t query[] = {0x00, 0x20, 0x00, 0x80};
    assert_int_equal(jpki_trace_pin_mask(query, sizeof query, m), 0);
    assert_false(jpki_trace_redact(sel_jpki, sizeof sel_jpki, out));
    assert_memory_equal(out, sel_jpki, sizeof sel_jpki);
}

static void feed_session(jpki_trace *tr)
{
    jpki_trace_event(tr, "Reader A", "transaction begin");
    jpki_trace_exchange(tr, "Reader A", sel_jpki, sizeof sel_jpki, ok, 2, 0.4, NULL);
    jpki_trace_exchange(tr, "Reader A", verify_auth, sizeof verify_auth, wrong2, 2, 1.5, NULL);
    jpki_trace_exchange(tr, "Reader A", verify_sign, sizeof verify_sign, ok, 2, 1.5, NULL);
    jpki_trace_exchange(tr, "Reader A", change, sizeof change, ok, 2, 2.0, NULL);
    jpki_trace_exchange(tr, "Reader A", reset_new, sizeof reset_new, ok, 2, 2.0, NULL);
    jpki_trace_exchange(tr, "Reader A", enable, sizeof enable, ok, 2, 2.0, NULL);
    jpki_trace_exchange(tr, "Reader A", verify_bad_lc, sizeof verify_bad_lc, NULL, 0, 0.1,
                        "card removed");
    jpki_trace_event(tr, "Reader A", "transaction end (card reset)");
}

static void text_trace_never_shows_a_pin(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    jpki_trace *tr = jpki_trace_new();
    assert_non_null(tr);
    jpki_trace_set_text(tr, f);
    feed_session(tr);
    jpki_trace_free(tr);
    fclose(f);
    assert_non_null(strstr(out, "#2 > VERIFY PIN of the selected EF with PIN (4 bytes, redacted)"));
    assert_non_null(strstr(out, "#7 < error: card removed"));
    assert_non_null(strstr(out, "-- transaction end (card reset)"));
    assert_no_secret((const uint8_t *)out, len);
    free(out);
}

static void cbor_file_round_trip_without_pins(void **state)
{
    (void)state;
    const char *p = path_in_tmp("session.cbor");
    jpki_trace *tr = jpki_trace_new();
    assert_int_equal(jpki_trace_set_cbor_file(tr, p, NULL), JPKI_OK);
    jpki_trace_set_tool(tr, "unit-test");
    const uint8_t atr[] = {JPKI_ATR};
    jpki_trace_set_card(tr, "Reader A", atr, sizeof atr);
    feed_session(tr);
    assert_int_equal(jpki_trace_status(tr, NULL), JPKI_OK);
    jpki_trace_free(tr);

    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    const uint8_t *bytes = slurp(p, &len);
    assert_no_secret(bytes, len);

    jpki_trace_log *log;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_trace_load(p, false, &log, &e), JPKI_OK);
    assert_int_equal(log->version, 1);
    assert_string_equal(log->tool, "unit-test");
    assert_string_equal(log->reader, "Reader A");
    assert_int_equal(log->atr_len, sizeof atr);
    assert_memory_equal(log->atr, atr, sizeof atr);
    assert_int_equal(strlen(log->start), 20);
    /* begin, 7 APDUs, end event, end item */
    assert_int_equal(log->count, 10);
    assert_int_equal(log->items[0].kind, JPKI_TRACE_EVENT);
    assert_string_equal(log->items[0].text, "transaction begin");
    const jpki_trace_item *sel = &log->items[1];
    assert_int_equal(sel->kind, JPKI_TRACE_APDU);
    assert_int_equal(sel->seq, 1);
    assert_int_equal(sel->dur_us, 400);
    assert_memory_equal(sel->capdu, sel_jpki, sizeof sel_jpki);
    assert_int_equal(sel->rlen, 2);
    const jpki_trace_item *v = &log->items[2];
    assert_memory_equal(v->capdu, "\x00\x20\x00\x80\x04\xFF\xFF\xFF\xFF", 9);
    assert_memory_equal(v->rapdu, wrong2, 2);
    const jpki_trace_item *failed = &log->items[7];
    assert_null(failed->rapdu);
    assert_string_equal(failed->text, "card removed");
    assert_int_equal(log->items[9].kind, JPKI_TRACE_END);
    assert_int_equal(log->items[9].apdus, 7);
    assert_false(log->truncated);
    jpki_trace_log_free(log);
}

/* A crash leaves whole items: a file cut anywhere after the header loads its
 * complete prefix when allowed, and is refused cleanly otherwise. */
static void truncated_files(void **state)
{
    (void)state;
    const char *p = path_in_tmp("full.cbor");
    jpki_trace *tr = jpki_trace_new();
    assert_int_equal(jpki_trace_set_cbor_file(tr, p, NULL), JPKI_OK);
    feed_session(tr);
    jpki_trace_free(tr);
    size_t len;
    const uint8_t *full = slurp(p, &len);
    static uint8_t copy[1 << 16];
    memcpy(copy, full, len);
    size_t prefixes_loaded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        jpki_trace_log *log = NULL;
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = jpki_trace_load_buffer(copy, cut, false, &log, &e);
        if (rc == JPKI_OK) {
            /* only possible exactly at an item boundary */
            assert_false(log->truncated);
            jpki_trace_log_free(log);
            continue;
        }
        assert_int_equal(rc, JPKI_ERR_FORMAT);
        assert_true(strlen(e.message) > 0);
        assert_null(strchr(e.message, '\n'));
        rc = jpki_trace_load_buffer(copy, cut, true, &log, &e);
        if (rc == JPKI_OK) {
            assert_true(log->truncated);
            prefixes_loaded++;
            jpki_trace_log_free(log);
        }
    }
    assert_true(prefixes_loaded > len / 2);
}

typedef struct bad_case {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    jpki_rc want;
    const char *msg;
} bad_case;

#define HDR_START 0xA2, 0x64, 't', 'y', 'p', 'e', 0x6A, 'j', 'p', 'k', 'i', '-', 't', 'r', 'a', 'c', 'e', \
                  0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n'
static const uint8_t good_header[] = {HDR_START, 0x01};

static void malformed_files_give_clean_errors(void **state)
{
    (void)state;
    /* map { "type": "jpki-trace", "version": 1, "tool": <bstr 2^63> } */
    static const uint8_t huge_bytes[] = {0xA3, 0x64, 't', 'y', 'p', 'e', 0x6A, 'j', 'p', 'k', 'i', '-',
                                         't', 'r', 'a', 'c', 'e', 0x67, 'v', 'e', 'r', 's', 'i', 'o',
                                         'n', 0x01, 0x64, 't', 'o', 'o', 'l',
                                         0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t huge_text[] = {0x7A, 0xFF, 0xFF, 0xFF, 0xFF, 'x'};
    static const uint8_t huge_array[] = {0x9A, 0x72, 0xFF, 0xFF, 0xFF};
    static const uint8_t huge_map[] = {0xBA, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t version2[] = {HDR_START, 0x02};
    static const uint8_t version_text[] = {HDR_START, 0x61, '1'};
    static const uint8_t not_header[] = {0xA1, 0x64, 't', 'y', 'p', 'e', 0x64, 'a', 'p', 'd', 'u'};
    static const uint8_t indefinite[] = {0xBF, 0xFF};
    static const uint8_t tagged[] = {0xC1, 0x00};
    static const uint8_t reserved[] = {0x1C};
    uint8_t apdu_c_text[sizeof good_header + 32];
    memcpy(apdu_c_text, good_header, sizeof good_header);
    static const uint8_t item_c_text[] = {0xA3, 0x64, 't', 'y', 'p', 'e', 0x64, 'a', 'p', 'd', 'u',
                                          0x63, 's', 'e', 'q', 0x01, 0x61, 'c', 0x62, 'h', 'i'};
    memcpy(apdu_c_text + sizeof good_header, item_c_text, sizeof item_c_text);
    uint8_t apdu_no_r[sizeof good_header + 32];
    memcpy(apdu_no_r, good_header, sizeof good_header);
    static const uint8_t item_no_r[] = {0xA3, 0x64, 't', 'y', 'p', 'e', 0x64, 'a', 'p', 'd', 'u',
                                        0x63, 's', 'e', 'q', 0x01, 0x61, 'c', 0x42, 0x00, 0xB0};
    memcpy(apdu_no_r + sizeof good_header, item_no_r, sizeof item_no_r);
    uint8_t nested[sizeof good_header + 32];
    memcpy(nested, good_header, sizeof good_header);
    static const uint8_t item_nested[] = {0xA2, 0x64, 't', 'y', 'p', 'e', 0x65, 'e', 'v', 'e', 'n',
                                          't', 0x64, 'w', 'h', 'a', 't', 0x81, 0x00};
    memcpy(nested + sizeof good_header, item_nested, sizeof item_nested);
    uint8_t two_headers[2 * sizeof good_header];
    memcpy(two_headers, good_header, sizeof good_header);
    memcpy(two_headers + sizeof good_header, good_header, sizeof good_header);
    static const uint8_t dup_key[] = {0xA3, 0x64, 't', 'y', 'p', 'e', 0x6A, 'j', 'p', 'k', 'i', '-',
                                      't', 'r', 'a', 'c', 'e', 0x67, 'v', 'e', 'r', 's', 'i', 'o',
                                      'n', 0x01, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01};
    const bad_case cases[] = {
        {"empty", (const uint8_t *)"", 0, JPKI_ERR_FORMAT, "empty file"},
        {"huge byte string", huge_bytes, sizeof huge_bytes, JPKI_ERR_LIMIT, "declares 9223372036854775807 bytes"},
        {"huge text", huge_text, sizeof huge_text, JPKI_ERR_LIMIT, "text string declares"},
        {"huge array", huge_array, sizeof huge_array, JPKI_ERR_FORMAT, "expected a map, found an array"},
        {"huge map", huge_map, sizeof huge_map, JPKI_ERR_LIMIT, "map of 4294967295 entries"},
        {"version 2", version2, sizeof version2, JPKI_ERR_UNSUPPORTED, "version 2 is newer"},
        {"version as text", version_text, sizeof version_text, JPKI_ERR_FORMAT, "\"version\" is a text string, expected an unsigned integer"},
        {"no header", not_header, sizeof not_header, JPKI_ERR_FORMAT, "not a jpki-trace file"},
        {"indefinite map", indefinite, sizeof indefinite, JPKI_ERR_FORMAT, "indefinite-length"},
        {"tag", tagged, sizeof tagged, JPKI_ERR_FORMAT, "found a tag"},
        {"reserved", reserved, sizeof reserved, JPKI_ERR_FORMAT, "malformed CBOR"},
        {"c as text", apdu_c_text, sizeof good_header + sizeof item_c_text, JPKI_ERR_FORMAT, "\"c\" is a text string, expected a byte string"},
        {"apdu without r", apdu_no_r, sizeof good_header + sizeof item_no_r, JPKI_ERR_FORMAT, "neither \"r\" nor \"error\""},
        {"nested value", nested, sizeof good_header + sizeof item_nested, JPKI_ERR_FORMAT, "values are scalars"},
        {"two headers", two_headers, sizeof two_headers, JPKI_ERR_FORMAT, "second header"},
        {"duplicate key", dup_key, sizeof dup_key, JPKI_ERR_FORMAT, "appears twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jpki_trace_log *log = NULL;
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = jpki_trace_load_buffer(cases[i].bytes, cases[i].len, true, &log, &e);
        if (rc != cases[i].want || !strstr(e.message, cases[i].msg))
            fail_msg("%s: rc %s, message '%s'", cases[i].name, jpki_rc_name(rc), e.message);
        assert_null(log);
    }
    /* The minimal valid file: a header alone. */
    jpki_trace_log *log;
    assert_int_equal(jpki_trace_load_buffer(good_header, sizeof good_header, false, &log, NULL),
                     JPKI_OK);
    assert_int_equal(log->count, 0);
    assert_string_equal(log->tool, "");
    jpki_trace_log_free(log);
}

static void oversized_and_missing_files(void **state)
{
    (void)state;
    const char *p = path_in_tmp("big.cbor");
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(p, (off_t)JPKI_TRACE_FILE_MAX + 1), 0);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_trace_log *log = NULL;
    assert_int_equal(jpki_trace_load(p, false, &log, &e), JPKI_ERR_LIMIT);
    assert_non_null(strstr(e.message, "exceed"));
    assert_int_equal(jpki_trace_load(path_in_tmp("missing.cbor"), false, &log, &e), JPKI_ERR_IO);
    assert_int_equal(jpki_trace_load(tmpdir, false, &log, &e), JPKI_ERR_IO);
    assert_null(log);
}

/* Random damage to a valid file never crashes the reader. */
static void mutated_files_never_crash(void **state)
{
    (void)state;
    const char *p = path_in_tmp("mut.cbor");
    jpki_trace *tr = jpki_trace_new();
    assert_int_equal(jpki_trace_set_cbor_file(tr, p, NULL), JPKI_OK);
    feed_session(tr);
    jpki_trace_free(tr);
    size_t len;
    const uint8_t *full = slurp(p, &len);
    static uint8_t orig[1 << 16], m[1 << 16];
    memcpy(orig, full, len);
    srand(12345);
    size_t ok_count = 0;
    for (int round = 0; round < 5000; round++) {
        memcpy(m, orig, len);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++)
            m[(size_t)rand() % len] = (uint8_t)rand();
        jpki_trace_log *log = NULL;
        jpki_error e;
        jpki_error_clear(&e);
        if (jpki_trace_load_buffer(m, len, round % 2, &log, &e) == JPKI_OK) {
            ok_count++;
            for (size_t i = 0; i < log->count; i++)
                if (log->items[i].text)
                    for (const char *c = log->items[i].text; *c; c++)
                        assert_true((unsigned char)*c >= 0x20 && *c != 0x7F);
            jpki_trace_log_free(log);
        } else {
            assert_true(strlen(e.message) > 0);
        }
    }
    /* Both outcomes happen, or the test is not exercising anything. */
    assert_true(ok_count > 0 && ok_count < 5000);
}

static void write_errors_are_reported(void **state)
{
    (void)state;
    jpki_trace *tr = jpki_trace_new();
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_trace_set_cbor_file(tr, "/nonexistent-dir/x.cbor", &e), JPKI_ERR_IO);
    assert_non_null(strstr(e.message, "/nonexistent-dir/x.cbor"));
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(jpki_trace_set_cbor_file(tr, "/dev/full", &e), JPKI_OK);
        jpki_trace_exchange(tr, "R", sel_jpki, sizeof sel_jpki, ok, 2, 0.1, NULL);
        assert_int_equal(jpki_trace_status(tr, &e), JPKI_ERR_IO);
        assert_non_null(strstr(e.message, "write failed"));
    }
    jpki_trace_free(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mask_marks_exactly_the_pin),
        cmocka_unit_test(text_trace_never_shows_a_pin),
        cmocka_unit_test(cbor_file_round_trip_without_pins),
        cmocka_unit_test(truncated_files),
        cmocka_unit_test(malformed_files_give_clean_errors),
        cmocka_unit_test(oversized_and_missing_files),
        cmocka_unit_test(mutated_files_never_crash),
        cmocka_unit_test(write_errors_are_reported),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
