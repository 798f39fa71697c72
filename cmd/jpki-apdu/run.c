/* Sending a script's commands and printing the answers.  The whole script
 * runs inside one PC/SC transaction so no other program's APDUs land in
 * between; "reset" ends it with a card reset and starts another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jpki/apdu_describe.h"
#include "run.h"

/* "> 00 A4 ..." with continuation lines indented under the bytes. */
static void print_bytes(const char *lead, const uint8_t *p, size_t n)
{
    fputs(lead, stdout);
    for (size_t i = 0; i < n; i++) {
        if (i && i % 32 == 0)
            fputs("\n  ", stdout);
        printf(i % 32 ? " %02X" : "%02X", p[i]);
    }
    putchar('\n');
}

static void print_exchange(jpki_apdu_ctx *ctx, const uint8_t *cmd, size_t clen,
                           const jpki_response *r, out_mode mode)
{
    if (mode == OUT_QUIET)
        return;
    if (mode == OUT_HEX) {
        for (size_t i = 0; i < r->len; i++)
            printf("%02X", r->data[i]);
        printf("%s%04X\n", r->len ? " " : "", r->sw);
        return;
    }
    char line[512];
    uint8_t *red = malloc(clen);
    uint8_t *raw = malloc(r->len + 2);
    if (!red || !raw) {
        free(red);
        free(raw);
        fputs("(out of memory)\n", stdout);
        return;
    }
    jpki_trace_redact(cmd, clen, red);
    print_bytes("> ", red, clen);
    printf("  %s\n", jpki_apdu_describe_command(ctx, red, clen, line, sizeof line));
    memcpy(raw, r->data, r->len);
    raw[r->len] = (uint8_t)(r->sw >> 8);
    raw[r->len + 1] = (uint8_t)r->sw;
    print_bytes("< ", raw, r->len + 2);
    printf("  %s\n", jpki_apdu_describe_response(ctx, red, clen, raw, r->len + 2, line,
                                                 sizeof line));
    jpki_apdu_ctx_update(ctx, red, clen, raw, r->len + 2);
    free(red);
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
            jpki_apdu_ctx_init(&ctx);
            if (o->out == OUT_ANNOTATED)
                puts("-- card reset");
            continue;
        }
        size_t len;
        if (script_build(s, st, secrets, cmd, &len, &err) != JPKI_OK) {
            rc = cli_report(prog, &err);
            goto out;
        }
        jpki_rc trc = jpki_transmit_raw(t, cmd, len, resp, &err);
        if (trc != JPKI_OK) {
            jpki_wipe(cmd, len);
            jpki_error_prefix(&err, "%s", st->where);
            rc = cli_report(prog, &err);
            goto out;
        }
        print_exchange(&ctx, cmd, len, resp, o->out);
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
