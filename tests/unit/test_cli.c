/* CLI glue: exit codes per error class, one-line "prog: message" errors,
 * the common options and their environment defaults.  No card involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void exit_codes(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_for(JPKI_OK), CLI_EXIT_OK);
    assert_int_equal(cli_exit_for(JPKI_ERR_ARG), CLI_EXIT_USAGE);
    assert_int_equal(cli_exit_for(JPKI_ERR_FORMAT), CLI_EXIT_USAGE);
    const jpki_rc no_card[] = {JPKI_ERR_NO_SERVICE, JPKI_ERR_NO_READER, JPKI_ERR_NO_CARD,
                               JPKI_ERR_CARD_REMOVED, JPKI_ERR_READER_GONE, JPKI_ERR_BUSY};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(cli_exit_for(no_card[i]), CLI_EXIT_NO_CARD);
    const jpki_rc pin[] = {JPKI_ERR_PIN_WRONG, JPKI_ERR_PIN_BLOCKED, JPKI_ERR_PIN_FORMAT,
                           JPKI_ERR_PIN_LAST_TRY};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(cli_exit_for(pin[i]), CLI_EXIT_PIN);
    assert_int_equal(cli_exit_for(JPKI_ERR_AUTH), CLI_EXIT_AUTH);
    assert_int_equal(cli_exit_for(JPKI_ERR_CARD), CLI_EXIT_FAIL);
    assert_int_equal(cli_exit_for(JPKI_ERR_STATE), CLI_EXIT_FAIL);
    assert_int_equal(cli_exit_for(JPKI_ERR_PCSC), CLI_EXIT_FAIL);
}

/* Run fn with stderr captured; returns what it wrote. */
static char captured[1024];
static void capture(void (*fn)(void))
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(captured, 1, sizeof captured - 1, tmp);
    captured[n] = '\0';
    fclose(tmp);
}

static int report_rc;
static void do_report(void)
{
    jpki_error e;
    jpki_error_clear(&e);
    jpki_error_set(&e, JPKI_ERR_PIN_WRONG, "wrong auth PIN,\n2 tries left\x1b[0m");
    report_rc = cli_report("jpki-test", &e);
}
static void do_errorf(void) { cli_errorf("jpki-x", "bad value '%s'", "a\nb"); }
static void do_empty(void)
{
    jpki_error e;
    jpki_error_clear(&e);
    e.code = JPKI_ERR_NO_CARD;
    report_rc = cli_report("p", &e);
}

static void errors_are_one_line(void **state)
{
    (void)state;
    capture(do_report);
    assert_int_equal(report_rc, CLI_EXIT_PIN);
    /* the line break reads as a space, the escape sequence shows as \\HH */
    assert_string_equal(captured, "jpki-test: wrong auth PIN, 2 tries left\\1B[0m\n");
    capture(do_errorf);
    assert_string_equal(captured, "jpki-x: bad value 'a b'\n");
    capture(do_empty);
    assert_int_equal(report_rc, CLI_EXIT_NO_CARD);
    assert_string_equal(captured, "p: no-card\n");
}

static void environment_defaults(void **state)
{
    (void)state;
    cli_common cc;
    unsetenv("JPKI_READER");
    unsetenv("JPKI_TRACE");
    unsetenv("JPKI_TRACE_FILE");
    cli_common_init(&cc);
    assert_null(cc.reader);
    assert_false(cc.trace);
    assert_null(cc.trace_file);
    setenv("JPKI_READER", "Reader B", 1);
    setenv("JPKI_TRACE", "1", 1);
    setenv("JPKI_TRACE_FILE", "/tmp/x.cbor", 1);
    cli_common_init(&cc);
    assert_string_equal(cc.reader, "Reader B");
    assert_true(cc.trace);
    assert_string_equal(cc.trace_file, "/tmp/x.cbor");
    setenv("JPKI_TRACE", "0", 1);
    setenv("JPKI_READER", "", 1);
    cli_common_init(&cc);
    assert_false(cc.trace);
    assert_null(cc.reader);
    unsetenv("JPKI_READER");
    unsetenv("JPKI_TRACE");
    unsetenv("JPKI_TRACE_FILE");
}

static void common_options_in_getopt(void **state)
{
    (void)state;
    static const struct option opts[] = {CLI_COMMON_LONGOPTS, {"other", no_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    char *argv[] = {"prog", "--reader", "2", "--trace", "--trace-file", "t.cbor", "-o",
                    "-r", "Virtual", NULL};
    int argc = 9;
    cli_common cc;
    unsetenv("JPKI_READER");
    cli_common_init(&cc);
    optind = 1;
    int c, others = 0;
    while ((c = getopt_long(argc, argv, "o" CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
        if (cli_common_option(&cc, c, optarg))
            continue;
        if (c == 'o')
            others++;
        else
            fail();
    }
    assert_int_equal(others, 1);
    assert_string_equal(cc.reader, "Virtual"); /* -r after --reader wins */
    assert_true(cc.trace);
    assert_string_equal(cc.trace_file, "t.cbor");
    assert_false(cli_common_option(&cc, 'x', NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_codes),
        cmocka_unit_test(errors_are_one_line),
        cmocka_unit_test(environment_defaults),
        cmocka_unit_test(common_options_in_getopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
