/* The APDU decoder: names, P1/P2 meanings, lengths, status words, and the
 * selection context carried across a session (pure functions, no card). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/apdu_describe.h"
#include "jpki/profile.h"

static const uint8_t sel_jpki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, JPKI_AID_JPKI};
static const uint8_t sel_cardinfo[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, JPKI_AID_CARDINFO};
static const uint8_t ok[] = {0x90, 0x00};
static const uint8_t not_found[] = {0x6A, 0x82};

#define CONTAINS(hay, needle)                                                   \
    do {                                                                        \
        if (!strstr((hay), (needle)))                                           \
            fail_msg("'%s' not in '%s'", (needle), (hay));                      \
    } while (0)

static const char *cmd(const jpki_apdu_ctx *ctx, const uint8_t *c, size_t n)
{
    static char buf[512];
    return jpki_apdu_describe_command(ctx, c, n, buf, sizeof buf);
}

static const char *resp(const jpki_apdu_ctx *ctx, const uint8_t *c, size_t n,
                        const uint8_t *r, size_t rn)
{
    static char buf[512];
    return jpki_apdu_describe_response(ctx, c, n, r, rn, buf, sizeof buf);
}

static void select_known_application(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    const char *d = cmd(&ctx, sel_jpki, sizeof sel_jpki);
    CONTAINS(d, "SELECT application JPKI (AID D392F000260100000001)");
    CONTAINS(d, "P1=04 by DF name");
    CONTAINS(d, "P2=0C no response data");
    CONTAINS(d, "Lc=10");
    CONTAINS(resp(&ctx, sel_jpki, sizeof sel_jpki, ok, 2), "9000: success");
    jpki_apdu_ctx_update(&ctx, sel_jpki, sizeof sel_jpki, ok, 2);
    assert_int_equal(ctx.app, JPKI_APP_JPKI);
    assert_false(ctx.ef_selected);
}

static void unknown_aid_is_shown_in_hex(void **state)
{
    (void)state;
    const uint8_t c[] = {0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x00, 0x03, 0x00};
    const char *d = cmd(NULL, c, sizeof c);
    CONTAINS(d, "(unknown AID A000000003)");
    CONTAINS(d, "P2=00 return FCI");
    CONTAINS(d, "Le=256");
}

static void ef_names_follow_the_selected_application(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    const uint8_t sel_0001[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01};
    jpki_apdu_ctx_update(&ctx, sel_jpki, sizeof sel_jpki, ok, 2);
    CONTAINS(cmd(&ctx, sel_0001, sizeof sel_0001), "SELECT EF 0001 (sign cert) in JPKI");
    jpki_apdu_ctx_update(&ctx, sel_cardinfo, sizeof sel_cardinfo, ok, 2);
    CONTAINS(cmd(&ctx, sel_0001, sizeof sel_0001),
             "SELECT EF 0001 (my number) in card-info input support");
    /* A failed SELECT leaves the selection alone. */
    const uint8_t sel_bad[] = {0x00, 0xA4, 0x04, 0x0C, 0x03, 1, 2, 3};
    jpki_apdu_ctx_update(&ctx, sel_bad, sizeof sel_bad, not_found, 2);
    assert_int_equal(ctx.app, JPKI_APP_CARDINFO);
    jpki_apdu_ctx_update(&ctx, sel_0001, sizeof sel_0001, ok, 2);
    assert_true(ctx.ef_selected);
    const uint8_t rb[] = {0x00, 0xB0, 0x00, 0x10, 0x20};
    CONTAINS(cmd(&ctx, rb, sizeof rb), "READ BINARY EF 0001 (my number), offset 16 | Le=32");
    /* A reset forgets everything. */
    jpki_apdu_ctx_event(&ctx, "transaction end (card reset)");
    assert_int_equal(ctx.app, JPKI_APP_NONE);
    CONTAINS(cmd(&ctx, rb, sizeof rb), "READ BINARY the current EF, offset 16");
}

