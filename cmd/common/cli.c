/* CLI glue shared by the jpki-* commands: exit codes, one-line errors, the
 * common options and opening the reader with tracing wired up. */
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "private/i18n.h"

int cli_exit_for(jpki_rc rc)
{
    switch (rc) {
    case JPKI_OK:
        return CLI_EXIT_OK;
    case JPKI_ERR_ARG:
    case JPKI_ERR_FORMAT:
    case JPKI_ERR_LIMIT:
        return CLI_EXIT_USAGE;
    case JPKI_ERR_NO_SERVICE:
    case JPKI_ERR_NO_READER:
    case JPKI_ERR_NO_CARD:
    case JPKI_ERR_CARD_REMOVED:
    case JPKI_ERR_READER_GONE:
        return CLI_EXIT_NO_CARD;
    case JPKI_ERR_PIN_WRONG:
    case JPKI_ERR_PIN_BLOCKED:
    case JPKI_ERR_PIN_FORMAT:
    case JPKI_ERR_PIN_LAST_TRY:
        return CLI_EXIT_PIN;
    case JPKI_ERR_AUTH:
        return CLI_EXIT_AUTH;
    default:
        return CLI_EXIT_FAIL;
    }
}

/* Messages can carry text from cards, files and certificates: keep them to
 * one line of printable text whatever they contain. */
static void print_line(const char *prog, const char *msg)
{
    char buf[512];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p && n + 1 < sizeof buf; p++)
        buf[n++] = (*p < 0x20 || *p == 0x7F) ? ' ' : (char)*p;
    buf[n] = '\0';
    fprintf(stderr, "%s: %s\n", prog ? prog : "jpki", buf);
}

int cli_report(const char *prog, const jpki_error *err)
{
    if (!err) {
        print_line(prog, _("unknown error"));
        return CLI_EXIT_FAIL;
    }
    print_line(prog, err->message[0] ? err->message : jpki_rc_name(err->code));
    return cli_exit_for(err->code);
}

void cli_errorf(const char *prog, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, _(fmt), ap); /* see private/i18n.h */
    va_end(ap);
    print_line(prog, buf);
}

void cli_common_help(FILE *f)
{
    fputs(_("  -r, --reader SPEC    reader: index, exact name, unique substring,\n"
            "                       or replay:FILE to play a recorded trace back\n"
            "                       (default: $JPKI_READER, else the first reader with a card)\n"
            "      --trace          annotated APDU trace on stderr (also JPKI_TRACE=1)\n"
            "      --trace-file F   record the session as CBOR to F (also JPKI_TRACE_FILE)\n"),
          f);
}

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

void cli_common_init(cli_common *cc)
{
    memset(cc, 0, sizeof *cc);
    cc->reader = nonempty_env("JPKI_READER");
    const char *t = nonempty_env("JPKI_TRACE");
    cc->trace = t && strcmp(t, "0") != 0;
    cc->trace_file = nonempty_env("JPKI_TRACE_FILE");
}

bool cli_common_option(cli_common *cc, int opt, const char *arg)
{
    switch (opt) {
    case 'r':
    case CLI_OPT_READER:
        cc->reader = arg;
        return true;
    case CLI_OPT_TRACE:
        cc->trace = true;
        return true;
    case CLI_OPT_TRACE_FILE:
        cc->trace_file = arg;
        return true;
    default:
        return false;
    }
}

static void describe_connection(jpki_transport *t)
{
    char what[160];
    int n = snprintf(what, sizeof what, "connected, ATR ");
    for (size_t i = 0; i < t->atr_len && n > 0 && (size_t)n + 3 < sizeof what; i++)
        n += snprintf(what + n, sizeof what - (size_t)n, "%02X", t->atr[i]);
    if (n > 0 && (size_t)n < sizeof what)
        snprintf(what + n, sizeof what - (size_t)n, "%s",
                 t->extended_ok ? " (extended length)" : "");
    jpki_trace_event(t->trace, t->reader, what);
}

jpki_rc cli_open(cli_common *cc, const char *reader, jpki_transport **t, jpki_error *err)
{
    *t = NULL;
    bool made_trace = false;
    if (!cc->tr && (cc->trace || cc->trace_file)) {
        made_trace = true;
        cc->tr = jpki_trace_new();
        if (!cc->tr)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        if (cc->trace)
            jpki_trace_set_text(cc->tr, stderr);
        if (cc->trace_file) {
            jpki_rc rc = jpki_trace_set_cbor_file(cc->tr, cc->trace_file, err);
            if (rc != JPKI_OK) {
                jpki_trace_free(cc->tr);
                cc->tr = NULL;
                return rc;
            }
        }
    }
    const char *spec = reader ? reader : cc->reader;
    jpki_rc rc;
    if (spec && strncmp(spec, CLI_REPLAY_PREFIX, strlen(CLI_REPLAY_PREFIX)) == 0)
        rc = jpki_replay_transport_open(spec + strlen(CLI_REPLAY_PREFIX), t, err);
    else
        rc = jpki_pcsc_open(spec, t, err);
    if (rc != JPKI_OK) {
        if (made_trace) { /* nothing was traced; a caller may skip cli_close */
            jpki_trace_free(cc->tr);
            cc->tr = NULL;
        }
        return rc;
    }
    (*t)->trace = cc->tr;
    if (cc->tr) {
        jpki_trace_set_tool(cc->tr, program_invocation_short_name);
        jpki_trace_set_card(cc->tr, (*t)->reader, (*t)->atr, (*t)->atr_len);
        describe_connection(*t);
    }
    return JPKI_OK;
}

void cli_close(cli_common *cc, jpki_transport *t)
{
    jpki_transport_close(t);
    if (cc) {
        /* Exchanges cannot report a failing trace file (disk full...): say
         * it once here so a recording is never silently incomplete. */
        jpki_error terr;
        jpki_error_clear(&terr);
        if (cc->tr && jpki_trace_status(cc->tr, &terr) != JPKI_OK)
            fprintf(stderr, _("%s: trace file incomplete: %s\n"), program_invocation_short_name,
                    terr.message);
        jpki_trace_free(cc->tr);
        cc->tr = NULL;
    }
}
