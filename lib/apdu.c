/* ISO 7816-4 APDU encoding and parsing (cases 1-4, short and extended). */
#include <stdio.h>
#include <string.h>

#include "jpki/apdu.h"

static bool needs_extended(const jpki_apdu *c)
{
    return c->nc > 255 || c->ne > 256;
}

jpki_rc jpki_apdu_encode(const jpki_apdu *c, bool extended_ok, uint8_t *out,
                         size_t cap, size_t *out_len, jpki_error *err)
{
    if (!c || !out || !out_len)
        return jpki_error_set(err, JPKI_ERR_ARG, "apdu: missing argument");
    if (c->nc > JPKI_APDU_MAX_DATA || c->ne > JPKI_APDU_MAX_NE)
        return jpki_error_set(err, JPKI_ERR_ARG, "apdu: Nc %zu / Ne %zu out of range",
                              c->nc, c->ne);
    if (c->nc && !c->data)
        return jpki_error_set(err, JPKI_ERR_ARG, "apdu: Nc %zu without data", c->nc);
    bool ext = needs_extended(c);
    if (ext && !extended_ok)
        return jpki_error_set(err, JPKI_ERR_UNSUPPORTED,
                              "apdu: needs extended length, which the card does not offer");
    size_t need = 4 + c->nc;
    if (ext)
        need += (c->nc ? 3 : 0) + (c->ne ? (c->nc ? 2 : 3) : 0);
    else
        need += (c->nc ? 1 : 0) + (c->ne ? 1 : 0);
    if (need > cap)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "apdu: %zu bytes do not fit %zu", need, cap);

    size_t n = 0;
    out[n++] = c->cla;
    out[n++] = c->ins;
    out[n++] = c->p1;
    out[n++] = c->p2;
    if (ext) {
        if (c->nc) {
            out[n++] = 0;
            out[n++] = (uint8_t)(c->nc >> 8);
            out[n++] = (uint8_t)c->nc;
            memcpy(out + n, c->data, c->nc);
            n += c->nc;
        }
        if (c->ne) {
            size_t le = c->ne == 65536 ? 0 : c->ne;
            if (!c->nc)
                out[n++] = 0;
            out[n++] = (uint8_t)(le >> 8);
            out[n++] = (uint8_t)le;
        }
    } else {
        if (c->nc) {
            out[n++] = (uint8_t)c->nc;
            memcpy(out + n, c->data, c->nc);
            n += c->nc;
        }
        if (c->ne)
            out[n++] = (uint8_t)(c->ne == 256 ? 0 : c->ne);
    }
    *out_len = n;
    return JPKI_OK;
}

jpki_rc jpki_apdu_parse(const uint8_t *b, size_t len, jpki_apdu *c, jpki_error *err)
{
    if (!b || !c)
        return jpki_error_set(err, JPKI_ERR_ARG, "apdu: missing argument");
    if (len < 4)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "apdu: %zu bytes is shorter than a header", len);
    memset(c, 0, sizeof *c);
    c->cla = b[0];
    c->ins = b[1];
    c->p1 = b[2];
    c->p2 = b[3];
    size_t rest = len - 4;
    const uint8_t *p = b + 4;
    if (rest == 0)
        return JPKI_OK; /* case 1 */
    if (rest == 1) {   /* case 2 short */
        c->ne = p[0] ? p[0] : 256;
        return JPKI_OK;
    }
    if (p[0] != 0) {   /* short case 3 or 4 */
        size_t lc = p[0];
        if (rest == 1 + lc) {
            c->nc = lc;
            c->data = p + 1;
            return JPKI_OK;
        }
        if (rest == 2 + lc) {
            c->nc = lc;
            c->data = p + 1;
            c->ne = p[1 + lc] ? p[1 + lc] : 256;
            return JPKI_OK;
        }
        return jpki_error_set(err, JPKI_ERR_FORMAT, "apdu: Lc %zu does not match %zu body bytes", lc, rest);
    }
    /* p[0] == 0: extended */
    if (rest == 3) {   /* case 2 extended */
        size_t le = ((size_t)p[1] << 8) | p[2];
        c->ne = le ? le : 65536;
        return JPKI_OK;
    }
    if (rest < 3)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "apdu: truncated extended length");
    size_t lc = ((size_t)p[1] << 8) | p[2];
    if (lc == 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "apdu: extended Lc of zero");
    if (rest == 3 + lc) {
        c->nc = lc;
        c->data = p + 3;
        return JPKI_OK;
    }
    if (rest == 5 + lc) {
        c->nc = lc;
        c->data = p + 3;
        size_t le = ((size_t)p[3 + lc] << 8) | p[4 + lc];
        c->ne = le ? le : 65536;
        return JPKI_OK;
    }
    return jpki_error_set(err, JPKI_ERR_FORMAT, "apdu: extended Lc %zu does not match %zu body bytes", lc, rest);
}

