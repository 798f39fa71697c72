/* Batch renewal (batch.h).  Cards are grouped by reader; each group runs
 * in its own thread, so N readers work in parallel while the cards of one
 * reader (if listed more than once) go one after the other.  The threads
 * share only the journal (internally locked), the read-only PIN map, the
 * issuer key and the progress line (locked here). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private/i18n.h"
#include "batch.h"
#include "color.h"
#include "ca_cmd.h"
#include "summary.h"

typedef struct batch_state {
    batch_opts *bo;
    const batch_card *cards;
    size_t n;
    flow_result *res;
    pthread_mutex_t lock;
    size_t finished;
} batch_state;

typedef struct group {
    batch_state *st;
    size_t *idx;  /* card indices of this reader, input order */
    size_t count;
    pthread_t thread;
} group;

typedef struct progress_ctx {
    batch_state *st;
    size_t card;
} progress_ctx;

static void draw(batch_state *st, const char *serial, const char *what)
{
    /* One line, redrawn: "[2/3 done] 123456789012345 sign: activate" */
    char safe_serial[128], safe_what[512];
    jpki_text_safe(serial, safe_serial, sizeof safe_serial);
    jpki_text_safe(what, safe_what, sizeof safe_what);
    fputs("\r\033[K", stderr);
    fprintf(stderr, _("[%zu/%zu done] %s %s"), st->finished, st->n, safe_serial, safe_what);
    fflush(stderr);
}

static void on_progress(void *ctx, const char *serial, const char *what)
{
    progress_ctx *p = ctx;
    batch_state *st = p->st;
    if (!st->bo->show_progress)
        return;
    pthread_mutex_lock(&st->lock);
    draw(st, serial[0] ? serial : st->cards[p->card].serial, what);
    pthread_mutex_unlock(&st->lock);
}

static void run_card(batch_state *st, size_t i)
{
    const batch_card *c = &st->cards[i];
    flow_result *res = &st->res[i];
    batch_opts *bo = st->bo;
    /* Every card gets its own trace (a CBOR trace file is one session). */
    cli_common cc = *bo->cc;
    cc.tr = NULL;
    char trace_path[600];
    if (bo->cc->trace_file) {
        snprintf(trace_path, sizeof trace_path, "%s.%zu", bo->cc->trace_file, i);
        cc.trace_file = trace_path;
    }
    progress_ctx pc = {.st = st, .card = i};
    flow_opts fo = bo->flow;
    fo.kinds = c->kinds ? c->kinds : bo->flow.kinds;
    fo.progress = on_progress;
    fo.progress_ctx = &pc;

    jpki_transport *t = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    if (c->declined && !c->kinds) {
        /* Every certificate due is declined ('-') in the PIN map: the card
         * is not touched. */
        memset(res, 0, sizeof *res);
        res->r.outcome = OUT_NOTHING;
        snprintf(res->r.serial, sizeof res->r.serial, "%.15s", c->serial);
    } else if (ca_cmd_stop_signal()) {
        /* A signal stopped the batch: no further card is started; the same
         * command later picks them up. */
        memset(res, 0, sizeof *res);
        jpki_error_set(&res->r.err, JPKI_ERR_IO, "not started: the batch was interrupted by a signal");
        res->r.outcome = OUT_FAILED;
        res->exit_code = CLI_EXIT_INTERRUPTED;
        snprintf(res->r.serial, sizeof res->r.serial, "%.15s", c->serial);
    } else if (cli_open(&cc, c->reader, &t, &err) != JPKI_OK) {
        memset(res, 0, sizeof *res);
        res->r.err = err;
        res->r.outcome = OUT_FAILED;
        res->exit_code = cli_exit_for(err.code);
        snprintf(res->r.serial, sizeof res->r.serial, "%.15s", c->serial);
    } else {
        flow_run(&fo, t, c->reader, c->serial, res);
        cli_close(&cc, t);
    }
    pthread_mutex_lock(&st->lock);
    st->finished++;
    if (bo->show_progress)
        draw(st, res->r.serial[0] ? res->r.serial : c->serial,
             res->r.outcome == OUT_FAILED ? _("failed") : _("finished"));
    pthread_mutex_unlock(&st->lock);
}

static void *group_main(void *arg)
{
    group *g = arg;
    for (size_t k = 0; k < g->count; k++)
        run_card(g->st, g->idx[k]);
    return NULL;
}

static const char *outcome_text(const flow_result *r)
{
    switch (r->r.outcome) {
    case OUT_DONE: return _("renewed");
    case OUT_PENDING: return _("pending");
    case OUT_SKIPPED: return _("skipped (journal: already done)");
    case OUT_NOTHING: return _("nothing to do");
    case OUT_FAILED: return _("FAILED");
    }
    return "?";
}

static cli_tone outcome_tone(const flow_result *r)
{
    switch (r->r.outcome) {
    case OUT_DONE: return CLI_TONE_GOOD;
    case OUT_PENDING: return CLI_TONE_WARN;
    case OUT_FAILED: return CLI_TONE_BAD;
    default: return CLI_TONE_PLAIN;
    }
}


