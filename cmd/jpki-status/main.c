/* jpki-status: what field staff want to know about a card, without
 * spending a PIN try: reader, card serial, applications, certificates with
 * their validity, every PIN's retry counter, PIN or face-authentication
 * mode.  A table on a terminal; JSON lines or a CBOR sequence for pipes
 * (the records of jpki-records(5)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_locale.h"
#include "cli.h"
#include "status.h"
#include "pin_sources.h"

enum { OPT_NOW = 0x2001, OPT_TABLE, OPT_JSON, OPT_CBOR, OPT_DER, OPT_VERIFY_SIGN, OPT_PIN_FD,
       OPT_PIN_FILE, OPT_PIN_MAP };

typedef enum { OUT_AUTO, OUT_TABLE, OUT_JSON, OUT_CBOR } out_format;

typedef struct status_opts {
    out_format out;
    jpki_status_options rd;
    bool verify_sign;
    int pin_fd;
    const char *pin_file;
    pin_map *map;     /* --pin-map: signature passwords by card serial */
    bool first_block; /* table: blank line between readers */
} status_opts;

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: %s [OPTIONS]\n"
            "Show a JPKI card's status without spending a PIN try.\n"
            "\n"
            "  -a, --all              every reader (empty readers are listed, not an error)\n"
            "      --table            aligned table (default on a terminal)\n"
            "      --json             one JSON record per card per line (default otherwise)\n"
            "      --cbor             CBOR sequence of records (RFC 8742)\n"
            "      --der              include the DER certificates in JSON/CBOR records\n"
            "      --now DATE         count days left from DATE (YYYY-MM-DD,\n"
            "                         YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM:SS+09:00 or @SECONDS)\n"
            "      --verify-sign-pin  verify the signature password (asked on the terminal)\n"
            "                         to read the signature certificate; spends a try only\n"
            "                         if the password is wrong, never the last one\n"
            "      --pin-fd N         ... reading the password from file descriptor N\n"
            "      --pin-file F       ... reading it from F (mode 0600 or stricter)\n"
            "      --pin-map F        signature passwords by card serial (jpki-renew's PIN\n"
            "                         map), for --all: each card with one in F is read with\n"
            "                         it, never spending its last try\n"),
            PROG);
    cli_common_help(f);
    fputs(_(
            "  -h, --help             this help\n"
            "  -V, --version          version\n"), f);
}

static jpki_rc emit(FILE *f, status_opts *o, const jpki_record *rec, jpki_error *err)
{
    switch (o->out) {
    case OUT_JSON:
        return jpki_record_write(f, rec, JPKI_RECORD_JSON, o->rd.include_der, err);
    case OUT_CBOR:
        return jpki_record_write(f, rec, JPKI_RECORD_CBOR, o->rd.include_der, err);
    default:
        if (!o->first_block)
            fputc('\n', f);
        o->first_block = false;
        status_print_table(f, rec);
        fflush(f);
        return ferror(f) ? jpki_error_set(err, JPKI_ERR_IO, "writing to stdout failed") : JPKI_OK;
    }
}

/* The card's serial is known only after reading it: read it again with its
 * signature password from the map, if the map has one.  The library
 * checks the retry counter first and never spends the last try. */
static jpki_rc reread_with_map(jpki_transport *t, const status_opts *o, jpki_record *rec,
                               jpki_error *err)
{
    jpki_secret pw;
    jpki_error e2;
    jpki_error_clear(&e2);
    if (pin_map_get(o->map, rec->serial, JPKI_PIN_SIGN, &pw, &e2) != JPKI_OK)
        return JPKI_OK; /* no password for this card: as without a map */
    jpki_rc rc = jpki_pin_check_format(JPKI_PIN_SIGN, &pw, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "PIN map, card %s: signature password", rec->serial);
        jpki_secret_wipe(&pw);
        return rc;
    }
    jpki_status_options rd = o->rd;
    rd.sign_pin = &pw;
    jpki_record_clear(rec);
    jpki_record_init(rec);
    rec->checked_at = o->rd.now;
    rc = jpki_record_from_card(t, &rd, rec, err);
    jpki_secret_wipe(&pw);
    return rc;
}

/* One reader: open, read, close.  rec is filled in every case (an empty
 * reader or a failure is a record too). */
