/* jpki-card-sim engine, in-process: the issuance profile of jpki/profile.h
 * spoken as raw APDUs -- issuer authentication (good, bad, missing), key
 * generation into the pending slot with GET RESPONSE, signing with the
 * pending key, certificate write + ACTIVATE (mismatch refused), resume
 * after reload, PIN resets, face-authentication mode and GET DATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "sim_test_util.h"

static uint8_t issuer_key[16];

static int group_setup(void **state)
{
    (void)state;
    if (fx_setup("taro") != 0)
        return -1;
    FILE *f = fopen(fx.key, "r");
    char line[128];
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#')
            break;
    fclose(f);
    hex2bin(line, issuer_key, 16);
    return 0;
}

static sim_card *open_card(char *path)
{
    sim_card *c = fx_card(path, PATH_MAX);
    assert_non_null(c);
    return c;
}

static void cmac(const uint8_t *key, const uint8_t *in, size_t n, uint8_t out[16])
{
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    assert_int_equal(mbedtls_cipher_cmac(ci, key, 128, in, n, out), 0);
}

/* GET CHALLENGE + MUTUAL AUTHENTICATE with key; returns the SW of the latter. */
static uint16_t authenticate(sim_card *c, const uint8_t *key)
{
    assert_int_equal(tx(c, "00 84 00 00 08"), 0x9000);
    assert_int_equal(rlen, 8);
    uint8_t rc[8], rh[8] = {1, 2, 3, 4, 5, 6, 7, 8}, msg[17], data[24];
    memcpy(rc, rbuf, 8);
    msg[0] = 0x01;
    memcpy(msg + 1, rc, 8);
    memcpy(msg + 9, rh, 8);
    memcpy(data, rh, 8);
    cmac(key, msg, 17, data + 8);
    uint16_t sw = tx_data(c, 0x00, 0x82, 0x00, 0x00, data, 24, 0);
    if (sw == 0x9000) {
        /* the card proves the key too */
        uint8_t want[16];
        msg[0] = 0x02;
        memcpy(msg + 1, rh, 8);
        memcpy(msg + 9, rc, 8);
        cmac(key, msg, 17, want);
        assert_int_equal(rlen, 16);
        assert_memory_equal(rbuf, want, 16);
    }
    return sw;
}

static void verify_auth_pin(sim_card *c)
{
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "1234"), 0x9000);
}

/* GENERATE (p1 80) or read back (81) the pending key of the selected key
 * EF through 61xx/GET RESPONSE; fills pk with the public key. */
static uint16_t genkey(sim_card *c, uint8_t p1, mbedtls_pk_context *pk)
{
    uint8_t a[5] = {0x00, 0x47, p1, 0x00, 0x00};
    uint16_t sw = tx_raw(c, a, 5);
    if ((sw >> 8) != 0x61)
        return sw;
    assert_int_equal(rlen, 0);
    uint8_t tlv[600];
    size_t n = 0;
    while ((sw >> 8) == 0x61) {
        uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)sw};
        sw = tx_raw(c, gr, 5);
        memcpy(tlv + n, rbuf, rlen);
        n += rlen;
    }
    assert_int_equal(sw, 0x9000);
    /* 7F49 82 LL LL 81 82 01 00 <256> 82 03 01 00 01 */
    assert_int_equal(n, 270);
    assert_memory_equal(tlv, "\x7F\x49\x82\x01\x09\x81\x82\x01\x00", 9);
    assert_memory_equal(tlv + 265, "\x82\x03\x01\x00\x01", 5);
    mbedtls_pk_init(pk);
    assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
    assert_int_equal(mbedtls_rsa_import_raw(rsa, tlv + 9, 256, NULL, 0, NULL, 0, NULL, 0,
                                            tlv + 267, 3), 0);
    assert_int_equal(mbedtls_rsa_complete(rsa), 0);
    return sw;
}

static void digestinfo(const char *msg, uint8_t di[51], uint8_t hash[32])
{
    static const uint8_t prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const uint8_t *)msg, strlen(msg), hash);
    memcpy(di, prefix, 19);
    memcpy(di + 19, hash, 32);
}