int batch_run(batch_opts *bo, const batch_card *cards, size_t n, FILE *out)
{
    batch_state st = {.bo = bo, .cards = cards, .n = n};
    st.res = calloc(n ? n : 1, sizeof *st.res);
    group *groups = calloc(n ? n : 1, sizeof *groups);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    size_t ngroups = 0;
    if (!st.res || !groups || !idx) {
        cli_errorf(bo->prog, "out of memory");
        free(st.res);
        free(groups);
        free(idx);
        return CLI_EXIT_FAIL;
    }
    pthread_mutex_init(&st.lock, NULL);

    /* Group by reader name (first appearance order), keeping input order
     * inside each group: gid[i] is card i's group, first[g] a card of g. */
    size_t *gid = calloc(n ? n : 1, sizeof *gid), *first = calloc(n ? n : 1, sizeof *first);
    if (!gid || !first) {
        cli_errorf(bo->prog, "out of memory");
        free(gid);
        free(first);
        free(st.res);
        free(groups);
        free(idx);
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < ngroups && strcmp(cards[first[g]].reader, cards[i].reader) != 0)
            g++;
        if (g == ngroups)
            first[ngroups++] = i;
        gid[i] = g;
        groups[g].count++;
    }
    size_t pos = 0;
    for (size_t g = 0; g < ngroups; g++) {
        groups[g].st = &st;
        groups[g].idx = idx + pos;
        pos += groups[g].count;
        groups[g].count = 0;
    }
    for (size_t i = 0; i < n; i++) {
        group *gr = &groups[gid[i]];
        gr->idx[gr->count++] = i;
    }
    free(gid);
    free(first);

    bool *joinable = calloc(ngroups ? ngroups : 1, sizeof *joinable);
    for (size_t g = 0; g < ngroups; g++) {
        if (joinable && pthread_create(&groups[g].thread, NULL, group_main, &groups[g]) == 0)
            joinable[g] = true;
        else
            group_main(&groups[g]); /* no thread: this reader's cards here, in turn */
    }
    for (size_t g = 0; g < ngroups; g++)
        if (joinable && joinable[g])
            pthread_join(groups[g].thread, NULL);
    free(joinable);
    if (bo->show_progress) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }

    size_t renewed = 0, skipped = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        flow_result *r = &st.res[i];
        const char *serial = r->r.serial[0] ? r->r.serial : (cards[i].serial[0] ? cards[i].serial : "?");
        char detail[300] = "";
        if (r->r.outcome == OUT_FAILED) {
            snprintf(detail, sizeof detail, _(" (exit %d): %s%s"), r->exit_code, r->r.err.message,
                     r->r.left_pending ? _("; resumable") : "");
            failed++;
        } else if (r->r.outcome == OUT_DONE) {
            snprintf(detail, sizeof detail, ":%s%s", (r->r.renewed & KIND_BIT(JPKI_KEY_AUTH)) ? _(" auth") : "",
                     (r->r.renewed & KIND_BIT(JPKI_KEY_SIGN)) ? _(" sign") : "");
            renewed++;
        } else {
            skipped++; /* done before (journal), or nothing to do */
        }
        if (cards[i].declined) {
            size_t used = strlen(detail);
            snprintf(detail + used, sizeof detail - used, _("; not renewed:%s%s ('-' in the PIN map)"),
                     (cards[i].declined & KIND_BIT(JPKI_KEY_AUTH)) ? _(" auth") : "",
                     (cards[i].declined & KIND_BIT(JPKI_KEY_SIGN)) ? _(" sign") : "");
        }
        /* Serials, reader names and messages come from records and cards:
         * terminal-safe, one line (jpki_text_safe). */
        char safe_detail[4 * sizeof detail], safe_reader[4 * sizeof cards[i].reader], safe_serial[128];
        jpki_text_safe(detail, safe_detail, sizeof safe_detail);
        jpki_text_safe(cards[i].reader, safe_reader, sizeof safe_reader);
        jpki_text_safe(serial, safe_serial, sizeof safe_serial);
        fprintf(out, "%s [%s] ", safe_serial, safe_reader);
        cli_color_put(out, bo->color, outcome_tone(r), outcome_text(r));
        fprintf(out, "%s\n", safe_detail);
    }
    fprintf(out, P_("%zu card: %zu renewed, %zu skipped, %zu failed\n",
                   "%zu cards: %zu renewed, %zu skipped, %zu failed\n", n), n,
            renewed, skipped, failed);
    fflush(out);

    int rc = failed == 0 ? CLI_EXIT_OK : (renewed + skipped > 0 ? CLI_EXIT_PARTIAL : CLI_EXIT_FAIL);
    if (bo->summary_json) {
        jpki_error err;
        jpki_error_clear(&err);
        if (summary_write(bo->summary_json, cards, st.res, n,
                          bo->flow.kinds ? bo->flow.kinds : KINDS_BOTH, rc, &err) != JPKI_OK) {
            cli_errorf(bo->prog, "%s", err.message);
            if (rc == CLI_EXIT_OK)
                rc = CLI_EXIT_FAIL;
        }
    }
    pthread_mutex_destroy(&st.lock);
    free(st.res);
    free(groups);
    free(idx);
    return rc;
}
