/* Parse a DER certificate with mbedTLS, accepting a critical
 * certificatePolicies extension with JPKI's policy OIDs: real signature
 * certificates carry one, and mbedTLS 2.28 alone refuses any critical
 * certificatePolicies other than anyPolicy (FEATURE_UNAVAILABLE). */
#ifndef JPKI_X509_PARSE_H
#define JPKI_X509_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/export.h"

struct mbedtls_x509_crt;

/* Same contract as mbedtls_x509_crt_parse_der (0 or an mbedTLS error). */
JPKI_API int jpki_x509_parse_der(struct mbedtls_x509_crt *chain, const uint8_t *der, size_t len);
/* Same contract as mbedtls_x509_crt_parse for PEM text (NUL-terminated,
 * the NUL counted in len): every CERTIFICATE block is added to the chain;
 * 0 if all parsed, the number that failed, or an mbedTLS error if none did. */
JPKI_API int jpki_x509_parse_pem(struct mbedtls_x509_crt *chain, const uint8_t *pem, size_t len);

#endif
