/* jpki-card-sim engine, in-process: malformed APDUs get proper status
 * words and never crash; the state file loader is bounded and rejects
 * malformed, truncated, hostile and oversized files with clear errors;
 * writes leave no temp files behind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "jpki/card.h"
#include "sim_state.h"
#include "sim_test_util.h"

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("ichiko");
}

static sim_card *open_card(char *path)
{
    sim_card *c = fx_card(path, PATH_MAX);
    assert_non_null(c);
    return c;
}

static void malformed_apdus(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t r[4];
    assert_int_equal(sim_card_apdu(c, (const uint8_t *)"\x00\xA4", 2, r, 1), 0); /* no room */
    assert_int_equal(tx_raw(c, NULL, 0), 0x6700);
    assert_int_equal(tx(c, "00 A4 04"), 0x6700);           /* shorter than a header */
    assert_int_equal(tx(c, "00 A4 04 0C 0A D3 92"), 0x6700); /* Lc beyond the data */
    assert_int_equal(tx(c, "00 A4 04 0C 00 00 05"), 0x6700);
    assert_int_equal(tx(c, "C0 A4 04 0C 02 3F 00"), 0x6E00);
    assert_int_equal(tx(c, "00 FE 00 00"), 0x6D00);
    assert_int_equal(tx(c, "80 B0 00 00 04"), 0x6D00);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6986);     /* nothing selected */
    assert_int_equal(tx(c, "00 A4 00 0C 02 3F 00"), 0x6A86); /* the MF is not offered */
    assert_int_equal(tx(c, "00 A4 04 0C 05 A0 00 00 00 01"), 0x6A82);
    assert_int_equal(tx(c, SEL_JPKI), 0x9000);
    assert_int_equal(tx(c, "00 A4 02 0C 02 3F 00"), 0x6A82);
    assert_int_equal(tx(c, "00 A4 02 0C 01 3F"), 0x6700);
    assert_int_equal(tx(c, "00 A4 02 0C 02 12 34"), 0x6A82);
    assert_int_equal(tx(c, "00 A4 04 7F 0A D3 92 F0 00 26 01 00 00 00 01"), 0x6A86);
    assert_int_equal(tx(c, "00 20 00 80"), 0x6986);         /* VERIFY with no PIN EF */
    assert_int_equal(sel_ef(c, JPKI_EF_TOKEN), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x6981);
    assert_int_equal(tx(c, "00 B0 80 00 04"), 0x6A82);     /* SFI 0: no such EF */
    assert_int_equal(tx(c, "00 B0 A0 00 04"), 0x6A86);     /* P1 1xx.....: not an SFI */
    assert_int_equal(tx(c, "00 B0 00 00"), 0x6700);        /* no Le */
    assert_int_equal(tx(c, "00 B0 7F FF 04"), 0x6B00);
    assert_int_equal(tx(c, "00 C0 00 00 10"), 0x6985);     /* nothing to GET RESPONSE */
    assert_int_equal(tx(c, "00 84 00 00"), 0x6700);        /* GET CHALLENGE without Le */
    assert_int_equal(tx(c, "00 CA 01 02 00"), 0x6A88);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 20 01 80"), 0x6A86);
    uint8_t longpin[20];
    memset(longpin, '1', sizeof longpin);
    assert_int_equal(tx_data(c, 0, 0x20, 0x00, 0x80, longpin, sizeof longpin, 0), 0x6700);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3); /* the bad lengths spent no try */
    /* extended-length APDU on the default variant (no extended length in
     * its ATR): refused whole, never truncated silently */
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(tx(c, "00 B0 00 00 00 04 00"), 0x6700);
    assert_int_equal(rlen, 0);
    sim_card_free(c);
}

