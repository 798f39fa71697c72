/* READ BINARY in short chunks and whole DER objects sized from their header
 * (so we never read past the object nor trust a fixed file size). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "jpki/cert.h"
#include "jpki/profile.h"

#define SHORT_CHUNK 256
/* A card that announces extended Lc/Le gets whole files in one READ BINARY
 * (a certificate of ~1.8 KB: header probe + one read).  4 KiB keeps the
 * request well inside every extended-capable reader's buffer. */
#define EXTENDED_CHUNK 4096
#define MAX_SHORT_OFFSET 0x7FFF /* P1 bit 8 set would mean a short EF id */
#define HEADER_PROBE 4          /* 30 82 LL LL: what most certificates need */
#define HEADER_MAX 9            /* 4 tag bytes + 1 + 4 length bytes */

static jpki_rc read_status_error(jpki_error *err, uint16_t sw)
{
    switch (sw) {
    case 0x6982:
        return card_sw_error(err, JPKI_ERR_AUTH, sw, "reading: PIN not verified");
    case 0x6A82:
    case 0x6A88: /* referenced data not found: the EF holds no object (yet) */
        return card_sw_error(err, JPKI_ERR_NOT_FOUND, sw, "reading");
    case 0x6986:
        return card_sw_error(err, JPKI_ERR_STATE, sw, "reading: no file selected");
    default:
        return card_sw_error(err, JPKI_ERR_CARD, sw, "reading");
    }
}

/* The largest READ BINARY the card takes in one APDU. */
static size_t read_chunk(const jpki_card *c)
{
    return c->t && jpki_transport_extended_ok(c->t) ? EXTENDED_CHUNK : SHORT_CHUNK;
}

/* one_chunk: stop after the first READ the card answers with data (the
 * size probe of read_der_in_tx). */
static jpki_rc read_chunks(jpki_card *c, size_t off, size_t len, bool one_chunk, uint8_t *out,
                           size_t *got, jpki_response *r, jpki_error *err)
{
    size_t done = 0;
    size_t chunk = read_chunk(c);
    while (done < len) {
        size_t want = len - done < chunk ? len - done : chunk;
        size_t at = off + done;
        jpki_apdu a = {.cla = 0x00, .ins = JPKI_INS_READ_BINARY, .p1 = (uint8_t)(at >> 8),
                       .p2 = (uint8_t)at, .ne = want};
        jpki_rc rc = card_send(c, &a, r, err);
        if (rc != JPKI_OK)
            return rc;
        bool eof = false;
        if (r->sw == 0x6B00)
            break; /* offset past the end: the file ended on a chunk boundary */
        if (r->sw == 0x6700 && want > SHORT_CHUNK) {
            /* The ATR promised more than the card does: short READs from
             * now on, for the rest of this session too. */
            chunk = SHORT_CHUNK;
            jpki_transport_set_extended_ok(c->t, false);
            continue;
        }
        /* 6Cxx (ISO 7816-4): wrong Le, xx bytes are there.  Ask for exactly
         * those once: the file ends after them. */
        if ((r->sw & 0xFF00) == 0x6C00) {
            size_t exact = (r->sw & 0xFF) ? (r->sw & 0xFF) : SHORT_CHUNK;
            if (exact < want) {
                len = done + exact;
                continue;
            }
        }
        /* End of file before Le bytes: cards differ -- 6282 on some, 9000
         * with fewer bytes on others (JICSAP).  Both end the file. */
        if (r->sw == 0x6282)
            eof = true;
        else if (!jpki_sw_ok(r->sw))
            return read_status_error(err, r->sw);
        if (r->len > want)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                                  "reading: card returned %zu bytes for %zu requested", r->len,
                                  want);
        memcpy(out + done, r->data, r->len);
        done += r->len;
        if (eof || r->len < want || one_chunk)
            break;
    }
    *got = done;
    return JPKI_OK;
}

