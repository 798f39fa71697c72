/* jpki-card-sim engine, in-process: the real card's PIN rules (formats,
 * tries, blocking), retry counters without spending a try, security state,
 * the public read paths and persistence of spent tries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_test_util.h"

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("hanako");
}

static sim_card *open_card(char *path)
{
    sim_card *c = fx_card(path, PATH_MAX);
    assert_non_null(c);
    return c;
}

static void retry_counter_without_spending(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    assert_int_equal(tx(c, SEL_JPKI), 0x9000);
    assert_int_equal(sel_ef(c, JPKI_EF_AUTH_PIN), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(sel_ef(c, JPKI_EF_SIGN_PIN), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C5);
    sim_card_free(c);
}

static void auth_pin_blocks_after_three(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "0000"), 0x63C2);
    assert_int_equal(verify(c, "1111"), 0x63C1);
    assert_int_equal(verify(c, "2222"), 0x63C0); /* the try that reaches 0 */
    assert_int_equal(verify(c, "3333"), 0x6984); /* later ones: blocked */
    assert_int_equal(verify(c, "1234"), 0x6984); /* even the right PIN */
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C0);
    sim_card_free(c);
}

static void right_pin_restores_tries(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "9999"), 0x63C2);
    assert_int_equal(verify(c, "1234"), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    sim_card_free(c);
}

static void sign_password_five_tries(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(verify(c, "WRONG1"), 0x63C4);
    assert_int_equal(verify(c, "WRONG2"), 0x63C3);
    assert_int_equal(verify(c, "ABC123"), 0x9000);
    for (int i = 4; i >= 0; i--)
        assert_int_equal(verify(c, "NOPE00"), 0x63C0 | i);
    assert_int_equal(verify(c, "ABC123"), 0x6984);
    sim_card_free(c);
}

static void spent_try_survives_reload(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "0000"), 0x63C2);
    sim_card_free(c); /* like a kill: the state file is all that remains */
    jpki_error err;
    c = sim_card_load(path, &err);
    assert_non_null(c);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C2);
    sim_card_free(c);
}

static void change_pin_rules(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "4321", 4, 0), 0x6982); /* not verified */
    assert_int_equal(verify(c, "1234"), 0x9000);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "12a4", 4, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "12345", 5, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x24, 0x00, 0x80, "4321", 4, 0), 0x6A86);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "4321", 4, 0), 0x9000);
    sim_card_power_cycle(c);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "1234"), 0x63C2);
    assert_int_equal(verify(c, "4321"), 0x9000);

    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(verify(c, "ABC123"), 0x9000);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "abc123", 6, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "ABC12", 5, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "ABCDEFGHIJ1234567", 17, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x24, 0x01, 0x80, "NEWPASSWORD16CHR", 16, 0), 0x9000);
    sim_card_free(c);
}

static void sign_cert_needs_sign_password(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t cert[JPKI_CERT_MAX];
    uint16_t sw;
    tx(c, SEL_JPKI);
    assert_int_equal(sel_ef(c, JPKI_EF_SIGN_CERT), 0x9000);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6982);
    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(verify(c, "ABC123"), 0x9000);
    sel_ef(c, JPKI_EF_SIGN_CERT);
    size_t n = read_der_ef(c, cert, sizeof cert, &sw);
    assert_true(n > 1000);
    assert_int_equal(cert[0], 0x30);
    assert_int_equal(cert[1], 0x82);
    assert_int_equal(n, (size_t)((cert[2] << 8 | cert[3]) + 4));
    /* Leaving the application drops the verification. */
    tx(c, SEL_COMMON);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_SIGN_CERT);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6982);
    sim_card_free(c);
}

static void auth_cert_and_public_efs(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t buf[JPKI_CERT_MAX];
    uint16_t sw;
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    /* OpenSC reads 4 bytes first to learn the size. */
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x9000);
    assert_int_equal(rlen, 4);
    size_t total = (size_t)(rbuf[2] << 8 | rbuf[3]) + 4;
    /* The EF has a fixed physical size (2048): the certificate, then the
     * variant's filler (00 on the default variant). */
    size_t n = read_all(c, buf, sizeof buf, &sw);
    assert_int_equal(n, 2048);
    assert_int_equal(sw, 0x6B00);
    assert_true(total > 900 && total < 2048);
    for (size_t i = total; i < n; i++)
        assert_int_equal(buf[i], 0x00);
    /* reading at the end: offset outside the EF */
    uint8_t a[5] = {0x00, 0xB0, 0x08, 0x00, 0x10};
    assert_int_equal(tx_raw(c, a, 5), 0x6B00);
    /* crossing the end: the remaining bytes with 9000 (never 6282) */
    a[2] = 0x07;
    a[3] = 0xFD;
    assert_int_equal(tx_raw(c, a, 5), 0x9000);
    assert_int_equal(rlen, 3);

    sel_ef(c, JPKI_EF_TOKEN);
    assert_int_equal(tx(c, "00 B0 00 00 20"), 0x9000);
    assert_memory_equal(rbuf, "JPKIAPICCTOKEN2 ", 16);
    sel_ef(c, JPKI_EF_CERT_FLAGS);
    assert_int_equal(tx(c, "00 B0 00 00 03"), 0x9000);
    assert_memory_equal(rbuf, "\x8F\x8F\x00", 3);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6981);
    sim_card_free(c);
}

