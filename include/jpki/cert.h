/* Certificate facts the tools report, parsed with mbedTLS. */
#ifndef JPKI_CERT_H
#define JPKI_CERT_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_cert_info {
    char subject[512];
    char issuer[512];
    char serial_hex[80];   /* lower-case hex, no separators */
    time_t not_before;     /* UTC */
    time_t not_after;      /* UTC */
    int key_bits;
    /* From the signature certificate's subjectAltName otherNames (UTF-8),
     * empty when absent. */
    char name[256];
    char birth[16];        /* YYYYMMDD */
    char sex[4];
    char address[512];
} jpki_cert_info;

/* The signature certificate's subjectAltName otherNames are
 * 1.2.392.200149.8.5.5.ARC (DER content octets of the OID without ARC). */
#define JPKI_SAN_OID_PREFIX "\x2A\x83\x08\x8C\x9B\x55\x08\x05\x05"
#define JPKI_SAN_OID_PREFIX_LEN 9
enum { JPKI_SAN_NAME = 1, JPKI_SAN_SEX = 3, JPKI_SAN_BIRTH = 4, JPKI_SAN_ADDRESS = 5 };

/* Write otherName ::= [0] { OID prefix.ARC, [0] EXPLICIT UTF8String utf8 }
 * backwards in front of *p (mbedtls asn1write convention, start is the
 * buffer's beginning).  Returns the length written or a negative mbedTLS
 * error. */
JPKI_API int jpki_san_write_other_name(unsigned char **p, unsigned char *start, uint8_t arc,
                              const char *utf8);

/* DER or PEM (one certificate). */
JPKI_API jpki_rc jpki_cert_parse(const uint8_t *buf, size_t len, jpki_cert_info *info,
                        jpki_error *err);

/* PEM ("CERTIFICATE") of a DER certificate, NUL-terminated, malloc'd
 * (jpki-status --export). */
JPKI_API jpki_rc jpki_cert_pem(const uint8_t *der, size_t der_len, char **pem, jpki_error *err);

/* Text of a DER Name (e.g. a certificate's subject) as the tools show it:
 * attributes in encoded order (country first), ", " between RDNs and
 * " + " inside a multi-valued one, short names C, ST, L, O, OU, CN,
 * SERIALNUMBER, ... and dotted OIDs with "#hex" values otherwise.  Values
 * are decoded per their ASN.1 string type to exact UTF-8 and escaped as in
 * RFC 4514: ,+"\<>; and a leading '#' or space and a trailing space get a
 * backslash; control characters and bytes that are not valid characters
 * of their string type become \XX. */
JPKI_API jpki_rc jpki_dn_format(const uint8_t *der, size_t len, char *out, size_t n, jpki_error *err);

/* notBefore/notAfter from the first len bytes of a DER certificate (the
 * rest may be missing: a JPKI certificate's validity lies in its first 256
 * bytes).  The signature is not checked.  JPKI_ERR_CARD_DATA when the
 * bytes are no certificate or end before the validity. */
JPKI_API jpki_rc jpki_cert_validity_prefix(const uint8_t *der, size_t len, time_t *not_before,
                                           time_t *not_after, jpki_error *err);

/* Whole days from now to not_after, rounded down (negative = expired). */
JPKI_API long jpki_cert_days_left(const jpki_cert_info *info, time_t now);

/* "2025-03-31T14:59:59Z" */
JPKI_API void jpki_time_format(time_t t, char *buf, size_t n);
/* A time for people: local time (TZ), written as the user's language
 * writes dates -- "2025-03-31 23:59:59 JST" in English, "2025年3月31日
 * 23時59分59秒 JST" in Japanese; with_time false: the date alone.  Never
 * for records (those are jpki_time_format's UTC). */
JPKI_API void jpki_time_format_human(time_t t, bool with_time, char *buf, size_t n);
/* Parse "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SSZ",
 * "YYYY-MM-DDTHH:MM:SS+HH:MM" (or -HH:MM; an offset from UTC) or "@epoch". */
JPKI_API jpki_rc jpki_time_parse(const char *s, time_t *out, jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