static jpki_rc read_binary(jpki_card *c, size_t off, size_t len, bool one_chunk, uint8_t *out,
                           size_t *got, jpki_error *err)
{
    if (!out || !got)
        return jpki_error_set(err, JPKI_ERR_ARG, "read binary: missing argument");
    *got = 0;
    if (off > MAX_SHORT_OFFSET + 1 || len > MAX_SHORT_OFFSET + 1 - off)
        return jpki_error_set(err, JPKI_ERR_LIMIT,
                              "read binary: offset %zu + %zu beyond 32 KiB (short READ BINARY)",
                              off, len);
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc == JPKI_OK)
        rc = card_end(c, read_chunks(c, off, len, one_chunk, out, got, r, err), err);
    free(r);
    return rc;
}

jpki_rc jpki_read_binary(jpki_card *c, size_t off, size_t len, uint8_t *out, size_t *got,
                         jpki_error *err)
{
    return read_binary(c, off, len, false, out, got, err);
}

/* Erased or never-written files read as all 00 or all FF.  Only the whole
 * probe counts: FF alone is a valid first tag byte (FF 10, FF 20 on the
 * card-info application). */
static bool looks_erased(const uint8_t *b, size_t n)
{
    bool zeros = true, ones = true;
    for (size_t i = 0; i < n; i++) {
        zeros = zeros && b[i] == 0x00;
        ones = ones && b[i] == 0xFF;
    }
    return zeros || ones;
}

/* Inside a transaction: one full-size READ at offset 0 (what public readers
 * do: Le=00 on short cards), the size from the header inside it, then only
 * what is still missing.  A certificate costs ceil(size / chunk) READs --
 * one on a card that takes extended length -- instead of a 4-byte header
 * probe plus the rest. */
static jpki_rc read_der_in_tx(jpki_card *c, size_t max, uint8_t **out, size_t *len,
                              jpki_error *err)
{
    size_t first = read_chunk(c), have = 0, hdr = 0, content = 0;
    uint8_t *buf = malloc(first);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    jpki_rc rc = read_binary(c, 0, first, true, buf, &have, err);
    if (rc != JPKI_OK)
        goto fail;
    if (have == 0 || looks_erased(buf, have < HEADER_PROBE ? have : HEADER_PROBE)) {
        rc = jpki_error_set(err, JPKI_ERR_NOT_FOUND, "the file is empty");
        goto fail;
    }
    int h = jpki_ber_header(buf, have < HEADER_MAX ? have : HEADER_MAX, &hdr, &content, err);
    if (h < 0) {
        rc = jpki_error_prefix(err, "the file does not start with a BER object");
        goto fail;
    }
    if (h == 0) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA, "the file ends inside a BER header");
        goto fail;
    }
    if (content > max || hdr + content > max) {
        rc = jpki_error_set(err, JPKI_ERR_LIMIT,
                            "the object on the card claims %zu bytes, more than the %zu allowed",
                            content, max);
        goto fail;
    }
    size_t total = hdr + content;
    if (total > have) {
        uint8_t *grown = realloc(buf, total);
        if (!grown) {
            rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
            goto fail;
        }
        buf = grown;
        size_t got = 0;
        rc = jpki_read_binary(c, have, total - have, buf + have, &got, err);
        if (rc != JPKI_OK)
            goto fail;
        if (have + got != total) {
            rc = jpki_error_set(err, JPKI_ERR_CARD_DATA,
                                "the file holds %zu bytes but its header announces %zu",
                                have + got, total);
            goto fail;
        }
    }
    *out = buf; /* padding after the object (have > total) is ignored */
    *len = total;
    return JPKI_OK;
fail:
    free(buf);
    return rc;
}

jpki_rc jpki_read_der(jpki_card *c, size_t max, uint8_t **out, size_t *len, jpki_error *err)
{
    if (!out || !len)
        return jpki_error_set(err, JPKI_ERR_ARG, "read der: missing argument");
    *out = NULL;
    *len = 0;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK)
        return rc;
    return card_end(c, read_der_in_tx(c, max, out, len, err), err);
}

static const uint16_t cert_efs[] = {JPKI_EF_AUTH_CERT, JPKI_EF_AUTH_CA_CERT, JPKI_EF_SIGN_CERT,
                                    JPKI_EF_SIGN_CA_CERT};

static jpki_rc select_jpki_ef(jpki_card *c, uint16_t ef, jpki_error *err)
{
    jpki_rc rc = jpki_select_app(c, JPKI_APP_JPKI, err);
    return rc == JPKI_OK ? jpki_select_ef(c, ef, err) : rc;
}

