/* libjpki's card layer against jpki-card-sim's engine, linked in-process
 * through the in-process transport (no PC/SC): certificates parse and carry
 * the persona's data, token/flags/card record, PIN counters and VERIFY, and
 * a card signature that verifies against the auth certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "x509_crt.h"
#include "jpki/jpki.h"
/* The shared helper header brings raw-APDU helpers this file does not need. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "sim_test_util.h"
#pragma GCC diagnostic pop

static const sim_persona *hanako;

static int group_setup(void **state)
{
    (void)state;
    hanako = sim_persona_find("hanako");
    return hanako ? fx_setup("hanako") : -1;
}

typedef struct fixture {
    char path[PATH_MAX];
    sim_card *sim;
    jpki_transport *t;
    jpki_card *c;
    jpki_error e;
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    x->sim = fx_card(x->path, sizeof x->path);
    if (!x->sim)
        return -1;
    size_t alen;
    const uint8_t *atr = sim_card_atr(&alen);
    if (jpki_mem_transport_new(sim_card_apdu, x->sim, atr, alen, &x->t, NULL) != JPKI_OK)
        return -1;
    assert_int_equal(jpki_card_new(x->t, &x->c, NULL), JPKI_OK);
    jpki_error_clear(&x->e);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    jpki_card_free(x->c);
    jpki_transport_close(x->t);
    sim_card_free(x->sim);
    free(x);
    return 0;
}

static jpki_secret secret_of(const char *s)
{
    jpki_secret p = {.len = strlen(s)};
    memcpy(p.buf, s, p.len);
    return p;
}

static void certificates_carry_the_persona(void **state)
{
    fixture *x = *state;
    assert_false(jpki_transport_extended_ok(x->t)); /* the JPKI ATR does not offer it */
    uint8_t *der;
    size_t len;
    jpki_cert_info info;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(jpki_cert_parse(der, len, &info, &x->e), JPKI_OK);
    free(der);
    assert_int_equal(info.key_bits, 2048);
    assert_non_null(strstr(info.issuer, "OU=JPKI for user authentication"));
    assert_string_equal(info.name, ""); /* the auth cert has no name */
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH_CA, &der, &len, &x->e), JPKI_OK);
    free(der);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_SIGN, &der, &len, &x->e), JPKI_ERR_AUTH);
    jpki_secret pw = secret_of(hanako->pin_sign);
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_SIGN, &pw, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_SIGN, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_cert_parse(der, len, &info, &x->e), JPKI_OK);
    free(der);
    assert_string_equal(info.name, hanako->name);
    assert_string_equal(info.birth, hanako->birth);
    assert_string_equal(info.sex, hanako->sex);
    assert_string_equal(info.address, hanako->address);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_SIGN_CA, &der, &len, &x->e), JPKI_OK);
    free(der);
}

static void token_flags_and_record(void **state)
{
    fixture *x = *state;
    char tok[64];
    assert_int_equal(jpki_read_token(x->c, tok, sizeof tok, &x->e), JPKI_OK);
    assert_string_equal(tok, JPKI_TOKEN_MYNUMBER);
    bool a = false, s = false;
    assert_int_equal(jpki_read_cert_flags(x->c, &a, &s, &x->e), JPKI_OK);
    assert_true(a);
    assert_true(s);
    char serial[16], muni[6], exp[9];
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_OK);
    assert_string_equal(serial, hanako->serial);
    assert_string_equal(muni, hanako->municipality);
    assert_string_equal(exp, hanako->card_expiry);
}

static void pin_counters_and_verify(void **state)
{
    fixture *x = *state;
    jpki_pin_status st;
    const int want[JPKI_PIN_COUNT] = {3, 5, 3, 3};
    for (int id = 0; id < JPKI_PIN_COUNT; id++) {
        assert_int_equal(jpki_pin_status_get(x->c, (jpki_pin_id)id, &st, &x->e), JPKI_OK);
        assert_true(st.present);
        assert_int_equal(st.tries_left, want[id]);
    }
    jpki_secret bad = secret_of("0000");
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_CARDINFO, &bad, &x->e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(x->e.tries_left, 2);
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_CARDINFO, &st, &x->e), JPKI_OK);
    assert_int_equal(st.tries_left, 2);
    jpki_secret good = secret_of(hanako->pin_cardinfo);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_CARDINFO, &good, &x->e), JPKI_OK);
    jpki_secret reg = secret_of(hanako->pin_registry);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_REGISTRY, &reg, &x->e), JPKI_OK);
    jpki_secret newpin = secret_of("4321"), auth = secret_of(hanako->pin_auth);
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &auth, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_change(x->c, JPKI_PIN_AUTH, &newpin, &x->e), JPKI_OK);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &auth, &x->e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &newpin, &x->e), JPKI_OK);
}

static void signature_verifies_with_the_auth_cert(void **state)
{
    fixture *x = *state;
    const char *msg = "jpki-tools unit test";
    uint8_t hash[32];
    assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                                (const unsigned char *)msg, strlen(msg), hash),
                     0);
    /* DigestInfo for SHA-256 */
    uint8_t di[19 + 32] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                           0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    memcpy(di + 19, hash, 32);
    uint8_t sig[256];
    size_t siglen = 0;
    jpki_secret pin = secret_of(hanako->pin_auth);
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &pin, &x->e), JPKI_OK);
    assert_int_equal(jpki_sign_digestinfo(x->c, JPKI_KEY_AUTH, false, di, sizeof di, sig,
                                          &siglen, &x->e),
                     JPKI_OK);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(siglen, 256);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(jpki_x509_parse_der(&crt, der, len), 0);
    assert_int_equal(mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, 32, sig, siglen), 0);
    sig[10] ^= 1;
    assert_int_not_equal(mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, 32, sig, siglen), 0);
    mbedtls_x509_crt_free(&crt);
    free(der);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(certificates_carry_the_persona),
        T(token_flags_and_record),
        T(pin_counters_and_verify),
        T(signature_verifies_with_the_auth_cert),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
