/* The terminal-safe text rule (jpki_text_safe) and the PIN format messages
 * that count characters (jpki_pin_check_format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../text_internal.h"
#include "jpki/jpki.h"

static void escapes_controls_keeps_japanese(void **state)
{
    (void)state;
    char out[256];
    /* OSC title change, clear screen, C1 CSI (U+009B), DEL, newline */
    jpki_text_safe("a\x1b]0;pwned\x07" "b\x1b[2J\xc2\x9b" "2J\x7f\n", out, sizeof out);
    assert_string_equal(out, "a\\1B]0;pwned\\07b\\1B[2J\\C2\\9B2J\\7F\\0A");
    jpki_text_safe("番号 花子, L=架空県", out, sizeof out);
    assert_string_equal(out, "番号 花子, L=架空県");
}

static void invalid_utf8_is_escaped(void **state)
{
    (void)state;
    char out[64];
    /* a lone continuation byte (8-bit CSI), a cut sequence, an overlong '/' */
    jpki_text_safe("x\x9b" "y\xe7\x95" "z\xc0\xaf", out, sizeof out);
    assert_string_equal(out, "x\\9By\\E7\\95z\\C0\\AF");
}

static void dn_text_passes_unchanged(void **state)
{
    (void)state;
    char out[64];
    const char *dn = "O=Acme\\, Inc.\\01, CN=\\#x";
    jpki_text_safe(dn, out, sizeof out);
    assert_string_equal(out, dn);
}

static void cut_at_whole_characters(void **state)
{
    (void)state;
    char out[6];
    /* "番号" is 6 bytes and needs 7 with the NUL: only "番" fits in 6 */
    size_t n = jpki_text_safe("番号", out, sizeof out);
    assert_int_equal(n, 3);
    assert_string_equal(out, "番");
    /* an escape is never cut in half */
    n = jpki_text_safe("ab\x1b", out, 5);
    assert_string_equal(out, "ab");
    assert_int_equal(n, 2);
    assert_int_equal(jpki_text_safe(NULL, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void bytes_with_nul(void **state)
{
    (void)state;
    char out[32];
    /* a text string from a trace file: a NUL is a control like any other */
    jpki_text_safe_bytes("a\0b\x1b", 4, out, sizeof out);
    assert_string_equal(out, "a\\00b\\1B");
}

static void to_a_file(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    jpki_text_fputs("r\x1b[31m赤", f);
    fclose(f);
    assert_string_equal(buf, "r\\1B[31m赤");
    free(buf);
}

static jpki_secret secret_of(const char *s)
{
    jpki_secret p;
    memset(&p, 0, sizeof p);
    p.len = strlen(s);
    memcpy(p.buf, s, p.len);
    return p;
}

static void pin_messages_count_characters(void **state)
{
    (void)state;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_secret p = secret_of("１２３４"); /* full-width digits, 12 bytes */
    assert_int_equal(jpki_pin_check_format(JPKI_PIN_AUTH, &p, &e), JPKI_ERR_PIN_FORMAT);
    assert_non_null(strstr(e.message, "got 4 characters"));
    assert_non_null(strstr(e.message, "half-width"));
    assert_non_null(strstr(e.message, "full-width"));
    jpki_error_clear(&e);
    p = secret_of("ＡＢＣ123");
    assert_int_equal(jpki_pin_check_format(JPKI_PIN_SIGN, &p, &e), JPKI_ERR_PIN_FORMAT);
    assert_non_null(strstr(e.message, "6-16 half-width"));
    assert_non_null(strstr(e.message, "got 6 characters"));
    jpki_error_clear(&e);
    p = secret_of("12a4");
    assert_int_equal(jpki_pin_check_format(JPKI_PIN_REGISTRY, &p, &e), JPKI_ERR_PIN_FORMAT);
    assert_non_null(strstr(e.message, "got 4 characters)"));
    assert_null(strstr(e.message, "full-width"));
    p = secret_of("ABC123");
    assert_int_equal(jpki_pin_check_format(JPKI_PIN_SIGN, &p, NULL), JPKI_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_controls_keeps_japanese),
        cmocka_unit_test(invalid_utf8_is_escaped),
        cmocka_unit_test(dn_text_passes_unchanged),
        cmocka_unit_test(cut_at_whole_characters),
        cmocka_unit_test(bytes_with_nul),
        cmocka_unit_test(to_a_file),
        cmocka_unit_test(pin_messages_count_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