/* The message for a failed certificate read, by kind. */
static jpki_rc cert_read_error(jpki_cert_kind kind, jpki_rc rc, jpki_error *err)
{
    if (rc == JPKI_ERR_NOT_FOUND)
        return jpki_error_set(err, rc, "no %s certificate on the card", jpki_cert_kind_name(kind));
    if (rc == JPKI_ERR_AUTH && kind == JPKI_CERT_SIGN)
        return jpki_error_set(err, rc,
                              "the sign certificate can be read only after the sign password "
                              "is verified");
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "reading the %s certificate", jpki_cert_kind_name(kind));
    return rc;
}

jpki_rc jpki_read_cert(jpki_card *c, jpki_cert_kind kind, uint8_t **der, size_t *len,
                       jpki_error *err)
{
    if ((unsigned)kind > JPKI_CERT_SIGN_CA)
        return jpki_error_set(err, JPKI_ERR_ARG, "unknown certificate kind %d", (int)kind);
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK)
        return rc;
    rc = select_jpki_ef(c, cert_efs[kind], err);
    if (rc == JPKI_OK)
        rc = read_der_in_tx(c, JPKI_CERT_MAX, der, len, err);
    return cert_read_error(kind, card_end(c, rc, err), err);
}

jpki_rc jpki_read_cert_validity(jpki_card *c, jpki_cert_kind kind, time_t *not_before,
                                time_t *not_after, jpki_error *err)
{
    if ((unsigned)kind > JPKI_CERT_SIGN_CA || !not_before || !not_after)
        return jpki_error_set(err, JPKI_ERR_ARG, "read cert validity: bad argument");
    uint8_t head[SHORT_CHUNK];
    size_t got = 0;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK)
        return rc;
    rc = select_jpki_ef(c, cert_efs[kind], err);
    if (rc == JPKI_OK)
        rc = jpki_read_binary(c, 0, sizeof head, head, &got, err);
    if (rc == JPKI_OK && (got == 0 || looks_erased(head, got < HEADER_PROBE ? got : HEADER_PROBE)))
        rc = jpki_error_set(err, JPKI_ERR_NOT_FOUND, "the file is empty");
    if (rc == JPKI_OK)
        rc = jpki_cert_validity_prefix(head, got, not_before, not_after, err);
    return cert_read_error(kind, card_end(c, rc, err), err);
}

/* Select app+EF and read up to n bytes, inside one transaction. */
static jpki_rc read_small(jpki_card *c, jpki_app app, uint16_t ef, uint8_t *buf, size_t n,
                          size_t *got, jpki_error *err)
{
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK)
        return rc;
    rc = jpki_select_app(c, app, err);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, ef, err);
    if (rc == JPKI_OK)
        rc = jpki_read_binary(c, 0, n, buf, got, err);
    return card_end(c, rc, err);
}

jpki_rc jpki_read_token(jpki_card *c, char *out, size_t n, jpki_error *err)
{
    if (!out || n == 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "read token: no output buffer");
    uint8_t buf[32];
    size_t want = n - 1 < sizeof buf ? n - 1 : sizeof buf, got = 0;
    out[0] = '\0';
    jpki_rc rc = read_small(c, JPKI_APP_JPKI, JPKI_EF_TOKEN, buf, want, &got, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "reading the token");
    while (got > 0 && (buf[got - 1] == ' ' || buf[got - 1] == 0x00 || buf[got - 1] == 0xFF))
        got--;
    for (size_t i = 0; i < got; i++)
        if (buf[i] < 0x20 || buf[i] > 0x7E)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                                  "reading the token: byte %02X at %zu is not printable", buf[i], i);
    memcpy(out, buf, got);
    out[got] = '\0';
    return JPKI_OK;
}

