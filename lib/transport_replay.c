/* A recorded session played back as a card: each command must be the one
 * recorded at that point, and gets the recorded answer.  This reproduces a
 * bug seen on a real card without the card.  The recording holds no PIN, so
 * a command is compared after redacting it the same way: a PIN of the same
 * length matches, anything else that differs is reported with its index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu_describe.h"
#include "jpki/profile.h"
#include "jpki/trace.h"
#include "transport_internal.h"

typedef struct replay_transport {
    jpki_transport t; /* first: the public part */
    jpki_trace_log *log;
    size_t next;      /* index into log->items of the next candidate */
    unsigned long sent;   /* commands received so far */
    size_t recorded;  /* APDU items that a program can send */
    char path[256];
} replay_transport;

/* The transport layer refuses 1-byte commands before they reach a card and
 * records the refusal: such items were never sent, so they are not part
 * of what a replay must see. */
static bool replayable(const jpki_trace_item *it)
{
    return it->kind == JPKI_TRACE_APDU && it->clen >= 2;
}

static const jpki_trace_item *next_apdu(replay_transport *rt)
{
    while (rt->next < rt->log->count && !replayable(&rt->log->items[rt->next]))
        rt->next++;
    return rt->next < rt->log->count ? &rt->log->items[rt->next] : NULL;
}

/* "00A4020C02 000A" style excerpt: the header and a few bytes around off. */
static void excerpt(char *out, size_t n, const uint8_t *p, size_t len, size_t off)
{
    size_t k = 0, from = off > 4 ? off - 2 : 0, to = off + 6 < len ? off + 6 : len;
    for (size_t i = 0; i < len && i < 5 && k + 3 < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%02X", p[i]);
    if (from < 5)
        from = 5;
    if (from < to && k + 4 < n)
        k += (size_t)snprintf(out + k, n - k, "%s", from > 5 ? " .." : " ");
    for (size_t i = from; i < to && k + 3 < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%02X", p[i]);
    if (to < len && k + 3 < n)
        snprintf(out + k, n - k, "..");
}

static jpki_rc replay_transmit(jpki_transport *t, const uint8_t *capdu, size_t clen,
                               uint8_t *rapdu, size_t *rlen, jpki_error *err)
{
    replay_transport *rt = (replay_transport *)t;
    unsigned long idx = ++rt->sent;
    char what[160];
    const jpki_trace_item *it = next_apdu(rt);
    uint8_t *red = malloc(clen ? clen : 1);
    if (!red)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "replay: out of memory");
    jpki_trace_redact(capdu, clen, red);
    if (!it) {
        jpki_apdu_describe_command(NULL, red, clen, what, sizeof what);
        free(red);
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "replay %s: APDU #%lu (%.80s) runs past the end of the "
                              "recording (%zu APDUs recorded)",
                              rt->path, idx, what, rt->recorded);
    }
    size_t n = clen < it->clen ? clen : it->clen, diff = n;
    for (size_t i = 0; i < n; i++)
        if (red[i] != it->capdu[i]) {
            diff = i;
            break;
        }
    if (diff < n || clen != it->clen) {
        char sent[64], rec[64];
        excerpt(sent, sizeof sent, red, clen, diff);
        excerpt(rec, sizeof rec, it->capdu, it->clen, diff);
        free(red);
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "replay %s: APDU #%lu differs from the recording at byte %zu%s: "
                              "sent %s (%zu bytes), recorded %s (%zu bytes)",
                              rt->path, idx, diff,
                              diff == 1 ? " (INS)" : diff < 4 ? " (P1/P2)" : "", sent, clen,
                              rec, it->clen);
    }
    free(red);
    rt->next++;
    if (!it->rapdu)
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "replay %s: APDU #%lu failed in the recording: %s", rt->path, idx,
                              it->text ? it->text : "no response");
    if (it->rlen > *rlen)
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "replay %s: APDU #%lu: recorded answer of %zu bytes does not fit %zu",
                              rt->path, idx, it->rlen, *rlen);
    memcpy(rapdu, it->rapdu, it->rlen);
    *rlen = it->rlen;
    return JPKI_OK;
}

/* Transactions and resets have no effect on a recording. */
static jpki_rc replay_begin(jpki_transport *t, jpki_error *err)
{
    (void)t;
    (void)err;
    return JPKI_OK;
}

