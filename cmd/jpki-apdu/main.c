/* jpki-apdu: send APDUs to a card (hex arguments or a script with expected
 * responses), print recorded traces, list readers.  See jpki-apdu(1). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_locale.h"
#include "cli.h"
#include "run.h"
#include "spy.h"

static const char *prog = "jpki-apdu";

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: jpki-apdu [OPTIONS] APDU...\n"
            "       jpki-apdu [OPTIONS] -f SCRIPT     (or a script on stdin)\n"
            "       jpki-apdu replay TRACE.cbor\n"
            "       jpki-apdu [--trace-file F] spy -- COMMAND [ARGS...]\n"
            "       jpki-apdu --list-readers\n"
            "Send APDUs given in hex (spaces and colons allowed) and print the annotated\n"
            "answers; a script holds one APDU per line with optional expected responses.\n"
            "spy runs any PC/SC program through pcsc-lite's spy library (libpcscspy.so.0)\n"
            "and shows its APDUs annotated, PIN data redacted, on stderr; --trace-file F\n"
            "records them (jpki-card-sim --replay F serves them back as a card).\n"
            "\n"
            "Options:\n"
            "  -f, --file SCRIPT    read the script from SCRIPT ('-' = stdin)\n"
            "      --raw, --no-auto-response\n"
            "                       do not follow 61xx with GET RESPONSE or 6Cxx with a resend\n"
            "      --pin-fd N       values for ${NAME} placeholders, one line each, from fd N\n"
            "      --pin-file F     the same from a file readable only by its owner\n"
            "                       (default: ask on the terminal)\n"
            "  -k, --keep-going     continue after a failed expectation (still exit 1)\n"
            "      --hex            print only the answers: \"DATA SW\" per APDU\n"
            "  -q, --quiet          print nothing but errors\n"
            "      --replay F       play the recorded trace F as the card (no reader needed)\n"
            "      --list-readers   list the PC/SC readers and exit\n"));
    cli_common_help(f);
    fputs(_(
            "  -h, --help           this text\n"
            "  -V, --version        version\n"
            "\n"
            "Exit status: 0 ok, 1 an expectation failed or the card/transport failed,\n"
            "2 usage or script error (also literal PIN bytes), 3 no pcscd/reader/card.\n"), f);
}

enum {
    OPT_RAW = 0x2001,
    OPT_PIN_FD,
    OPT_PIN_FILE,
    OPT_HEX,
    OPT_REPLAY,
    OPT_LIST,
};

static int list_readers(void)
{
    char **names;
    size_t n;
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_pcsc_list_readers(&names, &n, &err) != JPKI_OK)
        return cli_report(prog, &err);
    for (size_t i = 0; i < n; i++) {
        printf("%zu: ", i);
        jpki_text_fputs(names[i], stdout); /* reader names come from drivers */
        putchar('\n');
    }
    jpki_pcsc_free_list(names);
    if (n == 0) {
        cli_errorf(prog, "no readers");
        return CLI_EXIT_NO_CARD;
    }
    return CLI_EXIT_OK;
}

/* The replay transport, with the trace options wired like cli_open does
 * for a reader. */
static jpki_rc open_replay(cli_common *cc, const char *path, jpki_transport **t,
                           jpki_error *err)
{
    jpki_rc rc = jpki_replay_transport_open(path, t, err);
    if (rc != JPKI_OK || !(cc->trace || cc->trace_file))
        return rc;
    cc->tr = jpki_trace_new();
    if (!cc->tr)
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    else if (cc->trace)
        jpki_trace_set_text(cc->tr, stderr);
    if (rc == JPKI_OK && cc->trace_file)
        rc = jpki_trace_set_cbor_file(cc->tr, cc->trace_file, err);
    if (rc == JPKI_OK)
        cli_trace_card(cc->tr, *t);
    return rc;
}

