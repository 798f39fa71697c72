/* The JPKI profile extensions mbedTLS has no setter for (see profile_ext.h).
 * asn1write fills buffers from the end, so every structure is written
 * innermost-last-element first. */
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "profile_ext.h"

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define SET (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET)
#define CTX(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | (n))
#define CTX_C(n) (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | (n))

const uint8_t profile_oid_policy_sign[11] = {0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55,
                                             0x08, 0x05, 0x01, 0x00, 0x14};
static const uint8_t oid_policy_auth[11] = {0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55,
                                            0x08, 0x05, 0x01, 0x00, 0x1E};
static const uint8_t oid_policy_ca[11] = {0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55,
                                          0x08, 0x05, 0x01, 0x00, 0x0A};
static const uint8_t oid_qt_cps[8] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01};
static const uint8_t oid_ad_ocsp[8] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};

/* Wrap the n bytes just written (ending at the buffer's end) in tag. */
static int wrap(unsigned char **p, unsigned char *start, size_t n, unsigned char tag)
{
    int r1 = mbedtls_asn1_write_len(p, start, n);
    if (r1 < 0)
        return r1;
    int r2 = mbedtls_asn1_write_tag(p, start, tag);
    if (r2 < 0)
        return r2;
    return (int)n + r1 + r2;
}

static int write_text(unsigned char **p, unsigned char *start, unsigned char tag, const char *s)
{
    size_t n = strlen(s);
    int r = mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)s, n);
    return r < 0 ? r : wrap(p, start, n, tag);
}

/* One RDN: SET { SEQUENCE { OID, string } } */
static int write_rdn(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
                     unsigned char tag, const char *s)
{
    int n = write_text(p, start, tag, s);
    if (n < 0)
        return n;
    int r = mbedtls_asn1_write_oid(p, start, oid, oid_len);
    if (r < 0)
        return r;
    n = wrap(p, start, (size_t)n + (size_t)r, SEQ);
    return n < 0 ? n : wrap(p, start, (size_t)n, SET);
}

static const char *ca_ou(testca_kind k)
{
    return k == TESTCA_AUTH ? "JPKI for user authentication" : "JPKI for digital signature";
}

static jpki_rc finish(unsigned char *buf, unsigned char *p, int n, size_t cap, size_t *len,
                      const char *what, jpki_error *err)
{
    if (n < 0)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s does not fit %zu bytes", what, cap);
    memmove(buf, p, (size_t)n);
    *len = (size_t)n;
    return JPKI_OK;
}

jpki_rc profile_policies(testca_kind k, int ca, uint8_t *buf, size_t cap, size_t *len,
                         jpki_error *err)
{
    const uint8_t *policy = ca ? oid_policy_ca
                               : k == TESTCA_SIGN ? profile_oid_policy_sign : oid_policy_auth;
    unsigned char *p = buf + cap;
    /* PolicyQualifierInfo { id-qt-cps, IA5String } */
    int n = write_text(&p, buf, MBEDTLS_ASN1_IA5_STRING, TESTCA_CPS_URI), r;
    if (n >= 0 && (r = mbedtls_asn1_write_oid(&p, buf, (const char *)oid_qt_cps, sizeof oid_qt_cps)) >= 0)
        n = wrap(&p, buf, (size_t)n + (size_t)r, SEQ); /* PolicyQualifierInfo */
    else if (n >= 0)
        n = r;
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ); /* policyQualifiers */
    if (n >= 0 && (r = mbedtls_asn1_write_oid(&p, buf, (const char *)policy, 11)) >= 0)
        n = wrap(&p, buf, (size_t)n + (size_t)r, SEQ); /* PolicyInformation */
    else if (n >= 0)
        n = r;
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ); /* certificatePolicies */
    return finish(buf, p, n, cap, len, "certificatePolicies", err);
}

jpki_rc profile_crl_dp(testca_kind k, uint8_t *buf, size_t cap, size_t *len, jpki_error *err)
{
    unsigned char *p = buf + cap;
    /* The name, last RDN first: C=JP, O=JPKI, OU=<CA>, OU=CRL Distribution Points */
    struct {
        const char *oid;
        size_t oid_len;
        unsigned char tag;
        const char *val;
    } rdn[] = {
        {MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT), MBEDTLS_ASN1_UTF8_STRING,
         "CRL Distribution Points"},
        {MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT), MBEDTLS_ASN1_UTF8_STRING,
         ca_ou(k)},
        {MBEDTLS_OID_AT_ORGANIZATION, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION),
         MBEDTLS_ASN1_UTF8_STRING, "JPKI"},
        {MBEDTLS_OID_AT_COUNTRY, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_COUNTRY),
         MBEDTLS_ASN1_PRINTABLE_STRING, "JP"},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof rdn / sizeof rdn[0] && n >= 0; i++) {
        int r = write_rdn(&p, buf, rdn[i].oid, rdn[i].oid_len, rdn[i].tag, rdn[i].val);
        n = r < 0 ? r : n + r;
    }
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ); /* Name */
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, CTX_C(4)); /* GeneralName directoryName (explicit) */
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, CTX_C(0)); /* fullName [0] GeneralNames */
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, CTX_C(0)); /* distributionPoint [0] */
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ); /* DistributionPoint */
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ); /* CRLDistributionPoints */
    return finish(buf, p, n, cap, len, "cRLDistributionPoints", err);
}

jpki_rc profile_aia(uint8_t *buf, size_t cap, size_t *len, jpki_error *err)
{
    unsigned char *p = buf + cap;
    int n = write_text(&p, buf, CTX(6), TESTCA_OCSP_URI), r; /* uniformResourceIdentifier */
    if (n >= 0 && (r = mbedtls_asn1_write_oid(&p, buf, (const char *)oid_ad_ocsp, sizeof oid_ad_ocsp)) >= 0)
        n = wrap(&p, buf, (size_t)n + (size_t)r, SEQ); /* AccessDescription */
    else if (n >= 0)
        n = r;
    if (n >= 0)
        n = wrap(&p, buf, (size_t)n, SEQ);
    return finish(buf, p, n, cap, len, "authorityInfoAccess", err);
}
