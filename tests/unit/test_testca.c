/* The test CA's certificate profile (issue 11): the certificates a persona
 * card gets carry what real JPKI certificates carry, so their sizes fall in
 * the ranges real cards show (user 1.5-1.8 KB, CA 1301-1319 bytes) and they
 * fit the virtual card's fixed EF sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_csr.h>
#include <mbedtls/x509_crt.h>

#include "jpki/card.h"
#include "jpki/cert.h"
#include "x509_crt.h"
#include "profile_ext.h"
#include "sim_state.h"
#include "sim_test_util.h"

#define USER_EF 2048 /* the sim's certificate EF (app_jpki.c) */
#define CA_EF 1536

static sim_card *card;
static char card_path[PATH_MAX];

static int group_setup(void **state)
{
    (void)state;
    if (fx_setup("hanako") != 0)
        return -1;
    card = fx_card(card_path, sizeof card_path);
    return card ? 0 : -1;
}

static int group_teardown(void **state)
{
    sim_card_free(card);
    return fx_teardown(state);
}

static void parse(const sim_blob *b, mbedtls_x509_crt *crt)
{
    mbedtls_x509_crt_init(crt);
    assert_int_equal(jpki_x509_parse_der(crt, b->p, b->len), 0);
}

/* Find extension oid in the raw extensions; returns its critical flag, -1 if absent. */
static int ext_critical(const mbedtls_x509_crt *crt, const char *oid, size_t oid_len,
                        const unsigned char **val, size_t *val_len)
{
    unsigned char *p = crt->v3_ext.p, *end = p + crt->v3_ext.len;
    size_t len;
    /* v3_ext starts after the [3] header, at the Extensions SEQUENCE */
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
        return -1;
    while (p < end) {
        unsigned char *next;
        int crit = 0;
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return -1;
        next = p + len;
        mbedtls_asn1_buf o;
        if (mbedtls_asn1_get_tag(&p, next, &o.len, MBEDTLS_ASN1_OID) != 0)
            return -1;
        o.p = p;
        p += o.len;
        mbedtls_asn1_get_bool(&p, next, &crit);
        if (mbedtls_asn1_get_tag(&p, next, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
            return -1;
        if (o.len == oid_len && memcmp(o.p, oid, oid_len) == 0) {
            *val = p;
            *val_len = len;
            return crit;
        }
        p = next;
    }
    return -1;
}

static bool contains(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

#define EXT(crt, OID, v, l) ext_critical(crt, OID, MBEDTLS_OID_SIZE(OID), v, l)
#define OID_AIA MBEDTLS_OID_PKIX "\x01\x01"

static void user_certificates_have_real_sizes(void **state)
{
    (void)state;
    for (int k = 0; k < SIM_KEYS; k++) {
        size_t n = sim_card_state(card)->slot[k].cert.len;
        print_message("user certificate %d: %zu bytes\n", k, n);
        /* Real: 1.5-1.8 KB; this profile gives ~1190 (auth) and ~1360 (sign):
         * real certificates carry more than the test CA knows of. */
        assert_in_range(n, k == JPKI_KEY_SIGN ? 1300 : 1150, 1800);
        assert_true(n <= USER_EF);
    }
}

static void ca_certificates_have_real_sizes_and_no_cn(void **state)
{
    (void)state;
    for (int k = 0; k < SIM_KEYS; k++) {
        size_t n = sim_card_state(card)->ca_cert[k].len;
        print_message("CA certificate %d: %zu bytes\n", k, n);
        /* Real: 1301-1319; this profile gives ~1220. */
        assert_in_range(n, 1200, 1319);
        assert_true(n <= CA_EF);
        mbedtls_x509_crt crt;
        parse(&sim_card_state(card)->ca_cert[k], &crt);
        for (const mbedtls_x509_name *a = &crt.subject; a; a = a->next)
            assert_false(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid) == 0);
        assert_int_equal(crt.subject_raw.len, crt.issuer_raw.len);
        mbedtls_x509_crt_free(&crt);
    }
}

static void sign_certificate_profile(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    parse(&sim_card_state(card)->slot[JPKI_KEY_SIGN].cert, &crt);
    const unsigned char *v;
    size_t l;
    assert_int_equal(EXT(&crt, MBEDTLS_OID_CERTIFICATE_POLICIES, &v, &l), 1); /* critical */
    assert_true(contains(v, l, profile_oid_policy_sign, sizeof profile_oid_policy_sign));
    assert_true(contains(v, l, TESTCA_CPS_URI, strlen(TESTCA_CPS_URI)));
    assert_int_equal(EXT(&crt, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS, &v, &l), 0);
    assert_true(contains(v, l, "\xA4", 1)); /* directoryName */
    assert_true(contains(v, l, "CRL Distribution Points", 23));
    assert_int_equal(EXT(&crt, OID_AIA, &v, &l), 0);
    assert_true(contains(v, l, TESTCA_OCSP_URI, strlen(TESTCA_OCSP_URI)));
    assert_true(EXT(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME, &v, &l) >= 0);
    assert_true(EXT(&crt, MBEDTLS_OID_KEY_USAGE, &v, &l) >= 0);
    assert_true(EXT(&crt, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER, &v, &l) >= 0);
    assert_true(EXT(&crt, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, &v, &l) >= 0);
    assert_true(crt.key_usage & MBEDTLS_X509_KU_NON_REPUDIATION);
    /* subject C=JP, L=<municipality>, CN=<23 characters> */
    const mbedtls_x509_name *a = &crt.subject;
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_COUNTRY, &a->oid), 0);
    a = a->next;
    assert_non_null(a);
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_LOCALITY, &a->oid), 0);
    assert_int_equal(a->val.len, strlen("Mihon-shi"));
    assert_memory_equal(a->val.p, "Mihon-shi", a->val.len);
    a = a->next;
    assert_non_null(a);
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid), 0);
    assert_int_equal(a->val.len, 23);
    assert_int_equal(crt.sig_md, MBEDTLS_MD_SHA256);
    assert_int_equal(mbedtls_pk_get_bitlen(&crt.pk), 2048);
    mbedtls_x509_crt_free(&crt);
}