static void random_apdus_never_crash(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t apdu[300];
    for (int i = 0; i < 3000; i++) {
        uint8_t len8;
        assert_int_equal(getrandom(&len8, 1, 0), 1);
        size_t n = len8 % 40;
        assert_int_equal(getrandom(apdu, sizeof apdu, 0), (ssize_t)sizeof apdu);
        /* steer some toward the real instructions and classes */
        if (i % 2)
            apdu[0] = (i % 4) ? 0x00 : 0x80;
        if (i % 3 == 0) {
            static const uint8_t ins[] = {0xA4, 0xB0, 0x20, 0x24, 0x2C, 0x84, 0x82, 0x47,
                                          0xD6, 0x44, 0xCA, 0xC0, 0x2A, 0x26, 0x28};
            apdu[1] = ins[(size_t)i % sizeof ins];
        }
        if (n >= 5 && i % 5 == 0)
            apdu[4] = (uint8_t)(n - 5); /* consistent Lc */
        uint16_t sw = tx_raw(c, apdu, n);
        assert_true(sw >= 0x6100);
        assert_true(rlen <= 256);
        if (i % 100 == 0)
            sim_card_power_cycle(c);
    }
    sim_card_free(c);
    /* and the state it left still loads */
    jpki_error err;
    c = sim_card_load(path, &err);
    assert_non_null(c);
    sim_card_free(c);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void expect_load_error(const char *path, jpki_rc code, const char *needle)
{
    jpki_error err;
    jpki_error_clear(&err);
    sim_card *c = sim_card_load(path, &err);
    assert_null(c);
    assert_int_equal(err.code, code);
    if (needle && !strstr(err.message, needle)) {
        fprintf(stderr, "message: %s\n", err.message);
        fail();
    }
    assert_null(strchr(err.message, '\n'));
}

static void hostile_state_files(void **state)
{
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/hostile.card", fx.dir);
    /* the libcbor trap: an array declaring ~2^30 items in 6 bytes */
    write_bytes(path, "\x9a\x72\xff\xff\xff\xff", 6);
    expect_load_error(path, JPKI_ERR_FORMAT, "malformed card state");
    /* a byte string declaring 4 GB */
    write_bytes(path, "\xa1\x61\x61\x5a\xff\xff\xff\xff\x00", 9);
    expect_load_error(path, JPKI_ERR_FORMAT, "malformed card state");
    /* indefinite lengths are refused */
    write_bytes(path, "\xbf\xff", 2);
    expect_load_error(path, JPKI_ERR_FORMAT, "malformed card state");
    /* deep nesting */
    uint8_t deep[64];
    memset(deep, 0x81, sizeof deep);
    deep[63] = 0x00;
    write_bytes(path, deep, sizeof deep);
    expect_load_error(path, JPKI_ERR_FORMAT, "malformed card state");
    write_bytes(path, "", 0);
    expect_load_error(path, JPKI_ERR_FORMAT, "malformed card state");
    /* well-formed CBOR, wrong content */
    write_bytes(path, "\xa1\x66\x66\x6f\x72\x6d\x61\x74\x63\x78\x79\x7a", 12);
    expect_load_error(path, JPKI_ERR_FORMAT, "format");
    /* too big: refused before reading it */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fseek(f, SIM_STATE_MAX + 1, SEEK_SET), 0);
    fputc(0, f);
    fclose(f);
    expect_load_error(path, JPKI_ERR_LIMIT, "exceed");
    snprintf(path, sizeof path, "%s/missing.card", fx.dir);
    expect_load_error(path, JPKI_ERR_NOT_FOUND, "missing.card");
}

static void truncated_state_files(void **state)
{
    (void)state;
    unsigned char *full = NULL;
    size_t len = 0;
    FILE *f = fopen(fx.master, "rb");
    assert_non_null(f);
    full = malloc(SIM_STATE_MAX);
    len = fread(full, 1, SIM_STATE_MAX, f);
    fclose(f);
    assert_true(len > 1000);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/trunc.card", fx.dir);
    for (size_t n = 0; n < len; n += (n < 64 ? 1 : 37)) {
        write_bytes(path, full, n);
        expect_load_error(path, JPKI_ERR_FORMAT, NULL);
    }
    /* the whole file still loads */
    write_bytes(path, full, len);
    jpki_error err;
    sim_card *c = sim_card_load(path, &err);
    assert_non_null(c);
    sim_card_free(c);
    free(full);
}

static void invalid_fields_rejected(void **state)
{
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/fields.card", fx.dir);
    jpki_error err;
    sim_persist st;
    /* too many tries */
    assert_int_equal(sim_state_read(fx.master, &st, &err), JPKI_OK);
    st.pin[JPKI_PIN_AUTH].tries = 9;
    assert_int_equal(sim_state_write(path, &st, &err), JPKI_OK);
    sim_persist_free(&st);
    expect_load_error(path, JPKI_ERR_FORMAT, "tries");
    /* a PIN that breaks its rules */
    assert_int_equal(sim_state_read(fx.master, &st, &err), JPKI_OK);
    memcpy(st.pin[JPKI_PIN_SIGN].value, "abc", 3);
    st.pin[JPKI_PIN_SIGN].len = 3;
    assert_int_equal(sim_state_write(path, &st, &err), JPKI_OK);
    sim_persist_free(&st);
    expect_load_error(path, JPKI_ERR_FORMAT, "PIN rules");
    /* a corrupted key */
    assert_int_equal(sim_state_read(fx.master, &st, &err), JPKI_OK);
    st.slot[JPKI_KEY_AUTH].key.p[40] ^= 0xFF;
    assert_int_equal(sim_state_write(path, &st, &err), JPKI_OK);
    sim_persist_free(&st);
    expect_load_error(path, JPKI_ERR_FORMAT, "key");
    /* a bad serial */
    assert_int_equal(sim_state_read(fx.master, &st, &err), JPKI_OK);
    st.serial[3] = 'X';
    assert_int_equal(sim_state_write(path, &st, &err), JPKI_OK);
    sim_persist_free(&st);
    expect_load_error(path, JPKI_ERR_FORMAT, "serial");
}

