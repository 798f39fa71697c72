/* Both sides of the contract together, in-process: libjpki's card and
 * issuer client (lib/card*.c, lib/issuer_*.c) driving jpki-card-sim's engine
 * through the in-process transport (jpki_mem_transport_new).  A renewal
 * end to end: status, issuer session, pending key, CSR-style signature with
 * the pending key, certificate from the test CA, write, activate; then PIN
 * reset and face mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "jpki/jpki.h"
#include "pubkey_test_util.h"
#include "sim_test_util.h"

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("hanako");
}

typedef struct env {
    char path[PATH_MAX];
    sim_card *sim;
    jpki_transport *t;
    jpki_card *card;
    jpki_error err;
} env;

static env *env_open(void)
{
    env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->sim = fx_card(e->path, sizeof e->path);
    assert_non_null(e->sim);
    size_t alen;
    const uint8_t *atr = sim_card_atr(&alen);
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, e->sim, atr, alen, &e->t, &e->err),
                     JPKI_OK);
    assert_int_equal(jpki_card_new(e->t, &e->card, NULL), JPKI_OK);
    return e;
}

static void env_close(env *e)
{
    jpki_card_free(e->card);
    jpki_transport_close(e->t);
    sim_card_free(e->sim);
    free(e);
}

static jpki_secret secret(const char *s)
{
    jpki_secret x;
    memset(&x, 0, sizeof x);
    x.len = strlen(s);
    memcpy(x.buf, s, x.len);
    return x;
}

#define OK(call) assert_int_equal((call), JPKI_OK)

static void reads_and_pins(void **state)
{
    (void)state;
    env *e = env_open();
    char token[64], serial[16], muni[6], expiry[9];
    OK(jpki_read_token(e->card, token, sizeof token, &e->err));
    assert_string_equal(token, "JPKIAPICCTOKEN2");
    bool a, s;
    OK(jpki_read_cert_flags(e->card, &a, &s, &e->err));
    assert_true(a && s);
    OK(jpki_read_card_id(e->card, serial, muni, expiry, &e->err));
    assert_string_equal(serial, "900000000000001");
    assert_string_equal(muni, "99201");
    assert_string_equal(expiry, "20300331");

    uint8_t *der = NULL;
    size_t len = 0;
    OK(jpki_read_cert(e->card, JPKI_CERT_AUTH, &der, &len, &e->err));
    jpki_cert_info info;
    OK(jpki_cert_parse(der, len, &info, &e->err));
    assert_int_equal(info.key_bits, 2048);
    free(der);
    assert_int_equal(jpki_read_cert(e->card, JPKI_CERT_SIGN, &der, &len, &e->err), JPKI_ERR_AUTH);

    jpki_pin_status st;
    OK(jpki_pin_status_get(e->card, JPKI_PIN_SIGN, &st, &e->err));
    assert_int_equal(st.tries_left, 5);
    jpki_secret bad = secret("WRONG1"), pw = secret("ABC123");
    assert_int_equal(jpki_pin_verify(e->card, JPKI_PIN_SIGN, &bad, &e->err), JPKI_ERR_PIN_WRONG);
    assert_int_equal(e->err.tries_left, 4);
    OK(jpki_pin_verify(e->card, JPKI_PIN_SIGN, &pw, &e->err));
    OK(jpki_read_cert(e->card, JPKI_CERT_SIGN, &der, &len, &e->err));
    OK(jpki_cert_parse(der, len, &info, &e->err));
    assert_string_equal(info.birth, "19890331");
    assert_string_equal(info.name, "番号 花子");
    free(der);

    jpki_secret pin = secret("1234");
    OK(jpki_pin_verify(e->card, JPKI_PIN_AUTH, &pin, &e->err));
    OK(jpki_pin_status_get(e->card, JPKI_PIN_CARDINFO, &st, &e->err));
    assert_int_equal(st.tries_left, 3);
    env_close(e);
}

static void renewal_end_to_end(void **state)
{
    (void)state;
    env *e = env_open();
    jpki_issuer_key k;
    OK(jpki_issuer_key_load_file(fx.key, &k, &e->err));
    jpki_issuance_status st;
    OK(jpki_issuer_authenticate(e->card, &k, &e->err));
    OK(jpki_issuance_status_get(e->card, &st, &e->err));
    assert_false(st.face_mode);
    assert_true(st.key[JPKI_KEY_AUTH].active);
    assert_false(st.key[JPKI_KEY_AUTH].pending);

    jpki_secret pin = secret("1234");
    OK(jpki_pin_verify(e->card, JPKI_PIN_AUTH, &pin, &e->err));
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    OK(jpki_keypair_pending(e->card, JPKI_KEY_AUTH, true, pub, &e->err));
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(test_pk_of_pubkey(pub, &pk), 0);

    /* sign with the pending key, verify with its public half */
    static const uint8_t prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                       0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    uint8_t di[51], hash[32], sig[256];
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), (const uint8_t *)"csr", 3, hash);
    memcpy(di, prefix, 19);
    memcpy(di + 19, hash, 32);
    size_t siglen = sizeof sig;
    OK(jpki_sign_digestinfo(e->card, JPKI_KEY_AUTH, true, di, sizeof di, sig, &siglen, &e->err));
    assert_int_equal(siglen, 256);
    assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, siglen), 0);

    /* certificate for the pending key from the test CA */
    testca *ca = NULL;
    OK(testca_open(fx.ca, &ca, &e->err));
    testca_request rq = {.kind = TESTCA_AUTH, .subject_key = &pk, .subject_cn = "RENEWED",
                         .not_before = {2024, 1, 1}, .not_after = {2029, 3, 31}};
    uint8_t *der = NULL;
    size_t len = 0;
    OK(testca_issue(ca, &rq, &der, &len, &e->err));
    testca_free(ca);

    OK(jpki_cert_write_pending(e->card, JPKI_KEY_AUTH, der, len, &e->err));
    OK(jpki_issuance_status_get(e->card, &st, &e->err));
    assert_true(st.key[JPKI_KEY_AUTH].pending && st.key[JPKI_KEY_AUTH].pending_cert);
    assert_int_equal(st.key[JPKI_KEY_AUTH].pending_cert_len, len);
    OK(jpki_cert_activate(e->card, JPKI_KEY_AUTH, &e->err));

    uint8_t *back = NULL;
    size_t blen = 0;
    OK(jpki_read_cert(e->card, JPKI_CERT_AUTH, &back, &blen, &e->err));
    assert_int_equal(blen, len);
    assert_memory_equal(back, der, len);
    free(back);
    free(der);
    mbedtls_pk_free(&pk);
    jpki_pubkey_free(pub);
    jpki_issuer_key_wipe(&k);
    env_close(e);
}

