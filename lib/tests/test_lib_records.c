/* White-box tests of libjpki's record-value layer (records_internal.h):
 * the strict base64 used for "der" in JSON.  In lib/tests/ because rv_* is
 * private to lib/; tests/unit/test_records.c covers records through the
 * public API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../records_internal.h"

/* base64 of "der" in JSON: RFC 4648 vectors both ways, and the strict
 * decoder refuses what PEM readers would take (line breaks, no padding). */
static void base64_strict(void **state)
{
    (void)state;
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        size_t n = strlen(plain[i]);
        assert_int_equal(rv_base64_len(n), strlen(coded[i]));
        rv_base64_encode((const uint8_t *)plain[i], n, out);
        assert_string_equal(out, coded[i]);
        uint8_t back[16];
        size_t m = 99;
        assert_true(rv_base64_decode(coded[i], strlen(coded[i]), back, &m));
        assert_int_equal(m, n);
        assert_memory_equal(back, plain[i], n);
    }
    static const char *bad[] = {"Zg", "Zg=", "Zm9v\nYg==", "Zm 9", "Z===", "Zg=A", "====", "Zm9*"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t back[16];
        size_t m = 0;
        assert_false(rv_base64_decode(bad[i], strlen(bad[i]), back, &m));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
