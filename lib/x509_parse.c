/* See x509_parse.h. */
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>

#include "x509_parse.h"

/* 1.2.392.200149.8.5.1: the JPKI certificate policies (real .1.x, test .0.x) */
static const unsigned char jpki_policy_arc[] = {0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x01};

/* mbedTLS calls this for an extension it cannot handle itself; accept a
 * certificatePolicies whose policies are all JPKI's (nothing here enforces
 * policies, so a parsed-and-ignored extension is what we want). */
static int accept_jpki_policies(void *ctx, const mbedtls_x509_crt *crt, const mbedtls_x509_buf *oid,
                                int critical, const unsigned char *p, const unsigned char *end)
{
    (void)ctx;
    (void)crt;
    (void)critical;
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_CERTIFICATE_POLICIES, oid) != 0)
        return -1;
    unsigned char *q = (unsigned char *)p;
    size_t len;
    if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        q + len != end || len == 0)
        return -1;
    while (q < end) {
        size_t pl, ol;
        if (mbedtls_asn1_get_tag(&q, end, &pl, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return -1;
        unsigned char *next = q + pl;
        if (mbedtls_asn1_get_tag(&q, next, &ol, MBEDTLS_ASN1_OID) != 0 ||
            ol <= sizeof jpki_policy_arc || memcmp(q, jpki_policy_arc, sizeof jpki_policy_arc) != 0)
            return -1;
        q = next;
    }
    return 0;
}

int jpki_x509_parse_der(struct mbedtls_x509_crt *chain, const uint8_t *der, size_t len)
{
    return mbedtls_x509_crt_parse_der_with_ext_cb(chain, der, len, 1, accept_jpki_policies, NULL);
}

int jpki_x509_parse_pem(struct mbedtls_x509_crt *chain, const uint8_t *pem, size_t len)
{
    if (len == 0 || pem[len - 1] != '\0')
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    int ok = 0, failed = 0, last = MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
    const unsigned char *p = pem;
    while (p < pem + len - 1) {
        mbedtls_pem_context ctx;
        size_t used = 0;
        mbedtls_pem_init(&ctx);
        int r = mbedtls_pem_read_buffer(&ctx, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                        p, NULL, 0, &used);
        if (r == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
            mbedtls_pem_free(&ctx);
            break;
        }
        if (r == 0)
            r = jpki_x509_parse_der(chain, ctx.buf, ctx.buflen);
        mbedtls_pem_free(&ctx);
        if (r == 0)
            ok++;
        else {
            failed++;
            last = r;
        }
        if (used == 0)
            break;
        p += used;
    }
    return ok ? failed : last;
}