jpki_rc jpki_response_parse(const uint8_t *b, size_t len, jpki_response *r, jpki_error *err)
{
    if (!b || !r)
        return jpki_error_set(err, JPKI_ERR_ARG, "response: missing argument");
    if (len < 2)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "response of %zu bytes has no status word", len);
    if (len - 2 > JPKI_RESP_DATA_MAX)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "response of %zu bytes is too long", len);
    r->len = len - 2;
    memcpy(r->data, b, r->len);
    r->sw = (uint16_t)((b[len - 2] << 8) | b[len - 1]);
    return JPKI_OK;
}

const char *jpki_sw_describe(uint16_t sw, char *buf, size_t n)
{
    uint8_t s1 = (uint8_t)(sw >> 8), s2 = (uint8_t)sw;
    const char *m = NULL;
    switch (sw) {
    case 0x9000: m = "success"; break;
    case 0x6281: m = "part of returned data may be corrupted"; break;
    case 0x6282: m = "end of file reached before Le bytes"; break;
    case 0x6300: m = "verification failed"; break;
    case 0x6581: m = "memory failure"; break;
    case 0x6700: m = "wrong length"; break;
    case 0x6881: m = "logical channel not supported"; break;
    case 0x6882: m = "secure messaging not supported"; break;
    case 0x6981: m = "command incompatible with file structure"; break;
    case 0x6982: m = "security status not satisfied"; break;
    case 0x6983: m = "authentication method blocked"; break;
    case 0x6984: m = "reference data not usable (blocked or disabled)"; break;
    case 0x6985: m = "conditions of use not satisfied"; break;
    case 0x6986: m = "command not allowed (no current EF)"; break;
    case 0x6A80: m = "incorrect data field"; break;
    case 0x6A81: m = "function not supported"; break;
    case 0x6A82: m = "file or application not found"; break;
    case 0x6A84: m = "not enough memory space in the file"; break;
    case 0x6A86: m = "incorrect P1-P2"; break;
    case 0x6A88: m = "referenced data not found"; break;
    case 0x6B00: m = "wrong parameters (offset outside the EF)"; break;
    case 0x6D00: m = "instruction not supported"; break;
    case 0x6E00: m = "class not supported"; break;
    case 0x6F00: m = "no precise diagnosis"; break;
    default: break;
    }
    if (m)
        snprintf(buf, n, "%04X: %s", sw, m);
    else if (s1 == 0x63 && (s2 & 0xF0) == 0xC0)
        snprintf(buf, n, "%04X: wrong PIN or counter, %u tr%s left", sw, s2 & 0x0F,
                 (s2 & 0x0F) == 1 ? "y" : "ies");
    else if (s1 == 0x61)
        snprintf(buf, n, "%04X: %u more bytes available (GET RESPONSE)", sw, s2 ? s2 : 256);
    else if (s1 == 0x6C)
        snprintf(buf, n, "%04X: wrong Le, exact length is %u", sw, s2 ? s2 : 256);
    else if (s1 == 0x62 || s1 == 0x63)
        snprintf(buf, n, "%04X: warning", sw);
    else if (s1 == 0x64 || s1 == 0x65)
        snprintf(buf, n, "%04X: execution error", sw);
    else if (s1 == 0x67)
        snprintf(buf, n, "%04X: wrong length", sw);
    else
        snprintf(buf, n, "%04X: unknown status", sw);
    return buf;
}

const char *jpki_ins_name(uint8_t cla, uint8_t ins, char *buf, size_t n)
{
    const char *m = NULL;
    switch (ins) {
    case 0xA4: m = "SELECT"; break;
    case 0xB0: m = "READ BINARY"; break;
    case 0xB2: m = "READ RECORD"; break;
    case 0xD6: m = "UPDATE BINARY"; break;
    case 0x20: m = "VERIFY"; break;
    case 0x24: m = "CHANGE REFERENCE DATA"; break;
    case 0x26: m = "DISABLE VERIFICATION REQUIREMENT"; break;
    case 0x28: m = "ENABLE VERIFICATION REQUIREMENT"; break;
    case 0x2C: m = "RESET RETRY COUNTER"; break;
    case 0x84: m = "GET CHALLENGE"; break;
    case 0x82: m = "MUTUAL AUTHENTICATE"; break;
    case 0x88: m = "INTERNAL AUTHENTICATE"; break;
    case 0x47: m = "GENERATE ASYMMETRIC KEY PAIR"; break;
    case 0x44: m = "ACTIVATE FILE"; break;
    case 0xCA: m = "GET DATA"; break;
    case 0xC0: m = "GET RESPONSE"; break;
    case 0x2A: m = (cla & 0x80) ? "COMPUTE DIGITAL SIGNATURE (JPKI)" : "PERFORM SECURITY OPERATION"; break;
    case 0x22: m = "MANAGE SECURITY ENVIRONMENT"; break;
    default: break;
    }
    if (m)
        snprintf(buf, n, "%s", m);
    else
        snprintf(buf, n, "INS %02X", ins);
    return buf;
}
