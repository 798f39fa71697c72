/* jpki-renew: renew the card's certificates at the municipal counter --
 * for the holder, by proxy, or for a batch of cards on many readers.
 * See man/jpki-renew.1. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_locale.h"
#include "batch.h"
#include "ca_cmd.h"
#include "cli.h"
#include "color.h"
#include "flow.h"
#include "identity.h"
#include "pin_sources.h"
#include "private/i18n.h"

static const char *PROG = "jpki-renew";

#define INPUT_MAX (256 * 1024)

static void usage(FILE *f)
{
    fprintf(f, _(
        "Usage: jpki-renew [renew] --ca-cmd CMD [OPTIONS]     renew (holder or --proxy)\n"
        "       jpki-renew request [OPTIONS] > csr.pem        CSR(s) out, new key pending\n"
        "       jpki-renew install [OPTIONS] < cert.pem       certificate(s) in, finish\n"
        "       jpki-renew resume [--ca-cmd CMD] [OPTIONS]    finish an interrupted renewal\n"
        "       jpki-renew --batch --journal F --pin-map M --ca-cmd CMD < records\n"
        "\n"
        "Options:\n"
        "      --cert auth|sign|both  certificates to renew (default both; install and\n"
        "                           resume: the ones with a pending key)\n"
        "      --issuer-key-file F  issuer key (32 hex digits, file mode 0600)\n"
        "      --issuer-key-fd N    issuer key from file descriptor N\n"
        "      --pin-fd N           PINs from fd N, a line per --cert certificate:\n"
        "                           auth PIN first, then the signature password\n"
        "      --pin-file F         the same from a file (mode 0600)\n"
        "      --proxy              proxy renewal: PINs from the inquiry-and-answer form;\n"
        "                           one VERIFY each, a mismatch stops (document inquiry)\n"
        "      --form-no-pin        with --proxy: the form sets no PIN (いずれの暗証番号も\n"
        "                           設定しない): switch the card to face authentication,\n"
        "                           then renew its auth certificate; no PIN read (journaled)\n"
        "      --identity-checked   face-authentication card (no PIN) or --form-no-pin: the\n"
        "                           staff checked the identity (face, visual, or the\n"
        "                           proxy's form); without it the terminal asks\n"
        "      --force              allow spending a PIN's last try\n"
        "      --retry-rejected-pin VERIFY again a PIN the journal saw the card refuse\n"
        "      --ca-cmd CMD         CA command: CSR on its stdin, certificate on its stdout\n"
        "                           (run by /bin/sh; sees JPKI_CERT_KIND, JPKI_CARD_SERIAL)\n"
        "      --ca-timeout SECS    kill the CA command after SECS (default %d)\n"
        "      --journal F          append-only CBOR journal of every step (resumable)\n"
        "      --batch              renew every card listed by jpki-status records on stdin,\n"
        "                           all readers in parallel (needs --journal and --pin-map)\n"
        "      --pin-map F          batch PINs: \"SERIAL AUTH-PIN SIGN-PASSWORD\" lines (0600)\n"
        "      --pin-map-fd N       the same from file descriptor N\n"
        "      --summary-json F     batch: also write a JSON summary to F (atomically)\n"
        "      --color WHEN         colour the --batch outcome words: auto (default: on a\n"
        "                           terminal, unless NO_COLOR or TERM=dumb), always, never\n"),
        CA_CMD_DEFAULT_TIMEOUT);
    cli_common_help(f);
    fputs(_(
        "  -h, --help               this help\n"
        "  -V, --version            version\n"
        "\n"
        "Exit status: 0 done, 1 failed (face card: a signature certificate asked for, or\n"
        "the identity check declined), 2 usage/input (or several cards and no -r; face\n"
        "card: no terminal and no --identity-checked), 3 no card/reader or reader busy,\n"
        "4 PIN (wrong, blocked, last try refused; proxy: document inquiry needed),\n"
        "5 issuer key, 6 batch: some cards failed, 7 interrupted: new key pending,\n"
        "run resume.\n"), f);
}

enum {
    OPT_CERT = 0x2000, OPT_ISSUER_FILE, OPT_ISSUER_FD, OPT_PIN_FD, OPT_PIN_FILE, OPT_PROXY,
    OPT_FORCE, OPT_RETRY_REJECTED, OPT_CA_CMD, OPT_CA_TIMEOUT, OPT_JOURNAL, OPT_BATCH, OPT_PIN_MAP, OPT_PIN_MAP_FD,
    OPT_FORM_NO_PIN, OPT_IDENTITY_CHECKED, OPT_SUMMARY_JSON,
    OPT_COLOR
};

typedef struct options {
    run_mode mode;
    unsigned kinds;
    const char *issuer_file;
    int issuer_fd;
    int pin_fd;
    const char *pin_file;
    bool proxy, force, batch, retry_rejected;
    bool form_no_pin;        /* --form-no-pin */
    bool identity_checked;   /* --identity-checked */
    const char *summary_json;
    const char *ca_cmd;
    int ca_timeout;
    const char *journal;
    const char *pin_map;
    int pin_map_fd;
    cli_color_mode color; /* --batch summary lines */
    cli_common cc;
} options;

