/* PKCS#10 requests built by lib/csr.c with a software signer standing in
 * for the card; `openssl req -verify` is the independent judge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "jpki/csr.h"
#include "pubkey_test_util.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_rsa_context key_a, key_b;
/* Their public halves, as the library takes them. */
static jpki_pubkey *pub_a, *pub_b;

/* The card's signature, done in software: PKCS#1 v1.5 over the DigestInfo. */
static jpki_rc soft_sign(void *ctx, const uint8_t *di, size_t dlen, uint8_t *sig,
                         size_t cap, size_t *siglen, jpki_error *err)
{
    mbedtls_rsa_context *k = ctx;
    if (cap < mbedtls_rsa_get_len(k))
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "small sig buffer");
    int r = mbedtls_rsa_pkcs1_sign(k, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PRIVATE,
                                   MBEDTLS_MD_NONE, (unsigned)dlen, di, sig);
    if (r != 0)
        return jpki_error_set(err, JPKI_ERR_CRYPTO, "sign -0x%04X", (unsigned)-r);
    *siglen = mbedtls_rsa_get_len(k);
    return JPKI_OK;
}

static jpki_rc failing_sign(void *ctx, const uint8_t *di, size_t dlen, uint8_t *sig,
                            size_t cap, size_t *siglen, jpki_error *err)
{
    (void)ctx; (void)di; (void)dlen; (void)sig; (void)cap; (void)siglen;
    return jpki_error_set(err, JPKI_ERR_PIN_BLOCKED, "card says no");
}

static int setup(void **state)
{
    (void)state;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)"test_csr", 8) != 0)
        return -1;
    mbedtls_rsa_init(&key_a, MBEDTLS_RSA_PKCS_V15, 0);
    mbedtls_rsa_init(&key_b, MBEDTLS_RSA_PKCS_V15, 0);
    if (mbedtls_rsa_gen_key(&key_a, mbedtls_ctr_drbg_random, &drbg, 2048, 65537) != 0 ||
        mbedtls_rsa_gen_key(&key_b, mbedtls_ctr_drbg_random, &drbg, 2048, 65537) != 0)
        return -1;
    if (!(pub_a = test_pubkey_of_rsa(&key_a)) || !(pub_b = test_pubkey_of_rsa(&key_b)))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    jpki_pubkey_free(pub_a);
    jpki_pubkey_free(pub_b);
    mbedtls_rsa_free(&key_a);
    mbedtls_rsa_free(&key_b);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}

/* A subjectAltName like the signature certificate's: otherNames
 * 1.2.392.200149.8.5.5.1 (name) and .5.5.4 (birth date), UTF8String values. */
static size_t make_san(uint8_t *buf, size_t cap, uint8_t **start)
{
    static const char oid_name[] = "\x2A\x83\x08\x8C\x9B\x55\x08\x05\x05\x01";
    static const char oid_birth[] = "\x2A\x83\x08\x8C\x9B\x55\x08\x05\x05\x04";
    const char *vals[2] = {"\xE5\xB1\xB1\xE7\x94\xB0 \xE8\x8A\xB1\xE5\xAD\x90", "19900401"};
    const char *oids[2] = {oid_name, oid_birth};
    uint8_t *c = buf + cap;
    size_t total = 0;
    for (int i = 1; i >= 0; i--) {
        size_t len = 0;
        len += (size_t)mbedtls_asn1_write_utf8_string(&c, buf, vals[i], strlen(vals[i]));
        len += (size_t)mbedtls_asn1_write_len(&c, buf, len);
        len += (size_t)mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
        len += (size_t)mbedtls_asn1_write_oid(&c, buf, oids[i], 10);
        len += (size_t)mbedtls_asn1_write_len(&c, buf, len);
        len += (size_t)mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
        total += len;
    }
    total += (size_t)mbedtls_asn1_write_len(&c, buf, total);
    total += (size_t)mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    *start = c;
    return total;
}

