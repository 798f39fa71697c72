/* DER values of the JPKI profile extensions that mbedTLS 2.28's
 * x509write_crt has no setter for (certificatePolicies, CRL distribution
 * point, authorityInfoAccess).  Each writes the extension VALUE into buf
 * and sets *len; the caller hands it to mbedtls_x509write_crt_set_extension. */
#ifndef JPKI_PROFILE_EXT_H
#define JPKI_PROFILE_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"
#include "testca.h"

/* Test-card policy OIDs (real cards use ...8.5.1.1.x; test cards ...8.5.1.0.x). */
#define TESTCA_POLICY_SIGN "1.2.392.200149.8.5.1.0.20" /* digital signature */
#define TESTCA_POLICY_AUTH "1.2.392.200149.8.5.1.0.30" /* user authentication */
#define TESTCA_POLICY_CA   "1.2.392.200149.8.5.1.0.10" /* the CA certificates */
#define TESTCA_CPS_URI     "http://jpki-test-repository.example.invalid/cps.html"
#define TESTCA_OCSP_URI    "http://jpki-test-ocsp.example.invalid/"

/* certificatePolicies with one policy (the kind's test OID; `ca` picks the
 * CA policy) and a CPS qualifier. */
jpki_rc profile_policies(testca_kind k, int ca, uint8_t *buf, size_t cap, size_t *len,
                         jpki_error *err);
/* cRLDistributionPoints: one point named by a directoryName, as JPKI does. */
jpki_rc profile_crl_dp(testca_kind k, uint8_t *buf, size_t cap, size_t *len, jpki_error *err);
/* authorityInfoAccess with an OCSP URL (a fictitious host). */
jpki_rc profile_aia(uint8_t *buf, size_t cap, size_t *len, jpki_error *err);

/* DER bodies of the policy OIDs (for tests and the issuer). */
extern const uint8_t profile_oid_policy_sign[11];

#endif
