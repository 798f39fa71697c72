/* cmd/common/display_width.c: widths of UTF-8 text (locale-free), and
 * folding to a width at RDN boundaries or at spaces / between wide
 * characters.  Folded output is written to a memory stream and compared
 * line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "display_width.h"

static void widths(void **state)
{
    (void)state;
    assert_int_equal(dw_width("abc"), 3);
    assert_int_equal(dw_width("番号 花子"), 9);          /* four wide, one space */
    assert_int_equal(dw_width("架空県"), 6);
    assert_int_equal(dw_width("ｶﾅ"), 2);                 /* halfwidth katakana: narrow */
    assert_int_equal(dw_width("ＡＢ"), 4);               /* fullwidth Latin: wide */
    assert_int_equal(dw_width("e\xCC\x81"), 1);          /* e + combining acute */
    assert_int_equal(dw_width("\xE2\x80\x8B"), 0);       /* zero width space (Cf) */
    assert_int_equal(dw_width("\xF0\x9F\x98\x80"), 2);   /* emoji U+1F600 */
    assert_int_equal(dw_width("\xF0\xA0\x80\x8B"), 2);   /* CJK extension B */
    assert_int_equal(dw_width_n("番号", 3), 2);
}

static void bad_utf8_counts_one_per_byte(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(dw_decode("\xC0\xAF", &cp), 1);     /* overlong '/' */
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(dw_decode("\xED\xA0\x80", &cp), 1); /* a surrogate */
    assert_int_equal(dw_decode("\xE7\x95", &cp), 1);     /* cut short by the NUL */
    assert_int_equal(dw_width("\xFF\xFE" "a"), 3);
    assert_int_equal(dw_decode("\xE7\x95\xAA", &cp), 3);
    assert_int_equal(cp, 0x756A);                        /* 番 */
}

/* fold into a string */
static char *fold(const char *text, size_t col, size_t indent, size_t width, dw_breaks b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    dw_pad(f, 0, col);
    dw_fold(f, text, col, indent, width, b);
    fclose(f);
    return buf;
}

/* Every line of s at most width columns. */
static void assert_fits(const char *s, size_t width)
{
    char *copy = strdup(s), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        assert_true(dw_width(line) <= width);
    free(copy);
}

static void fold_dn_at_rdn_boundaries(void **state)
{
    (void)state;
    char *s = fold("C=JP, L=架空県, CN=番号 花子", 4, 4, 24, DW_BREAK_DN);
    assert_string_equal(s, "    C=JP, L=架空県,\n    CN=番号 花子\n");
    free(s);
    /* an escaped comma is no boundary; " + " inside a multi-valued RDN is */
    s = fold("O=Acme\\, Inc. Ltd, CN=a + SN=b", 0, 2, 20, DW_BREAK_DN);
    assert_string_equal(s, "O=Acme\\, Inc. Ltd,\n  CN=a + SN=b\n");
    free(s);
    s = fold("CN=aaaaaaaa + SN=bbbbbbbbbb", 0, 2, 16, DW_BREAK_DN);
    assert_string_equal(s, "CN=aaaaaaaa +\n  SN=bbbbbbbbbb\n");
    free(s);
}

static void fold_dn_rdn_too_long_folds_like_text(void **state)
{
    (void)state;
    char *s = fold("C=JP, O=Japan Agency for Local Authority Information Systems", 0, 4, 30, DW_BREAK_DN);
    assert_string_equal(s, "C=JP,\n    O=Japan Agency for Local\n    Authority Information\n    Systems\n");
    assert_fits(s, 30);
    free(s);
}

static void fold_text_between_wide_characters(void **state)
{
    (void)state;
    /* between two wide characters only: "目2番3号" mixes widths, stays whole */
    char *s = fold("架空県見本市試験町一丁目2番3号", 10, 10, 24, DW_BREAK_TEXT);
    assert_string_equal(s, "          架空県見本市試\n          験町一丁\n          目2番3号\n");
    assert_fits(s, 24);
    free(s);
    /* a word longer than a line is cut between characters */
    s = fold("abcdefghijklmnopqrstuvwxyz", 0, 0, 10, DW_BREAK_TEXT);
    assert_string_equal(s, "abcdefghij\nklmnopqrst\nuvwxyz\n");
    free(s);
    /* a wide character never straddles the edge */
    s = fold("aaaaaaaaa番", 0, 0, 10, DW_BREAK_TEXT);
    assert_string_equal(s, "aaaaaaaaa\n番\n");
    free(s);
}

static void fold_fits_needs_no_fold(void **state)
{
    (void)state;
    char *s = fold("short text", 2, 2, 100, DW_BREAK_TEXT);
    assert_string_equal(s, "  short text\n");
    free(s);
    s = fold("", 2, 2, 100, DW_BREAK_DN);
    assert_string_equal(s, "  \n");
    free(s);
}

/* Folded text goes through the one terminal-safety rule (jpki_text_safe):
 * an escape sequence or a tab cannot reach the terminal. */
static void controls_are_escaped(void **state)
{
    (void)state;
    char *s = fold("a\x1b[31mb\tc", 0, 0, 100, DW_BREAK_TEXT);
    assert_string_equal(s, "a\\1B[31mb\\09c\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(bad_utf8_counts_one_per_byte),
        cmocka_unit_test(fold_dn_at_rdn_boundaries),
        cmocka_unit_test(fold_dn_rdn_too_long_folds_like_text),
        cmocka_unit_test(fold_text_between_wide_characters),
        cmocka_unit_test(fold_fits_needs_no_fold),
        cmocka_unit_test(controls_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
