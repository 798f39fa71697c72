/* A recorded session as the card.  Each command must be the next one of the
 * recording (compared after PIN redaction, since the recording holds PIN
 * data only as FF bytes: the PIN itself cannot be checked, any PIN of the
 * recorded length is taken); it then gets the recorded answer.  A command
 * that differs -- the program took another path, or sends fresh random
 * data -- gets 6F00 and one line on stderr naming the first differing byte;
 * the position in the recording does not move, so a program that goes back
 * on track continues.  Power cycles and resets do not rewind either: the
 * recording already holds what the program sent after them.  The recorded
 * answers are served as they were, none of the card's rules (PIN counters,
 * security state) apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "jpki/trace.h"
#include "replay.h"

struct sim_replay {
    jpki_trace_log *log;
    const jpki_trace_item **apdus;
    size_t count, pos;
    unsigned long deviations;
    const uint8_t *atr;
    size_t atr_len;
    const char *reader;
    uint8_t redacted[JPKI_CAPDU_MAX];
};

static bool same_reader(const char *a, const char *b)
{
    return !a || !b || strcmp(a, b) == 0;
}

sim_replay *sim_replay_load(const char *path, jpki_error *err)
{
    sim_replay *r = calloc(1, sizeof *r);
    if (!r) {
        jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (jpki_trace_load(path, true, &r->log, err) != JPKI_OK) {
        free(r);
        return NULL;
    }
    jpki_trace_log *log = r->log;
    r->apdus = calloc(log->count ? log->count : 1, sizeof *r->apdus);
    if (!r->apdus) {
        jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        sim_replay_free(r);
        return NULL;
    }
    /* The first card's reader: the first exchange that reached a card. */
    for (size_t i = 0; i < log->count && !r->reader; i++)
        if (log->items[i].kind == JPKI_TRACE_APDU && log->items[i].rapdu)
            r->reader = log->items[i].reader;
    r->atr = log->atr;
    r->atr_len = log->atr_len;
    if (r->reader && !same_reader(log->reader, r->reader))
        r->atr_len = 0;
    for (size_t i = 0; i < log->count; i++) {
        const jpki_trace_item *it = &log->items[i];
        if (!same_reader(it->reader, r->reader))
            continue; /* another reader's card */
        if (it->kind == JPKI_TRACE_CARD && r->atr_len == 0) {
            r->atr = it->atr;
            r->atr_len = it->atr_len;
        }
        /* A transmit that failed in the recording left no answer to serve. */
        if (it->kind == JPKI_TRACE_APDU && it->rapdu && it->rlen >= 2)
            r->apdus[r->count++] = it;
    }
    if (r->atr_len == 0 || r->count == 0) {
        jpki_error_set(err, JPKI_ERR_FORMAT, "%s: %s", path,
                       r->atr_len == 0 ? "the recording holds no ATR"
                                       : "the recording holds no answered APDU");
        sim_replay_free(r);
        return NULL;
    }
    if (log->truncated)
        fprintf(stderr, "jpki-card-sim: replay: %s is cut short at byte %zu; serving the %zu "
                "complete APDUs before it\n", path, log->truncated_at, r->count);
    return r;
}

static void hex_to(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", p[i]);
}

static size_t answer_sw(uint8_t *rapdu, uint16_t sw)
{
    rapdu[0] = (uint8_t)(sw >> 8);
    rapdu[1] = (uint8_t)sw;
    return 2;
}

static size_t replay_apdu(void *card, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                          size_t rcap)
{
    sim_replay *r = card;
    if (rcap < 2)
        return 0;
    if (clen > sizeof r->redacted)
        clen = sizeof r->redacted;
    jpki_trace_redact(capdu, clen, r->redacted);
    if (r->pos == r->count) {
        r->deviations++;
        fprintf(stderr, "jpki-card-sim: replay: command %zu is beyond the end of the recording "
                "(%zu APDUs): ", r->pos + 1, r->count);
        hex_to(stderr, r->redacted, clen < 16 ? clen : 16);
        fprintf(stderr, "%s; answering 6F00\n", clen > 16 ? "..." : "");
        return answer_sw(rapdu, SIM_REPLAY_DEVIATION_SW);
    }
    const jpki_trace_item *want = r->apdus[r->pos];
    if (clen != want->clen || memcmp(r->redacted, want->capdu, clen) != 0) {
        size_t at = 0;
        while (at < clen && at < want->clen && r->redacted[at] == want->capdu[at])
            at++;
        r->deviations++;
        fprintf(stderr, "jpki-card-sim: replay: command %zu differs from the recording at byte "
                "%zu: recorded ", r->pos + 1, at);
        hex_to(stderr, want->capdu, want->clen < 24 ? want->clen : 24);
        fprintf(stderr, "%s, got ", want->clen > 24 ? "..." : "");
        hex_to(stderr, r->redacted, clen < 24 ? clen : 24);
        fprintf(stderr, "%s (%zu bytes, recorded %zu); answering 6F00\n", clen > 24 ? "..." : "",
                clen, want->clen);
        return answer_sw(rapdu, SIM_REPLAY_DEVIATION_SW);
    }
    r->pos++;
    if (want->rlen > rcap)
        return answer_sw(rapdu, SIM_REPLAY_DEVIATION_SW);
    memcpy(rapdu, want->rapdu, want->rlen);
    return want->rlen;
}

static void replay_power_cycle(void *card)
{
    (void)card; /* the recording goes on: it holds what came after the reset */
}

static const uint8_t *replay_atr(const void *card, size_t *len)
{
    const sim_replay *r = card;
    *len = r->atr_len;
    return r->atr;
}

sim_link_card sim_replay_link(sim_replay *r)
{
    sim_link_card l = {r, replay_apdu, replay_power_cycle, replay_atr};
    return l;
}

void sim_replay_summary(const sim_replay *r)
{
    fprintf(stderr, "jpki-card-sim: replay: %zu of %zu recorded APDUs answered, %lu deviating "
            "command%s\n", r->pos, r->count, r->deviations, r->deviations == 1 ? "" : "s");
}

void sim_replay_free(sim_replay *r)
{
    if (!r)
        return;
    jpki_trace_log_free(r->log);
    free(r->apdus);
    free(r);
}
