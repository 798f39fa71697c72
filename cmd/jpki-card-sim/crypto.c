/* RSA work of the virtual card with mbedTLS: keys are kept as DER in the
 * state and parsed when used (signing is rare; parsing is cheap). */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/bignum.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "x509_crt.h"
#include "sim.h"
#include "testca.h"

static bool parse_rsa2048(mbedtls_pk_context *pk, const uint8_t *der, size_t len)
{
    mbedtls_pk_init(pk);
    if (!der || len == 0 || len > SIM_KEY_DER_MAX)
        return false;
    if (mbedtls_pk_parse_key(pk, der, len, NULL, 0) != 0 ||
        mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA || mbedtls_pk_get_bitlen(pk) != 2048) {
        mbedtls_pk_free(pk);
        mbedtls_pk_init(pk);
        return false;
    }
    mbedtls_rsa_set_padding(mbedtls_pk_rsa(*pk), MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return true;
}

bool sim_key_valid(const uint8_t *der, size_t len)
{
    mbedtls_pk_context pk;
    if (!parse_rsa2048(&pk, der, len))
        return false;
    mbedtls_mpi e;
    mbedtls_mpi_init(&e);
    bool ok = mbedtls_rsa_export(mbedtls_pk_rsa(pk), NULL, NULL, NULL, NULL, &e) == 0 &&
              mbedtls_mpi_cmp_int(&e, 65537) == 0 &&
              mbedtls_rsa_check_privkey(mbedtls_pk_rsa(pk)) == 0;
    mbedtls_mpi_free(&e);
    mbedtls_pk_free(&pk);
    return ok;
}

uint16_t sim_rsa_sign(const sim_blob *key, const uint8_t *in, size_t inlen, uint8_t sig[256])
{
    /* PKCS#1 v1.5 type 1 padding needs 11 bytes. */
    if (inlen == 0 || inlen > 256 - 11)
        return SW_WRONG_LENGTH;
    mbedtls_pk_context pk;
    if (!parse_rsa2048(&pk, key->p, key->len))
        return SW_DATA_NOT_FOUND;
    /* MD_NONE: the input is the DigestInfo itself, padded as it is. */
    int ret = mbedtls_rsa_pkcs1_sign(mbedtls_pk_rsa(pk), testca_rng, NULL, MBEDTLS_RSA_PRIVATE,
                                     MBEDTLS_MD_NONE, (unsigned)inlen, in, sig);
    mbedtls_pk_free(&pk);
    return ret == 0 ? SW_OK : SW_UNKNOWN;
}

uint16_t sim_pubkey_tlv(const sim_blob *key, sim_out *out)
{
    mbedtls_pk_context pk;
    if (!parse_rsa2048(&pk, key->p, key->len))
        return SW_DATA_NOT_FOUND;
    mbedtls_mpi n, e;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    uint8_t mod[256], exp[8];
    size_t elen = 0;
    int ret = mbedtls_rsa_export(mbedtls_pk_rsa(pk), &n, NULL, NULL, NULL, &e);
    if (ret == 0)
        ret = mbedtls_mpi_write_binary(&n, mod, sizeof mod);
    if (ret == 0) {
        elen = mbedtls_mpi_size(&e);
        ret = elen > sizeof exp ? -1 : mbedtls_mpi_write_binary(&e, exp, elen);
    }
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    mbedtls_pk_free(&pk);
    if (ret != 0)
        return SW_UNKNOWN;
    /* 7F49 82 LL LL { 81 82 01 00 modulus, 82 LL exponent } */
    size_t inner = 4 + sizeof mod + 2 + elen;
    uint8_t *p = out->data;
    *p++ = 0x7F;
    *p++ = 0x49;
    *p++ = 0x82;
    *p++ = (uint8_t)(inner >> 8);
    *p++ = (uint8_t)inner;
    *p++ = 0x81;
    *p++ = 0x82;
    *p++ = 0x01;
    *p++ = 0x00;
    memcpy(p, mod, sizeof mod);
    p += sizeof mod;
    *p++ = 0x82;
    *p++ = (uint8_t)elen;
    memcpy(p, exp, elen);
    p += elen;
    out->len = (size_t)(p - out->data);
    return SW_OK;
}

bool sim_cert_matches_key(const sim_blob *cert, const sim_blob *key)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context pk;
    mbedtls_x509_crt_init(&crt);
    if (!cert->p || jpki_x509_parse_der(&crt, cert->p, cert->len) != 0) {
        mbedtls_x509_crt_free(&crt);
        return false;
    }
    bool ok = false;
    if (parse_rsa2048(&pk, key->p, key->len)) {
        /* The certificate's key must be the private key's public half. */
        ok = mbedtls_pk_check_pair(&crt.pk, &pk) == 0;
        mbedtls_pk_free(&pk);
    }
    mbedtls_x509_crt_free(&crt);
    return ok;
}

size_t sim_der_total_len(const uint8_t *p, size_t avail)
{
    unsigned char *q = (unsigned char *)p, *end = q + avail;
    size_t len;
    if (avail < 2 || *q != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return 0;
    q++;
    if (mbedtls_asn1_get_len(&q, end, &len) != 0)
        return 0;
    return (size_t)(q - p) + len;
}

jpki_rc sim_genkey_der(sim_blob *out, jpki_error *err)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    jpki_rc rc = testca_genkey(&pk, err);
    uint8_t *buf = malloc(SIM_KEY_DER_MAX);
    if (rc == JPKI_OK && !buf)
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    if (rc == JPKI_OK) {
        int n = mbedtls_pk_write_key_der(&pk, buf, SIM_KEY_DER_MAX);
        if (n <= 0)
            rc = jpki_error_set(err, JPKI_ERR_CRYPTO, "writing the private key failed (-0x%04X)",
                                (unsigned)-n);
        else if (sim_blob_set(out, buf + SIM_KEY_DER_MAX - n, (size_t)n) != JPKI_OK)
            rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    }
    if (buf) {
        mbedtls_platform_zeroize(buf, SIM_KEY_DER_MAX);
        free(buf);
    }
    mbedtls_pk_free(&pk);
    return rc;
}
