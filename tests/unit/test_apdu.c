/* APDU encoding/parsing round trips and status-word text (pure functions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/apdu.h"

static void encode_case2_short(void **state)
{
    (void)state;
    jpki_apdu c = {.cla = 0, .ins = 0xB0, .p1 = 0, .p2 = 4, .ne = 256};
    uint8_t out[16];
    size_t n;
    assert_int_equal(jpki_apdu_encode(&c, false, out, sizeof out, &n, NULL), JPKI_OK);
    assert_int_equal(n, 5);
    assert_int_equal(out[4], 0x00);
}

static void encode_case4_short_and_parse(void **state)
{
    (void)state;
    const uint8_t aid[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
    jpki_apdu c = {.cla = 0, .ins = 0xA4, .p1 = 4, .p2 = 0x0C, .data = aid, .nc = sizeof aid, .ne = 0x20};
    uint8_t out[32];
    size_t n;
    assert_int_equal(jpki_apdu_encode(&c, false, out, sizeof out, &n, NULL), JPKI_OK);
    assert_int_equal(n, 4 + 1 + 10 + 1);
    jpki_apdu p;
    assert_int_equal(jpki_apdu_parse(out, n, &p, NULL), JPKI_OK);
    assert_int_equal(p.nc, 10);
    assert_int_equal(p.ne, 0x20);
    assert_memory_equal(p.data, aid, 10);
}

static void extended_needs_permission(void **state)
{
    (void)state;
    static uint8_t big[300];
    jpki_apdu c = {.ins = 0xD6, .data = big, .nc = sizeof big};
    static uint8_t out[400];
    size_t n;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_apdu_encode(&c, false, out, sizeof out, &n, &e), JPKI_ERR_UNSUPPORTED);
    assert_int_equal(jpki_apdu_encode(&c, true, out, sizeof out, &n, &e), JPKI_OK);
    assert_int_equal(n, 4 + 3 + 300);
    jpki_apdu p;
    assert_int_equal(jpki_apdu_parse(out, n, &p, NULL), JPKI_OK);
    assert_int_equal(p.nc, 300);
    assert_int_equal(p.ne, 0);
}

static void extended_case4_le_zero_means_65536(void **state)
{
    (void)state;
    uint8_t d[2] = {1, 2};
    jpki_apdu c = {.ins = 0x2A, .data = d, .nc = 2, .ne = 65536};
    uint8_t out[16];
    size_t n;
    assert_int_equal(jpki_apdu_encode(&c, true, out, sizeof out, &n, NULL), JPKI_OK);
    assert_int_equal(n, 4 + 3 + 2 + 2);
    jpki_apdu p;
    assert_int_equal(jpki_apdu_parse(out, n, &p, NULL), JPKI_OK);
    assert_int_equal(p.ne, 65536);
}

static void parse_rejects_bad_lc(void **state)
{
    (void)state;
    const uint8_t bad[] = {0, 0x20, 0, 0x80, 5, '1', '2'};
    jpki_apdu p;
    assert_int_equal(jpki_apdu_parse(bad, sizeof bad, &p, NULL), JPKI_ERR_FORMAT);
    assert_int_equal(jpki_apdu_parse(bad, 3, &p, NULL), JPKI_ERR_FORMAT);
}

static void sw_texts(void **state)
{
    (void)state;
    char b[96];
    assert_non_null(strstr(jpki_sw_describe(0x63C2, b, sizeof b), "2 tries left"));
    assert_non_null(strstr(jpki_sw_describe(0x6983, b, sizeof b), "blocked"));
    assert_non_null(strstr(jpki_sw_describe(0x6A82, b, sizeof b), "file or application not found"));
    assert_non_null(strstr(jpki_sw_describe(0x6110, b, sizeof b), "16 more bytes"));
}

static void response_split(void **state)
{
    (void)state;
    static jpki_response r;
    const uint8_t raw[] = {0xAA, 0xBB, 0x90, 0x00};
    assert_int_equal(jpki_response_parse(raw, sizeof raw, &r, NULL), JPKI_OK);
    assert_int_equal(r.len, 2);
    assert_int_equal(r.sw, 0x9000);
    assert_int_equal(jpki_response_parse(raw, 1, &r, NULL), JPKI_ERR_CARD_DATA);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_case2_short),
        cmocka_unit_test(encode_case4_short_and_parse),
        cmocka_unit_test(extended_needs_permission),
        cmocka_unit_test(extended_case4_le_zero_means_65536),
        cmocka_unit_test(parse_rejects_bad_lc),
        cmocka_unit_test(sw_texts),
        cmocka_unit_test(response_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
