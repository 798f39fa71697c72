/* The transport-independent part of sending an APDU: encoding, refusing
 * APDUs that would hang vpcd, following 61xx (GET RESPONSE) and 6Cxx (resend
 * with the exact Le), tracing every physical exchange, and nesting
 * transactions so only the outermost begin/end reaches the card. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "jpki/profile.h"
#include "jpki/secret.h"
#include "jpki/trace.h"
#include "transport_internal.h"

/* A card that keeps answering 61xx would otherwise loop forever; 300 GET
 * RESPONSEs of 256 bytes already exceed the largest response we accept. */
#define MAX_GET_RESPONSE 300

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One physical exchange, traced.  raw must hold JPKI_RAPDU_MAX bytes. */
static jpki_rc exchange(jpki_transport *t, const uint8_t *capdu, size_t clen,
                        uint8_t *raw, size_t *rlen, jpki_error *err)
{
    /* A 1-byte C-APDU is a control message for vpcd (power off/on/reset/ATR):
     * the card never answers it and pcscd blocks that reader for good.  An
     * empty one is meaningless.  Refuse both before they leave the process. */
    if (clen < 2) {
        jpki_rc rc = jpki_error_set(err, JPKI_ERR_TRANSPORT,
                                    "refusing to send a %zu-byte APDU (a command needs at least a header)",
                                    clen);
        if (t->trace && clen)
            jpki_trace_exchange(t->trace, t->reader, capdu, clen, NULL, 0, 0.0,
                                err ? err->message_c : "refused");
        return rc;
    }
    *rlen = JPKI_RAPDU_MAX;
    double t0 = t->trace ? now_ms() : 0.0;
    jpki_rc rc = t->ops->transmit(t, capdu, clen, raw, rlen, err);
    if (t->trace) {
        double ms = now_ms() - t0;
        if (rc == JPKI_OK)
            jpki_trace_exchange(t->trace, t->reader, capdu, clen, raw, *rlen, ms, NULL);
        else
            jpki_trace_exchange(t->trace, t->reader, capdu, clen, NULL, 0, ms,
                                err ? err->message_c : jpki_rc_name(rc));
    }
    if (rc != JPKI_OK)
        return rc;
    if (*rlen < 2)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "card answered %zu byte(s) without a status word", *rlen);
    return JPKI_OK;
}

static uint16_t sw_of(const uint8_t *raw, size_t rlen)
{
    return (uint16_t)((raw[rlen - 2] << 8) | raw[rlen - 1]);
}

/* Append the data part of raw to resp, bounded by resp's capacity. */
static jpki_rc append_data(jpki_response *resp, const uint8_t *raw, size_t rlen,
                           jpki_error *err)
{
    size_t n = rlen - 2;
    if (n > JPKI_RESP_DATA_MAX - resp->len)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "card response exceeds %u bytes", JPKI_RESP_DATA_MAX);
    memcpy(resp->data + resp->len, raw, n);
    resp->len += n;
    resp->sw = sw_of(raw, rlen);
    return JPKI_OK;
}

/* Re-encode capdu with Le = le (6Cxx answer).  out holds JPKI_CAPDU_MAX. */
static jpki_rc with_exact_le(const uint8_t *capdu, size_t clen, size_t le,
                             uint8_t *out, size_t *olen, jpki_error *err)
{
    jpki_apdu a;
    jpki_rc rc = jpki_apdu_parse(capdu, clen, &a, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "cannot resend after 6Cxx");
    a.ne = le;
    bool was_extended = clen > 5 && capdu[4] == 0x00;
    return jpki_apdu_encode(&a, was_extended || a.nc > 255, out, JPKI_CAPDU_MAX, olen, err);
}

/* 61xx loop: GET RESPONSE until the card stops announcing more bytes. */
static jpki_rc follow_61xx(jpki_transport *t, uint8_t cla, uint8_t *raw,
                           jpki_response *resp, jpki_error *err)
{
    for (int i = 0; (resp->sw >> 8) == 0x61; i++) {
        if (i >= MAX_GET_RESPONSE)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                                  "card keeps answering 61xx after %d GET RESPONSEs", i);
        size_t le = (resp->sw & 0xFF) ? (resp->sw & 0xFF) : 256;
        /* Keep only the logical-channel bits: GET RESPONSE is an
         * inter-industry command even after a proprietary (CLA 80) one. */
        uint8_t gr[5] = {(uint8_t)(cla & 0x03), JPKI_INS_GET_RESPONSE, 0, 0,
                         (uint8_t)(le == 256 ? 0 : le)};
        size_t rlen;
        jpki_rc rc = exchange(t, gr, sizeof gr, raw, &rlen, err);
        if (rc != JPKI_OK)
            return rc;
        if ((rc = append_data(resp, raw, rlen, err)) != JPKI_OK)
            return rc;
    }
    return JPKI_OK;
}