static void writes_leave_no_temp_files(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    verify(c, "0000");
    verify(c, "1234");
    sim_card_free(c);
    DIR *d = opendir(fx.dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* private keys and PINs inside */
}

/* Keys made ahead (--slow) and keys made at the command are both valid
 * RSA-2048 keys, and taking more than the pool holds still works. */
static void keypool_keys_are_valid(void **state)
{
    (void)state;
    sim_keypool_start();
    for (int i = 0; i < 3; i++) {
        sim_blob k = {NULL, 0};
        assert_int_equal(sim_keypool_take(&k, NULL), JPKI_OK);
        assert_true(sim_key_valid(k.p, k.len));
        sim_blob_clear(&k);
    }
}

static void create_with_own_serial(void **state)
{
    (void)state;
    jpki_error err;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/serial.card", fx.dir);
    sim_new_options o = {path, "taro", fx.ca, fx.key, NULL, "900000000123456"};
    assert_int_equal(sim_card_create(&o, &err), JPKI_OK);
    sim_card *c = sim_card_load(path, &err);
    assert_non_null(c);
    assert_string_equal(sim_card_state(c)->serial, "900000000123456");
    sim_card_free(c);
}

static void create_refuses_bad_input(void **state)
{
    (void)state;
    jpki_error err;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/new.card", fx.dir);
    sim_new_options o = {path, "nobody", fx.ca, fx.key, NULL, NULL};
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_ARG);
    assert_non_null(strstr(err.message, "nobody"));
    o.persona = "hanako";
    o.now = "2021-02-30";
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_FORMAT);
    o.now = NULL;
    o.state_path = fx.master;
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_STATE); /* never overwrite a card */
    /* --serial: 15 digits, nothing else */
    o.state_path = path;
    o.serial = "90000000000001";
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_ARG);
    assert_non_null(strstr(err.message, "15 digits"));
    o.serial = "90000000000001x";
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_ARG);
    o.serial = NULL;
    o.state_path = fx.master;
    /* an issuer key readable by others is refused */
    char key[PATH_MAX];
    snprintf(key, sizeof key, "%s/open.key", fx.dir);
    write_bytes(key, "00112233445566778899aabbccddeeff\n", 33);
    chmod(key, 0644);
    o.state_path = path;
    o.issuer_key_path = key;
    assert_int_equal(sim_card_create(&o, &err), JPKI_ERR_ARG);
    assert_non_null(strstr(err.message, "group or others"));
}

static void jpki_validity_rule(void **state)
{
    (void)state;
    testca_date b = {1989, 3, 31}, e;
    e = testca_fifth_birthday((testca_date){2020, 6, 1}, b);
    assert_true(testca_date_cmp(e, (testca_date){2025, 3, 31}) == 0);
    /* issued on the birthday: that birthday does not count */
    e = testca_fifth_birthday((testca_date){2020, 3, 31}, b);
    assert_true(testca_date_cmp(e, (testca_date){2025, 3, 31}) == 0);
    e = testca_fifth_birthday((testca_date){2020, 3, 30}, b);
    assert_true(testca_date_cmp(e, (testca_date){2024, 3, 31}) == 0);
    /* 29 February in a common year */
    e = testca_fifth_birthday((testca_date){2021, 1, 1}, (testca_date){2000, 2, 29});
    assert_true(testca_date_cmp(e, (testca_date){2025, 2, 28}) == 0);
    /* the card's expiry caps it */
    testca_date card = {2023, 1, 1};
    e = testca_validity_end((testca_date){2020, 6, 1}, b, &card);
    assert_true(testca_date_cmp(e, card) == 0);
    testca_date d;
    assert_int_equal(testca_date_parse("2023-02-29", &d, NULL), JPKI_ERR_FORMAT);
    assert_int_equal(testca_date_parse("2024-02-29", &d, NULL), JPKI_OK);
    assert_int_equal(testca_date_parse("20240229", &d, NULL), JPKI_OK);
    assert_int_equal(testca_date_parse("2024-2-29", &d, NULL), JPKI_ERR_FORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_apdus),
        cmocka_unit_test(random_apdus_never_crash),
        cmocka_unit_test(hostile_state_files),
        cmocka_unit_test(truncated_state_files),
        cmocka_unit_test(invalid_fields_rejected),
        cmocka_unit_test(writes_leave_no_temp_files),
        cmocka_unit_test(create_refuses_bad_input),
        cmocka_unit_test(create_with_own_serial),
        cmocka_unit_test(keypool_keys_are_valid),
        cmocka_unit_test(jpki_validity_rule),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
