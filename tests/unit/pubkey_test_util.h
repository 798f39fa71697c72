/* Moving RSA keys between the tests' own mbedTLS contexts and jpki_pubkey,
 * through the public API only (DER SubjectPublicKeyInfo both ways), the
 * way a caller outside libjpki has to. */
#ifndef PUBKEY_TEST_UTIL_H
#define PUBKEY_TEST_UTIL_H

#include <stdlib.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "jpki/pubkey.h"

/* The public half of the key in pk as a new jpki_pubkey (NULL on failure). */
static inline jpki_pubkey *test_pubkey_of_pk(mbedtls_pk_context *pk)
{
    unsigned char buf[1200];
    int n = mbedtls_pk_write_pubkey_der(pk, buf, sizeof buf);
    jpki_pubkey *out = NULL;
    if (n > 0 && jpki_pubkey_from_spki(buf + sizeof buf - n, (size_t)n, &out, NULL) != JPKI_OK)
        out = NULL;
    return out;
}

/* The public half of an RSA context (which may hold a private key). */
static inline jpki_pubkey *test_pubkey_of_rsa(const mbedtls_rsa_context *rsa)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    jpki_pubkey *out = NULL;
    if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
        mbedtls_rsa_copy(mbedtls_pk_rsa(pk), rsa) == 0)
        out = test_pubkey_of_pk(&pk);
    mbedtls_pk_free(&pk);
    return out;
}

/* jpki_pubkey -> an mbedTLS pk context (for verifying signatures); 0 on success. */
static inline int test_pk_of_pubkey(const jpki_pubkey *key, mbedtls_pk_context *pk)
{
    uint8_t *der = NULL;
    size_t len = 0;
    if (jpki_pubkey_to_spki(key, &der, &len, NULL) != JPKI_OK)
        return -1;
    int r = mbedtls_pk_parse_public_key(pk, der, len);
    free(der);
    return r;
}

#endif
