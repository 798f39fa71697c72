/* jpki-apdu's script language (parsing, expectations, placeholders and the
 * PIN-placement rules) and its runner against in-process cards: the
 * simulator's engine and a scripted card that answers 61xx.  The command's
 * code comes from its archive (build/cmd/jpki-apdu/libjpki-apdu.a) through
 * its interface header run.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli.h"
#include "run.h"
/* The shared fixture also defines helpers this test does not use. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "sim_test_util.h"
#pragma GCC diagnostic pop

#define CONTAINS(hay, needle)                                                   \
    do {                                                                        \
        if (!strstr((hay), (needle)))                                           \
            fail_msg("'%s' not in '%s'", (needle), (hay));                      \
    } while (0)

static jpki_error err;

/* Parse lines into s; returns the rc of the first failure. */
static jpki_rc parse(script *s, const char *const *lines)
{
    jpki_error_clear(&err);
    for (size_t i = 0; lines[i]; i++) {
        char where[32];
        snprintf(where, sizeof where, "L%zu", i + 1);
        jpki_rc rc = script_add_line(s, lines[i], where, &err);
        if (rc != JPKI_OK)
            return rc;
    }
    return JPKI_OK;
}

static void grammar(void **state)
{
    (void)state;
    script s;
    script_init(&s);
    const char *lines[] = {
        "# a comment",
        "",
        "00 A4 04 0C 0A D3:92:F0:00:26:01:00:00:00:01 = 9000   # inline",
        "00b0000004",
        "< 3082xxxx 9000",
        "RESET",
        "00 B0 00 00 04 = 6A82 | 69?? | 30 * 9000",
        NULL};
    assert_int_equal(parse(&s, lines), JPKI_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.steps[0].lit_len, 15);
    assert_true(s.steps[0].has_expect);
    assert_int_equal(s.steps[1].lit[1], 0xB0);
    assert_true(s.steps[1].has_expect);
    assert_int_equal(s.steps[1].exp.alt[0].data_nibbles, 8);
    assert_int_equal(s.steps[2].kind, STEP_RESET);
    assert_int_equal(s.steps[3].exp.n, 3);
    assert_true(s.steps[3].exp.alt[2].data_prefix);
    assert_string_equal(s.steps[1].where, "L4");
    script_free(&s);
}

typedef struct bad_line {
    const char *line;
    jpki_rc rc;
    const char *msg;
} bad_line;

