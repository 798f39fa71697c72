/* Sending a script's commands and printing the answers.  The whole script
 * runs inside one PC/SC transaction so no other program's APDUs land in
 * between; "reset" ends it with a card reset and starts another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "jpki/apdu_describe.h"
#include "run.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The logical exchange (after any GET RESPONSE) in the --trace format, or
 * "DATA SW" for --hex.  The command is redacted by the printer. */
static void print_exchange(jpki_apdu_ctx *ctx, unsigned long n, const uint8_t *cmd,
                           size_t clen, const jpki_response *r, double ms, out_mode mode)
{
    if (mode == OUT_QUIET)
        return;
    if (mode == OUT_HEX) {
        for (size_t i = 0; i < r->len; i++)
            printf("%02X", r->data[i]);
        printf("%s%04X\n", r->len ? " " : "", r->sw);
        return;
    }
    uint8_t *raw = malloc(r->len + 2);
    if (!raw) {
        fputs("(out of memory)\n", stdout);
        return;
    }
    memcpy(raw, r->data, r->len);
    raw[r->len] = (uint8_t)(r->sw >> 8);
    raw[r->len + 1] = (uint8_t)r->sw;
    jpki_apdu_print_exchange(stdout, ctx, n, NULL, cmd, clen, raw, r->len + 2, ms, NULL);
    free(raw);
}

int run_script(const char *prog, const script *s, const jpki_secret *secrets,
               jpki_transport *t, const run_opts *o)
{
    jpki_error err;
    jpki_error_clear(&err);
    uint8_t *cmd = malloc(JPKI_CAPDU_MAX);
    jpki_response *resp = malloc(sizeof *resp);
    int rc = CLI_EXIT_OK;
    bool expectation_failed = false, in_tx = false;
    unsigned long sent = 0;
    jpki_apdu_ctx ctx;
    jpki_apdu_ctx_init(&ctx);
    if (!cmd || !resp) {
        cli_errorf(prog, "out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (jpki_transport_begin(t, &err) != JPKI_OK) {
        rc = cli_report(prog, &err);
        goto out;
    }
    in_tx = true;
    for (size_t i = 0; i < s->n; i++) {
        const step *st = &s->steps[i];
        if (st->kind == STEP_RESET) {
            in_tx = false;
            jpki_rc brc = jpki_transport_end(t, true, &err);
            if (brc == JPKI_OK)
                brc = jpki_transport_begin(t, &err);
            /* pcsc-lite also flags the handle that asked for the reset; the
             * PC/SC transport reconnects when it reports that (JPKI_ERR_STATE),
             * so one more begin is the transaction we want.  Nothing was
             * sent in between, so no PIN try can be lost. */
            if (brc == JPKI_ERR_STATE)
                brc = jpki_transport_begin(t, &err);
            if (brc != JPKI_OK) {
                rc = cli_report(prog, &err);
                goto out;
            }
            in_tx = true;
            if (o->out == OUT_ANNOTATED)
                jpki_apdu_print_event(stdout, &ctx, NULL, "card reset");
            else
                jpki_apdu_ctx_event(&ctx, "card reset");
            continue;
        }
        size_t len;
        if (script_build(s, st, secrets, cmd, &len, &err) != JPKI_OK) {
            rc = cli_report(prog, &err);
            goto out;
        }
        double t0 = now_ms();
        jpki_rc trc = jpki_transmit_raw(t, cmd, len, resp, &err);
        double ms = now_ms() - t0;
        if (trc != JPKI_OK) {
            jpki_wipe(cmd, len);
            jpki_error_prefix(&err, "%s", st->where);
            rc = cli_report(prog, &err);
            goto out;
        }
        print_exchange(&ctx, ++sent, cmd, len, resp, ms, o->out);
        jpki_wipe(cmd, len);
        fflush(stdout);
        char why[200];
        if (st->has_expect && !expect_match(&st->exp, resp, why, sizeof why)) {
            cli_errorf(prog, "%s: %s", st->where, why);
            expectation_failed = true;
            if (!o->keep_going)
                break;
        }
    }
    if (in_tx) {
        in_tx = false;
        if (jpki_transport_end(t, false, &err) != JPKI_OK)
            rc = cli_report(prog, &err);
    }
    if (rc == CLI_EXIT_OK && expectation_failed)
        rc = CLI_EXIT_FAIL;
out:
    if (in_tx)
        jpki_transport_end(t, false, NULL);
    free(cmd);
    free(resp);
    return rc;
}
