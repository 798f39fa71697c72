/* An RSA public key as libjpki hands it out: the card's pending key, the key
 * a certificate or request names.  Opaque, so the public headers do not tie
 * callers to the crypto library libjpki is built with (mbedTLS today); the
 * DER SubjectPublicKeyInfo is the way in and out for callers that need the
 * key in their own library. */
#ifndef JPKI_PUBKEY_H
#define JPKI_PUBKEY_H

#include "jpki/export.h"

#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_pubkey jpki_pubkey;

/* An empty key (no modulus yet), for the functions that fill one in
 * (jpki_keypair_pending, jpki_renew_key_view, jpki_renew_request).  NULL
 * when out of memory.  Release with jpki_pubkey_free. */
JPKI_API jpki_pubkey *jpki_pubkey_new(void);

/* Parse a DER SubjectPublicKeyInfo holding an RSA key into a new *out;
 * JPKI_ERR_CERT when it does not parse or is not RSA (*out stays NULL). */
JPKI_API jpki_rc jpki_pubkey_from_spki(const uint8_t *der, size_t len, jpki_pubkey **out,
                                       jpki_error *err);

/* DER SubjectPublicKeyInfo of pk into a malloc'd *der; JPKI_ERR_CRYPTO for
 * an empty key. */
JPKI_API jpki_rc jpki_pubkey_to_spki(const jpki_pubkey *pk, uint8_t **der, size_t *len,
                                     jpki_error *err);

/* Size of the modulus in bits; 0 for an empty key or NULL. */
JPKI_API size_t jpki_pubkey_bits(const jpki_pubkey *pk);

/* Same modulus and exponent?  Empty keys equal nothing, not even themselves. */
JPKI_API int jpki_pubkey_equal(const jpki_pubkey *a, const jpki_pubkey *b);

/* SHA-256 over the DER SubjectPublicKeyInfo: a short, stable identity for
 * the journal ("is the card's pending key the one the certificate was
 * issued for?"). */
JPKI_API jpki_rc jpki_pubkey_fingerprint(const jpki_pubkey *pk, uint8_t out[32],
                                         jpki_error *err);

/* NULL is a no-op. */
JPKI_API void jpki_pubkey_free(jpki_pubkey *pk);

#ifdef __cplusplus
}
#endif
#endif