static void resets_and_face_mode(void **state)
{
    (void)state;
    env *e = env_open();
    jpki_issuer_key k;
    OK(jpki_issuer_key_load_file(fx.key, &k, &e->err));
    jpki_secret bad = secret("0000");
    for (int i = 0; i < 3; i++)
        jpki_pin_verify(e->card, JPKI_PIN_REGISTRY, &bad, &e->err);
    jpki_pin_status ps;
    OK(jpki_pin_status_get(e->card, JPKI_PIN_REGISTRY, &ps, &e->err));
    assert_true(ps.blocked);
    OK(jpki_issuer_authenticate(e->card, &k, &e->err));
    OK(jpki_pin_reset(e->card, JPKI_PIN_REGISTRY, NULL, &e->err));
    OK(jpki_pin_status_get(e->card, JPKI_PIN_REGISTRY, &ps, &e->err));
    assert_int_equal(ps.tries_left, 3);

    OK(jpki_face_mode_enter(e->card, &e->err));
    jpki_issuance_status st;
    OK(jpki_issuance_status_get(e->card, &st, &e->err));
    assert_true(st.face_mode);
    assert_false(st.key[JPKI_KEY_SIGN].active);
    jpki_secret pin = secret("1234");
    assert_int_equal(jpki_pin_verify(e->card, JPKI_PIN_AUTH, &pin, &e->err), JPKI_ERR_PIN_BLOCKED);
    jpki_secret pins[JPKI_PIN_COUNT] = {secret("1111"), secret("NEWPW9"), secret("2222"),
                                        secret("3333")};
    OK(jpki_face_mode_leave(e->card, pins, &e->err));
    OK(jpki_pin_verify(e->card, JPKI_PIN_AUTH, &pins[0], &e->err));
    bool a, s;
    OK(jpki_read_cert_flags(e->card, &a, &s, &e->err));
    assert_true(a);
    assert_false(s);
    jpki_issuer_key_wipe(&k);
    env_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_and_pins),
        cmocka_unit_test(renewal_end_to_end),
        cmocka_unit_test(resets_and_face_mode),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
