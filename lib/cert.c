/* Certificate facts for the tools (subject, issuer, serial, validity, key
 * size) parsed with mbedTLS; the JPKI subjectAltName otherNames are in
 * cert_san.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "x509_parse.h"
#include "cert_internal.h"
#include "dn_format.h"
#include "time_internal.h"
#include "jpki/cert.h"

#define PEM_MAX (64 * 1024) /* one certificate in PEM is a few KiB */

time_t cert_x509_time_to_epoch(const mbedtls_x509_time *t)
{
    /* certificate times are UTC; mbedTLS has checked the fields' ranges */
    return time_utc_seconds(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static jpki_rc serial_hex(const mbedtls_x509_buf *s, char *out, size_t n, jpki_error *err)
{
    const uint8_t *p = s->p;
    size_t len = s->len;
    /* The leading 00 that keeps a DER INTEGER positive is not part of the
     * number people compare serials by. */
    if (len > 1 && p[0] == 0x00) {
        p++;
        len--;
    }
    if (len * 2 + 1 > n)
        return jpki_error_set(err, JPKI_ERR_CERT, "certificate serial of %zu bytes is too long",
                              len);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * len] = '\0';
    return JPKI_OK;
}

static bool looks_pem(const uint8_t *buf, size_t len)
{
    static const char mark[] = "-----BEGIN ";
    size_t m = sizeof mark - 1;
    for (size_t i = 0; i + m <= len && i < 1024; i++)
        if (memcmp(buf + i, mark, m) == 0)
            return true;
    return false;
}

static jpki_rc parse_into(mbedtls_x509_crt *crt, const uint8_t *buf, size_t len, jpki_error *err)
{
    int ret;
    if (looks_pem(buf, len)) {
        if (len > PEM_MAX)
            return jpki_error_set(err, JPKI_ERR_LIMIT, "PEM input of %zu bytes is too large", len);
        /* One canonical block (what stream readers hand over) is decoded
         * here; mbedTLS parses the same DER it would have decoded itself.
         * Any other PEM goes to mbedTLS whole (pem_canonical.c says why). */
        uint8_t der[PEM_MAX / 4 * 3];
        size_t dlen;
        if (jpki_pem_cert_canonical(buf, len, der, sizeof der, &dlen)) {
            ret = jpki_x509_parse_der(crt, der, dlen);
        } else {
            /* mbedTLS wants PEM NUL-terminated, with the NUL counted. */
            uint8_t *z = malloc(len + 1);
            if (!z)
                return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
            memcpy(z, buf, len);
            z[len] = '\0';
            ret = jpki_x509_parse_pem(crt, z, len + 1);
            free(z);
        }
    } else {
        ret = jpki_x509_parse_der(crt, buf, len);
    }
    if (ret < 0 || crt->raw.p == NULL) {
        char msg[128];
        mbedtls_strerror(ret, msg, sizeof msg);
        jpki_error_set(err, JPKI_ERR_CERT, "not a valid X.509 certificate: %s", msg);
        if (err)
            err->detail = ret;
        return JPKI_ERR_CERT;
    }
    return JPKI_OK;
}

jpki_rc jpki_cert_parse(const uint8_t *buf, size_t len, jpki_cert_info *info, jpki_error *err)
{
    if (!buf || !info)
        return jpki_error_set(err, JPKI_ERR_ARG, "certificate: missing argument");
    memset(info, 0, sizeof *info);
    if (len == 0)
        return jpki_error_set(err, JPKI_ERR_CERT, "certificate: empty input");
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    jpki_rc rc = parse_into(&crt, buf, len, err);
    if (rc == JPKI_OK) {
        if (jpki_dn_format_names(&crt.subject, info->subject, sizeof info->subject) != 0 ||
            jpki_dn_format_names(&crt.issuer, info->issuer, sizeof info->issuer) != 0)
            rc = jpki_error_set(err, JPKI_ERR_CERT, "certificate names are too long");
    }
    if (rc == JPKI_OK)
        rc = serial_hex(&crt.serial, info->serial_hex, sizeof info->serial_hex, err);
    if (rc == JPKI_OK) {
        info->not_before = cert_x509_time_to_epoch(&crt.valid_from);
        info->not_after = cert_x509_time_to_epoch(&crt.valid_to);
        info->key_bits = (int)mbedtls_pk_get_bitlen(&crt.pk);
        rc = jpki_cert_jpki_san(crt.v3_ext.p, crt.v3_ext.len, info, err);
    }
    mbedtls_x509_crt_free(&crt);
    if (rc != JPKI_OK) {
        jpki_cert_info blank;
        memset(&blank, 0, sizeof blank);
        *info = blank;
    }
    return rc;
}

long jpki_cert_days_left(const jpki_cert_info *info, time_t now)
{
    long long d = (long long)info->not_after - (long long)now;
    long long q = d / 86400;
    if (d % 86400 != 0 && d < 0)
        q--; /* round toward minus infinity: one second late is "expired" */
    return (long)q;
}