static bool parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"cert", required_argument, NULL, OPT_CERT},
        {"issuer-key-file", required_argument, NULL, OPT_ISSUER_FILE},
        {"issuer-key-fd", required_argument, NULL, OPT_ISSUER_FD},
        {"pin-fd", required_argument, NULL, OPT_PIN_FD},
        {"pin-file", required_argument, NULL, OPT_PIN_FILE},
        {"proxy", no_argument, NULL, OPT_PROXY},
        {"force", no_argument, NULL, OPT_FORCE},
        {"retry-rejected-pin", no_argument, NULL, OPT_RETRY_REJECTED},
        {"ca-cmd", required_argument, NULL, OPT_CA_CMD},
        {"ca-timeout", required_argument, NULL, OPT_CA_TIMEOUT},
        {"journal", required_argument, NULL, OPT_JOURNAL},
        {"batch", no_argument, NULL, OPT_BATCH},
        {"pin-map", required_argument, NULL, OPT_PIN_MAP},
        {"pin-map-fd", required_argument, NULL, OPT_PIN_MAP_FD},
        {"form-no-pin", no_argument, NULL, OPT_FORM_NO_PIN},
        {"identity-checked", no_argument, NULL, OPT_IDENTITY_CHECKED},
        {"summary-json", required_argument, NULL, OPT_SUMMARY_JSON},
        {"color", required_argument, NULL, OPT_COLOR},
        CLI_COMMON_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->issuer_fd = o->pin_fd = o->pin_map_fd = -1;
    o->ca_timeout = CA_CMD_DEFAULT_TIMEOUT;
    cli_common_init(&o->cc);
    int c;
    while ((c = getopt_long(argc, argv, "hV" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (optarg && cli_repeated_value(PROG, c, longopts))
            return cli_usage_exit;
        if (cli_common_option(&o->cc, c, optarg))
            continue;
        switch (c) {
        case OPT_CERT:
            if (strcmp(optarg, "auth") == 0)
                o->kinds = KIND_BIT(JPKI_KEY_AUTH);
            else if (strcmp(optarg, "sign") == 0)
                o->kinds = KIND_BIT(JPKI_KEY_SIGN);
            else if (strcmp(optarg, "both") == 0)
                o->kinds = KINDS_BOTH;
            else {
                cli_errorf(PROG, "--cert: want auth, sign or both, not \"%s\"", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_ISSUER_FILE: o->issuer_file = optarg; break;
        case OPT_ISSUER_FD:
        case OPT_PIN_FD:
        case OPT_PIN_MAP_FD: {
            int fd;
            jpki_error fd_err;
            jpki_error_clear(&fd_err);
            if (jpki_secret_parse_fd(optarg, &fd, &fd_err) != JPKI_OK) {
                cli_errorf(PROG, "%s", fd_err.message);
                return CLI_EXIT_USAGE;
            }
            *(c == OPT_ISSUER_FD ? &o->issuer_fd : c == OPT_PIN_FD ? &o->pin_fd : &o->pin_map_fd) = fd;
            break;
        }
        case OPT_PIN_FILE: o->pin_file = optarg; break;
        case OPT_PROXY: o->proxy = true; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_RETRY_REJECTED: o->retry_rejected = true; break;
        case OPT_CA_CMD: o->ca_cmd = optarg; break;
        case OPT_CA_TIMEOUT:
            if (!parse_int(optarg, 1, 86400, &o->ca_timeout)) {
                cli_errorf(PROG, "--ca-timeout: want 1..86400 seconds, not \"%s\"", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_JOURNAL: o->journal = optarg; break;
        case OPT_BATCH: o->batch = true; break;
        case OPT_PIN_MAP: o->pin_map = optarg; break;
        case OPT_FORM_NO_PIN: o->form_no_pin = true; break;
        case OPT_IDENTITY_CHECKED: o->identity_checked = true; break;
        case OPT_SUMMARY_JSON: o->summary_json = optarg; break;
        case OPT_COLOR:
            if (!cli_color_parse(optarg, &o->color)) {
                cli_errorf(PROG, "--color: \"%s\": expected auto, always or never", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            cli_print_version("jpki-renew");
            return CLI_EXIT_OK;
        default:
            fprintf(stderr, _("Try '%s --help'.\n"), "jpki-renew");
            return CLI_EXIT_USAGE;
        }
    }
    o->mode = MODE_RENEW;
    if (optind < argc) {
        const char *m = argv[optind++];
        if (strcmp(m, "renew") == 0)
            o->mode = MODE_RENEW;
        else if (strcmp(m, "request") == 0)
            o->mode = MODE_REQUEST;
        else if (strcmp(m, "install") == 0)
            o->mode = MODE_INSTALL;
        else if (strcmp(m, "resume") == 0)
            o->mode = MODE_RESUME;
        else {
            cli_errorf(PROG, "unknown mode \"%s\" (renew, request, install, resume)", m);
            return CLI_EXIT_USAGE;
        }
        if (optind < argc) {
            cli_errorf(PROG, "unexpected argument \"%s\"", argv[optind]);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

/* Combinations that cannot work are refused before anything is touched. */
static int check_args(const options *o)
{
    const char *bad = NULL;
    if (!o->issuer_file && o->issuer_fd < 0) {
        /* Like every counter tool: a missing issuer key is exit 5. */
        cli_errorf(PROG, "the counter's issuer key is needed: --issuer-key-file F or --issuer-key-fd N");
        return CLI_EXIT_AUTH;
    }
    if (o->issuer_file && o->issuer_fd >= 0)
        bad = _("--issuer-key-file and --issuer-key-fd exclude each other");
    else if (o->pin_file && o->pin_fd >= 0)
        bad = _("--pin-file and --pin-fd exclude each other");
    else if (o->batch && o->mode != MODE_RENEW)
        bad = _("--batch renews (and resumes through its journal); no other mode");
    else if (o->batch && !o->journal)
        bad = _("--batch needs --journal F (it is what keeps a card from being renewed twice)");
    else if (o->batch && !o->pin_map && o->pin_map_fd < 0)
        bad = _("--batch needs --pin-map F or --pin-map-fd N");
    else if (o->batch && (o->pin_file || o->pin_fd >= 0))
        bad = _("--batch takes PINs from --pin-map, not --pin-file/--pin-fd");
    else if (!o->batch && (o->pin_map || o->pin_map_fd >= 0))
        bad = _("--pin-map is for --batch");
    else if (o->pin_map && o->pin_map_fd >= 0)
        bad = _("--pin-map and --pin-map-fd exclude each other");
    else if (o->mode == MODE_RENEW && !o->ca_cmd)
        bad = _("renewing needs a CA: --ca-cmd CMD (or use request and install)");
    else if ((o->mode == MODE_REQUEST || o->mode == MODE_INSTALL) && o->ca_cmd)
        bad = _("--ca-cmd is for renew and resume; request/install are the two ends of a pipe");
    else if (o->batch && o->pin_map_fd == 0)
        bad = _("--pin-map-fd 0: stdin carries the records");
    else if (o->mode == MODE_INSTALL && o->pin_fd == 0)
        bad = _("--pin-fd 0: stdin carries the certificates");
    else if (o->issuer_fd >= 0 && o->issuer_fd == o->pin_fd)
        bad = _("the issuer key and the PINs cannot share a file descriptor");
    else if (o->summary_json && !o->batch)
        bad = _("--summary-json is for --batch");
    else if (o->form_no_pin && !o->proxy)
        bad = _("--form-no-pin is the proxy's form choice: use it with --proxy");
    else if (o->form_no_pin && (o->batch || o->mode != MODE_RENEW))
        bad = _("--form-no-pin renews one card (resume finds it in the journal)");
    else if (o->form_no_pin && o->kinds & KIND_BIT(JPKI_KEY_SIGN))
        bad = _("--form-no-pin makes a face-authentication card: it has no signature certificate "
              "(--cert auth)");
    else if (o->form_no_pin && (o->pin_file || o->pin_fd >= 0))
        bad = _("--form-no-pin: the form sets no PIN, so there is none to read");
    if (bad) {
        cli_errorf(PROG, "%s", bad);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

static jpki_rc read_all(FILE *f, uint8_t **buf, size_t *len, jpki_error *err)
{
    size_t cap = 8192, n = 0;
    uint8_t *b = malloc(cap);
    if (!b)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    for (;;) {
        if (n == cap) {
            if (cap >= INPUT_MAX) {
                free(b);
                return jpki_error_set(err, JPKI_ERR_LIMIT, "input larger than %d bytes", INPUT_MAX);
            }
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        free(b);
        return jpki_error_set(err, JPKI_ERR_IO, "reading stdin failed");
    }
    *buf = b;
    *len = n;
    return JPKI_OK;
}

static void on_progress_tty(void *ctx, const char *serial, const char *what)
{
    (void)ctx;
    (void)serial;
    char safe[512];
    jpki_text_safe(what, safe, sizeof safe);
    fprintf(stderr, "\r\033[K%s", safe);
    fflush(stderr);
}

/* The descriptors the caller handed us secrets on stay ours: a CA command
 * (or anything else we start) must not inherit them, or it could read the
 * PINs or the issuer key again (a file behind an fd can be re-opened
 * through /proc/self/fd). */
static void keep_secret_fds(const options *o)
{
    const int fds[] = {o->pin_fd, o->issuer_fd, o->pin_map_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] > 2) {
            int fl = fcntl(fds[i], F_GETFD);
            if (fl >= 0)
                (void)fcntl(fds[i], F_SETFD, fl | FD_CLOEXEC);
        }
}

static int run_single(const options *o, flow_opts *fo)
{
    pin_source ps;
    pin_source_init(&ps);
    ps.fd = o->pin_fd;
    ps.file = o->pin_file;
    ps.proxy = o->proxy;
    ps.kinds = o->kinds ? o->kinds : KINDS_BOTH;
    fo->get_pin = pin_source_get;
    fo->pin_ctx = &ps;
    uint8_t *input = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    int code;
    if (o->mode == MODE_INSTALL) {
        if (read_all(stdin, &input, &fo->install_len, &err) != JPKI_OK) {
            code = cli_report(PROG, &err);
            goto out;
        }
        if (fo->install_len == 0) {
            cli_errorf(PROG, "install: no certificate on stdin");
            code = CLI_EXIT_USAGE;
            goto out;
        }
        fo->install_input = input;
    }
    cli_common cc = o->cc;
    cc.changes_card = true; /* never guess which of several cards to renew */
    jpki_transport *t = NULL;
    if (cli_open(&cc, NULL, &t, &err) != JPKI_OK) {
        code = cli_report(PROG, &err);
        goto out;
    }
    /* PINs typed on the terminal are asked while no transaction is held, so
     * other programs can use the reader meanwhile (a renewal and a request
     * need them; install and resume mostly not).  A face-authentication
     * card has no PIN to ask for, nor has a proxy's no-PIN form. */
    if ((o->mode == MODE_RENEW || o->mode == MODE_REQUEST) && !o->form_no_pin &&
        pin_source_needs_tty(&ps)) {
        jpki_card_mode mode = JPKI_MODE_UNKNOWN;
        jpki_error perr;
        jpki_error_clear(&perr);
        (void)jpki_card_mode_probe(t, &mode, &perr); /* the flow says what is wrong */
        if (mode != JPKI_MODE_FACE && pin_source_prefetch(&ps, &err) != JPKI_OK) {
            cli_close(&cc, t);
            code = cli_report(PROG, &err);
            goto out;
        }
    }
    bool tty = isatty(STDERR_FILENO);
    if (tty)
        fo->progress = on_progress_tty;
    flow_result res;
    flow_run(fo, t, NULL, NULL, &res);
    cli_close(&cc, t);
    if (tty) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    /* Status lines: stdout, except when stdout carries CSRs for a pipe. */
    FILE *status = res.r.outcome == OUT_PENDING ? stderr : stdout;
    char serial[128];
    jpki_text_safe(res.r.serial, serial, sizeof serial);
    if (res.r.switched_to_face)
        fprintf(status, _("%s%s switched to a face-authentication card: every PIN disabled, "
                          "no signature certificate\n"), status == stderr ? "jpki-renew: " : "", serial);
    for (int k = 0; k < 2; k++)
        if (res.r.line[k][0]) {
            char line[4 * sizeof res.r.line[k]];
            jpki_text_safe(res.r.line[k], line, sizeof line);
            fprintf(status, "%s%s %s\n", status == stderr ? "jpki-renew: " : "", serial, line);
        }
    code = res.exit_code;
    switch (res.r.outcome) {
    case OUT_SKIPPED:
        printf(_("%s: already renewed according to journal %s; skipped\n"), serial, o->journal);
        break;
    case OUT_NOTHING:
        printf(_("%s: nothing to resume (no pending key on the card)\n"), serial);
        break;
    case OUT_FAILED:
        if (res.r.left_pending)
            cli_errorf(PROG, "%s%s%s; the card keeps its current certificate and the new key "
                       "is pending: finish with `jpki-renew resume`",
                       res.r.serial, res.r.serial[0] ? ": " : "", res.r.err.message);
        else
            cli_errorf(PROG, "%s%s%s", res.r.serial, res.r.serial[0] ? ": " : "", res.r.err.message);
        break;
    default:
        break;
    }
out:
    pin_source_close(&ps);
    free(input);
    return code;
}

static int run_batch(const options *o, flow_opts *fo)
{
    pin_map *pm = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    jpki_rc rc = o->pin_map ? pin_map_load_file(o->pin_map, &pm, &err)
                            : pin_map_load_fd(o->pin_map_fd, &pm, &err);
    if (rc != JPKI_OK) {
        cli_report(PROG, &err);
        return CLI_EXIT_USAGE; /* unreadable or malformed: bad input (README: 2) */
    }
    /* --cert auth: the signature password and the card-info PIN (needed
     * only for a signature certificate) are wiped before any card work. */
    if (o->kinds && !(o->kinds & KIND_BIT(JPKI_KEY_SIGN))) {
        pin_map_forget(pm, JPKI_PIN_SIGN);
        pin_map_forget(pm, JPKI_PIN_CARDINFO);
    }
    batch_card *cards = NULL;
    size_t n = 0;
    rc = batch_read_input(stdin, o->kinds ? o->kinds : KINDS_BOTH, o->kinds != 0, &cards, &n, &err);
    if (rc != JPKI_OK) {
        pin_map_free(pm);
        jpki_error_prefix(&err, "batch input");
        return cli_report(PROG, &err);
    }
    /* '-' in a card's map entry: that certificate is not renewed (and the
     * summary says so), rather than failing the card for a missing PIN. */
    unsigned wanted_default = o->kinds ? o->kinds : KINDS_BOTH;
    for (size_t i = 0; i < n; i++) {
        unsigned want = cards[i].kinds ? cards[i].kinds : wanted_default;
        cards[i].declined = want & pin_map_declined_kinds(pm, cards[i].serial);
        /* Only a declined kind narrows the set: a record that names none
         * leaves the choice to the renewal (a face card: auth only). */
        if (cards[i].declined)
            cards[i].kinds = want & ~cards[i].declined;
    }
    fo->get_pin = pin_map_get;
    fo->pin_ctx = pm;
    cli_common cc = o->cc;
    /* No questions from the reader threads: --identity-checked or refused. */
    identity_check ic = {.checked = o->identity_checked, .may_ask = false};
    fo->confirm_ctx = &ic;
    batch_opts bo = {.flow = *fo, .cc = &cc, .show_progress = isatty(STDERR_FILENO), .prog = PROG,
                     .summary_json = o->summary_json,
                     .color = cli_color_wanted(o->color, stdout)};
    int code = batch_run(&bo, cards, n, stdout);
    free(cards);
    pin_map_free(pm);
    return code;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    options o;
    int code = parse_args(argc, argv, &o);
    if (code != -1)
        return code;
    if ((code = check_args(&o)) != -1)
        return code;
    jpki_secret_protect_process();
    keep_secret_fds(&o);
    ca_cmd_catch_signals();
    /* A CA command that exits without reading its stdin must not kill us
     * with SIGPIPE: that is reported as the command's failure instead. */
    signal(SIGPIPE, SIG_IGN);

    jpki_error err;
    jpki_error_clear(&err);
    jpki_issuer_key ik;
    jpki_rc rc = o.issuer_file ? jpki_issuer_key_load_file(o.issuer_file, &ik, &err)
                               : jpki_issuer_key_load_fd(o.issuer_fd, &ik, &err);
    if (rc != JPKI_OK) {
        cli_report(PROG, &err);
        return CLI_EXIT_AUTH; /* missing, unreadable or not a key: README's exit 5 */
    }
    jpki_journal *j = NULL;
    if (o.journal) {
        if ((rc = jpki_journal_open(o.journal, &j, &err)) != JPKI_OK) {
            jpki_issuer_key_wipe(&ik);
            return cli_report(PROG, &err);
        }
        if (jpki_journal_dropped_bytes(j))
            cli_errorf(PROG, "journal %s: dropped an incomplete last record (%zu bytes)",
                       o.journal, jpki_journal_dropped_bytes(j));
    }
    /* The form makes a face-authentication card: its one certificate is
     * what this attempt renews (and what the journal says it set out to). */
    if (o.form_no_pin && !o.kinds)
        o.kinds = KIND_BIT(JPKI_KEY_AUTH);
    ca_cmd ca = {.cmd = o.ca_cmd, .timeout_s = o.ca_timeout};
    identity_check ic = {.checked = o.identity_checked, .may_ask = true};
    flow_opts fo = {
        .mode = o.mode,
        .kinds = o.kinds,
        .proxy = o.proxy,
        .force = o.force,
        .retry_rejected_pin = o.retry_rejected,
        .issuer = &ik,
        .journal = j,
        .ca = o.ca_cmd ? ca_cmd_issue : NULL,
        .ca_ctx = &ca,
        .csr_out = stdout,
        .confirm_identity = identity_confirm,
        .confirm_ctx = &ic,
        .to_face = o.form_no_pin,
    };
    code = o.batch ? run_batch(&o, &fo) : run_single(&o, &fo);
    jpki_journal_close(j);
    jpki_issuer_key_wipe(&ik);
    return code;
}
