/* The inside of jpki_pubkey, for lib/ (and white-box unit tests): an
 * mbedTLS RSA context holding N and E only. */
#ifndef JPKI_PUBKEY_INTERNAL_H
#define JPKI_PUBKEY_INTERNAL_H

#include <mbedtls/rsa.h>

#include "jpki/pubkey.h"

struct jpki_pubkey {
    mbedtls_rsa_context rsa;
};

/* For keys that live inside another object or on the stack in lib/. */
void jpki_pubkey_init(jpki_pubkey *pk);
void jpki_pubkey_clear(jpki_pubkey *pk);

/* The same operations on bare mbedTLS contexts (keys taken from parsed
 * certificates and requests). */
int jpki_rsa_pub_equal(const mbedtls_rsa_context *a, const mbedtls_rsa_context *b);
jpki_rc jpki_rsa_pub_fingerprint(const mbedtls_rsa_context *pub, uint8_t out[32],
                                 jpki_error *err);
jpki_rc jpki_rsa_pub_spki(const mbedtls_rsa_context *pub, uint8_t **der, size_t *len,
                          jpki_error *err);

#endif
