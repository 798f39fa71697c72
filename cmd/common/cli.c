/* CLI glue shared by the jpki-* commands: exit codes, one-line errors, the
 * common options and opening the reader with tracing wired up. */
#include <getopt.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "private/i18n.h"

int cli_usage_exit = CLI_EXIT_USAGE;

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
    case JPKI_ERR_BUSY:
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
 * one line of terminal-safe text whatever they contain.  Line breaks and
 * tabs read as spaces; everything else goes by the one rule
 * (jpki_text_safe: an escape sequence shows as \HH, never acts). */
static void print_line(const char *prog, const char *msg)
{
    char flat[512], buf[1024];
    snprintf(flat, sizeof flat, "%s", msg);
    for (char *p = flat; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    jpki_text_safe(flat, buf, sizeof buf);
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

void cli_print_version(const char *prog)
{
    printf("%s (jpki-tools) %s\n", prog, JPKI_VERSION);
}

bool cli_repeated_value(const char *prog, int opt, const struct option *longopts)
{
    static int seen[64];
    static size_t nseen;
    if (opt == 'r')
        opt = CLI_OPT_READER; /* -r and --reader are one option */
    for (size_t i = 0; i < nseen; i++) {
        if (seen[i] != opt)
            continue;
        const char *name = NULL;
        for (const struct option *o = longopts; o && o->name; o++)
            if (o->val == opt)
                name = o->name;
        if (name)
            cli_errorf(prog, "--%s given twice: give it once", name);
        else
            cli_errorf(prog, "-%c given twice: give it once", opt);
        return true;
    }
    if (nseen < sizeof seen / sizeof seen[0])
        seen[nseen++] = opt;
    return false;
}

void cli_common_help(FILE *f)
{
    fputs(_("  -r, --reader SPEC    reader: index, exact name, unique substring,\n"
            "                       or replay:FILE to play a recorded trace back\n"
            "                       (default: $JPKI_READER, else the first reader with a card;\n"
            "                       commands that change a card want it named when several\n"
            "                       cards are present; a reader another program holds is\n"
            "                       'busy' after $JPKI_BUSY_WAIT s, default 1: exit 3)\n"
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
        if (!arg || !*arg) {
            /* Not "the default reader": a script whose variable came out
             * empty must not change whichever card happens to be first. */
            cli_errorf(program_invocation_short_name,
                       "--reader: empty reader name (give an index, a name or a unique part of one)");
            exit(cli_usage_exit);
        }
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

static void describe_connection(jpki_trace *tr, const jpki_transport *t)
{
    char what[160];
    size_t atr_len;
    const uint8_t *atr = jpki_transport_atr(t, &atr_len);
    int n = snprintf(what, sizeof what, "connected, ATR ");
    for (size_t i = 0; i < atr_len && n > 0 && (size_t)n + 3 < sizeof what; i++)
        n += snprintf(what + n, sizeof what - (size_t)n, "%02X", atr[i]);
    if (n > 0 && (size_t)n < sizeof what)
        snprintf(what + n, sizeof what - (size_t)n, "%s",
                 jpki_transport_extended_ok(t) ? " (extended length)" : "");
    jpki_trace_event(tr, jpki_transport_reader(t), what);
}

void cli_trace_card(jpki_trace *tr, jpki_transport *t)
{
    size_t atr_len;
    const uint8_t *atr = jpki_transport_atr(t, &atr_len);
    jpki_trace_set_card(tr, jpki_transport_reader(t), atr, atr_len);
    jpki_transport_set_trace(t, tr);
}

/* A card-changing command with no reader named: the first reader with a
 * card is only a guess when there are several, and the wrong card at the
 * counter is the worst outcome.  One line naming the readers. */
static jpki_rc refuse_several_cards(jpki_error *err)
{
    char **names = NULL;
    size_t n = 0;
    if (jpki_pcsc_list_cards(&names, &n, err) != JPKI_OK || n < 2) {
        /* No pcscd, no card, one card: jpki_pcsc_open says it best. */
        jpki_pcsc_free_list(names);
        jpki_error_clear(err);
        return JPKI_OK;
    }
    char list[384] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used + 1 < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    jpki_pcsc_free_list(names);
    return jpki_error_set(err, JPKI_ERR_ARG,
                          "%zu cards present (readers %s): this changes a card, name its reader "
                          "with -r/--reader; nothing changed", n, list);
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
    jpki_rc rc = !spec && cc->changes_card ? refuse_several_cards(err) : JPKI_OK;
    if (rc == JPKI_OK) {
        if (spec && strncmp(spec, CLI_REPLAY_PREFIX, strlen(CLI_REPLAY_PREFIX)) == 0)
            rc = jpki_replay_transport_open(spec + strlen(CLI_REPLAY_PREFIX), t, err);
        else
            rc = jpki_pcsc_open(spec, t, err);
    }
    if (rc != JPKI_OK) {
        if (made_trace) { /* nothing was traced; a caller may skip cli_close */
            jpki_trace_free(cc->tr);
            cc->tr = NULL;
        }
        return rc;
    }
    if (cc->tr) {
        jpki_trace_set_tool(cc->tr, program_invocation_short_name);
        cli_trace_card(cc->tr, *t);
        describe_connection(cc->tr, *t);
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
            cli_errorf(program_invocation_short_name, "trace file incomplete: %s", terr.message);
        jpki_trace_free(cc->tr);
        cc->tr = NULL;
    }
}
