/* ASN.1 character strings to code points.  Anything that is not a valid
 * character of its type (bad UTF-8, overlong forms, surrogates, 8-bit bytes
 * in PrintableString/IA5String) comes out as raw bytes so the caller can
 * escape them: a name is shown exactly or visibly damaged, never quietly
 * rewritten. */
#include "asn1_string.h"

#include <mbedtls/asn1.h>

#define TAG_TELETEX 0x14
#define TAG_UNIVERSAL 0x1C
#define TAG_BMP 0x1E

bool jpki_asn1_string_tag(int tag)
{
    return tag == MBEDTLS_ASN1_UTF8_STRING || tag == MBEDTLS_ASN1_PRINTABLE_STRING ||
           tag == MBEDTLS_ASN1_IA5_STRING || tag == TAG_TELETEX || tag == TAG_BMP ||
           tag == TAG_UNIVERSAL;
}

static bool is_scalar(uint32_t cp)
{
    return cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 table: no overlongs,
 * no surrogates, nothing past U+10FFFF), 0 when invalid. */
static size_t utf8_seq(const uint8_t *p, size_t left, uint32_t *cp)
{
    uint8_t b = p[0];
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        *cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        *cp = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;
        if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        *cp = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        if (b == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (left < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    return n;
}

static size_t raw_bytes(const uint8_t *p, size_t n, jpki_uchar *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (jpki_uchar){0, p[i]};
    return n;
}

/* Fixed-width big-endian code units (BMPString: 2, UniversalString: 4). */
static size_t wide(const uint8_t *p, size_t len, size_t w, jpki_uchar *out)
{
    size_t k = 0, i = 0;
    for (; i + w <= len; i += w) {
        uint32_t cp = 0;
        for (size_t j = 0; j < w; j++)
            cp = (cp << 8) | p[i + j];
        if (is_scalar(cp))
            out[k++] = (jpki_uchar){cp, -1};
        else
            k += raw_bytes(p + i, w, out + k);
    }
    return k + raw_bytes(p + i, len - i, out + k); /* a torn last unit */
}

size_t jpki_asn1_string_decode(int tag, const uint8_t *p, size_t len, jpki_uchar *out)
{
    size_t k = 0;
    switch (tag) {
    case TAG_BMP: return wide(p, len, 2, out);
    case TAG_UNIVERSAL: return wide(p, len, 4, out);
    case TAG_TELETEX:
        /* T.61 proper is a maze of shifts; in practice CAs put Latin-1
         * there, which maps one byte to one code point. */
        for (size_t i = 0; i < len; i++)
            out[k++] = (jpki_uchar){p[i], -1};
        return k;
    case MBEDTLS_ASN1_UTF8_STRING:
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t n = utf8_seq(p + i, len - i, &cp);
            if (n == 0) {
                out[k++] = (jpki_uchar){0, p[i]};
                i++;
            } else {
                out[k++] = (jpki_uchar){cp, -1};
                i += n;
            }
        }
        return k;
    default: /* PrintableString, IA5String: 7-bit only */
        for (size_t i = 0; i < len; i++)
            out[k++] = p[i] < 0x80 ? (jpki_uchar){p[i], -1} : (jpki_uchar){0, p[i]};
        return k;
    }
}

size_t jpki_utf8_put(uint32_t cp, char *b)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool jpki_uchar_is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}
