/* jpki-expiry-check: is it time to renew?  The exit code answers, like a
 * monitoring plugin: 0 valid beyond the threshold, 1 expiring within it,
 * 2 expired, 3 could not tell (also bad arguments and malformed input).
 * Sources: the card in a reader, or stdin carrying jpki-status records
 * (JSON or CBOR) or certificates (PEM or DER). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_locale.h"
#include "check.h"
#include "cli.h"
#include "color.h"
#include "display_width.h"
#include "cli_watch.h"
#include "private/i18n.h"

/* J-LIS mails the expiry notice two to three months ahead and renewal is
 * accepted from three months before the expiry date: 90 days lines the
 * warning up with the moment renewal becomes possible. */
#define DEFAULT_WITHIN "90d"

enum { OPT_NOW = 0x2001, OPT_STDIN, OPT_CARD, OPT_COLOR, OPT_WATCH, OPT_RENEWABLE };

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: %s [OPTIONS] [-]\n"
            "Check whether JPKI certificates expire within a threshold.\n"
            "Exit status: 0 valid beyond it, 1 expiring within it, 2 expired, 3 could not tell.\n"
            "\n"
            "Source: the card in a reader (default), or stdin with '-' / --stdin or when\n"
            "stdin is a pipe or file: jpki-status records (JSON or CBOR) or certificates\n"
            "(PEM, several allowed, or DER back to back), detected from the input.\n"
            "\n"
            "  -w, --within DURATION  threshold: N, Nd, Nw, Nm (30 days) or Ny (365 days)\n"
            "                         (default %s)\n"
            "      --now DATE         check as of DATE (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ,\n"
            "                         YYYY-MM-DDTHH:MM:SS+09:00, @SECONDS)\n"
            "  -c, --cert KIND        auth, sign or both (default both) for cards and records\n"
            "  -f, --filter           write the entries that need renewal to stdout in their\n"
            "                         input format; report lines go to stderr\n"
            "      --renewable        only cards whose renewal is open as of --now (from the\n"
            "                         day after the date three months before expiry; an\n"
            "                         expired certificate counts too); with --filter their\n"
            "                         \"renew\" list names the certificates open for renewal\n"
            "  -q, --quiet            no per-entry lines, only the summary\n"
            "      --stdin            read stdin (same as '-')\n"
            "      --card             read the card even when stdin is not a terminal\n"
            "      --watch            keep running: check each card inserted into any reader,\n"
            "                         one line per card; SIGINT/SIGTERM ends it with the\n"
            "                         summary on stderr (exit 0)\n"),
            PROG, DEFAULT_WITHIN);
    cli_color_help(f);
    cli_common_help(f);
    fputs(_(
            "  -h, --help             this help\n"
            "  -V, --version          version\n"), f);
}

/* Where to look when nothing says so: a pipe or file on stdin is read,
 * a terminal or a device like /dev/null means the card. */
