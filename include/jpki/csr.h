/* PKCS#10 certification requests for keys that live on the card.
 *
 * mbedTLS's CSR writer cannot be used: it needs a pk context it can write
 * the public key of, and an RSA-alt context (the usual way to hand signing
 * to a card) fails there with -0x3980.  So the request is assembled here
 * from the public key alone, and the signature over it comes from a
 * callback: the card (jpki_sign_digestinfo on the pending key) in the
 * tools, a software key in the unit tests.  The private key never has to
 * exist on the host. */
#ifndef JPKI_CSR_H
#define JPKI_CSR_H

#include "jpki/export.h"

#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"
#include "jpki/pubkey.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Produce the RSA PKCS#1 v1.5 signature of digestinfo (a DER DigestInfo;
 * the signer adds the padding, exactly as the card's COMPUTE SIGNATURE
 * does).  sig has room for sigcap bytes; *siglen receives the length. */
typedef jpki_rc (*jpki_csr_sign_fn)(void *ctx, const uint8_t *digestinfo,
                                    size_t dlen, uint8_t *sig, size_t sigcap,
                                    size_t *siglen, jpki_error *err);

/* What the request says.  Subject: subject_der (a DER Name, copied as is
 * from the old certificate so the CA sees byte-identical attributes) or,
 * when that is NULL, subject (mbedTLS string form "C=JP,O=JPKI,CN=x").
 * san_der, when not NULL, is the DER GeneralNames of a subjectAltName
 * (the extension's extnValue contents); it goes into an extensionRequest
 * attribute (PKCS#9, 1.2.840.113549.1.9.14). */
typedef struct jpki_csr_params {
    const uint8_t *subject_der;
    size_t subject_der_len;
    const char *subject;
    const jpki_pubkey *pub;
    const uint8_t *san_der;
    size_t san_der_len;
    jpki_csr_sign_fn sign;
    void *sign_ctx;
} jpki_csr_params;

/* Build and sign the request (sha256WithRSAEncryption).  The signature is
 * verified against pub before the request is returned, so a signer that
 * used another key (a card with a different pending key) is caught here:
 * JPKI_ERR_CRYPTO.  *der is malloc'd. */
JPKI_API jpki_rc jpki_csr_build(const jpki_csr_params *p, uint8_t **der, size_t *der_len,
                       jpki_error *err);

/* PEM ("CERTIFICATE REQUEST"), NUL-terminated, malloc'd. */
JPKI_API jpki_rc jpki_csr_pem(const uint8_t *der, size_t der_len, char **pem,
                     jpki_error *err);

/* The parts of an old certificate a renewal request copies: the raw
 * subject Name and the subjectAltName contents (san == NULL when the
 * certificate has none).  Both malloc'd; free with jpki_csr_template_free. */
typedef struct jpki_csr_template {
    uint8_t *subject;
    size_t subject_len;
    uint8_t *san;
    size_t san_len;
} jpki_csr_template;

/* Take the subject and SAN of an old certificate (DER) into *t (zeroed
 * first) for the renewal CSR; JPKI_ERR_CERT when it does not parse.  The
 * template owns copies: release with jpki_csr_template_free. */
JPKI_API jpki_rc jpki_csr_template_from_cert(const uint8_t *der, size_t len,
                                    jpki_csr_template *t, jpki_error *err);
/* Free the subject and SAN a template owns and zero it; NULL is a no-op. */
JPKI_API void jpki_csr_template_free(jpki_csr_template *t);

/* DER DigestInfo { sha256, hash } (51 bytes) for the card. */
#define JPKI_DIGESTINFO_SHA256_LEN 51
JPKI_API void jpki_digestinfo_sha256(const uint8_t hash[32],
                            uint8_t out[JPKI_DIGESTINFO_SHA256_LEN]);

#ifdef __cplusplus
}
#endif
#endif
