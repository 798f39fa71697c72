/* Certificates into mbedTLS structures for the test kit (virtual card, test
 * CA, their tests), with the same parser libjpki uses: it accepts the
 * critical certificatePolicies extension JPKI signature certificates carry,
 * which mbedTLS 2.28 alone refuses.
 *
 * The definitions are libjpki's internal lib/x509_parse.c, linked from
 * libjpki.a (they are hidden, so libjpki.so exports no mbedTLS type).  The
 * Makefile compiles lib/x509_parse.c with this header force-included, so a
 * prototype here that drifts from the library's fails the build. */
#ifndef JPKI_TESTKIT_X509_CRT_H
#define JPKI_TESTKIT_X509_CRT_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

/* Same contract as mbedtls_x509_crt_parse_der (0 or an mbedTLS error). */
int jpki_x509_parse_der(struct mbedtls_x509_crt *chain, const uint8_t *der, size_t len);
/* Same contract as mbedtls_x509_crt_parse for PEM text (NUL-terminated, the
 * NUL counted in len). */
int jpki_x509_parse_pem(struct mbedtls_x509_crt *chain, const uint8_t *pem, size_t len);

#endif
