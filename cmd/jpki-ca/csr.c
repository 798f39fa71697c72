/* PKCS#10 parsing and verification (see csr.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include "csr.h"

#define OID_EXTENSION_REQUEST "\x2A\x86\x48\x86\xF7\x0D\x01\x09\x0E" /* 1.2.840.113549.1.9.14 */

jpki_rc csr_parse_verified(const uint8_t *buf, size_t len, mbedtls_x509_csr *csr, jpki_error *err)
{
    int ret;
    bool pem = len > 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
    if (pem) {
        const uint8_t *first = memmem(buf, len, "-----BEGIN", 10);
        size_t rest = len - (size_t)(first - buf) - 10;
        if (memmem(first + 10, rest, "-----BEGIN", 10))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "more than one PEM block on stdin: give one request");
        /* The PEM parser wants a NUL-terminated buffer, NUL included. */
        uint8_t *z = malloc(len + 1);
        if (!z)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        memcpy(z, buf, len);
        z[len] = '\0';
        ret = mbedtls_x509_csr_parse(csr, z, len + 1);
        free(z);
    } else {
        ret = mbedtls_x509_csr_parse_der(csr, buf, len);
    }
    if (ret != 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "input is not a PKCS#10 request (-0x%04X)",
                              (unsigned)-ret);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(csr->sig_md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!md || mbedtls_md(md, csr->cri.p, csr->cri.len, hash) != 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "request uses an unsupported digest");
    ret = mbedtls_pk_verify_ext(csr->sig_pk, csr->sig_opts, &csr->pk, csr->sig_md, hash,
                                mbedtls_md_get_size(md), csr->sig.p, csr->sig.len);
    if (ret != 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "the request's self-signature does not verify (-0x%04X)",
                              (unsigned)-ret);
    return JPKI_OK;
}

static jpki_rc malformed(jpki_error *err)
{
    return jpki_error_set(err, JPKI_ERR_FORMAT, "request attributes are malformed");
}

/* Extensions ::= SEQUENCE OF Extension; find subjectAltName. */
static jpki_rc find_in_extensions(unsigned char *p, unsigned char *end, const uint8_t **san,
                                  size_t *san_len, jpki_error *err)
{
    size_t len;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
        return malformed(err);
    end = p + len;
    while (p < end) {
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return malformed(err);
        unsigned char *ext_end = p + len;
        size_t oid_len;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
            return malformed(err);
        unsigned char *oid = p;
        p += oid_len;
        int critical = 0;
        if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN &&
            mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0)
            return malformed(err);
        size_t vlen;
        if (mbedtls_asn1_get_tag(&p, ext_end, &vlen, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
            p + vlen != ext_end)
            return malformed(err);
        if (oid_len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
            memcmp(oid, MBEDTLS_OID_SUBJECT_ALT_NAME, oid_len) == 0) {
            *san = p;
            *san_len = vlen;
        }
        p = ext_end;
    }
    return JPKI_OK;
}

jpki_rc csr_find_san(const mbedtls_x509_csr *csr, const uint8_t **san, size_t *san_len,
                     jpki_error *err)
{
    *san = NULL;
    *san_len = 0;
    unsigned char *p = csr->cri.p, *end = p + csr->cri.len;
    size_t len;
    /* CertificationRequestInfo ::= SEQUENCE { version, subject, subjectPKInfo, [0] attributes } */
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
        return malformed(err);
    end = p + len;
    for (int skip = 0; skip < 3; skip++) {
        if (p >= end)
            return malformed(err);
        unsigned char *q = p + 1;
        if (mbedtls_asn1_get_len(&q, end, &len) != 0)
            return malformed(err);
        p = q + len;
    }
    if (p >= end)
        return JPKI_OK; /* no attributes */
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) != 0)
        return malformed(err);
    unsigned char *attrs_end = p + len;
    while (p < attrs_end) {
        if (mbedtls_asn1_get_tag(&p, attrs_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return malformed(err);
        unsigned char *attr_end = p + len;
        size_t oid_len;
        if (mbedtls_asn1_get_tag(&p, attr_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
            return malformed(err);
        bool ext_req = oid_len == sizeof OID_EXTENSION_REQUEST - 1 &&
                       memcmp(p, OID_EXTENSION_REQUEST, oid_len) == 0;
        p += oid_len;
        if (ext_req) {
            size_t set_len;
            if (mbedtls_asn1_get_tag(&p, attr_end, &set_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET) != 0)
                return malformed(err);
            jpki_rc rc = find_in_extensions(p, p + set_len, san, san_len, err);
            if (rc != JPKI_OK)
                return rc;
        }
        p = attr_end;
    }
    return JPKI_OK;
}