static bool stdin_has_data_source(void)
{
    if (isatty(STDIN_FILENO))
        return false;
    struct stat st;
    if (fstat(STDIN_FILENO, &st) != 0)
        return false;
    return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* Read the card in reader (NULL: the one cc names) into rec.  false when
 * there was no card to read (said on stderr). */
static bool read_card(check_ctx *c, cli_common *cc, const char *reader, jpki_record *rec)
{
    jpki_transport *t = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    jpki_record_init(rec);
    jpki_rc rc = cli_open(cc, reader, &t, &err);
    if (rc != JPKI_OK) {
        cli_close(cc, NULL);
        if (!reader || rc != JPKI_ERR_NO_CARD) {
            cli_report(PROG, &err);
            return false;
        }
        /* --watch: the card left between its insertion and our connect. */
        snprintf(rec->reader, sizeof rec->reader, "%s", reader);
        rec->card_present = rec->has_error = true;
        snprintf(rec->error_code, sizeof rec->error_code, "%s", jpki_rc_name(JPKI_ERR_CARD_REMOVED));
        snprintf(rec->error, sizeof rec->error, "%s", N_("card removed before it could be read"));
        return true;
    }
    check_card_read(t, c, rec); /* failures land in rec->error */
    cli_close(cc, t);
    if (!rec->card_present && !rec->has_error) {
        cli_errorf(PROG, "%s: no card in the reader", rec->reader);
        jpki_record_clear(rec);
        return false;
    }
    return true;
}

static int check_card(check_ctx *c, cli_common *cc)
{
    jpki_record rec;
    if (!read_card(c, cc, NULL, &rec))
        return JPKI_EXPIRY_UNKNOWN;
    check_record(c, &rec, JPKI_RECORD_JSON);
    jpki_record_clear(&rec);
    return check_exit_code(c);
}

typedef struct watch_ctx {
    check_ctx *c;
    cli_common *cc;
} watch_ctx;

static bool watch_card(void *ctx, const char *reader)
{
    watch_ctx *w = ctx;
    jpki_record rec;
    if (read_card(w->c, w->cc, reader, &rec)) {
        check_record(w->c, &rec, JPKI_RECORD_JSON);
        jpki_record_clear(&rec);
    }
    return !ferror(w->c->report);
}

/* --watch ends on a signal: the summary goes to stderr, the exit code says
 * the watch went as planned (the per-card verdicts are in the lines). */
static int watch_cards(check_ctx *c, cli_common *cc)
{
    watch_ctx w = {c, cc};
    int code = cli_watch(PROG, watch_card, &w);
    c->report = stderr;
    check_summary(c);
    return code == CLI_EXIT_OK ? 0 : JPKI_EXPIRY_UNKNOWN;
}

/* Sniff stdin and hand it to the matching reader.  Returns false when
 * stdin was empty (so the caller may fall back to the card). */
static bool check_stdin(check_ctx *c)
{
    int ch;
    size_t ws = 0;
    while ((ch = getc(stdin)) == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
        ws++;
    if (ch == EOF) {
        if (ferror(stdin)) {
            cli_errorf(PROG, "read error on stdin");
            c->input_error = true;
            return true;
        }
        return ws != 0; /* whitespace only: there was input, just nothing in it */
    }
    uint8_t first = (uint8_t)ch;
    if (first == 0x30 && ws == 0) {
        check_der_stream(c, stdin, &first, 1);
    } else if (first == '{' || (ws == 0 && jpki_record_sniff(&first, 1) == JPKI_RECORD_CBOR)) {
        check_record_stream(c, stdin, &first, 1);
    } else if (first >= 0x20 && first < 0x7F) {
        check_pem_stream(c, stdin, &first, 1);
    } else {
        cli_errorf(PROG, "unrecognised input (first byte 0x%02x): expected jpki-status records "
                         "(JSON or CBOR) or certificates (PEM or DER)", first);
        c->input_error = true;
    }
    return true;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option longopts[] = {
        {"within", required_argument, NULL, 'w'},
        {"now", required_argument, NULL, OPT_NOW},
        {"cert", required_argument, NULL, 'c'},
        {"filter", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"stdin", no_argument, NULL, OPT_STDIN},
        {"card", no_argument, NULL, OPT_CARD},
        {"color", required_argument, NULL, OPT_COLOR},
        {"watch", no_argument, NULL, OPT_WATCH},
        {"renewable", no_argument, NULL, OPT_RENEWABLE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    cli_common cc;
    cli_common_init(&cc);
    cli_usage_exit = JPKI_EXPIRY_UNKNOWN; /* its 2 means "expired" */
    check_ctx c;
    memset(&c, 0, sizeof c);
    c.now = time(NULL);
    c.kinds = (1u << JPKI_CERT_AUTH) | (1u << JPKI_CERT_SIGN);
    const char *within = DEFAULT_WITHIN;
    bool want_stdin = false, want_card = false, watch = false, reader_given = false;
    cli_color_mode color = CLI_COLOR_AUTO;
    jpki_error err;
    jpki_error_clear(&err);
    int opt;
    while ((opt = getopt_long(argc, argv, "w:c:fqhV" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (optarg && cli_repeated_value(PROG, opt, longopts))
            return cli_usage_exit;
        if (opt == 'r')
            opt = CLI_OPT_READER;
        if (cli_common_option(&cc, opt, optarg)) {
            if (opt == CLI_OPT_READER)
                want_card = reader_given = true; /* a reader named on the command line means the card */
            continue;
        }
        switch (opt) {
        case 'w':
            within = optarg;
            break;
        case OPT_NOW:
            if (jpki_time_parse(optarg, &c.now, &err) != JPKI_OK) {
                cli_errorf(PROG, "--now: %s", err.message);
                return JPKI_EXPIRY_UNKNOWN;
            }
            break;
        case 'c':
            if (strcmp(optarg, "auth") == 0) {
                c.kinds = 1u << JPKI_CERT_AUTH;
                c.strict = true;
            } else if (strcmp(optarg, "sign") == 0) {
                c.kinds = 1u << JPKI_CERT_SIGN;
                c.strict = true;
            } else if (strcmp(optarg, "both") == 0) {
                c.kinds = (1u << JPKI_CERT_AUTH) | (1u << JPKI_CERT_SIGN);
                c.strict = false;
            } else {
                cli_errorf(PROG, "--cert: \"%s\" is not auth, sign or both", optarg);
                return JPKI_EXPIRY_UNKNOWN;
            }
            break;
        case 'f':
            c.filter = true;
            break;
        case 'q':
            c.quiet = true;
            break;
        case OPT_STDIN:
            want_stdin = true;
            break;
        case OPT_CARD:
            want_card = true;
            break;
        case OPT_COLOR:
            if (!cli_color_parse(optarg, &color)) {
                cli_errorf(PROG, "--color: \"%s\": expected auto, always or never", optarg);
                return JPKI_EXPIRY_UNKNOWN;
            }
            break;
        case OPT_WATCH:
            watch = true;
            break;
        case OPT_RENEWABLE:
            c.renewable = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            cli_print_version(PROG);
            return 0;
        default:
            fprintf(stderr, _("Try '%s --help'.\n"), PROG);
            return JPKI_EXPIRY_UNKNOWN;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0) {
            cli_errorf(PROG, "unexpected argument \"%s\" (only '-' for stdin)", argv[i]);
            return JPKI_EXPIRY_UNKNOWN;
        }
        want_stdin = true;
    }
    if (jpki_duration_parse(within, &c.within, &err) != JPKI_OK) {
        cli_errorf(PROG, "--within: %s", err.message);
        return JPKI_EXPIRY_UNKNOWN;
    }
    if (want_stdin && want_card) {
        cli_errorf(PROG, "choose one source: the card (--reader/--card) or stdin ('-'/--stdin)");
        return JPKI_EXPIRY_UNKNOWN;
    }
    /* With --filter, stdout carries data; the report moves to stderr. */
    c.report = c.filter ? stderr : stdout;
    c.columns = dw_columns(c.report);
    c.color = cli_color_wanted(color, c.report);
    if (watch) {
        if (want_stdin || reader_given || c.filter) {
            cli_errorf(PROG, "--watch reads every reader's cards: no stdin, --reader or --filter with it");
            return JPKI_EXPIRY_UNKNOWN;
        }
        return watch_cards(&c, &cc);
    }

    bool from_stdin = want_stdin || (!want_card && stdin_has_data_source());
    if (from_stdin) {
        bool had_input = check_stdin(&c);
        if (had_input || want_stdin) {
            if (!had_input) {
                cli_errorf(PROG, "no input on stdin");
                return JPKI_EXPIRY_UNKNOWN;
            }
            check_summary(&c);
            return check_exit_code(&c);
        }
        /* An empty pipe (cron, a monitoring agent) means: look at the card. */
    }
    if (c.filter) {
        cli_errorf(PROG, "--filter works on a stream: pipe jpki-status --json or --cbor into it");
        return JPKI_EXPIRY_UNKNOWN;
    }
    return check_card(&c, &cc);
}
