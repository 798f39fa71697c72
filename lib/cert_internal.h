/* Internal to libjpki's certificate parsing. */
#ifndef JPKI_CERT_INTERNAL_H
#define JPKI_CERT_INTERNAL_H

#include <time.h>

#include <mbedtls/x509.h>

#include "jpki/cert.h"

/* A certificate time (UTC) as seconds since the epoch. */
time_t cert_x509_time_to_epoch(const mbedtls_x509_time *t);

/* Fill info->name/sex/birth/address from the JPKI otherNames of the
 * subjectAltName in the certificate's extensions (ext points at the
 * Extensions SEQUENCE or its [3] wrapper; NULL/0 = no extensions).
 * mbedTLS 2.28 does not decode these otherNames, so we walk the DER. */
jpki_rc jpki_cert_jpki_san(const uint8_t *ext, size_t len, jpki_cert_info *info,
                           jpki_error *err);

/* One PEM certificate block in its canonical shape (pem_canonical.c):
 * true with its DER in der[0..*der_len); false when pem is anything else
 * (the caller then asks mbedTLS, which is the rule for PEM). */
bool jpki_pem_cert_canonical(const uint8_t *pem, size_t len, uint8_t *der, size_t cap,
                             size_t *der_len);

#endif
