/* The fast road through a PEM certificate: one block exactly as openssl and
 * jpki-expiry-check's stream reader write it, decoded with a lookup table.
 *
 * WHY not mbedtls_pem_read_buffer: its base64 decoder is constant-time (a
 * few dozen operations per character, so that secret keys do not leak
 * through timing); on a stream of public certificates it was 70% of
 * jpki-expiry-check's time.  Certificates are public, so a table is fine.
 *
 * WHY the narrow shape: this decoder must never accept what mbedTLS
 * refuses, nor decode differently.  It only takes the canonical block --
 * armour lines, then lines of the base64 alphabet, '=' only as the last one
 * or two characters, a multiple of 4 characters, zero pad bits -- for which
 * mbedTLS's decoder yields exactly these bytes.  Anything else (headers,
 * spaces, CRLF, stray characters, odd lengths) answers "not canonical" and
 * the caller takes mbedTLS's road, so mbedTLS stays the one rule for what
 * a PEM block is. */
#include <string.h>

#include "cert_internal.h"

#define BEGIN_LINE "-----BEGIN CERTIFICATE-----\n"
#define END_LINE "-----END CERTIFICATE-----\n"

/* 0..63 for the alphabet, 64 for everything else. */
static const uint8_t b64_value[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
    X64, X64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

/* One line of whole quanta: 4 characters give 3 bytes.  The last quantum
 * of the block may end in '=' padding (*pad set, its bits must be zero). */
static bool decode_line(const uint8_t *p, size_t n, bool last, uint8_t *der, size_t *out,
                        size_t *pad)
{
    uint8_t *o = der + *out;
    for (size_t i = 0; i < n; i += 4, o += 3) {
        uint32_t a = b64_value[p[i]], b = b64_value[p[i + 1]], c = b64_value[p[i + 2]],
                 d = b64_value[p[i + 3]];
        if ((a | b | c | d) & 64) {
            /* Only the block's very last quantum may hold '=': "xx==" or "xxx=". */
            if (!last || i + 4 != n || (a | b) & 64 || p[i + 3] != '=')
                return false;
            if (p[i + 2] == '=') {
                *pad = 2;
                c = 0;
            } else if (c & 64) {
                return false;
            } else {
                *pad = 1;
            }
            d = 0;
        }
        uint32_t acc = a << 18 | b << 12 | c << 6 | d;
        o[0] = (uint8_t)(acc >> 16);
        o[1] = (uint8_t)(acc >> 8);
        o[2] = (uint8_t)acc;
    }
    *out = (size_t)(o - der);
    return true;
}

bool jpki_pem_cert_canonical(const uint8_t *pem, size_t len, uint8_t *der, size_t cap,
                             size_t *der_len)
{
    const size_t bl = sizeof BEGIN_LINE - 1, el = sizeof END_LINE - 1;
    if (len < bl + el || memcmp(pem, BEGIN_LINE, bl) != 0 ||
        memcmp(pem + len - el, END_LINE, el) != 0)
        return false;
    const uint8_t *p = pem + bl, *end = pem + len - el;
    size_t out = 0, pad = 0;
    if (p == end || end[-1] != '\n')
        return false;
    /* Every line a whole number of quanta (openssl writes 64 characters);
     * other wrappings are left to mbedTLS. */
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p); /* end[-1] is '\n': the END line follows one */
        if (n == 0 || n % 4 != 0 || out + n / 4 * 3 > cap)
            return false;
        if (!decode_line(p, n, nl + 1 == end, der, &out, &pad))
            return false;
        p = nl + 1;
    }
    /* The bits under the padding must be zero, as in a canonical encoding. */
    if ((pad == 1 && der[out - 1] != 0) || (pad == 2 && (der[out - 1] | der[out - 2]) != 0))
        return false;
    *der_len = out - pad;
    return *der_len > 0;
}