static void signature_needs_pin(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    /* DigestInfo for SHA-256 with a dummy hash */
    uint8_t di[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
                      0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    memset(di + 19, 0xAB, 32);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x6982);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    verify(c, "1234");
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x9000);
    assert_int_equal(rlen, 256);
    /* the auth PIN does not open the signature key */
    sel_ef(c, JPKI_EF_SIGN_KEY);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x6982);
    /* pending key without an issuer session */
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x81, di, sizeof di, 1), 0x6982);
    sim_card_free(c);
}

static void cardinfo_registry_common(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    assert_int_equal(tx(c, SEL_CARDINFO), 0x9000);
    sel_ef(c, JPKI_EF_CARDINFO_MYNUMBER);
    assert_int_equal(tx(c, "00 B0 00 00 0F"), 0x6982);
    sel_ef(c, JPKI_EF_CARDINFO_PIN);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(verify(c, "1234"), 0x63C2); /* the auth PIN is not this one */
    assert_int_equal(verify(c, "5678"), 0x9000);
    sel_ef(c, JPKI_EF_CARDINFO_MYNUMBER);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
    assert_int_equal(rlen, 17); /* 15 + filler, as myna and jpki-rs read it */
    assert_memory_equal(rbuf, "\xFF\x10\x0C" "987654321018\x00\x00", 17);
    sel_ef(c, JPKI_EF_CARDINFO_BASIC4);
    assert_int_equal(tx(c, "00 B0 00 00 05"), 0x9000);
    /* The sample persona's basic-4 body is 89 bytes: short form even on the
     * long-form default variant (never 82 00 xx with xx < 80). */
    assert_memory_equal(rbuf, "\xFF\x20\x59\xDF\x21", 5);

    assert_int_equal(tx(c, SEL_REGISTRY), 0x9000);
    assert_int_equal(sel_ef(c, JPKI_EF_REGISTRY_PIN), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(verify(c, "0000"), 0x63C2);
    assert_int_equal(verify(c, "2580"), 0x9000);

    assert_int_equal(tx(c, SEL_COMMON), 0x9000);
    sel_ef(c, JPKI_EF_COMMON_RECORD);
    assert_int_equal(tx(c, "00 B0 00 00 1C"), 0x9000);
    assert_memory_equal(rbuf, "900000000000001" "99201" "20300331", 28);
    /* as public readers read it: READ RECORD 1 of the current EF */
    assert_int_equal(tx(c, "00 B2 01 0C 00"), 0x9000);
    assert_int_equal(rlen, 30);
    assert_memory_equal(rbuf, "\x01\x1C" "900000000000001" "99201" "20300331", 30);
    assert_int_equal(tx(c, "00 B2 02 0C 00"), 0x6A83);

    /* The visual application opens with its PIN A (the My Number). */
    assert_int_equal(tx(c, SEL_VISUAL), 0x9000);
    assert_int_equal(sel_ef(c, 0x0002), 0x9000);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x6982);
    assert_int_equal(sel_ef(c, 0x0013), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63CA);
    assert_int_equal(verify(c, "987654321018"), 0x9000);
    assert_int_equal(sel_ef(c, 0x0002), 0x9000);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
    assert_int_equal(rlen, 256);
    assert_memory_equal(rbuf, "\xFF\x20", 2);
    sim_card_free(c);
}

static void check_digit_of_persona_numbers(void **state)
{
    (void)state;
    for (const sim_persona *const *p = sim_persona_list(); *p; p++) {
        const char *n = (*p)->my_number;
        assert_int_equal(strlen(n), 12);
        int sum = 0;
        for (int k = 1; k <= 11; k++)
            sum += (n[11 - k] - '0') * (k <= 6 ? k + 1 : k - 5);
        int r = sum % 11, cd = r <= 1 ? 0 : 11 - r;
        assert_int_equal(n[11] - '0', cd);
        assert_int_equal(strlen((*p)->serial), 15);
        assert_int_equal(strlen((*p)->municipality), 5);
    }
    assert_null(sim_persona_find("nobody"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_counter_without_spending),
        cmocka_unit_test(auth_pin_blocks_after_three),
        cmocka_unit_test(right_pin_restores_tries),
        cmocka_unit_test(sign_password_five_tries),
        cmocka_unit_test(spent_try_survives_reload),
        cmocka_unit_test(change_pin_rules),
        cmocka_unit_test(sign_cert_needs_sign_password),
        cmocka_unit_test(auth_cert_and_public_efs),
        cmocka_unit_test(signature_needs_pin),
        cmocka_unit_test(cardinfo_registry_common),
        cmocka_unit_test(check_digit_of_persona_numbers),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
