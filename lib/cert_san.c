/* The JPKI signature certificate's subjectAltName otherNames (name, sex,
 * birth date, address).  Walked with mbedTLS's bounded ASN.1 readers: every
 * length is checked against the end of its enclosing object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include "asn1_string.h"
#include "cert_internal.h"

/* 1.2.392.200149.8.5.5.x */
/* [0] constructed: both the otherName choice and its EXPLICIT value */
#define CTX0_CONSTRUCTED (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)

static jpki_rc bad(jpki_error *err, const char *what, int ret)
{
    jpki_error_set(err, JPKI_ERR_CERT, "certificate subjectAltName: %s", what);
    if (err)
        err->detail = ret;
    return JPKI_ERR_CERT;
}

/* Decode a string value of the given ASN.1 type into dst (size n) as
 * UTF-8, refusing what would be cut short or could play tricks on a
 * terminal; bytes that are not valid characters of the type are kept
 * visible as \\XX. */
static jpki_rc store(char *dst, size_t n, int tag, const uint8_t *s, size_t len,
                     const char *field, jpki_error *err)
{
    jpki_uchar *u = len ? malloc(len * sizeof *u) : NULL;
    if (len && !u)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    size_t units = jpki_asn1_string_decode(tag, s, len, u);
    size_t k = 0;
    jpki_rc rc = JPKI_OK;
    for (size_t i = 0; i < units && rc == JPKI_OK; i++) {
        char b[5];
        size_t bl;
        uint32_t cp = u[i].cp;
        if (u[i].raw >= 0) {
            snprintf(b, sizeof b, "\\%02X", (unsigned)u[i].raw & 0xFFu);
            bl = 3;
        } else if (jpki_uchar_is_control(cp)) {
            rc = jpki_error_set(err, JPKI_ERR_CERT, "certificate %s contains control characters",
                                field);
            break;
        } else {
            bl = jpki_utf8_put(cp, b);
        }
        if (k + bl >= n) {
            rc = jpki_error_set(err, JPKI_ERR_CERT, "certificate %s of %zu bytes exceeds %zu",
                                field, len, n - 1);
            break;
        }
        memcpy(dst + k, b, bl);
        k += bl;
    }
    free(u);
    dst[rc == JPKI_OK ? k : 0] = '\0';
    return rc;
}

/* otherName content: type-id OID, [0] EXPLICIT value. */
static jpki_rc other_name(unsigned char *p, const unsigned char *end, jpki_cert_info *info,
                          jpki_error *err)
{
    size_t len;
    int ret = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID);
    if (ret != 0)
        return bad(err, "otherName without a type OID", ret);
    const unsigned char *oid = p;
    size_t oidlen = len;
    p += len;
    if (oidlen != JPKI_SAN_OID_PREFIX_LEN + 1 ||
        memcmp(oid, JPKI_SAN_OID_PREFIX, JPKI_SAN_OID_PREFIX_LEN) != 0)
        return JPKI_OK; /* someone else's otherName */
    if ((ret = mbedtls_asn1_get_tag(&p, end, &len, CTX0_CONSTRUCTED)) != 0)
        return bad(err, "JPKI otherName without a value", ret);
    const unsigned char *vend = p + len;
    if (vend - p < 1)
        return bad(err, "JPKI otherName with an empty value", 0);
    int tag = *p;
    if (!jpki_asn1_string_tag(tag))
        return JPKI_OK; /* not a character string: nothing to show */
    if ((ret = mbedtls_asn1_get_tag(&p, vend, &len, tag)) != 0)
        return bad(err, "malformed JPKI otherName value", ret);
    switch (oid[oidlen - 1]) {
    case JPKI_SAN_NAME: return store(info->name, sizeof info->name, tag, p, len, "name", err);
    case JPKI_SAN_SEX: return store(info->sex, sizeof info->sex, tag, p, len, "sex", err);
    case JPKI_SAN_BIRTH: return store(info->birth, sizeof info->birth, tag, p, len, "birth date", err);
    case JPKI_SAN_ADDRESS: return store(info->address, sizeof info->address, tag, p, len, "address", err);
    default: return JPKI_OK; /* .2/.6: substitute-character forms */
    }
}

static jpki_rc general_names(unsigned char *p, const unsigned char *end, jpki_cert_info *info,
                             jpki_error *err)
{
    size_t len;
    int ret = mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (ret != 0)
        return bad(err, "not a SEQUENCE", ret);
    end = p + len;
    while (p < end) {
        int tag = *p++;
        if ((ret = mbedtls_asn1_get_len(&p, end, &len)) != 0)
            return bad(err, "bad GeneralName length", ret);
        if (tag == CTX0_CONSTRUCTED) {
            jpki_rc rc = other_name(p, p + len, info, err);
            if (rc != JPKI_OK)
                return rc;
        }
        p += len;
    }
    return JPKI_OK;
}

jpki_rc jpki_cert_jpki_san(const uint8_t *ext, size_t extlen, jpki_cert_info *info,
                           jpki_error *err)
{
    if (!ext || extlen == 0)
        return JPKI_OK;
    unsigned char *p = (unsigned char *)ext;
    const unsigned char *end = ext + extlen;
    size_t len;
    int ret;
    if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3)) {
        if ((ret = mbedtls_asn1_get_tag(&p, end, &len, *p)) != 0)
            return bad(err, "bad extensions wrapper", ret);
        end = p + len;
    }
    if ((ret = mbedtls_asn1_get_tag(&p, end, &len,
                                    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) != 0)
        return bad(err, "extensions are not a SEQUENCE", ret);
    end = p + len;
    while (p < end) {
        if ((ret = mbedtls_asn1_get_tag(&p, end, &len,
                                        MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) != 0)
            return bad(err, "bad extension", ret);
        const unsigned char *eend = p + len;
        mbedtls_asn1_buf oid = {0};
        if ((ret = mbedtls_asn1_get_tag(&p, eend, &oid.len, MBEDTLS_ASN1_OID)) != 0)
            return bad(err, "extension without OID", ret);
        oid.p = p;
        p += oid.len;
        int critical = 0;
        if (p < eend && *p == MBEDTLS_ASN1_BOOLEAN &&
            (ret = mbedtls_asn1_get_bool(&p, eend, &critical)) != 0)
            return bad(err, "bad critical flag", ret);
        if ((ret = mbedtls_asn1_get_tag(&p, eend, &len, MBEDTLS_ASN1_OCTET_STRING)) != 0)
            return bad(err, "extension without value", ret);
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &oid) == 0) {
            jpki_rc rc = general_names(p, p + len, info, err);
            if (rc != JPKI_OK)
                return rc;
        }
        p = (unsigned char *)eend;
    }
    return JPKI_OK;
}
