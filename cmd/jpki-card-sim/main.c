/* jpki-card-sim: a virtual My Number Card in a vpcd reader, or (--new) the
 * creation of a card state file for a sample persona. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_locale.h"
#include "cli.h"
#include "engine.h"
#include "replay.h"
#include "vpcd.h"

static const char *prog = "jpki-card-sim";
static volatile sig_atomic_t stop_flag, release_flag;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        release_flag = 1;
    else
        stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: jpki-card-sim --state FILE --port N [--host H] [--remove-after N]\n"
            "                     [--hold-after N] [--slow MS]\n"
            "       jpki-card-sim --replay TRACE --port N [--host H] [-v]\n"
            "       jpki-card-sim --new --state FILE --persona NAME --ca DIR --issuer-key FILE\n"
            "                     [--now YYYY-MM-DD] [--serial N] [--variant NAME]\n"
            "       jpki-card-sim --list-personas | --list-variants | --help | --version\n"
            "\n"
            "A virtual My Number Card (JPKI layout + jpki-tools issuance profile) that pcscd\n"
            "sees in a vsmartcard-vpcd reader.  TEST USE ONLY.\n"
            "\n"
            "  -s, --state FILE      card state (CBOR, rewritten atomically after every change)\n"
            "  -p, --port N          vpcd port of the reader (35963 = first reader)\n"
            "      --host H          vpcd host (default 127.0.0.1)\n"
            "      --remove-after N  answer N APDUs, then pull the card and exit\n"
            "      --hold-after N    answer N APDUs, run the next one and hold its answer\n"
            "                        (logs \"holding the answer after N APDUs\") until\n"
            "                        SIGUSR1, then forget the security state: the moment\n"
            "                        for a test to kill the host or cut the power\n"
            "      --slow MS         wait MS milliseconds before each answer\n"
            "  -v, --verbose         log each APDU's header and status word on stderr\n"
            "                        (never its data: PINs stay out of logs)\n"
            "      --replay TRACE    serve a recorded session (jpki-trace(5), e.g. from\n"
            "                        jpki-apdu spy --trace-file) as the card: each command\n"
            "                        must be the next one recorded and gets its recorded\n"
            "                        answer; any other gets 6F00 and the first difference\n"
            "                        is logged on stderr\n"
            "      --new             create a new card state file and exit\n"
            "      --persona NAME    hanako, taro or ichiko (see --list-personas)\n"
            "      --ca DIR          test CA directory (jpki-ca init)\n"
            "      --issuer-key FILE\n"
            "                        issuer key: used if it exists, else created (mode 0600)\n"
            "      --now DATE        issuance date of the certificates (default: the persona's)\n"
            "      --serial N        the card's 15-digit serial (default: the persona's)\n"
            "      --variant NAME    card variant (ATR and the content choices real cards\n"
            "                        differ in), kept in the state file; default: contact.\n"
            "                        contact, contact-ext (extended length), contact-f5-d1,\n"
            "                        contact-f5-b3, contactless, contactless-41: the ATRs\n"
            "                        pcsc-tools lists for the My Number Card; evidence per\n"
            "                        behaviour in jpki-card-profile(7), CARD VARIANTS\n"
            "      --list-personas   print the sample personas and their test PINs\n"
            "      --list-variants   print the card variants, default first: NAME<TAB>description\n"
            "  -h, --help            this help\n"
            "  -V, --version         version\n");
}

static void install_stop_handlers(void)
{
    /* No SA_RESTART: a blocking recv returns EINTR so we can stop. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL); /* --hold-after: send the held answer */
    signal(SIGPIPE, SIG_IGN);
}

static int serve_replay(const char *path, const sim_link_opts *link, bool with_state)
{
    if (with_state || link->port < 0 || link->remove_after >= 0 || link->hold_after >= 0) {
        fprintf(stderr, "%s: --replay takes --port (and --host, --slow, -v), not --state, "
                "--new, --remove-after or --hold-after\n", prog);
        return CLI_EXIT_USAGE;
    }
    jpki_error err;
    jpki_error_clear(&err);
    sim_replay *r = sim_replay_load(path, &err);
    if (!r) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return err.code == JPKI_ERR_IO ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
    }
    install_stop_handlers();
    sim_link_card card = sim_replay_link(r);
    int rc = sim_vpcd_serve_link(&card, link, &stop_flag, &release_flag);
    sim_replay_summary(r);
    sim_replay_free(r);
    return rc;
}

static void list_personas(void)
{
    const sim_persona *const *p = sim_persona_list();
    printf("# id\tname\tsex\tbirth\tcard-expiry\tissued\tauth-PIN\tsign-password\tcardinfo-PIN\tregistry-PIN\n");
    for (; *p; p++)
        printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (*p)->id, (*p)->name, (*p)->sex,
               (*p)->birth, (*p)->card_expiry, (*p)->issued, (*p)->pin_auth, (*p)->pin_sign,
               (*p)->pin_cardinfo, (*p)->pin_registry);
}