/* Write text to a temp file, run `openssl req ARGS -in FILE` on it and
 * return its exit status; its stdout and stderr go to *out if wanted. */
static int run_openssl(const char *text, const char *args, char *out, size_t outcap)
{
    char path[] = "/tmp/test_csr.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "openssl req %s -in %s 2>&1", args, path);
    FILE *p = popen(cmd, "r");
    size_t got = 0;
    if (p && out) {
        got = fread(out, 1, outcap - 1, p);
        out[got] = '\0';
    } else if (p) {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    int st = p ? pclose(p) : -1;
    unlink(path);
    return st;
}

/* OpenSSL 3.0's `req -verify` exits 0 even when the signature is bad; only
 * its message tells. */
static bool openssl_verifies(const char *pem)
{
    char out[4096];
    return run_openssl(pem, "-verify -noout", out, sizeof out) == 0 &&
           strstr(out, "verify OK") != NULL && strstr(out, "failure") == NULL;
}

static void csr_from_string_subject_verifies_with_openssl(void **state)
{
    (void)state;
    uint8_t sanbuf[512], *san;
    size_t san_len = make_san(sanbuf, sizeof sanbuf, &san);
    jpki_csr_params p = {.subject = "C=JP,O=JPKI,CN=renew test", .pub = pub_a,
                         .san_der = san, .san_der_len = san_len,
                         .sign = soft_sign, .sign_ctx = &key_a};
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_csr_build(&p, &der, &len, &err), JPKI_OK);
    char *pem = NULL;
    assert_int_equal(jpki_csr_pem(der, len, &pem, &err), JPKI_OK);
    assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE REQUEST-----"));

    assert_true(openssl_verifies(pem));
    char text[16384];
    assert_int_equal(run_openssl(pem, "-noout -text", text, sizeof text), 0);
    assert_non_null(strstr(text, "CN = renew test"));
    assert_non_null(strstr(text, "Requested Extensions"));
    assert_non_null(strstr(text, "Subject Alternative Name"));
    assert_non_null(strstr(text, "sha256WithRSAEncryption"));

    /* mbedTLS parses it and sees our key. */
    mbedtls_x509_csr csr;
    mbedtls_x509_csr_init(&csr);
    assert_int_equal(mbedtls_x509_csr_parse_der(&csr, der, len), 0);
    jpki_pubkey *named = test_pubkey_of_pk(&csr.pk);
    assert_non_null(named);
    assert_true(jpki_pubkey_equal(named, pub_a));
    assert_false(jpki_pubkey_equal(named, pub_b));
    jpki_pubkey_free(named);
    mbedtls_x509_csr_free(&csr);
    free(pem);
    free(der);
}

/* An "old certificate" (self-signed by key_b) with a SAN; the renewal request
 * for key_a copies its subject byte for byte and its SAN. */
