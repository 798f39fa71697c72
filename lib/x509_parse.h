/* Parse a DER certificate with mbedTLS, accepting a critical
 * certificatePolicies extension with JPKI's policy OIDs: real signature
 * certificates carry one, and mbedTLS 2.28 alone refuses any critical
 * certificatePolicies other than anyPolicy (FEATURE_UNAVAILABLE). */
#ifndef JPKI_X509_PARSE_H
#define JPKI_X509_PARSE_H

/* Internal to libjpki (hidden: not in libjpki.so, so no mbedTLS type is part
 * of the ABI).  The test kit reaches the same definitions in libjpki.a
 * through its own interface header, cmd/testkit/x509_crt.h; the build
 * compiles this file's definitions against that header too, so the two
 * declarations cannot drift apart. */

#include <stddef.h>
#include <stdint.h>

struct mbedtls_x509_crt;

/* Same contract as mbedtls_x509_crt_parse_der (0 or an mbedTLS error). */
int jpki_x509_parse_der(struct mbedtls_x509_crt *chain, const uint8_t *der, size_t len);
/* Same contract as mbedtls_x509_crt_parse for PEM text (NUL-terminated,
 * the NUL counted in len): every CERTIFICATE block is added to the chain;
 * 0 if all parsed, the number that failed, or an mbedTLS error if none did. */
int jpki_x509_parse_pem(struct mbedtls_x509_crt *chain, const uint8_t *pem, size_t len);

#endif