static void list_variants(void)
{
    for (size_t i = 0; sim_variant_name(i); i++)
        printf("%s\t%s\n", sim_variant_name(i), sim_variant_description(i));
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

enum { OPT_HOST = 0x100, OPT_REMOVE, OPT_HOLD, OPT_SLOW, OPT_NEW, OPT_PERSONA, OPT_CA, OPT_ISSUER_KEY,
       OPT_NOW, OPT_SERIAL, OPT_LIST, OPT_VARIANT, OPT_LIST_VARIANTS, OPT_REPLAY };

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option opts[] = {
        {"state", required_argument, NULL, 's'},
        {"port", required_argument, NULL, 'p'},
        {"host", required_argument, NULL, OPT_HOST},
        {"remove-after", required_argument, NULL, OPT_REMOVE},
        {"slow", required_argument, NULL, OPT_SLOW},
        {"hold-after", required_argument, NULL, OPT_HOLD},
        {"new", no_argument, NULL, OPT_NEW},
        {"persona", required_argument, NULL, OPT_PERSONA},
        {"ca", required_argument, NULL, OPT_CA},
        {"issuer-key", required_argument, NULL, OPT_ISSUER_KEY},
        {"now", required_argument, NULL, OPT_NOW},
        {"serial", required_argument, NULL, OPT_SERIAL},
        {"list-personas", no_argument, NULL, OPT_LIST},
        {"variant", required_argument, NULL, OPT_VARIANT},
        {"list-variants", no_argument, NULL, OPT_LIST_VARIANTS},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    sim_link_opts link = {.host = "127.0.0.1", .port = -1, .remove_after = -1, .hold_after = -1, .slow_ms = 0};
    sim_new_options nw = {0};
    bool create = false;
    const char *variant = NULL, *replay_path = NULL;
    long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:p:vhV", opts, NULL)) != -1) {
        switch (c) {
        case 's': nw.state_path = optarg; break;
        case 'p':
            if (!parse_long(optarg, 1, 65535, &v)) {
                fprintf(stderr, "%s: --port: '%s' is not a port number\n", prog, optarg);
                return CLI_EXIT_USAGE;
            }
            link.port = (int)v;
            break;
        case OPT_HOST: link.host = optarg; break;
        case 'v': link.verbose = true; break;
        case OPT_REMOVE:
            if (!parse_long(optarg, 0, 1000000000L, &link.remove_after)) {
                fprintf(stderr, "%s: --remove-after: '%s' is not a count\n", prog, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_HOLD:
            if (!parse_long(optarg, 0, 1000000000L, &link.hold_after)) {
                fprintf(stderr, "%s: --hold-after: '%s' is not a count\n", prog, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_SLOW:
            if (!parse_long(optarg, 0, 600000L, &link.slow_ms)) {
                fprintf(stderr, "%s: --slow: '%s' is not milliseconds (0-600000)\n", prog, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_NEW: create = true; break;
        case OPT_PERSONA: nw.persona = optarg; break;
        case OPT_CA: nw.ca_dir = optarg; break;
        case OPT_ISSUER_KEY: nw.issuer_key_path = optarg; break;
        case OPT_NOW: nw.now = optarg; break;
        case OPT_SERIAL: nw.serial = optarg; break;
        case OPT_LIST: list_personas(); return CLI_EXIT_OK;
        case OPT_VARIANT: variant = optarg; break;
        case OPT_REPLAY: replay_path = optarg; break;
        case OPT_LIST_VARIANTS: list_variants(); return CLI_EXIT_OK;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': cli_print_version("jpki-card-sim"); return CLI_EXIT_OK;
        default:
            fprintf(stderr, "%s: unknown or incomplete option '%s' (try --help)\n", prog,
                    argv[optind - 1]);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s' (try --help)\n", prog, argv[optind]);
        return CLI_EXIT_USAGE;
    }
    jpki_error err;
    jpki_error_clear(&err);
    if (variant && !create) {
        fprintf(stderr, "%s: --variant is chosen at --new (the state file keeps it)\n", prog);
        return CLI_EXIT_USAGE;
    }
    if (create) {
        if (!nw.state_path || !nw.persona || !nw.ca_dir || !nw.issuer_key_path) {
            fprintf(stderr, "%s: --new needs --state, --persona, --ca and --issuer-key\n", prog);
            return CLI_EXIT_USAGE;
        }
        jpki_rc rc = sim_card_create_variant(&nw, variant, &err);
        if (rc != JPKI_OK) {
            fprintf(stderr, "%s: %s\n", prog, err.message);
            return rc == JPKI_ERR_ARG || rc == JPKI_ERR_FORMAT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
        }
        return CLI_EXIT_OK;
    }
    if (replay_path)
        return serve_replay(replay_path, &link, create || nw.state_path);
    if (!nw.state_path || link.port < 0) {
        fprintf(stderr, "%s: --state and --port are required (try --help)\n", prog);
        return CLI_EXIT_USAGE;
    }
    sim_card *card = sim_card_load(nw.state_path, &err);
    if (!card) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return CLI_EXIT_FAIL;
    }
    install_stop_handlers();
    /* At a real card's pace the card's RSA work must not land on the
     * host's CPU at the command (keypool.c says why). */
    if (link.slow_ms > 0)
        sim_keypool_start();
    int rc = sim_vpcd_serve(card, &link, &stop_flag, &release_flag);
    sim_card_free(card);
    return rc;
}