static int load_script(script *s, int argc, char **argv, const char *file, int pin_fd)
{
    jpki_error err;
    jpki_error_clear(&err);
    jpki_rc rc = JPKI_OK;
    if (argc > 0 && file) {
        cli_errorf(prog, "give APDUs as arguments or a script (-f), not both");
        return CLI_EXIT_USAGE;
    }
    if (argc > 0) {
        for (int i = 0; i < argc && rc == JPKI_OK; i++) {
            char where[32];
            snprintf(where, sizeof where, _("argument %d"), i + 1);
            rc = script_add_line(s, argv[i], where, &err);
        }
    } else {
        bool from_stdin = !file || strcmp(file, "-") == 0;
        if (from_stdin && isatty(STDIN_FILENO)) {
            cli_errorf(prog, "no APDU given (pass hex APDUs, -f SCRIPT or a script on stdin)");
            return CLI_EXIT_USAGE;
        }
        if (from_stdin && pin_fd == STDIN_FILENO) {
            cli_errorf(prog, "--pin-fd 0 cannot share stdin with the script");
            return CLI_EXIT_USAGE;
        }
        FILE *f = from_stdin ? stdin : fopen(file, "r");
        if (!f) {
            cli_errorf(prog, "%s: cannot open: %m", file);
            return CLI_EXIT_USAGE;
        }
        rc = script_read(s, f, from_stdin ? "stdin" : file, &err);
        if (!from_stdin)
            fclose(f);
    }
    if (rc != JPKI_OK) {
        cli_report(prog, &err);
        return err.code == JPKI_ERR_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
    }
    if (s->n == 0) {
        cli_errorf(prog, "the script has no APDU");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Every command with placeholders is built and checked once before the
 * first APDU is sent. */
static int check_templates(const script *s, const jpki_secret *secrets)
{
    uint8_t *buf = malloc(JPKI_CAPDU_MAX);
    if (!buf) {
        cli_errorf(prog, "out of memory");
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < s->n && rc == CLI_EXIT_OK; i++) {
        const step *st = &s->steps[i];
        if (st->kind != STEP_APDU || !st->templated)
            continue;
        size_t len = 0;
        jpki_error err;
        jpki_error_clear(&err);
        if (script_build(s, st, secrets, buf, &len, &err) != JPKI_OK) {
            cli_report(prog, &err);
            rc = CLI_EXIT_USAGE;
        }
        jpki_wipe(buf, JPKI_CAPDU_MAX);
    }
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"raw", no_argument, NULL, OPT_RAW},
        {"no-auto-response", no_argument, NULL, OPT_RAW},
        {"pin-fd", required_argument, NULL, OPT_PIN_FD},
        {"pin-file", required_argument, NULL, OPT_PIN_FILE},
        {"keep-going", no_argument, NULL, 'k'},
        {"hex", no_argument, NULL, OPT_HEX},
        {"quiet", no_argument, NULL, 'q'},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"list-readers", no_argument, NULL, OPT_LIST},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_common cc;
    cli_common_init(&cc);
    const char *file = NULL, *pin_file = NULL, *replay_path = NULL;
    int pin_fd = -1;
    bool raw = false, list = false, hex_given = false, quiet_given = false;
    run_opts ro = {.out = OUT_ANNOTATED};
    int c;
    while ((c = getopt_long(argc, argv, "f:kqr:hV", opts, NULL)) != -1) {
        if (optarg && cli_repeated_value(prog, c, opts))
            return cli_usage_exit;
        if (cli_common_option(&cc, c, optarg))
            continue;
        switch (c) {
        case 'f': file = optarg; break;
        case OPT_RAW: raw = true; break;
        case OPT_PIN_FD: {
            jpki_error fd_err;
            jpki_error_clear(&fd_err);
            if (jpki_secret_parse_fd(optarg, &pin_fd, &fd_err) != JPKI_OK) {
                cli_errorf(prog, "--pin-fd: %s", fd_err.message);
                return CLI_EXIT_USAGE;
            }
            break;
        }
        case OPT_PIN_FILE: pin_file = optarg; break;
        case 'k': ro.keep_going = true; break;
        case OPT_HEX: ro.out = OUT_HEX; hex_given = true; break;
        case 'q': ro.out = OUT_QUIET; quiet_given = true; break;
        case OPT_REPLAY: replay_path = optarg; break;
        case OPT_LIST: list = true; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_print_version("jpki-apdu"); return CLI_EXIT_OK;
        default:
            fprintf(stderr, _("Try '%s --help'.\n"), "jpki-apdu");
            return CLI_EXIT_USAGE;
        }
    }
    int nargs = argc - optind;
    char **args = argv + optind;
    if (list) {
        if (nargs) {
            cli_errorf(prog, "--list-readers takes no arguments");
            return CLI_EXIT_USAGE;
        }
        return list_readers();
    }
    if (nargs > 0 && strcmp(args[0], "replay") == 0) {
        if (nargs != 2) {
            cli_errorf(prog, "usage: jpki-apdu replay TRACE.cbor");
            return CLI_EXIT_USAGE;
        }
        return replay_print(prog, args[1]);
    }
    if (hex_given && quiet_given) {
        cli_errorf(prog, "--hex and --quiet: choose one");
        return CLI_EXIT_USAGE;
    }
    if (nargs > 0 && strcmp(args[0], "spy") == 0) {
        if (nargs < 2) {
            cli_errorf(prog, "usage: jpki-apdu [--trace-file F] spy -- COMMAND [ARGS...]");
            return CLI_EXIT_USAGE;
        }
        return spy_run(prog, &cc, args + 1);
    }
    if (pin_fd >= 0 && pin_file) {
        cli_errorf(prog, "--pin-fd and --pin-file exclude each other");
        return CLI_EXIT_USAGE;
    }

    script s;
    script_init(&s);
    jpki_secret secrets[SCRIPT_SECRETS_MAX];
    memset(secrets, 0, sizeof secrets);
    int rc = load_script(&s, nargs, args, file, pin_fd);
    if (rc == CLI_EXIT_OK && s.nnames) {
        jpki_secret_protect_process();
        jpki_error err;
        jpki_error_clear(&err);
        if (secrets_read(&s, pin_fd, pin_file, secrets, &err) != JPKI_OK) {
            cli_report(prog, &err);
            rc = CLI_EXIT_USAGE;
        } else {
            rc = check_templates(&s, secrets);
        }
    }
    if (rc == CLI_EXIT_OK) {
        jpki_transport *t = NULL;
        jpki_error err;
        jpki_error_clear(&err);
        jpki_rc orc = replay_path ? open_replay(&cc, replay_path, &t, &err)
                                  : cli_open(&cc, NULL, &t, &err);
        if (orc != JPKI_OK) {
            rc = cli_report(prog, &err);
        } else {
            jpki_transport_set_auto_get_response(t, !raw);
            rc = run_script(prog, &s, s.nnames ? secrets : NULL, t, &ro);
            if (rc == CLI_EXIT_OK && replay_path &&
                jpki_replay_transport_finish(t, &err) != JPKI_OK)
                rc = cli_report(prog, &err);
            if (cc.tr && jpki_trace_status(cc.tr, &err) != JPKI_OK) {
                cli_report(prog, &err);
                if (rc == CLI_EXIT_OK)
                    rc = CLI_EXIT_FAIL;
            }
        }
        cli_close(&cc, t);
    }
    for (size_t i = 0; i < SCRIPT_SECRETS_MAX; i++)
        jpki_secret_wipe(&secrets[i]);
    script_free(&s);
    return rc;
}