static void csr_copies_old_certificate(void **state)
{
    (void)state;
    uint8_t sanbuf[512], *san;
    size_t san_len = make_san(sanbuf, sizeof sanbuf, &san);

    mbedtls_pk_context issuer_pk;
    mbedtls_pk_init(&issuer_pk);
    assert_int_equal(mbedtls_pk_setup(&issuer_pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
    assert_int_equal(mbedtls_rsa_copy(mbedtls_pk_rsa(issuer_pk), &key_b), 0);
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    mbedtls_mpi_lset(&serial, 7);
    mbedtls_x509write_crt_set_serial(&w, &serial);
    mbedtls_x509write_crt_set_subject_key(&w, &issuer_pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &issuer_pk);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, "C=JP,L=Chiyoda,CN=Hanako"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "C=JP,O=JPKI,OU=JPKI for digital signature"), 0);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_validity(&w, "20210115000000", "20260331235959");
    assert_int_equal(mbedtls_x509write_crt_set_extension(&w, "\x55\x1D\x11", 3, 0, san, san_len), 0);
    uint8_t certbuf[4096];
    int n = mbedtls_x509write_crt_der(&w, certbuf, sizeof certbuf, mbedtls_ctr_drbg_random, &drbg);
    assert_true(n > 0);
    const uint8_t *cert = certbuf + sizeof certbuf - n;

    jpki_csr_template t;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_csr_template_from_cert(cert, (size_t)n, &t, &err), JPKI_OK);
    assert_int_equal(t.san_len, san_len);
    assert_memory_equal(t.san, san, san_len);

    jpki_csr_params p = {.subject_der = t.subject, .subject_der_len = t.subject_len,
                         .pub = pub_a, .san_der = t.san, .san_der_len = t.san_len,
                         .sign = soft_sign, .sign_ctx = &key_a};
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_csr_build(&p, &der, &len, &err), JPKI_OK);
    mbedtls_x509_csr csr;
    mbedtls_x509_csr_init(&csr);
    assert_int_equal(mbedtls_x509_csr_parse_der(&csr, der, len), 0);
    assert_int_equal(csr.subject_raw.len, t.subject_len);
    assert_memory_equal(csr.subject_raw.p, t.subject, t.subject_len);
    /* The SAN bytes appear verbatim inside the request. */
    assert_non_null(memmem(der, len, san, san_len));
    mbedtls_x509_csr_free(&csr);

    char *pem;
    assert_int_equal(jpki_csr_pem(der, len, &pem, &err), JPKI_OK);
    char text[16384];
    assert_true(openssl_verifies(pem));
    assert_int_equal(run_openssl(pem, "-noout -text", text, sizeof text), 0);
    assert_non_null(strstr(text, "CN = Hanako"));
    free(pem);
    free(der);
    jpki_csr_template_free(&t);
    assert_null(t.subject);

    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    mbedtls_pk_free(&issuer_pk);
}

static void csr_without_san_has_empty_attributes(void **state)
{
    (void)state;
    jpki_csr_params p = {.subject = "C=JP,CN=12345", .pub = pub_a,
                         .sign = soft_sign, .sign_ctx = &key_a};
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_csr_build(&p, &der, &len, NULL), JPKI_OK);
    /* attributes [0] with no content, right before the signature algorithm */
    static const uint8_t empty_attrs_then_alg[] = {0xA0, 0x00, 0x30, 0x0D, 0x06, 0x09};
    assert_non_null(memmem(der, len, empty_attrs_then_alg, sizeof empty_attrs_then_alg));
    char *pem;
    assert_int_equal(jpki_csr_pem(der, len, &pem, NULL), JPKI_OK);
    assert_true(openssl_verifies(pem));
    free(pem);
    /* The judge can say no: one flipped signature bit fails openssl. */
    der[len - 10] ^= 0x01;
    assert_int_equal(jpki_csr_pem(der, len, &pem, NULL), JPKI_OK);
    assert_false(openssl_verifies(pem));
    free(pem);
    free(der);
}

/* A signer using another key than the one the request names: caught before
 * anything is handed to a CA. */
static void csr_signed_by_wrong_key_rejected(void **state)
{
    (void)state;
    jpki_csr_params p = {.subject = "C=JP,CN=x", .pub = pub_a,
                         .sign = soft_sign, .sign_ctx = &key_b};
    uint8_t *der = (uint8_t *)"x";
    size_t len = 1;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_csr_build(&p, &der, &len, &err), JPKI_ERR_CRYPTO);
    assert_null(der);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.message, "does not verify"));
}

static void csr_signer_error_propagates(void **state)
{
    (void)state;
    jpki_csr_params p = {.subject = "C=JP,CN=x", .pub = pub_a, .sign = failing_sign};
    uint8_t *der;
    size_t len;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_csr_build(&p, &der, &len, &err), JPKI_ERR_PIN_BLOCKED);
    assert_non_null(strstr(err.message, "signing the request: card says no"));
}

