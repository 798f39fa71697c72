/* Reading an ATR far enough to find the historical bytes and the card's
 * "extended Lc/Le" capability (ISO 7816-3 structure, ISO 7816-4 compact-TLV
 * card capabilities).  Only a card that says so gets extended APDUs: card
 * makers differ, and a wrong guess costs a 6700 or a hung reader. */
#include "jpki/transport.h"

/* Third software-function byte of the card capabilities: b7. */
#define CAPS3_EXTENDED_LC_LE 0x40
#define COMPACT_TAG_CARD_CAPS 0x7

/* Locate the historical bytes; false if the ATR is truncated. */
static bool historical_bytes(const uint8_t *atr, size_t len, const uint8_t **hist,
                             size_t *hlen)
{
    if (!atr || len < 2)
        return false;
    size_t k = atr[1] & 0x0F;
    uint8_t y = atr[1] >> 4; /* which of TAi..TDi follow */
    size_t i = 2;
    for (;;) {
        for (int bit = 0; bit < 4; bit++)
            if (y & (1u << bit))
                i++;
        if (i > len)
            return false;
        if (!(y & 0x8))
            break;              /* no TDi: interface bytes end here */
        y = atr[i - 1] >> 4;    /* TDi is the last byte just counted */
    }
    if (i + k > len)
        return false;
    *hist = atr + i;
    *hlen = k;
    return true;
}

bool jpki_atr_extended_length(const uint8_t *atr, size_t len)
{
    const uint8_t *h;
    size_t n;
    if (!historical_bytes(atr, len, &h, &n) || n == 0)
        return false;
    /* Category 00: compact-TLV objects then 3 status bytes; 80: compact-TLV
     * objects only.  Other categories carry no card-capabilities object. */
    size_t end;
    if (h[0] == 0x00)
        end = n >= 4 ? n - 3 : 1;
    else if (h[0] == 0x80)
        end = n;
    else
        return false;
    for (size_t i = 1; i < end;) {
        uint8_t tag = h[i] >> 4, l = h[i] & 0x0F;
        if (i + 1 + l > end)
            return false;
        if (tag == COMPACT_TAG_CARD_CAPS)
            return l >= 3 && (h[i + 3] & CAPS3_EXTENDED_LC_LE);
        i += 1 + (size_t)l;
    }
    return false;
}
