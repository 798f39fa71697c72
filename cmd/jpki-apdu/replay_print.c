/* `jpki-apdu replay FILE`: a recorded session printed the way --trace
 * prints a live one (the items are fed to a text-only trace, which keeps
 * one selection context per reader).  A file cut short by a crash prints
 * its complete items, then says where it ends. */
#include <stdio.h>

#include "cli.h"
#include "run.h"

static void print_header(const jpki_trace_log *log)
{
    printf("# jpki-trace version %u, recorded by %s, started %s\n", log->version,
           log->tool[0] ? log->tool : "(unknown tool)", log->start[0] ? log->start : "(unknown)");
    if (log->reader || log->atr_len) {
        printf("# reader %s", log->reader ? log->reader : "(unknown)");
        if (log->atr_len) {
            printf(", ATR ");
            for (size_t i = 0; i < log->atr_len; i++)
                printf("%02X", log->atr[i]);
        }
        putchar('\n');
    }
}

int replay_print(const char *prog, const char *path)
{
    jpki_error err;
    jpki_error_clear(&err);
    jpki_trace_log *log;
    if (jpki_trace_load(path, true, &log, &err) != JPKI_OK)
        return cli_report(prog, &err);
    jpki_trace *tr = jpki_trace_new();
    if (!tr) {
        jpki_trace_log_free(log);
        cli_errorf(prog, "out of memory");
        return CLI_EXIT_FAIL;
    }
    jpki_trace_set_text(tr, stdout);
    print_header(log);
    for (size_t i = 0; i < log->count; i++) {
        const jpki_trace_item *it = &log->items[i];
        switch (it->kind) {
        case JPKI_TRACE_APDU:
            jpki_trace_exchange(tr, it->reader, it->capdu, it->clen, it->rapdu, it->rlen,
                                (double)it->dur_us / 1000.0, it->text);
            break;
        case JPKI_TRACE_EVENT:
            jpki_trace_event(tr, it->reader, it->text);
            break;
        case JPKI_TRACE_CARD:
            jpki_trace_set_card(tr, it->reader, it->atr, it->atr_len);
            break;
        case JPKI_TRACE_END:
            printf("# end of session: %llu APDUs, %.3f s\n", (unsigned long long)it->apdus,
                   (double)it->t_us / 1e6);
            break;
        }
    }
    jpki_trace_free(tr);
    fflush(stdout);
    int rc = CLI_EXIT_OK;
    if (log->truncated) {
        cli_errorf(prog, "%s: truncated at byte %zu: the recording was cut short (the items "
                   "above are complete)", path, log->truncated_at);
        rc = CLI_EXIT_USAGE;
    }
    jpki_trace_log_free(log);
    return rc;
}