static void csr_bad_subject_rejected(void **state)
{
    (void)state;
    static const uint8_t not_a_name[] = {0x04, 0x01, 0x00};
    static const uint8_t trailing[] = {0x30, 0x00, 0x00};
    jpki_csr_params p = {.subject_der = not_a_name, .subject_der_len = sizeof not_a_name,
                         .pub = pub_a, .sign = soft_sign, .sign_ctx = &key_a};
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_csr_build(&p, &der, &len, NULL), JPKI_ERR_ARG);
    p.subject_der = trailing;
    p.subject_der_len = sizeof trailing;
    assert_int_equal(jpki_csr_build(&p, &der, &len, NULL), JPKI_ERR_ARG);
    p.subject_der = NULL;
    p.subject = "NOTANATTR=x";
    assert_int_equal(jpki_csr_build(&p, &der, &len, NULL), JPKI_ERR_ARG);
    p.subject = NULL;
    assert_int_equal(jpki_csr_build(&p, &der, &len, NULL), JPKI_ERR_ARG);
}

static void template_rejects_garbage(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    jpki_csr_template t;
    assert_int_equal(jpki_csr_template_from_cert(junk, sizeof junk, &t, NULL), JPKI_ERR_CERT);
    assert_null(t.subject);
    assert_null(t.san);
}

static void fingerprint_identifies_key(void **state)
{
    (void)state;
    uint8_t fa[32], fa2[32], fb[32];
    assert_int_equal(jpki_pubkey_fingerprint(pub_a, fa, NULL), JPKI_OK);
    assert_int_equal(jpki_pubkey_fingerprint(pub_a, fa2, NULL), JPKI_OK);
    assert_int_equal(jpki_pubkey_fingerprint(pub_b, fb, NULL), JPKI_OK);
    assert_memory_equal(fa, fa2, 32);
    assert_memory_not_equal(fa, fb, 32);

    /* The fingerprint is SHA-256 over the SPKI that to_spki hands out, and
     * a key made back from that SPKI is the same key. */
    uint8_t *spki = NULL;
    size_t len = 0;
    assert_int_equal(jpki_pubkey_to_spki(pub_a, &spki, &len, NULL), JPKI_OK);
    uint8_t fp[32];
    mbedtls_sha256_ret(spki, len, fp, 0);
    assert_memory_equal(fp, fa, 32);
    jpki_pubkey *again = NULL;
    assert_int_equal(jpki_pubkey_from_spki(spki, len, &again, NULL), JPKI_OK);
    assert_true(jpki_pubkey_equal(again, pub_a));
    assert_int_equal(jpki_pubkey_bits(again), 2048);
    jpki_pubkey_free(again);
    /* Not an SPKI: refused, nothing returned. */
    spki[0] ^= 0x01;
    again = (jpki_pubkey *)spki;
    assert_int_equal(jpki_pubkey_from_spki(spki, len, &again, NULL), JPKI_ERR_CERT);
    assert_null(again);
    free(spki);

    /* An empty key equals nothing, has no size and no encoding. */
    jpki_pubkey *empty = jpki_pubkey_new();
    assert_non_null(empty);
    assert_false(jpki_pubkey_equal(empty, empty));
    assert_int_equal(jpki_pubkey_bits(empty), 0);
    assert_int_not_equal(jpki_pubkey_to_spki(empty, &spki, &len, NULL), JPKI_OK);
    jpki_pubkey_free(empty);
    jpki_pubkey_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csr_from_string_subject_verifies_with_openssl),
        cmocka_unit_test(csr_copies_old_certificate),
        cmocka_unit_test(csr_without_san_has_empty_attributes),
        cmocka_unit_test(csr_signed_by_wrong_key_rejected),
        cmocka_unit_test(csr_signer_error_propagates),
        cmocka_unit_test(csr_bad_subject_rejected),
        cmocka_unit_test(template_rejects_garbage),
        cmocka_unit_test(fingerprint_identifies_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