static jpki_rc replay_end(jpki_transport *t, bool reset_card, jpki_error *err)
{
    (void)t;
    (void)reset_card;
    (void)err;
    return JPKI_OK;
}

static void replay_destroy(jpki_transport *t)
{
    replay_transport *rt = (replay_transport *)t;
    jpki_trace_log_free(rt->log);
    free(rt);
}

/* The host's random bytes of the session are in the recording: the host
 * challenge is the start of the next MUTUAL AUTHENTICATE's data.  Giving
 * them back lets a recorded issuer session (a renewal, a PIN reset) play
 * back exactly instead of stopping at a MAC the card never computed. */
static jpki_rc replay_host_random(jpki_transport *t, uint8_t *out, size_t n, jpki_error *err)
{
    replay_transport *rt = (replay_transport *)t;
    for (size_t i = rt->next; i < rt->log->count; i++) {
        const jpki_trace_item *it = &rt->log->items[i];
        if (!replayable(it) || it->clen < 5 || it->capdu[1] != JPKI_INS_MUTUAL_AUTH)
            continue;
        if (it->capdu[4] < n || it->clen < 5 + n)
            break;
        memcpy(out, it->capdu + 5, n);
        return JPKI_OK;
    }
    return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                          "replay %s: the recording holds no host challenge for this session",
                          rt->path);
}

static const jpki_transport_ops replay_ops = {
    .kind = "replay",
    .transmit = replay_transmit,
    .begin = replay_begin,
    .end = replay_end,
    .destroy = replay_destroy,
    .host_random = replay_host_random,
};

jpki_rc jpki_replay_transport_open(const char *trace_path, jpki_transport **out,
                                   jpki_error *err)
{
    if (!trace_path || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "replay: missing argument");
    jpki_trace_log *log;
    jpki_rc rc = jpki_trace_load(trace_path, false, &log, err);
    if (rc != JPKI_OK)
        return rc;
    replay_transport *rt = calloc(1, sizeof *rt);
    if (!rt) {
        jpki_trace_log_free(log);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "replay: out of memory");
    }
    rt->log = log;
    snprintf(rt->path, sizeof rt->path, "%s", trace_path);
    for (size_t i = 0; i < log->count; i++)
        if (replayable(&log->items[i]))
            rt->recorded++;
    rt->t.ops = &replay_ops;
    rt->t.impl = rt;
    /* Tools print the reader name: the recorded one makes a replayed run
     * read like the original. */
    snprintf(rt->t.reader, sizeof rt->t.reader, "%s",
             log->reader ? log->reader : trace_path);
    const uint8_t *atr = log->atr;
    size_t atr_len = log->atr_len;
    for (size_t i = 0; !atr_len && i < log->count; i++)
        if (log->items[i].kind == JPKI_TRACE_CARD) {
            atr = log->items[i].atr;
            atr_len = log->items[i].atr_len;
        }
    if (atr_len > sizeof rt->t.atr)
        atr_len = sizeof rt->t.atr;
    if (atr_len)
        memcpy(rt->t.atr, atr, atr_len);
    rt->t.atr_len = atr_len;
    /* Extended length was on when the recording holds an extended command;
     * otherwise keep it off so commands are encoded as they were. */
    for (size_t i = 0; i < log->count; i++) {
        const jpki_trace_item *it = &log->items[i];
        jpki_apdu a;
        if (replayable(it) && jpki_apdu_parse(it->capdu, it->clen, &a, NULL) == JPKI_OK &&
            it->clen > 5 && it->capdu[4] == 0x00 && (a.nc || a.ne))
            rt->t.extended_ok = true;
    }
    rt->t.auto_get_response = true;
    *out = &rt->t;
    return JPKI_OK;
}

jpki_rc jpki_replay_transport_finish(jpki_transport *t, jpki_error *err)
{
    if (!t || !t->ops || t->ops != &replay_ops)
        return jpki_error_set(err, JPKI_ERR_ARG, "replay: not a replay transport");
    replay_transport *rt = (replay_transport *)t;
    size_t left = 0;
    for (size_t i = rt->next; i < rt->log->count; i++)
        if (replayable(&rt->log->items[i]))
            left++;
    if (left)
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "replay %s: %zu of %zu recorded APDUs were not sent (the run "
                              "took a shorter path after APDU #%lu)",
                              rt->path, left, rt->recorded, rt->sent);
    return JPKI_OK;
}