static jpki_rc read_reader(cli_common *cc, const char *reader, const status_opts *o,
                           jpki_record *rec, bool *opened, jpki_error *err)
{
    jpki_transport *t = NULL;
    jpki_record_init(rec);
    rec->checked_at = o->rd.now;
    jpki_rc rc = cli_open(cc, reader, &t, err);
    *opened = rc == JPKI_OK;
    if (rc != JPKI_OK) {
        snprintf(rec->reader, sizeof rec->reader, "%s", reader ? reader : (cc->reader ? cc->reader : ""));
        if (rc == JPKI_ERR_NO_CARD) {
            rec->card_present = false;
        } else {
            rec->has_error = true;
            snprintf(rec->error_code, sizeof rec->error_code, "%s", jpki_rc_name(rc));
            snprintf(rec->error, sizeof rec->error, "%s", err->message_c);
        }
        return rc;
    }
    rc = jpki_record_from_card(t, &o->rd, rec, err);
    if (rc == JPKI_OK && o->map && rec->serial[0])
        rc = reread_with_map(t, o, rec, err);
    cli_close(cc, t);
    return rc;
}

static int run_all(cli_common *cc, status_opts *o)
{
    char **names = NULL;
    size_t count = 0;
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_pcsc_list_readers(&names, &count, &err) != JPKI_OK)
        return cli_report(PROG, &err);
    if (count == 0) {
        jpki_pcsc_free_list(names);
        cli_errorf(PROG, "no readers");
        return CLI_EXIT_NO_CARD;
    }
    size_t ok = 0, failed = 0;
    int first_fail = CLI_EXIT_OK;
    for (size_t i = 0; i < count; i++) {
        jpki_record rec;
        bool opened;
        jpki_error_clear(&err);
        jpki_rc rc = read_reader(cc, names[i], o, &rec, &opened, &err);
        if (rc == JPKI_OK || rc == JPKI_ERR_NO_CARD) {
            ok++;
        } else {
            /* Say it on stderr too: a table reader and a pipe both notice. */
            if (strstr(err.message, names[i]))
                cli_errorf(PROG, "%s", err.message);
            else
                cli_errorf(PROG, "%s: %s", names[i], err.message);
            if (!failed)
                first_fail = cli_exit_for(rc);
            failed++;
        }
        jpki_error e2;
        jpki_error_clear(&e2);
        if (emit(stdout, o, &rec, &e2) != JPKI_OK) {
            jpki_record_clear(&rec);
            jpki_pcsc_free_list(names);
            return cli_report(PROG, &e2);
        }
        jpki_record_clear(&rec);
    }
    jpki_pcsc_free_list(names);
    if (!failed)
        return CLI_EXIT_OK;
    return ok ? CLI_EXIT_PARTIAL : first_fail;
}

static int run_one(cli_common *cc, status_opts *o)
{
    jpki_record rec;
    jpki_error err;
    jpki_error_clear(&err);
    bool opened;
    jpki_rc rc = read_reader(cc, NULL, o, &rec, &opened, &err);
    int code = CLI_EXIT_OK;
    if (rc != JPKI_OK)
        code = cli_report(PROG, &err);
    /* A card that answered (even partly) is worth a record; "no pcscd",
     * "no such reader" or "no card" is not a card status. */
    if (opened) {
        jpki_error e2;
        jpki_error_clear(&e2);
        if (emit(stdout, o, &rec, &e2) != JPKI_OK && code == CLI_EXIT_OK)
            code = cli_report(PROG, &e2);
    }
    jpki_record_clear(&rec);
    return code;
}

