/* Which bytes of a command APDU are PIN data.  Every output path (text
 * trace, CBOR file, jpki-apdu's echo, replay error messages) goes through
 * this, so there is one definition of "secret" to get right. */
#include <string.h>

#include "jpki/apdu.h"
#include "jpki/profile.h"
#include "jpki/trace.h"

#define REDACT_BYTE 0xFF

/* Commands whose data field is a PIN or new reference data.  The odd-INS
 * forms (BER-TLV data) are included: a reader of another card may use them,
 * and hiding too much is harmless where hiding too little is not. */
static bool carries_pin(uint8_t ins)
{
    switch (ins) {
    case JPKI_INS_VERIFY:
    case JPKI_INS_VERIFY + 1:
    case JPKI_INS_CHANGE_REF:
    case JPKI_INS_CHANGE_REF + 1:
    case JPKI_INS_RESET_RETRY:
    case JPKI_INS_RESET_RETRY + 1:
    case JPKI_INS_ENABLE_VERIF:
        return true;
    default:
        return false;
    }
}

/* ENABLE VERIFICATION REQUIREMENT carries "tag len PIN" four times.  Only
 * the values are secret; keeping tags and lengths lets the trace say which
 * PIN is which (the lengths are already implied by Lc).  Anything that is
 * not clean short-form TLV is hidden whole. */
static size_t mask_tlv_values(const uint8_t *d, size_t n, uint8_t *mask)
{
    size_t i = 0, hidden = 0;
    while (i < n) {
        if (i + 2 > n || d[i + 1] >= 0x80 || i + 2 + d[i + 1] > n) {
            memset(mask, 1, n);
            return n;
        }
        size_t l = d[i + 1];
        memset(mask + i + 2, 1, l);
        hidden += l;
        i += 2 + l;
    }
    return hidden;
}

size_t jpki_trace_pin_mask(const uint8_t *capdu, size_t clen, uint8_t *mask)
{
    if (!capdu || !mask || clen == 0)
        return 0;
    memset(mask, 0, clen);
    if (clen < 2 || !carries_pin(capdu[1]))
        return 0;
    jpki_apdu a;
    if (jpki_apdu_parse(capdu, clen, &a, NULL) != JPKI_OK) {
        /* Unparseable: we cannot tell where the data is, so hide everything
         * after the header rather than guess. */
        if (clen <= 4)
            return 0;
        memset(mask + 4, 1, clen - 4);
        return clen - 4;
    }
    if (a.nc == 0)
        return 0;
    size_t off = (size_t)(a.data - capdu);
    if (a.ins == JPKI_INS_ENABLE_VERIF)
        return mask_tlv_values(a.data, a.nc, mask + off);
    memset(mask + off, 1, a.nc);
    return a.nc;
}

bool jpki_trace_redact(const uint8_t *capdu, size_t clen, uint8_t *out)
{
    if (!capdu || !out)
        return false;
    memcpy(out, capdu, clen);
    if (clen < 2 || !carries_pin(capdu[1]))
        return false;
    /* Redaction runs on every traced APDU; PIN commands are rare and short,
     * so a bounded stack mask covers them and bigger ones are hidden whole. */
    uint8_t mask[4 + 3 + 255 + 2];
    if (clen > sizeof mask) {
        memset(out + 4, REDACT_BYTE, clen - 4);
        return true;
    }
    if (jpki_trace_pin_mask(capdu, clen, mask) == 0)
        return false;
    for (size_t i = 0; i < clen; i++)
        if (mask[i])
            out[i] = REDACT_BYTE;
    return true;
}