jpki_rc jpki_transmit_raw(jpki_transport *t, const uint8_t *capdu, size_t clen,
                          jpki_response *resp, jpki_error *err)
{
    if (!t || !t->ops || !capdu || !resp)
        return jpki_error_set(err, JPKI_ERR_ARG, "transmit: missing argument");
    uint8_t *raw = malloc(JPKI_RAPDU_MAX);
    if (!raw)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "transmit: out of memory");
    uint8_t *resend = NULL;
    size_t rlen;
    resp->len = 0;
    resp->sw = 0;
    jpki_rc rc = exchange(t, capdu, clen, raw, &rlen, err);
    if (rc == JPKI_OK && t->auto_get_response && raw[rlen - 2] == 0x6C && rlen == 2) {
        size_t le = raw[rlen - 1] ? raw[rlen - 1] : 256;
        size_t nlen;
        resend = malloc(JPKI_CAPDU_MAX);
        if (!resend)
            rc = jpki_error_set(err, JPKI_ERR_NOMEM, "transmit: out of memory");
        else if ((rc = with_exact_le(capdu, clen, le, resend, &nlen, err)) == JPKI_OK)
            rc = exchange(t, resend, nlen, raw, &rlen, err);
    }
    if (rc == JPKI_OK)
        rc = append_data(resp, raw, rlen, err);
    if (rc == JPKI_OK && t->auto_get_response)
        rc = follow_61xx(t, capdu[0], raw, resp, err);
    if (resend) {
        jpki_wipe(resend, JPKI_CAPDU_MAX); /* may carry a PIN */
        free(resend);
    }
    free(raw);
    return rc;
}

jpki_rc jpki_transmit(jpki_transport *t, const jpki_apdu *cmd, jpki_response *resp,
                      jpki_error *err)
{
    if (!t || !cmd || !resp)
        return jpki_error_set(err, JPKI_ERR_ARG, "transmit: missing argument");
    if (cmd->nc > JPKI_APDU_MAX_DATA)
        return jpki_error_set(err, JPKI_ERR_ARG, "transmit: Nc %zu out of range", cmd->nc);
    /* Short APDUs fit on the stack; only extended ones need the heap. */
    uint8_t small[4 + 1 + 255 + 1];
    size_t need = 4 + 3 + cmd->nc + 3;
    uint8_t *buf = need <= sizeof small ? small : malloc(need);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "transmit: out of memory");
    size_t cap = buf == small ? sizeof small : need, clen = 0;
    jpki_rc rc = jpki_apdu_encode(cmd, t->extended_ok, buf, cap, &clen, err);
    if (rc == JPKI_OK)
        rc = jpki_transmit_raw(t, buf, clen, resp, err);
    /* The encoded command may hold a PIN (VERIFY, CHANGE REFERENCE DATA). */
    jpki_wipe(buf, clen ? clen : cap);
    if (buf != small)
        free(buf);
    return rc;
}

jpki_rc jpki_transport_begin(jpki_transport *t, jpki_error *err)
{
    if (!t || !t->ops)
        return jpki_error_set(err, JPKI_ERR_ARG, "begin: missing transport");
    if (t->depth == 0 && t->ops->begin) {
        jpki_rc rc = t->ops->begin(t, err);
        if (rc != JPKI_OK)
            return rc;
        if (t->trace)
            jpki_trace_event(t->trace, t->reader, "transaction begin");
    }
    t->depth++;
    return JPKI_OK;
}

jpki_rc jpki_transport_end(jpki_transport *t, bool reset_card, jpki_error *err)
{
    if (!t || !t->ops)
        return jpki_error_set(err, JPKI_ERR_ARG, "end: missing transport");
    if (t->depth <= 0)
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "transaction end without begin");
    if (--t->depth > 0 || !t->ops->end)
        return JPKI_OK;
    if (t->trace)
        jpki_trace_event(t->trace, t->reader,
                         reset_card ? "transaction end (card reset)" : "transaction end");
    return t->ops->end(t, reset_card, err);
}

void jpki_transport_close(jpki_transport *t)
{
    if (!t || !t->ops)
        return;
    if (t->depth > 0 && t->ops->end) {
        t->depth = 0;
        t->ops->end(t, false, NULL);
    }
    if (t->trace)
        jpki_trace_event(t->trace, t->reader, "disconnect");
    t->ops->destroy(t);
}

jpki_rc jpki_transport_host_random(jpki_transport *t, uint8_t *out, size_t n, jpki_error *err)
{
    if (t && t->ops->host_random)
        return t->ops->host_random(t, out, n, err);
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return jpki_error_set(err, JPKI_ERR_IO, "getrandom: %s", strerror(errno));
        }
        got += (size_t)r;
    }
    return JPKI_OK;
}

const char *jpki_transport_reader(const jpki_transport *t)
{
    return t ? t->reader : "";
}

const uint8_t *jpki_transport_atr(const jpki_transport *t, size_t *len)
{
    if (len)
        *len = t ? t->atr_len : 0;
    return t ? t->atr : NULL;
}

const char *jpki_transport_kind(const jpki_transport *t)
{
    return t && t->ops && t->ops->kind ? t->ops->kind : "";
}

bool jpki_transport_extended_ok(const jpki_transport *t)
{
    return t && t->extended_ok;
}

void jpki_transport_set_extended_ok(jpki_transport *t, bool on)
{
    if (t)
        t->extended_ok = on;
}

void jpki_transport_set_trace(jpki_transport *t, jpki_trace *trace)
{
    if (t)
        t->trace = trace;
}

void jpki_transport_set_auto_get_response(jpki_transport *t, bool on)
{
    if (t)
        t->auto_get_response = on;
}

int jpki_transport_depth(const jpki_transport *t)
{
    return t ? t->depth : 0;
}