static void assert_signs_with(sim_card *c, uint8_t p2, mbedtls_pk_context *pk)
{
    uint8_t di[51], hash[32];
    digestinfo("renewal", di, hash);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, p2, di, sizeof di, 1), 0x9000);
    assert_int_equal(rlen, 256);
    assert_int_equal(mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, hash, 32, rbuf, 256), 0);
}

static uint8_t *issue_cert(mbedtls_pk_context *pk, testca_kind kind, size_t *len)
{
    testca *ca = NULL;
    jpki_error err;
    assert_int_equal(testca_open(fx.ca, &ca, &err), JPKI_OK);
    testca_request rq = {.kind = kind, .subject_key = pk, .subject_cn = "RENEWED",
                         .not_before = {2024, 1, 1}, .not_after = {2029, 4, 10}};
    uint8_t *der = NULL;
    assert_int_equal(testca_issue(ca, &rq, &der, len, &err), JPKI_OK);
    testca_free(ca);
    return der;
}

static uint16_t write_cert(sim_card *c, const uint8_t *der, size_t len)
{
    for (size_t off = 0; off < len; off += 200) {
        size_t n = len - off < 200 ? len - off : 200;
        uint16_t sw = tx_data(c, 0x00, 0xD6, (uint8_t)(off >> 8), (uint8_t)off, der + off, n, 0);
        if (sw != 0x9000)
            return sw;
    }
    return 0x9000;
}

static size_t read_cert(sim_card *c, uint16_t ef, uint8_t *out)
{
    uint16_t sw;
    sel_ef(c, ef);
    return read_der_ef(c, out, JPKI_CERT_MAX, &sw);
}

static void issuer_commands_need_session(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    verify_auth_pin(c);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx(c, "00 47 80 00 00"), 0x6982);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(tx(c, "00 D6 00 00 02 30 82"), 0x6982);
    assert_int_equal(tx(c, "00 44 00 00"), 0x6982);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x6982);
    assert_int_equal(tx(c, "00 26 00 00"), 0x6982);
    assert_int_equal(tx(c, "00 28 00 00 02 81 00"), 0x6982);
    sim_card_free(c);
}

static void mutual_auth_good_bad_missing(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t wrong[16];
    memcpy(wrong, issuer_key, 16);
    wrong[0] ^= 1;
    /* without a challenge */
    uint8_t data[24] = {0};
    assert_int_equal(tx_data(c, 0x00, 0x82, 0x00, 0x00, data, 24, 0), 0x6985);
    assert_int_equal(authenticate(c, wrong), 0x6300);
    /* the failed attempt consumed the challenge */
    assert_int_equal(tx_data(c, 0x00, 0x82, 0x00, 0x00, data, 24, 0), 0x6985);
    assert_int_equal(tx_data(c, 0x00, 0x82, 0x00, 0x00, data, 23, 0), 0x6700);
    assert_int_equal(authenticate(c, issuer_key), 0x9000);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x9000); /* session open */
    sim_card_power_cycle(c);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x6982); /* reset ends it */
    sim_card_free(c);
}

