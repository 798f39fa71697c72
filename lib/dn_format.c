/* Distinguished names as UTF-8 text.  mbedtls_x509_dn_gets replaces every
 * byte outside printable ASCII by '?', which turns a Japanese holder name
 * into question marks; here each value is decoded per its ASN.1 string type
 * and escaped in the manner of RFC 4514, so the text is exact and cannot
 * be mistaken for a different name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform.h>

#include "asn1_string.h"
#include "dn_format.h"
#include "jpki/cert.h"

typedef struct out_text {
    char *buf;
    size_t cap, len;
    bool full;
} out_text;

static void put(out_text *o, const char *s, size_t n)
{
    if (o->full || o->len + n >= o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void put_s(out_text *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_hex_escape(out_text *o, unsigned b)
{
    char e[4];
    snprintf(e, sizeof e, "\\%02X", b & 0xFF);
    put(o, e, 3);
}

/* Attribute types by their DER OID; the rest print dotted. */
typedef struct attr_name {
    const char *oid;
    size_t len;
    const char *name;
} attr_name;

#define ATTR(o, n) {o, sizeof o - 1, n}
static const attr_name attr_names[] = {
    ATTR(MBEDTLS_OID_AT_CN, "CN"),
    ATTR(MBEDTLS_OID_AT_SUR_NAME, "SN"),
    ATTR(MBEDTLS_OID_AT_SERIAL_NUMBER, "SERIALNUMBER"),
    ATTR(MBEDTLS_OID_AT_COUNTRY, "C"),
    ATTR(MBEDTLS_OID_AT_LOCALITY, "L"),
    ATTR(MBEDTLS_OID_AT_STATE, "ST"),
    ATTR(MBEDTLS_OID_AT_ORGANIZATION, "O"),
    ATTR(MBEDTLS_OID_AT_ORG_UNIT, "OU"),
    ATTR(MBEDTLS_OID_AT_TITLE, "TITLE"),
    ATTR(MBEDTLS_OID_AT_POSTAL_ADDRESS, "POSTALADDRESS"),
    ATTR(MBEDTLS_OID_AT_POSTAL_CODE, "POSTALCODE"),
    ATTR(MBEDTLS_OID_AT_GIVEN_NAME, "GN"),
    ATTR(MBEDTLS_OID_AT_INITIALS, "INITIALS"),
    ATTR(MBEDTLS_OID_AT_GENERATION_QUALIFIER, "GENERATIONQUALIFIER"),
    ATTR(MBEDTLS_OID_AT_DN_QUALIFIER, "DNQUALIFIER"),
    ATTR(MBEDTLS_OID_AT_PSEUDONYM, "PSEUDONYM"),
    ATTR(MBEDTLS_OID_DOMAIN_COMPONENT, "DC"),
    ATTR(MBEDTLS_OID_PKCS9_EMAIL, "EMAILADDRESS"),
};

static const char *attr_short_name(const mbedtls_x509_buf *oid)
{
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
        if (oid->len == attr_names[i].len && memcmp(oid->p, attr_names[i].oid, oid->len) == 0)
            return attr_names[i].name;
    return NULL;
}

/* "#" and the hex of the value's whole DER encoding (RFC 4514 2.4), for
 * unknown attribute types and values that are not character strings. */
static void put_hex_value(out_text *o, const mbedtls_x509_buf *v)
{
    uint8_t hdr[6];
    size_t h = 0;
    hdr[h++] = (uint8_t)v->tag;
    if (v->len < 0x80) {
        hdr[h++] = (uint8_t)v->len;
    } else {
        size_t nb = 0;
        for (size_t l = v->len; l; l >>= 8)
            nb++;
        if (nb > 4) {
            o->full = true;
            return;
        }
        hdr[h++] = (uint8_t)(0x80 | nb);
        for (size_t i = nb; i-- > 0;)
            hdr[h++] = (uint8_t)(v->len >> (8 * i));
    }
    char x[3];
    put(o, "#", 1);
    for (size_t i = 0; i < h; i++) {
        snprintf(x, sizeof x, "%02x", hdr[i]);
        put(o, x, 2);
    }
    for (size_t i = 0; i < v->len; i++) {
        snprintf(x, sizeof x, "%02x", v->p[i]);
        put(o, x, 2);
    }
}