static void read_binary_certificate_header(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    const uint8_t sel[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A};
    jpki_apdu_ctx_update(&ctx, sel_jpki, sizeof sel_jpki, ok, 2);
    jpki_apdu_ctx_update(&ctx, sel, sizeof sel, ok, 2);
    const uint8_t rb[] = {0x00, 0xB0, 0x00, 0x00, 0x04};
    CONTAINS(cmd(&ctx, rb, sizeof rb), "READ BINARY EF 000A (auth cert), offset 0 | Le=4");
    const uint8_t r[] = {0x30, 0x82, 0x06, 0x1C, 0x90, 0x00};
    const char *d = resp(&ctx, rb, sizeof rb, r, sizeof r);
    CONTAINS(d, "9000: success | 4 bytes: certificate DER, 1568 bytes in total");
    /* Short EF identifier form. */
    const uint8_t sfi[] = {0x00, 0xB0, 0x8B, 0x00, 0x00};
    CONTAINS(cmd(&ctx, sfi, sizeof sfi), "READ BINARY short EF 11, offset 0");
}

static void token_and_flags_contents(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    jpki_apdu_ctx_update(&ctx, sel_jpki, sizeof sel_jpki, ok, 2);
    const uint8_t sel_tok[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06};
    jpki_apdu_ctx_update(&ctx, sel_tok, sizeof sel_tok, ok, 2);
    const uint8_t rb[] = {0x00, 0xB0, 0x00, 0x00, 0x11};
    uint8_t r[0x11 + 2];
    memcpy(r, "JPKIAPICCTOKEN2  ", 0x11);
    r[0x11] = 0x90;
    r[0x12] = 0x00;
    CONTAINS(resp(&ctx, rb, sizeof rb, r, sizeof r), "\"JPKIAPICCTOKEN2  \"");
    const uint8_t sel_flags[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x08};
    jpki_apdu_ctx_update(&ctx, sel_flags, sizeof sel_flags, ok, 2);
    const uint8_t rb3[] = {0x00, 0xB0, 0x00, 0x00, 0x03};
    const uint8_t f[] = {0x8F, 0x00, 0x00, 0x90, 0x00};
    CONTAINS(resp(&ctx, rb3, sizeof rb3, f, sizeof f), "auth cert present, sign cert absent");
}

static void verify_forms(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    jpki_apdu_ctx_update(&ctx, sel_jpki, sizeof sel_jpki, ok, 2);
    const uint8_t sel_pin[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B};
    jpki_apdu_ctx_update(&ctx, sel_pin, sizeof sel_pin, ok, 2);
    const uint8_t query[] = {0x00, 0x20, 0x00, 0x80};
    CONTAINS(cmd(&ctx, query, sizeof query),
             "VERIFY EF 001B (sign PIN): retry counter query (spends no try)");
    const uint8_t c3[] = {0x63, 0xC3};
    CONTAINS(resp(&ctx, query, sizeof query, c3, 2), "63C3: retry counter, 3 tries left");
    const uint8_t v[] = {0x00, 0x20, 0x00, 0x80, 0x06, 'A', 'B', 'C', '1', '2', '3'};
    const char *d = cmd(&ctx, v, sizeof v);
    CONTAINS(d, "VERIFY EF 001B (sign PIN) with PIN (6 bytes, redacted)");
    CONTAINS(d, "Lc=6");
    CONTAINS(resp(&ctx, v, sizeof v, c3, 2), "wrong PIN");
    const uint8_t chg[] = {0x00, 0x24, 0x01, 0x80, 0x04, '1', '2', '3', '4'};
    CONTAINS(cmd(&ctx, chg, sizeof chg), "CHANGE REFERENCE DATA EF 001B (sign PIN): new PIN (4 bytes");
    const uint8_t unblock[] = {0x00, 0x2C, 0x03, 0x80};
    CONTAINS(cmd(&ctx, unblock, sizeof unblock), "unblock, tries reset, PIN kept");
}

static void face_mode_pins_show_tags_only(void **state)
{
    (void)state;
    const uint8_t c[] = {0x00, 0x28, 0x00, 0x00, 0x1A,
                         0x81, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
                         0x82, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                         0x83, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
                         0x84, 0x04, 0xFF, 0xFF, 0xFF, 0xFF};
    const char *d = cmd(NULL, c, sizeof c);
    CONTAINS(d, "leave face-authentication mode: auth PIN 4 bytes, sign password 6 bytes, "
                "card-info PIN 4 bytes, registry PIN 4 bytes, PINs redacted");
}

