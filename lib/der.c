/* BER tag/length headers as the card writes them.  The card's encodings are
 * sometimes non-minimal (FF 10 82 00 9F), so "DER" here means "BER lengths,
 * definite form" -- strict DER parsers reject what real cards return. */
#include "card_internal.h"

#define MAX_TAG_BYTES 4
#define MAX_LEN_BYTES 4

int jpki_ber_header(const uint8_t *b, size_t n, size_t *hdr, size_t *content,
                    jpki_error *err)
{
    size_t i = 0;
    if (n < 1)
        return 0;
    if ((b[i++] & 0x1F) == 0x1F) { /* high tag number: more tag bytes */
        for (;;) {
            if (i >= n)
                return 0;
            if (i >= MAX_TAG_BYTES) {
                jpki_error_set(err, JPKI_ERR_CARD_DATA, "BER tag longer than %d bytes",
                               MAX_TAG_BYTES);
                return -1;
            }
            if (!(b[i++] & 0x80))
                break;
        }
    }
    if (i >= n)
        return 0;
    uint8_t l = b[i++];
    if (l < 0x80) {
        *hdr = i;
        *content = l;
        return 1;
    }
    if (l == 0x80) {
        jpki_error_set(err, JPKI_ERR_CARD_DATA, "BER indefinite length is not allowed here");
        return -1;
    }
    size_t k = l & 0x7F;
    if (k > MAX_LEN_BYTES) {
        jpki_error_set(err, JPKI_ERR_CARD_DATA, "BER length of %zu bytes is too large", k);
        return -1;
    }
    if (i + k > n)
        return 0;
    size_t v = 0;
    for (size_t j = 0; j < k; j++)
        v = (v << 8) | b[i++];
    *hdr = i;
    *content = v;
    return 1;
}