static void auth_certificate_profile(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    parse(&sim_card_state(card)->slot[JPKI_KEY_AUTH].cert, &crt);
    const unsigned char *v;
    size_t l;
    assert_int_equal(EXT(&crt, MBEDTLS_OID_CERTIFICATE_POLICIES, &v, &l), 0);
    assert_false(contains(v, l, profile_oid_policy_sign, sizeof profile_oid_policy_sign));
    assert_true(EXT(&crt, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS, &v, &l) >= 0);
    assert_true(EXT(&crt, OID_AIA, &v, &l) >= 0);
    assert_int_equal(EXT(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME, &v, &l), -1);
    assert_true(crt.key_usage & MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    const mbedtls_x509_name *a = &crt.subject;
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_COUNTRY, &a->oid), 0);
    a = a->next;
    assert_non_null(a);
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid), 0);
    assert_int_equal(a->val.len, 23);
    assert_null(a->next);
    mbedtls_x509_crt_free(&crt);
}

/* The lib reads real signature certificates (critical JPKI policies) in DER
 * and PEM; a critical policy of anyone else stays refused, as mbedTLS does. */
static void lib_parses_critical_jpki_policies_only(void **state)
{
    (void)state;
    const sim_blob *b = &sim_card_state(card)->slot[JPKI_KEY_SIGN].cert;
    mbedtls_x509_crt plain;
    mbedtls_x509_crt_init(&plain);
    assert_int_not_equal(mbedtls_x509_crt_parse_der(&plain, b->p, b->len), 0);
    mbedtls_x509_crt_free(&plain);

    unsigned char pem[4096];
    size_t olen;
    assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                              "-----END CERTIFICATE-----\n", b->p, b->len, pem,
                                              sizeof pem, &olen), 0);
    jpki_cert_info info;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_cert_parse(pem, strlen((char *)pem), &info, &err), JPKI_OK);
    assert_non_null(strstr(info.subject, "L=Mihon-shi"));
    assert_int_equal(jpki_cert_parse(b->p, b->len, &info, &err), JPKI_OK);

    /* the same certificate with a foreign critical policy (1.2.3.4) */
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    const sim_blob *k = &sim_card_state(card)->slot[JPKI_KEY_SIGN].key;
    assert_int_equal(mbedtls_pk_parse_key(&key, k->p, k->len, NULL, 0), 0);
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi sn;
    mbedtls_mpi_init(&sn);
    assert_int_equal(mbedtls_mpi_lset(&sn, 7), 0);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &key);
    mbedtls_x509write_crt_set_issuer_key(&w, &key);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &sn), 0);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, "C=JP,CN=X"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "C=JP,CN=X"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20300101000000"), 0);
    static const unsigned char foreign[] = {0x30, 0x07, 0x30, 0x05, 0x06, 0x03, 0x2A, 0x03, 0x04};
    assert_int_equal(mbedtls_x509write_crt_set_extension(
                         &w, MBEDTLS_OID_CERTIFICATE_POLICIES,
                         MBEDTLS_OID_SIZE(MBEDTLS_OID_CERTIFICATE_POLICIES), 1, foreign, sizeof foreign),
                     0);
    unsigned char der[4096];
    int n = mbedtls_x509write_crt_der(&w, der, sizeof der, testca_rng, NULL);
    assert_true(n > 0);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_not_equal(jpki_x509_parse_der(&crt, der + sizeof der - n, (size_t)n), 0);
    mbedtls_x509_crt_free(&crt);
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&sn);
    mbedtls_pk_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_certificates_have_real_sizes),
        cmocka_unit_test(ca_certificates_have_real_sizes_and_no_cn),
        cmocka_unit_test(sign_certificate_profile),
        cmocka_unit_test(auth_certificate_profile),
        cmocka_unit_test(lib_parses_critical_jpki_policies_only),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
