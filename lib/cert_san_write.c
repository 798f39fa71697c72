/* Writing the JPKI subjectAltName otherNames (holder's name, sex, birth
 * date, address): shared by the renewal's certification request and the
 * test CA, so both encode them the one way the parser (cert_san.c) reads. */
#include <string.h>

#include <mbedtls/asn1write.h>

#include "jpki/cert.h"

int jpki_san_write_other_name(unsigned char **p, unsigned char *start, uint8_t arc,
                              const char *utf8)
{
    int ret; /* used by MBEDTLS_ASN1_CHK_ADD */
    size_t len = 0;
    char oid[JPKI_SAN_OID_PREFIX_LEN + 1];
    memcpy(oid, JPKI_SAN_OID_PREFIX, JPKI_SAN_OID_PREFIX_LEN);
    oid[JPKI_SAN_OID_PREFIX_LEN] = (char)arc;
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_utf8_string(p, start, utf8, strlen(utf8)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                                                MBEDTLS_ASN1_CONSTRUCTED | 0));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(p, start, oid, sizeof oid));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, start, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                                                MBEDTLS_ASN1_CONSTRUCTED | 0));
    return (int)len;
}