static void get_response_names_the_command_it_continues(void **state)
{
    (void)state;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    const uint8_t gen[] = {0x00, 0x47, 0x80, 0x00, 0x00};
    CONTAINS(cmd(&ctx, gen, sizeof gen), "GENERATE ASYMMETRIC KEY PAIR the current EF | P1=80");
    const uint8_t more[] = {0x7F, 0x49, 0x61, 0x0A};
    CONTAINS(resp(&ctx, gen, sizeof gen, more, sizeof more),
             "610A: 10 more bytes available (GET RESPONSE) | 2 bytes: public key (7F49)");
    jpki_apdu_ctx_update(&ctx, gen, sizeof gen, more, sizeof more);
    const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0x0A};
    CONTAINS(cmd(&ctx, gr, sizeof gr), "GET RESPONSE (rest of the GENERATE ASYMMETRIC KEY PAIR answer)");
    jpki_apdu_ctx_update(&ctx, gr, sizeof gr, ok, 2);
    assert_false(ctx.chained);
}

static void issuance_profile_commands(void **state)
{
    (void)state;
    const uint8_t st[] = {0x00, 0xCA, 0xDF, 0x30, 0x00};
    CONTAINS(cmd(NULL, st, sizeof st), "GET DATA tag DF30 (issuance status)");
    const uint8_t r[] = {0xDF, 0x30, 0x0C, 0x00, 0x03, 0x00, 0x00, 0x06, 0x1C,
                         0x01, 0x00, 0x00, 0x05, 0xF0, 0x00, 0x90, 0x00};
    const char *d = resp(NULL, st, sizeof st, r, sizeof r);
    CONTAINS(d, "PIN card; auth key: active (cert 1564 bytes) pending; sign key: active (cert 1520 bytes)");
    const uint8_t sig[] = {0x80, 0x2A, 0x00, 0x81, 0x03, 1, 2, 3, 0x00};
    d = cmd(NULL, sig, sizeof sig);
    CONTAINS(d, "COMPUTE DIGITAL SIGNATURE (JPKI)");
    CONTAINS(d, "P2=81 pending key");
    assert_null(strstr(d, "CLA="));
    const uint8_t mac[4 + 1 + 24] = {0x00, 0x82, 0x00, 0x00, 24};
    CONTAINS(cmd(NULL, mac, sizeof mac), "host challenge 8 bytes + MAC 16 bytes");
}

static void malformed_and_unusual(void **state)
{
    (void)state;
    const uint8_t bad[] = {0x00, 0xB0, 0x00, 0x00, 0x05, 0x01};
    CONTAINS(cmd(NULL, bad, sizeof bad), "READ BINARY, malformed");
    const uint8_t two[] = {0x00, 0xA4};
    CONTAINS(cmd(NULL, two, sizeof two), "not an APDU (2 bytes");
    const uint8_t chained[] = {0x10, 0xD6, 0x00, 0x00, 0x01, 0xAA};
    CONTAINS(cmd(NULL, chained, sizeof chained), "CLA=10 chained");
    CONTAINS(resp(NULL, chained, sizeof chained, ok, 1), "without a status word");
}

/* The printed form redacts even when handed an unredacted command. */
static void print_exchange_redacts(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    const uint8_t v[] = {0x00, 0x20, 0x00, 0x80, 0x04, '4', '7', '1', '1'};
    const uint8_t c2[] = {0x63, 0xC2};
    jpki_apdu_print_exchange(f, &ctx, 7, "Reader X", v, sizeof v, c2, 2, 1.25, NULL);
    jpki_apdu_print_event(f, &ctx, "Reader X", "transaction begin");
    fclose(f);
    CONTAINS(out, "[Reader X] #7 > VERIFY PIN of the selected EF with PIN (4 bytes, redacted)");
    CONTAINS(out, "    00 20 00 80 04 FF FF FF FF\n");
    CONTAINS(out, "[Reader X] #7 < 63C2: wrong PIN or counter, 2 tries left | 1.25 ms");
    CONTAINS(out, "[Reader X] -- transaction begin");
    assert_null(strstr(out, "4711"));
    assert_null(memmem(out, len, "34 37 31 31", 11));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(select_known_application),
        cmocka_unit_test(unknown_aid_is_shown_in_hex),
        cmocka_unit_test(ef_names_follow_the_selected_application),
        cmocka_unit_test(read_binary_certificate_header),
        cmocka_unit_test(token_and_flags_contents),
        cmocka_unit_test(verify_forms),
        cmocka_unit_test(face_mode_pins_show_tags_only),
        cmocka_unit_test(get_response_names_the_command_it_continues),
        cmocka_unit_test(issuance_profile_commands),
        cmocka_unit_test(malformed_and_unusual),
        cmocka_unit_test(print_exchange_redacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
