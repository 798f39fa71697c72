/* jpki_pubkey: the public wrapper around an mbedTLS RSA public key.  The
 * DER encoding and comparison live in csr.c next to the request code that
 * needed them first. */
#include <stdlib.h>

#include <mbedtls/bignum.h>
#include <mbedtls/pk.h>

#include "pubkey_internal.h"

void jpki_pubkey_init(jpki_pubkey *pk)
{
    mbedtls_rsa_init(&pk->rsa, MBEDTLS_RSA_PKCS_V15, 0);
}

void jpki_pubkey_clear(jpki_pubkey *pk)
{
    mbedtls_rsa_free(&pk->rsa);
    mbedtls_rsa_init(&pk->rsa, MBEDTLS_RSA_PKCS_V15, 0);
}

jpki_pubkey *jpki_pubkey_new(void)
{
    jpki_pubkey *pk = malloc(sizeof *pk);
    if (pk)
        jpki_pubkey_init(pk);
    return pk;
}

void jpki_pubkey_free(jpki_pubkey *pk)
{
    if (!pk)
        return;
    mbedtls_rsa_free(&pk->rsa);
    free(pk);
}

jpki_rc jpki_pubkey_from_spki(const uint8_t *der, size_t len, jpki_pubkey **out,
                              jpki_error *err)
{
    if (!out || (!der && len))
        return jpki_error_set(err, JPKI_ERR_ARG, "pubkey_from_spki: missing argument");
    *out = NULL;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    mbedtls_mpi n, e;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    jpki_pubkey *k = jpki_pubkey_new();
    jpki_rc rc = JPKI_OK;
    if (!k) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "pubkey_from_spki: out of memory");
        goto out;
    }
    int r = mbedtls_pk_parse_public_key(&pk, der, len);
    if (r == 0 && mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA)
        r = MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    /* Copy N and E only: the context must not depend on pk's lifetime. */
    if (r == 0)
        r = mbedtls_rsa_export(mbedtls_pk_rsa(pk), &n, NULL, NULL, NULL, &e);
    if (r == 0)
        r = mbedtls_rsa_import(&k->rsa, &n, NULL, NULL, NULL, &e);
    if (r == 0)
        r = mbedtls_rsa_complete(&k->rsa);
    if (r != 0) {
        rc = jpki_error_set(err, JPKI_ERR_CERT,
                            "not an RSA SubjectPublicKeyInfo (mbedTLS -0x%04X)", (unsigned)-r);
        if (err)
            err->detail = r;
        jpki_pubkey_free(k);
        goto out;
    }
    *out = k;
out:
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    mbedtls_pk_free(&pk);
    return rc;
}

jpki_rc jpki_pubkey_to_spki(const jpki_pubkey *pk, uint8_t **der, size_t *len,
                            jpki_error *err)
{
    if (!pk || !der || !len)
        return jpki_error_set(err, JPKI_ERR_ARG, "pubkey_to_spki: missing argument");
    return jpki_rsa_pub_spki(&pk->rsa, der, len, err);
}

size_t jpki_pubkey_bits(const jpki_pubkey *pk)
{
    if (!pk)
        return 0;
    mbedtls_mpi n;
    mbedtls_mpi_init(&n);
    size_t bits = 0;
    if (mbedtls_rsa_export(&pk->rsa, &n, NULL, NULL, NULL, NULL) == 0)
        bits = mbedtls_mpi_bitlen(&n);
    mbedtls_mpi_free(&n);
    return bits;
}

int jpki_pubkey_equal(const jpki_pubkey *a, const jpki_pubkey *b)
{
    return a && b && jpki_rsa_pub_equal(&a->rsa, &b->rsa);
}

jpki_rc jpki_pubkey_fingerprint(const jpki_pubkey *pk, uint8_t out[32], jpki_error *err)
{
    if (!pk || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "pubkey_fingerprint: missing argument");
    return jpki_rsa_pub_fingerprint(&pk->rsa, out, err);
}
