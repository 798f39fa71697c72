/* The shared bounded CBOR token reader (lib/cbor_reader.c): heads of every
 * size, limits checked before presence, truncation reported with the exact
 * number of missing bytes, indefinite and reserved forms refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../cbor_reader.h"

static const cbor_limits LIM = {.bytes_max = 8, .text_max = 4, .items_max = 3};

static cbor_read rd(const uint8_t *b, size_t n, cbor_token *t, size_t *more)
{
    return cbor_read_token(b, n, 0, &LIM, t, more);
}

static void heads_and_strings(void **state)
{
    (void)state;
    cbor_token t;
    size_t more;
    static const uint8_t u64[] = {0x1B, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(rd(u64, sizeof u64, &t, &more), CBOR_READ_OK);
    assert_int_equal(t.major, 0);
    assert_true(t.val == 0x0102030405060708ULL);
    assert_int_equal(t.size, 9);
    static const uint8_t text[] = {0x63, 'a', 'b', 'c', 0xFF};
    assert_int_equal(rd(text, sizeof text, &t, &more), CBOR_READ_OK);
    assert_int_equal(t.major, 3);
    assert_int_equal(t.size, 4);
    assert_memory_equal(t.p, "abc", 3);
    /* two bytes of a five-byte string: three missing */
    static const uint8_t cut[] = {0x45, 1, 2};
    assert_int_equal(rd(cut, sizeof cut, &t, &more), CBOR_READ_SHORT);
    assert_int_equal(more, 3);
    /* half a head */
    static const uint8_t half[] = {0x1A, 0};
    assert_int_equal(rd(half, sizeof half, &t, &more), CBOR_READ_SHORT);
    assert_int_equal(more, 3);
    assert_int_equal(rd(half, 0, &t, &more), CBOR_READ_SHORT);
    assert_int_equal(more, 1);
}

static void limits_before_presence(void **state)
{
    (void)state;
    cbor_token t;
    size_t more;
    /* a 4 GiB byte string claim in 5 bytes is over the limit, not "short" */
    static const uint8_t huge[] = {0x5A, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(rd(huge, sizeof huge, &t, &more), CBOR_READ_TOO_LONG);
    assert_true(t.val == 0xFFFFFFFFULL);
    static const uint8_t text5[] = {0x65, 'a', 'b', 'c', 'd', 'e'};
    assert_int_equal(rd(text5, sizeof text5, &t, &more), CBOR_READ_TOO_LONG);
    static const uint8_t map4[] = {0xA4};
    assert_int_equal(rd(map4, sizeof map4, &t, &more), CBOR_READ_TOO_MANY);
    static const uint8_t arr3[] = {0x83};
    assert_int_equal(rd(arr3, sizeof arr3, &t, &more), CBOR_READ_OK);
    assert_int_equal(t.val, 3);
}

static void refused_forms(void **state)
{
    (void)state;
    cbor_token t;
    size_t more;
    const uint8_t indef[] = {0x5F, 0x7F, 0x9F, 0xBF, 0xFF};
    for (size_t i = 0; i < sizeof indef; i++)
        assert_int_equal(rd(&indef[i], 1, &t, &more), CBOR_READ_INDEFINITE);
    const uint8_t reserved[] = {0x1C, 0x1D, 0x1E, 0x5C, 0xBE};
    for (size_t i = 0; i < sizeof reserved; i++)
        assert_int_equal(rd(&reserved[i], 1, &t, &more), CBOR_READ_MALFORMED);
    static const uint8_t simple_short[] = {0xF8, 0x10};
    assert_int_equal(rd(simple_short, sizeof simple_short, &t, &more), CBOR_READ_MALFORMED);
    static const uint8_t simple_ok[] = {0xF8, 0x20};
    assert_int_equal(rd(simple_ok, sizeof simple_ok, &t, &more), CBOR_READ_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heads_and_strings),
        cmocka_unit_test(limits_before_presence),
        cmocka_unit_test(refused_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