static void renewal_activate_and_mismatch(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    uint8_t before[JPKI_CERT_MAX], after[JPKI_CERT_MAX];
    tx(c, SEL_JPKI);
    size_t before_len = read_cert(c, JPKI_EF_AUTH_CERT, before);
    assert_true(before_len > 0);

    assert_int_equal(authenticate(c, issuer_key), 0x9000);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx(c, "00 47 80 00 00"), 0x6982); /* the PIN is needed too */
    verify_auth_pin(c);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx(c, "00 47 81 00 00"), 0x6A88); /* nothing pending yet */
    mbedtls_pk_context pending, again;
    assert_int_equal(genkey(c, 0x80, &pending), 0x9000);
    assert_signs_with(c, 0x81, &pending);

    /* status: active + pending, no pending cert */
    assert_int_equal(tx(c, "00 CA DF 30 00"), 0x9000);
    assert_int_equal(rlen, 15);
    assert_int_equal(rbuf[3], 0x00);
    assert_int_equal(rbuf[4], JPKI_KEYFLAG_ACTIVE | JPKI_KEYFLAG_PENDING);
    assert_int_equal(rbuf[7] << 8 | rbuf[8], before_len);

    /* The old certificate does not match the pending key: refused. */
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(write_cert(c, before, before_len), 0x9000);
    assert_int_equal(tx(c, "00 44 00 00"), 0x6A80);
    tx(c, SEL_JPKI);
    assert_int_equal(read_cert(c, JPKI_EF_AUTH_CERT, after), before_len);
    assert_memory_equal(after, before, before_len);

    /* Interrupted here: the pending key survives a restart. */
    sim_card_free(c);
    jpki_error err;
    c = sim_card_load(path, &err);
    assert_non_null(c);
    assert_int_equal(authenticate(c, issuer_key), 0x9000);
    verify_auth_pin(c);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(genkey(c, 0x81, &again), 0x9000);
    assert_int_equal(mbedtls_mpi_cmp_mpi(&mbedtls_pk_rsa(pending)->N, &mbedtls_pk_rsa(again)->N), 0);

    /* The right certificate activates; key and certificate change together. */
    size_t len;
    uint8_t *der = issue_cert(&pending, TESTCA_AUTH, &len);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(write_cert(c, der, len), 0x9000);
    assert_int_equal(tx(c, "00 D6 7F 00 01 00"), 0x6B00); /* beyond the buffer */
    assert_int_equal(tx(c, "00 44 00 00"), 0x9000);
    tx(c, SEL_JPKI);
    assert_int_equal(read_cert(c, JPKI_EF_AUTH_CERT, after), len);
    assert_memory_equal(after, der, len);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    verify(c, "1234");
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_signs_with(c, 0x80, &pending);
    assert_int_equal(tx(c, "00 47 81 00 00"), 0x6A88); /* pending cleared */
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(tx(c, "00 44 00 00"), 0x6985);    /* nothing to activate */
    free(der);
    mbedtls_pk_free(&pending);
    mbedtls_pk_free(&again);
    sim_card_free(c);
}

static void pin_resets(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    for (int i = 0; i < 3; i++)
        verify(c, "0000");
    assert_int_equal(verify(c, "1234"), 0x6984);
    assert_int_equal(authenticate(c, issuer_key), 0x9000);
    assert_int_equal(tx(c, "00 2C 03 80 01 00"), 0x6700);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(verify(c, "1234"), 0x9000);
    assert_int_equal(tx_data(c, 0, 0x2C, 0x00, 0x80, "12x4", 4, 0), 0x6A80);
    assert_int_equal(tx_data(c, 0, 0x2C, 0x00, 0x80, "7777", 4, 0), 0x9000);
    assert_int_equal(verify(c, "1234"), 0x63C2);
    assert_int_equal(verify(c, "7777"), 0x9000);

    /* Signature password: unblock refused, reset deletes key + certificate. */
    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x6985);
    assert_int_equal(tx_data(c, 0, 0x2C, 0x00, 0x80, "NEWPW1", 6, 0), 0x9000);
    sel_ef(c, JPKI_EF_CERT_FLAGS);
    tx(c, "00 B0 00 00 03");
    assert_memory_equal(rbuf, "\x8F\x00\x00", 3);
    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(verify(c, "NEWPW1"), 0x9000);
    sel_ef(c, JPKI_EF_SIGN_CERT);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6A88);
    sel_ef(c, JPKI_EF_SIGN_KEY);
    uint8_t di[51], hash[32];
    digestinfo("x", di, hash);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x6A88);

    /* Re-issue the signature certificate. */
    mbedtls_pk_context pk;
    assert_int_equal(genkey(c, 0x80, &pk), 0x9000);
    size_t len;
    uint8_t *der = issue_cert(&pk, TESTCA_SIGN, &len);
    sel_ef(c, JPKI_EF_SIGN_CERT);
    assert_int_equal(write_cert(c, der, len), 0x9000);
    assert_int_equal(tx(c, "00 44 00 00"), 0x9000);
    sel_ef(c, JPKI_EF_CERT_FLAGS);
    tx(c, "00 B0 00 00 03");
    assert_memory_equal(rbuf, "\x8F\x8F\x00", 3);
    free(der);
    mbedtls_pk_free(&pk);
    sim_card_free(c);
}