jpki_rc jpki_read_cert_flags(jpki_card *c, bool *auth_present, bool *sign_present,
                             jpki_error *err)
{
    uint8_t f[3];
    size_t got = 0;
    jpki_rc rc = read_small(c, JPKI_APP_JPKI, JPKI_EF_CERT_FLAGS, f, sizeof f, &got, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "reading the certificate flags");
    if (got < 2)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "certificate flags: %zu byte(s), expected 3", got);
    if (auth_present)
        *auth_present = f[0] == JPKI_CERT_FLAG_PRESENT;
    if (sign_present)
        *sign_present = f[1] == JPKI_CERT_FLAG_PRESENT;
    return JPKI_OK;
}

static bool digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

#define SHORT_SERIAL_LEN 13
#define CARD_ID_LEN (15 + 5 + 8)

static bool alnum(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z')))
            return false;
    return true;
}

static jpki_rc parse_card_id(const uint8_t *rec, size_t got, char serial[16],
                             char municipality[6], char expiry[9], jpki_error *err)
{
    /* Cards differ here: some hold only a 13-character serial (no
     * municipality, no expiry), so those come back empty. */
    if (got == SHORT_SERIAL_LEN && alnum(rec, got)) {
        memcpy(serial, rec, got);
        serial[got] = '\0';
        municipality[0] = expiry[0] = '\0';
        return JPKI_OK;
    }
    if (got != CARD_ID_LEN || !digits(rec, CARD_ID_LEN))
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "card record: expected 28 ASCII digits or a 13-character serial, "
                              "got %zu bytes%s",
                              got, got == CARD_ID_LEN ? " with non-digits" : "");
    memcpy(serial, rec, 15);
    serial[15] = '\0';
    memcpy(municipality, rec + 15, 5);
    municipality[5] = '\0';
    memcpy(expiry, rec + 20, 8);
    expiry[8] = '\0';
    return JPKI_OK;
}

/* READ RECORD 1 of the record EF by its short identifier (00 B2 01 0C), as
 * readers of real cards do: no SELECT of the EF.  The answer is a simple
 * TLV, 01 LL value.  Returns false (nothing said) when the card answers
 * anything else; the caller then reads the EF the other way. */
static bool read_card_id_record(jpki_card *c, uint8_t *value, size_t cap, size_t *got,
                                jpki_error *err)
{
    jpki_response *r = card_response_new(err);
    if (!r)
        return false;
    jpki_apdu a = {.cla = 0x00, .ins = JPKI_INS_READ_RECORD, .p1 = 0x01,
                   .p2 = (uint8_t)(JPKI_SFI_COMMON_RECORD << 3 | 0x04), .ne = 256};
    bool ok = jpki_select_app(c, JPKI_APP_COMMON, err) == JPKI_OK &&
              card_send(c, &a, r, err) == JPKI_OK;
    /* Reading by SFI may change the current EF: forget ours. */
    c->ef = 0;
    ok = ok && jpki_sw_ok(r->sw) && r->len >= 2 && r->data[0] == 0x01 &&
         r->data[1] == r->len - 2 && r->len - 2 <= cap;
    if (ok) {
        memcpy(value, r->data + 2, r->len - 2);
        *got = r->len - 2;
    }
    free(r);
    return ok;
}

jpki_rc jpki_read_card_id(jpki_card *c, char serial[16], char municipality[6], char expiry[9],
                          jpki_error *err)
{
    uint8_t rec[CARD_ID_LEN];
    size_t got = 0;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "reading the card record");
    jpki_error probe;
    jpki_error_clear(&probe);
    bool by_record = read_card_id_record(c, rec, sizeof rec, &got, &probe);
    bool absent = probe.code == JPKI_ERR_NOT_FOUND || probe.code == JPKI_ERR_NOT_JPKI;
    if (by_record) {
        rc = JPKI_OK;
    } else if (absent || (probe.code != JPKI_OK && probe.code != JPKI_ERR_CARD)) {
        /* No common application, or the card/reader went away: final. */
        rc = jpki_error_set(err, absent ? JPKI_ERR_NOT_FOUND : probe.code, "%s", probe.message);
    } else {
        /* No record access here: read the EF as a transparent file. */
        rc = read_small(c, JPKI_APP_COMMON, JPKI_EF_COMMON_RECORD, rec, sizeof rec, &got, err);
    }
    rc = card_end(c, rc, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "reading the card record");
    return parse_card_id(rec, got, serial, municipality, expiry, err);
}
