/* A certificate's validity from its first bytes.  The validity sits early
 * in the TBSCertificate (after version, serial, signature algorithm and
 * issuer): in the first 256 bytes of a JPKI certificate, so a single short
 * READ BINARY tells when the card's certificate expires, without reading
 * the other ~1.5 KB.  Nothing here checks the signature: a caller that
 * needs a verified certificate reads it whole. */
#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

#include "card_internal.h"
#include "cert_internal.h"
#include "jpki/cert.h"

/* Step over one outer header (the declared length may run past the prefix
 * we hold: only the header itself must be there). */
static bool enter(const uint8_t **p, const uint8_t *end)
{
    size_t hdr = 0, content = 0;
    if (*p >= end || **p != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return false;
    if (jpki_ber_header(*p, (size_t)(end - *p), &hdr, &content, NULL) != 1)
        return false;
    *p += hdr;
    return true;
}

static bool skip(unsigned char **p, const unsigned char *end, int tag)
{
    size_t len = 0;
    if (mbedtls_asn1_get_tag(p, end, &len, tag) != 0)
        return false;
    *p += len;
    return true;
}

jpki_rc jpki_cert_validity_prefix(const uint8_t *der, size_t len, time_t *not_before,
                                  time_t *not_after, jpki_error *err)
{
    if (!der || !not_before || !not_after)
        return jpki_error_set(err, JPKI_ERR_ARG, "certificate validity: missing argument");
    const uint8_t *p = der, *end = der + len;
    if (!enter(&p, end) || !enter(&p, end)) /* Certificate, TBSCertificate */
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "certificate validity: not an X.509 certificate");
    unsigned char *q = (unsigned char *)p;
    const int seq = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
    if (q < end && *q == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) &&
        !skip(&q, end, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0))
        goto short_prefix;
    size_t vlen = 0;
    mbedtls_x509_time from, to;
    if (!skip(&q, end, MBEDTLS_ASN1_INTEGER) || !skip(&q, end, seq) || !skip(&q, end, seq) ||
        mbedtls_asn1_get_tag(&q, end, &vlen, seq) != 0)
        goto short_prefix;
    const unsigned char *vend = q + vlen;
    if (mbedtls_x509_get_time(&q, vend, &from) != 0 || mbedtls_x509_get_time(&q, vend, &to) != 0)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "certificate validity: malformed time");
    *not_before = cert_x509_time_to_epoch(&from);
    *not_after = cert_x509_time_to_epoch(&to);
    return JPKI_OK;
short_prefix:
    return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                          "certificate validity: not within the first %zu bytes", len);
}