static void face_mode_round_trip(void **state)
{
    (void)state;
    char path[PATH_MAX];
    sim_card *c = open_card(path);
    assert_int_equal(authenticate(c, issuer_key), 0x9000);
    assert_int_equal(tx(c, "00 26 00 00"), 0x9000);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C0); /* locked: reads as blocked */
    assert_int_equal(verify(c, "1234"), 0x6984);
    assert_int_equal(tx(c, "00 2C 03 80"), 0x6985);
    sel_ef(c, JPKI_EF_CERT_FLAGS);
    tx(c, "00 B0 00 00 03");
    assert_memory_equal(rbuf, "\x8F\x00\x00", 3);
    assert_int_equal(tx(c, "00 CA DF 30 00"), 0x9000);
    assert_int_equal(rbuf[3], 0x01);
    assert_int_equal(rbuf[9], 0x00); /* no sign key */

    /* The auth key can be renewed on the issuer session alone, the whole
     * way (generate, sign the CSR, write, activate), as jpki-renew does on
     * a face card; the signature key cannot (there is none), and still no
     * VERIFY is accepted. */
    sel_ef(c, JPKI_EF_SIGN_KEY);
    assert_int_equal(tx(c, "00 47 80 00 00"), 0x6982);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    mbedtls_pk_context pk;
    assert_int_equal(genkey(c, 0x80, &pk), 0x9000);
    assert_signs_with(c, 0x81, &pk);
    assert_int_equal(tx(c, "00 CA DF 30 00"), 0x9000);
    size_t len = 0;
    uint8_t *der = issue_cert(&pk, TESTCA_AUTH, &len);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(write_cert(c, der, len), 0x9000);
    assert_int_equal(tx(c, "00 44 00 00"), 0x9000);
    uint8_t now[JPKI_CERT_MAX];
    assert_int_equal(read_cert(c, JPKI_EF_AUTH_CERT, now), len);
    assert_memory_equal(now, der, len);
    free(der);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(verify(c, "1234"), 0x6984);
    mbedtls_pk_free(&pk);

    /* Back to PIN mode: the four TLVs are all needed and checked. */
    assert_int_equal(tx(c, "00 28 00 00 06 81 04 31 31 31 31"), 0x6A80);
    assert_int_equal(tx(c, "00 28 00 00 1A 81 04 31 31 31 31 82 06 41 42 43 44 45 46"
                           " 83 04 32 32 32 32 84 04 33 33 33 61"), 0x6A80);
    assert_int_equal(tx(c, "00 28 00 00 1A 81 04 31 31 31 31 82 06 41 42 43 44 45 46"
                           " 83 04 32 32 32 32 84 04 33 33 33 33"), 0x9000);
    assert_int_equal(tx(c, "00 28 00 00 1A 81 04 31 31 31 31 82 06 41 42 43 44 45 46"
                           " 83 04 32 32 32 32 84 04 33 33 33 33"), 0x6985);
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
    assert_int_equal(verify(c, "1111"), 0x9000);
    sel_ef(c, JPKI_EF_SIGN_PIN);
    assert_int_equal(verify(c, "ABCDEF"), 0x9000);
    sel_ef(c, JPKI_EF_SIGN_CERT);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6A88); /* stays absent until re-issued */
    tx(c, SEL_REGISTRY);
    sel_ef(c, JPKI_EF_REGISTRY_PIN);
    assert_int_equal(verify(c, "3333"), 0x9000);
    sim_card_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(issuer_commands_need_session),
        cmocka_unit_test(mutual_auth_good_bad_missing),
        cmocka_unit_test(renewal_activate_and_mismatch),
        cmocka_unit_test(pin_resets),
        cmocka_unit_test(face_mode_round_trip),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