static jpki_rc get_sign_pin(const status_opts *o, jpki_secret *pin, jpki_error *err)
{
    if (o->pin_fd >= 0)
        return jpki_secret_read_fd(o->pin_fd, pin, err);
    if (o->pin_file)
        return jpki_secret_read_file(o->pin_file, pin, err);
    return jpki_secret_read_tty(_("Signature password: "), pin, err);
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},
        {"table", no_argument, NULL, OPT_TABLE},
        {"json", no_argument, NULL, OPT_JSON},
        {"cbor", no_argument, NULL, OPT_CBOR},
        {"der", no_argument, NULL, OPT_DER},
        {"now", required_argument, NULL, OPT_NOW},
        {"verify-sign-pin", no_argument, NULL, OPT_VERIFY_SIGN},
        {"pin-fd", required_argument, NULL, OPT_PIN_FD},
        {"pin-file", required_argument, NULL, OPT_PIN_FILE},
        {"pin-map", required_argument, NULL, OPT_PIN_MAP},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        CLI_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    cli_common cc;
    cli_common_init(&cc);
    status_opts o;
    memset(&o, 0, sizeof o);
    o.pin_fd = -1;
    o.first_block = true;
    o.rd.now = time(NULL);
    bool all = false;
    int formats = 0; /* --table/--json/--cbor given */
    const char *map_path = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    int opt;
    while ((opt = getopt_long(argc, argv, "ahV" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (opt == 'r')
            opt = CLI_OPT_READER;
        if (cli_common_option(&cc, opt, optarg))
            continue;
        switch (opt) {
        case 'a':
            all = true;
            break;
        case OPT_TABLE:
            o.out = OUT_TABLE;
            formats++;
            break;
        case OPT_JSON:
            o.out = OUT_JSON;
            formats++;
            break;
        case OPT_CBOR:
            o.out = OUT_CBOR;
            formats++;
            break;
        case OPT_DER:
            o.rd.include_der = true;
            break;
        case OPT_NOW:
            if (jpki_time_parse(optarg, &o.rd.now, &err) != JPKI_OK) {
                cli_errorf(PROG, "--now: %s", err.message);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_VERIFY_SIGN:
            o.verify_sign = true;
            break;
        case OPT_PIN_FD: {
            jpki_error fd_err;
            jpki_error_clear(&fd_err);
            if (jpki_secret_parse_fd(optarg, &o.pin_fd, &fd_err) != JPKI_OK) {
                cli_errorf(PROG, "--pin-fd: %s", fd_err.message);
                return CLI_EXIT_USAGE;
            }
            o.verify_sign = true;
            break;
        }
        case OPT_PIN_FILE:
            o.pin_file = optarg;
            o.verify_sign = true;
            break;
        case OPT_PIN_MAP:
            map_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf(PROG " (jpki-tools) " JPKI_VERSION "\n");
            return CLI_EXIT_OK;
        default:
            fprintf(stderr, _("Try '%s --help'.\n"), PROG);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_errorf(PROG, "unexpected argument \"%s\"", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (formats > 1) {
        cli_errorf(PROG, "--table, --json and --cbor: choose one");
        return CLI_EXIT_USAGE;
    }
    if (all && o.verify_sign) {
        cli_errorf(PROG, "--verify-sign-pin reads one card: use --reader instead of --all");
        return CLI_EXIT_USAGE;
    }
    if (o.pin_fd >= 0 && o.pin_file) {
        cli_errorf(PROG, "--pin-fd and --pin-file: choose one");
        return CLI_EXIT_USAGE;
    }
    if (map_path && o.verify_sign) {
        cli_errorf(PROG, "--pin-map and --verify-sign-pin/--pin-file/--pin-fd: choose one");
        return CLI_EXIT_USAGE;
    }
    if (map_path) {
        jpki_secret_protect_process();
        if (pin_map_load_file(map_path, &o.map, &err) != JPKI_OK) {
            cli_report(PROG, &err);
            return CLI_EXIT_USAGE; /* unreadable or malformed: bad input */
        }
    }
    if (o.out == OUT_AUTO)
        o.out = isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_JSON;

    jpki_secret pin;
    memset(&pin, 0, sizeof pin);
    if (o.verify_sign) {
        jpki_secret_protect_process();
        if (get_sign_pin(&o, &pin, &err) != JPKI_OK) {
            /* An unreadable PIN file or descriptor is bad input (exit 2). */
            cli_report(PROG, &err);
            return CLI_EXIT_USAGE;
        }
        if (jpki_pin_check_format(JPKI_PIN_SIGN, &pin, &err) != JPKI_OK) {
            jpki_secret_wipe(&pin);
            return cli_report(PROG, &err);
        }
        o.rd.sign_pin = &pin;
    }
    int code = all ? run_all(&cc, &o) : run_one(&cc, &o);
    jpki_secret_wipe(&pin);
    if (o.map)
        pin_map_free(o.map);
    return code;
}
