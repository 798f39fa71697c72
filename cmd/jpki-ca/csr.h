/* PKCS#10 requests for jpki-ca: parse (PEM or DER), verify the
 * self-signature, and find the subjectAltName in the extensionRequest
 * attribute (mbedTLS 2.28's CSR parser skips attributes). */
#ifndef JPKI_CA_CSR_H
#define JPKI_CA_CSR_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_csr.h>

#include "jpki/error.h"

/* buf need not be NUL-terminated.  Fills csr (caller inits/frees). */
jpki_rc csr_parse_verified(const uint8_t *buf, size_t len, mbedtls_x509_csr *csr,
                           jpki_error *err);

/* Locate the subjectAltName extension value (GeneralNames DER) inside the
 * CSR's CertificationRequestInfo.  *san = NULL when there is none. */
jpki_rc csr_find_san(const mbedtls_x509_csr *csr, const uint8_t **san, size_t *san_len,
                     jpki_error *err);

#endif