static void put_string_value(out_text *o, const mbedtls_x509_buf *v)
{
    /* Names are short: the stack holds the usual ones (a malloc per
     * attribute was a tenth of checking a certificate stream). */
    jpki_uchar small[128];
    jpki_uchar *u = v->len <= 128 ? small : malloc(v->len * sizeof *u);
    if (!u) {
        o->full = true;
        return;
    }
    size_t n = jpki_asn1_string_decode(v->tag, v->p, v->len, u);
    for (size_t i = 0; i < n; i++) {
        if (u[i].raw >= 0) {
            put_hex_escape(o, (unsigned)u[i].raw);
            continue;
        }
        uint32_t cp = u[i].cp;
        char b[4];
        if (jpki_uchar_is_control(cp)) {
            /* control characters: shown as their UTF-8 bytes in hex */
            size_t k = jpki_utf8_put(cp, b);
            for (size_t j = 0; j < k; j++)
                put_hex_escape(o, (unsigned char)b[j]);
            continue;
        }
        bool special = cp == ',' || cp == '+' || cp == '"' || cp == '\\' || cp == '<' || cp == '>' ||
                       cp == ';';
        if ((i == 0 && (cp == '#' || cp == ' ')) || (i + 1 == n && cp == ' '))
            special = true;
        if (special)
            put(o, "\\", 1);
        put(o, b, jpki_utf8_put(cp, b));
    }
    if (u != small)
        free(u);
}

int jpki_dn_format_names(const mbedtls_x509_name *dn, char *out, size_t n)
{
    if (!out || n == 0)
        return -1;
    out[0] = '\0';
    out_text o = {out, n, 0, false};
    bool merged = false, first = true;
    /* The order is the encoded one (country first), as mbedTLS and so
     * these tools always printed it; the separators are mbedTLS's too. */
    for (const mbedtls_x509_name *a = dn; a; a = a->next) {
        if (!a->oid.p)
            continue;
        if (!first)
            put_s(&o, merged ? " + " : ", ");
        first = false;
        const char *name = attr_short_name(&a->oid);
        if (name) {
            put_s(&o, name);
        } else {
            char dotted[128];
            if (mbedtls_oid_get_numeric_string(dotted, sizeof dotted, &a->oid) < 0)
                o.full = true;
            else
                put_s(&o, dotted);
        }
        put(&o, "=", 1);
        if (name && jpki_asn1_string_tag(a->val.tag))
            put_string_value(&o, &a->val);
        else
            put_hex_value(&o, &a->val);
        merged = a->next_merged != 0;
    }
    if (o.full) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

jpki_rc jpki_dn_format(const uint8_t *der, size_t len, char *out, size_t n, jpki_error *err)
{
    if (!der || !out || n == 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "distinguished name: missing argument");
    out[0] = '\0';
    unsigned char *p = (unsigned char *)der;
    const unsigned char *end = der + len;
    size_t inner;
    if (mbedtls_asn1_get_tag(&p, end, &inner, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        p + inner != end)
        return jpki_error_set(err, JPKI_ERR_CERT, "distinguished name is not a DER Name");
    mbedtls_x509_name head;
    memset(&head, 0, sizeof head);
    jpki_rc rc = JPKI_OK;
    if (inner > 0 && mbedtls_x509_get_name(&p, end, &head) != 0)
        rc = jpki_error_set(err, JPKI_ERR_CERT, "malformed distinguished name");
    if (rc == JPKI_OK && jpki_dn_format_names(&head, out, n) != 0)
        rc = jpki_error_set(err, JPKI_ERR_CERT, "distinguished name is too long to print");
    /* mbedTLS 2.28 has no free for a bare name list: the head is ours,
     * the rest was allocated by mbedtls_x509_get_name. */
    for (mbedtls_x509_name *a = head.next; a;) {
        mbedtls_x509_name *next = a->next;
        mbedtls_free(a);
        a = next;
    }
    return rc;
}