static void grammar_errors(void **state)
{
    (void)state;
    const bad_line cases[] = {
        {"00 A4 04", JPKI_ERR_FORMAT, "3 bytes is not an APDU"},
        {"00", JPKI_ERR_FORMAT, "1-byte APDU refused"},
        {"00A4040C0AD392F00026010000000", JPKI_ERR_FORMAT, "odd number of hex digits"},
        {"00 A4 0G 00", JPKI_ERR_FORMAT, "'G' is not hex"},
        {"< 9000", JPKI_ERR_FORMAT, "without an APDU before it"},
        {"00A40400 = 90", JPKI_ERR_FORMAT, "has no status word"},
        {"00A40400 = 9000 *", JPKI_ERR_FORMAT, "'*' must come right before the status word"},
        {"00A40400 = 9k00", JPKI_ERR_FORMAT, "'k' in expectation"},
        {"00A40400 = 900", JPKI_ERR_FORMAT, "odd number of hex digits in expectation"},
        {"00 20 ${PIN}", JPKI_ERR_FORMAT, "needs the 4 header bytes"},
        {"00 20 00 80 ${1PIN}", JPKI_ERR_FORMAT, "bad placeholder"},
        {"00 20 00 80 ${PIN", JPKI_ERR_FORMAT, "bad placeholder"},
        {"00 B0 00 00 05 01", JPKI_ERR_FORMAT, "malformed APDU (Lc 5 does not match 2 body bytes)"},
        /* PIN rules */
        {"00 20 00 80 04 31 32 33 34", JPKI_ERR_ARG, "literal PIN bytes refused"},
        {"00 24 01 80 04 31 32 33 34", JPKI_ERR_ARG, "literal PIN bytes refused"},
        {"00 2C 00 80 04 31 32 33 34", JPKI_ERR_ARG, "literal PIN bytes refused"},
        {"00 28 00 00 06 81 04 31 32 33 34", JPKI_ERR_ARG, "literal PIN bytes refused"},
        {"00 20 00 80 31 ${PIN}", JPKI_ERR_ARG, "literal PIN bytes refused"},
        {"00 A4 04 0C ${AID}", JPKI_ERR_ARG, "would appear in traces"},
        {"00 D6 00 00 ${X}", JPKI_ERR_ARG, "would appear in traces"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script s;
        script_init(&s);
        const char *lines[] = {cases[i].line, NULL};
        jpki_rc rc = parse(&s, lines);
        if (rc != cases[i].rc || !strstr(err.message, cases[i].msg))
            fail_msg("'%s': rc %s, message '%s'", cases[i].line, jpki_rc_name(rc), err.message);
        script_free(&s);
    }
    /* A second expectation for the same APDU. */
    script s;
    script_init(&s);
    const char *twice[] = {"00A40400 = 9000", "< 9000", NULL};
    assert_int_equal(parse(&s, twice), JPKI_ERR_FORMAT);
    CONTAINS(err.message, "a second expectation for L1");
    script_free(&s);
    /* More distinct placeholders than supported. */
    script_init(&s);
    const char *many[] = {"00 28 00 00 ${A}${B}${C}${D}${E}${F}${G}${H}${I}", NULL};
    assert_int_equal(parse(&s, many), JPKI_ERR_LIMIT);
    script_free(&s);
}

static void placeholders_and_lengths(void **state)
{
    (void)state;
    script s;
    script_init(&s);
    const char *lines[] = {
        "00 20 00 80 ${PIN}",
        "00 28 00 00 81 ${#A} ${A} 82 ${#S} ${S} 83 ${#A} ${A} 84 ${#A} ${A}",
        "00 24 01 80 ${S}",
        "00 20 00 80",  /* retry counter: no placeholder needed */
        NULL};
    assert_int_equal(parse(&s, lines), JPKI_OK);
    assert_int_equal(s.nnames, 3);
    assert_string_equal(s.names[0], "PIN");
    assert_string_equal(s.names[1], "A");
    assert_string_equal(s.names[2], "S");
    jpki_secret sec[3];
    memset(sec, 0, sizeof sec);
    memcpy(sec[0].buf, "4711", 4), sec[0].len = 4;
    memcpy(sec[1].buf, "1234", 4), sec[1].len = 4;
    memcpy(sec[2].buf, "ABCDEFGH", 8), sec[2].len = 8;
    static uint8_t out[JPKI_CAPDU_MAX];
    size_t len;
    assert_int_equal(script_build(&s, &s.steps[0], sec, out, &len, &err), JPKI_OK);
    assert_int_equal(len, 9);
    assert_memory_equal(out, "\x00\x20\x00\x80\x04" "4711", 9);
    assert_int_equal(script_build(&s, &s.steps[1], sec, out, &len, &err), JPKI_OK);
    assert_int_equal(out[4], 4 * 2 + 4 * 3 + 8);
    assert_memory_equal(out + 5, "\x81\x04" "1234" "\x82\x08" "ABCDEFGH", 16);
    /* A literal TLV length that does not fit the value breaks the TLV:
     * then the whole data counts as PIN and the literal tags are refused. */
    script t;
    script_init(&t);
    const char *fixed[] = {"00 28 00 00 81 04 ${S}", NULL};
    assert_int_equal(parse(&t, fixed), JPKI_OK); /* fine with a 4-byte stand-in */
    jpki_secret one[1];
    memcpy(one[0].buf, "ABCDEFGH", 8), one[0].len = 8;
    assert_int_equal(script_build(&t, &t.steps[0], one, out, &len, &err), JPKI_ERR_ARG);
    CONTAINS(err.message, "literal PIN bytes refused");
    script_free(&t);
    script_free(&s);
}

static void expectations(void **state)
{
    (void)state;
    static jpki_response r;
    memcpy(r.data, "\x30\x82\x06\x1C", 4);
    r.len = 4;
    r.sw = 0x9000;
    char why[200];
    struct {
        const char *pat;
        bool want;
    } cases[] = {
        {"9000", true},
        {"90xx", true},
        {"6A82", false},
        {"3082061C 9000", true},
        {"3082061c9000", true},
        {"3082 9000", false},      /* exact data: 2 bytes are not 4 */
        {"3082 * 9000", true},     /* prefix */
        {"3083 * 9000", false},
        {"30x2xxxx 9000", true},
        {"* 9000", true},
        {"6A82 | 3082061C 9000", true},
        {"3082061C00 * 9000", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script s;
        script_init(&s);
        char line[96];
        snprintf(line, sizeof line, "00B0000004 = %s", cases[i].pat);
        const char *lines[] = {line, NULL};
        assert_int_equal(parse(&s, lines), JPKI_OK);
        if (expect_match(&s.steps[0].exp, &r, why, sizeof why) != cases[i].want)
            fail_msg("pattern '%s' should %smatch", cases[i].pat, cases[i].want ? "" : "not ");
        if (!cases[i].want)
            CONTAINS(why, "got 9000: success with 4 data byte(s)");
        script_free(&s);
    }
}

/* ---- running ---- */

/* Capture stdout of fn into buf. */
static void capture_begin(int *saved, char *path, size_t n)
{
    snprintf(path, n, "%s/out.XXXXXX", fx.dir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    *saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
}

static char *capture_end(int saved, const char *path)
{
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    static char buf[16384];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(path);
    return buf;
}

static int run_lines(jpki_transport *t, const char *const *lines, const jpki_secret *sec,
                     out_mode mode, bool keep_going, char **out)
{
    script s;
    script_init(&s);
    assert_int_equal(parse(&s, lines), JPKI_OK);
    run_opts o = {.out = mode, .keep_going = keep_going};
    int saved;
    char path[PATH_MAX];
    capture_begin(&saved, path, sizeof path);
    int rc = run_script("test", &s, sec, t, &o);
    *out = capture_end(saved, path);
    script_free(&s);
    return rc;
}

static void runs_against_the_simulator(void **state)
{
    (void)state;
    char card_path[PATH_MAX];
    sim_card *card = fx_card(card_path, sizeof card_path);
    assert_non_null(card);
    jpki_transport *t;
    const uint8_t atr[] = {JPKI_ATR};
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, card, atr, sizeof atr, &t, &err), JPKI_OK);
    const char *lines[] = {
        "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 9000",
        "00 A4 02 0C 02 00 18 = 9000",
        "00 20 00 80 = 63C3",
        "00 20 00 80 ${PIN} = 9000",
        "00 A4 02 0C 02 00 08",
        "00 B0 00 00 03 = 8F 8F 00 90 00",
        NULL};
    jpki_secret pin[1];
    memcpy(pin[0].buf, "1234", 4), pin[0].len = 4;
    char *out;
    assert_int_equal(run_lines(t, lines, pin, OUT_HEX, false, &out), CLI_EXIT_OK);
    assert_string_equal(out, "9000\n9000\n63C3\n9000\n9000\n8F8F00 9000\n");
    /* Annotated output: redacted PIN, names from the selection context. */
    assert_int_equal(run_lines(t, lines, pin, OUT_ANNOTATED, false, &out), CLI_EXIT_OK);
    CONTAINS(out, "#4 > VERIFY EF 0018 (auth PIN) with PIN (4 bytes, redacted) | Lc=4\n"
                  "    00 20 00 80 04 FF FF FF FF\n");
    CONTAINS(out, "#6 < 9000: success | 3 bytes: auth cert present, sign cert present | ");
    CONTAINS(out, "\n    8F 8F 00\n");
    assert_null(strstr(out, "31 32 33 34"));
    /* A failed expectation stops the run with exit 1 ... */
    const char *failing[] = {
        "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 6A82",
        "00 A4 02 0C 02 00 18 = 9000",
        NULL};
    assert_int_equal(run_lines(t, failing, NULL, OUT_HEX, false, &out), CLI_EXIT_FAIL);
    assert_string_equal(out, "9000\n");
    /* ... unless told to keep going (still exit 1). */
    assert_int_equal(run_lines(t, failing, NULL, OUT_HEX, true, &out), CLI_EXIT_FAIL);
    assert_string_equal(out, "9000\n9000\n");
    jpki_transport_close(t);
    sim_card_free(card);
}

/* A card that answers READ BINARY with 61 10 and GET RESPONSE with 16
 * bytes: jpki-apdu shows the joined answer, or, raw, the 61xx. */
static size_t card_61xx(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    (void)ctx;
    (void)n;
    (void)cap;
    if (c[1] == 0xB0) {
        r[0] = 0x61;
        r[1] = 0x10;
        return 2;
    }
    if (c[1] == 0xC0) {
        for (int i = 0; i < 16; i++)
            r[i] = (uint8_t)i;
        r[16] = 0x90;
        r[17] = 0x00;
        return 18;
    }
    r[0] = 0x6D;
    r[1] = 0x00;
    return 2;
}

static void follows_61xx_unless_raw(void **state)
{
    (void)state;
    jpki_transport *t;
    assert_int_equal(jpki_mem_transport_new(card_61xx, NULL, NULL, 0, &t, &err), JPKI_OK);
    const char *lines[] = {"00 B0 00 00 00 = 000102 * 9000", NULL};
    char *out;
    assert_int_equal(run_lines(t, lines, NULL, OUT_HEX, false, &out), CLI_EXIT_OK);
    assert_string_equal(out, "000102030405060708090A0B0C0D0E0F 9000\n");
    jpki_transport_set_auto_get_response(t, false);
    assert_int_equal(run_lines(t, lines, NULL, OUT_HEX, false, &out), CLI_EXIT_FAIL);
    assert_string_equal(out, "6110\n");
    jpki_transport_close(t);
}

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("hanako");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grammar),
        cmocka_unit_test(grammar_errors),
        cmocka_unit_test(placeholders_and_lengths),
        cmocka_unit_test(expectations),
        cmocka_unit_test(runs_against_the_simulator),
        cmocka_unit_test(follows_61xx_unless_raw),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
