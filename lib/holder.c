/* The holder's basic-4 data (name, address, birth date, sex) from the
 * card-info input support application, and the JPKI subjectAltName made of
 * it.  A renewal copies the subjectAltName of the old signature
 * certificate; when there is none (after a signature password reset or a
 * face-authentication card turned back into a PIN card), this is where the
 * holder's data comes from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>

#include "card_internal.h"
#include "jpki/cert.h"
#include "jpki/profile.h"
#include "jpki/renew.h"

#define BASIC4_MAX 2048

/* Copy a text value: no NUL, no control bytes, fits. */
static bool take_text(const uint8_t *v, size_t n, char *dst, size_t cap)
{
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x20 || v[i] == 0x7F)
            return false;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return true;
}

/* Walk FF20 { DF21 .. DF25 } (BER, non-minimal lengths allowed). */
static jpki_rc parse_basic4(const uint8_t *b, size_t n, jpki_holder *h, jpki_error *err)
{
    size_t hdr, content;
    if (n < 2 || b[0] != 0xFF || b[1] != 0x20 || jpki_ber_header(b, n, &hdr, &content, err) != 1 ||
        hdr + content > n)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "basic-4 data: not an FF20 template");
    const uint8_t *p = b + hdr, *end = p + content;
    unsigned seen = 0;
    while (p < end) {
        if (jpki_ber_header(p, (size_t)(end - p), &hdr, &content, err) != 1 ||
            hdr + content > (size_t)(end - p) || hdr < 3 || p[0] != 0xDF)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA, "basic-4 data: malformed item");
        const uint8_t *v = p + hdr;
        bool ok = true;
        switch (p[1]) {
        case 0x22: ok = take_text(v, content, h->name, sizeof h->name); seen |= 1; break;
        case 0x23: ok = take_text(v, content, h->address, sizeof h->address); seen |= 2; break;
        case 0x24:
            ok = content == 8 && take_text(v, content, h->birth, sizeof h->birth) &&
                 strspn(h->birth, "0123456789") == 8;
            seen |= 4;
            break;
        case 0x25:
            ok = content == 1 && (v[0] == '1' || v[0] == '2' || v[0] == '9') &&
                 take_text(v, content, h->sex, sizeof h->sex);
            seen |= 8;
            break;
        default: /* DF21 offsets and anything newer: not needed */
            break;
        }
        if (!ok)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA, "basic-4 data: bad value in DF%02X", p[1]);
        p = v + content;
    }
    if (seen != 15)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "basic-4 data: an item is missing");
    return JPKI_OK;
}

jpki_rc jpki_read_holder(jpki_card *c, jpki_holder *h, jpki_error *err)
{
    memset(h, 0, sizeof *h);
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_rc rc = jpki_select_app(c, JPKI_APP_CARDINFO, err);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, JPKI_EF_CARDINFO_BASIC4, err);
    if (rc == JPKI_OK)
        rc = jpki_read_der(c, BASIC4_MAX, &der, &len, err);
    if (rc == JPKI_OK)
        rc = parse_basic4(der, len, h, err);
    free(der);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "reading the holder's data (card-info application)");
    return rc;
}

jpki_rc jpki_holder_san(const jpki_holder *h, uint8_t **san, size_t *san_len, jpki_error *err)
{
    *san = NULL;
    *san_len = 0;
    size_t cap = 128 + strlen(h->name) + strlen(h->address) + 64;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    unsigned char *p = buf + cap;
    size_t len = 0;
    int r;
    /* written backwards: the last otherName first */
    const struct { uint8_t arc; const char *v; } items[] = {
        {JPKI_SAN_ADDRESS, h->address}, {JPKI_SAN_BIRTH, h->birth},
        {JPKI_SAN_SEX, h->sex}, {JPKI_SAN_NAME, h->name}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        if ((r = jpki_san_write_other_name(&p, buf, items[i].arc, items[i].v)) < 0)
            goto fail;
        len += (size_t)r;
    }
    if ((r = mbedtls_asn1_write_len(&p, buf, len)) < 0)
        goto fail;
    len += (size_t)r;
    if ((r = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
        goto fail;
    len += (size_t)r;
    memmove(buf, p, len);
    *san = buf;
    *san_len = len;
    return JPKI_OK;
fail:
    free(buf);
    return jpki_error_set(err, JPKI_ERR_CRYPTO, "building the subjectAltName: mbedTLS -0x%04X",
                          (unsigned)-r);
}
