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
#include "color.h"
#include "display_width.h"
#include "cli_watch.h"
#include "status.h"
#include "pin_sources.h"
#include "private/i18n.h"

enum { OPT_NOW = 0x2001, OPT_TABLE, OPT_JSON, OPT_CBOR, OPT_DER, OPT_VERIFY_SIGN, OPT_PIN_FD,
       OPT_PIN_FILE, OPT_PIN_MAP, OPT_COLOR, OPT_WATCH, OPT_EXPORT, OPT_PEM, OPT_HOLDER };

typedef enum { OUT_AUTO, OUT_TABLE, OUT_JSON, OUT_CBOR } out_format;

typedef struct status_opts {
    out_format out;
    jpki_status_options rd;
    bool verify_sign;
    int pin_fd;
    const char *pin_file;
    pin_map *map;     /* --pin-map: signature passwords by card serial */
    bool first_block; /* table: blank line between readers */
    cli_color_mode color;
    status_view view; /* table: width and colour, from stdout */
} status_opts;

/* What the command line asked for, beyond status_opts. */
typedef struct status_flags {
    bool all, watch, reader_given, holder, pem;
    bool verify_flag; /* --verify-sign-pin */
    bool pin_given;   /* --pin-fd or --pin-file */
    const char *export_kind, *map_path;
    int formats;      /* --table/--json/--cbor given */
} status_flags;

/* --watch: what became of each card seen, for the summary line. */
typedef struct watch_tally {
    cli_common *cc;
    status_opts *o;
    unsigned long read, pin, removed, failed;
} watch_tally;

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
            "                         map), for --all or --watch: each card with one in F is\n"
            "                         read with it, never spending its last try\n"
            "      --export KIND      write the certificate KIND (auth, sign, auth-ca, sign-ca)\n"
            "                         to stdout, PEM (--pem, the default) or DER (--der);\n"
            "                         sign needs the signature password (terminal, --pin-fd,\n"
            "                         --pin-file or --pin-map), never spending its last try\n"
            "      --holder           show the holder's name, address, birth date and sex\n"
            "                         from the card-info application, after its PIN (same\n"
            "                         sources), never spending its last try\n"
            "      --watch            keep running: one record (or table block) per card\n"
            "                         inserted into any reader; SIGINT/SIGTERM ends it with\n"
            "                         a summary on stderr (exit 0)\n"),
            PROG);
    cli_color_help(f);
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
        status_print_table(f, rec, &o->view);
        fflush(f);
        return ferror(f) ? jpki_error_set(err, JPKI_ERR_IO, "writing to stdout failed") : JPKI_OK;
    }
}

/* The birth date from the card-info application when the map has the
 * card's card-info PIN and the signature certificate did not give it: the
 * record's next certificate end needs it (jpki-records(5)). */
static jpki_rc birth_from_map(jpki_transport *t, const status_opts *o, jpki_record *rec,
                              jpki_error *err)
{
    jpki_secret pin;
    jpki_error e2;
    jpki_error_clear(&e2);
    if (rec->birth[0] || !(rec->apps & (1u << JPKI_APP_CARDINFO)) ||
        pin_map_get(o->map, rec->serial, JPKI_PIN_CARDINFO, &pin, &e2) != JPKI_OK)
        return JPKI_OK;
    jpki_rc rc = status_holder_birth(t, &pin, rec->birth, err);
    jpki_secret_wipe(&pin);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "PIN map, card %s: card-info PIN", rec->serial);
    jpki_record_window_fill(rec, o->rd.now);
    return JPKI_OK;
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
        return birth_from_map(t, o, rec, err); /* no password for this card */
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
    if (rc == JPKI_OK)
        rc = birth_from_map(t, o, rec, err);
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

static bool watch_card(void *ctx, const char *reader)
{
    watch_tally *w = ctx;
    jpki_record rec;
    jpki_error err;
    jpki_error_clear(&err);
    bool opened;
    jpki_rc rc = read_reader(w->cc, reader, w->o, &rec, &opened, &err);
    if (rc == JPKI_ERR_NO_CARD || (rc == JPKI_ERR_CARD_REMOVED && !opened)) {
        /* Gone between the insertion and our connect: still a card seen. */
        rc = JPKI_ERR_CARD_REMOVED;
        rec.card_present = true;
        rec.has_error = true;
        snprintf(rec.error_code, sizeof rec.error_code, "%s", jpki_rc_name(rc));
        snprintf(rec.error, sizeof rec.error, "%s: card removed before it could be read", reader);
        snprintf(err.message, sizeof err.message, _("%s: card removed before it could be read"), reader);
    }
    if (rc == JPKI_OK)
        w->read++;
    else if (rc == JPKI_ERR_CARD_REMOVED || rc == JPKI_ERR_READER_GONE)
        w->removed++;
    else if (cli_exit_for(rc) == CLI_EXIT_PIN)
        w->pin++;
    else
        w->failed++;
    if (rc != JPKI_OK)
        cli_errorf(PROG, "%s", strstr(err.message, reader) ? err.message : rec.error);
    jpki_error e2;
    jpki_error_clear(&e2);
    bool ok = emit(stdout, w->o, &rec, &e2) == JPKI_OK;
    if (!ok)
        cli_report(PROG, &e2);
    jpki_record_clear(&rec);
    return ok;
}

static int run_watch(cli_common *cc, status_opts *o)
{
    watch_tally w = {.cc = cc, .o = o};
    int code = cli_watch(PROG, watch_card, &w);
    unsigned long seen = w.read + w.pin + w.removed + w.failed;
    fprintf(stderr,
            P_("%s: %lu card seen: %lu read, %lu removed during the read, "
               "%lu with signature password trouble, %lu unreadable\n",
               "%s: %lu cards seen: %lu read, %lu removed during the read, "
               "%lu with signature password trouble, %lu unreadable\n",
               seen),
            PROG, seen, w.read, w.removed, w.pin, w.failed);
    return code;
}

static jpki_rc get_sign_pin(const status_opts *o, jpki_secret *pin, jpki_error *err)
{
    status_pin_source ps = {.fd = o->pin_fd, .file = o->pin_file};
    return status_get_pin(&ps, "", JPKI_PIN_SIGN, pin, err);
}

/* --export / --holder: their own checks, one card, one PIN at most. */
static int one_card_job(cli_common *cc, status_opts *o, const status_flags *f)
{
    const char *export_kind = f->export_kind, *map_path = f->map_path;
    bool holder = f->holder, pem = f->pem, pin_given = f->pin_given;
    jpki_cert_kind kind = JPKI_CERT_AUTH;
    jpki_error err;
    jpki_error_clear(&err);
    if (export_kind && holder) {
        cli_errorf(PROG, "--export and --holder: choose one");
        return CLI_EXIT_USAGE;
    }
    if (pem && !export_kind) {
        cli_errorf(PROG, "--pem goes with --export");
        return CLI_EXIT_USAGE;
    }
    if (export_kind && jpki_cert_kind_parse(export_kind, &kind, &err) != JPKI_OK) {
        cli_errorf(PROG, "--export: %s", err.message);
        return CLI_EXIT_USAGE;
    }
    if (pem && o->rd.include_der) {
        cli_errorf(PROG, "--pem and --der: choose one");
        return CLI_EXIT_USAGE;
    }
    if (f->formats || f->all || f->watch || f->verify_flag) {
        cli_errorf(PROG, "--%s reads one card: no --table/--json/--cbor, --all, --watch or "
                         "--verify-sign-pin with it", holder ? "holder" : "export");
        return CLI_EXIT_USAGE;
    }
    bool needs_pin = holder || kind == JPKI_CERT_SIGN;
    if (!needs_pin && (pin_given || map_path)) {
        cli_errorf(PROG, "--export %s needs no PIN: no --pin-fd, --pin-file or --pin-map", export_kind);
        return CLI_EXIT_USAGE;
    }
    if (o->pin_fd >= 0 && o->pin_file) {
        cli_errorf(PROG, "--pin-fd and --pin-file: choose one");
        return CLI_EXIT_USAGE;
    }
    if (map_path && pin_given) {
        cli_errorf(PROG, "--pin-map and --pin-fd/--pin-file: choose one");
        return CLI_EXIT_USAGE;
    }
    status_pin_source ps = {.fd = o->pin_fd, .file = o->pin_file};
    if (needs_pin)
        jpki_secret_protect_process();
    if (map_path && pin_map_load_file(map_path, &ps.map, &err) != JPKI_OK) {
        cli_report(PROG, &err);
        return CLI_EXIT_USAGE;
    }
    int code = holder ? status_holder(cc, &ps) : status_export(cc, kind, o->rd.include_der, &ps);
    if (ps.map)
        pin_map_free(ps.map);
    return code;
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
        {"color", required_argument, NULL, OPT_COLOR},
        {"watch", no_argument, NULL, OPT_WATCH},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"pem", no_argument, NULL, OPT_PEM},
        {"holder", no_argument, NULL, OPT_HOLDER},
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
    status_flags f;
    memset(&f, 0, sizeof f);
    jpki_error err;
    jpki_error_clear(&err);
    int opt;
    while ((opt = getopt_long(argc, argv, "ahV" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (optarg && cli_repeated_value(PROG, opt, longopts))
            return cli_usage_exit;
        if (opt == 'r')
            opt = CLI_OPT_READER;
        if (cli_common_option(&cc, opt, optarg)) {
            f.reader_given |= opt == CLI_OPT_READER;
            continue;
        }
        switch (opt) {
        case OPT_WATCH:
            f.watch = true;
            break;
        case OPT_EXPORT:
            f.export_kind = optarg;
            break;
        case OPT_PEM:
            f.pem = true;
            break;
        case OPT_HOLDER:
            f.holder = true;
            break;
        case 'a':
            f.all = true;
            break;
        case OPT_TABLE:
            o.out = OUT_TABLE;
            f.formats++;
            break;
        case OPT_JSON:
            o.out = OUT_JSON;
            f.formats++;
            break;
        case OPT_CBOR:
            o.out = OUT_CBOR;
            f.formats++;
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
            f.verify_flag = true;
            break;
        case OPT_PIN_FD: {
            jpki_error fd_err;
            jpki_error_clear(&fd_err);
            if (jpki_secret_parse_fd(optarg, &o.pin_fd, &fd_err) != JPKI_OK) {
                cli_errorf(PROG, "--pin-fd: %s", fd_err.message);
                return CLI_EXIT_USAGE;
            }
            f.pin_given = true;
            break;
        }
        case OPT_PIN_FILE:
            o.pin_file = optarg;
            f.pin_given = true;
            break;
        case OPT_PIN_MAP:
            f.map_path = optarg;
            break;
        case OPT_COLOR:
            if (!cli_color_parse(optarg, &o.color)) {
                cli_errorf(PROG, "--color: \"%s\": expected auto, always or never", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            cli_print_version(PROG);
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
    if (f.export_kind || f.holder || f.pem)
        return one_card_job(&cc, &o, &f);
    /* --pin-fd/--pin-file name the signature password of --verify-sign-pin. */
    o.verify_sign = f.verify_flag || f.pin_given;
    if (f.formats > 1) {
        cli_errorf(PROG, "--table, --json and --cbor: choose one");
        return CLI_EXIT_USAGE;
    }
    if (f.all && f.reader_given) {
        cli_errorf(PROG, "--all reads every reader: --reader names one; choose one");
        return CLI_EXIT_USAGE;
    }
    if (f.all && o.verify_sign) {
        cli_errorf(PROG, "--verify-sign-pin reads one card: use --reader instead of --all");
        return CLI_EXIT_USAGE;
    }
    if (f.watch && (f.all || f.reader_given)) {
        cli_errorf(PROG, "--watch watches every reader: no --all or --reader with it");
        return CLI_EXIT_USAGE;
    }
    if (f.watch && o.verify_sign) {
        cli_errorf(PROG, "--watch reads many cards: one password does not fit them; use --pin-map");
        return CLI_EXIT_USAGE;
    }
    if (o.pin_fd >= 0 && o.pin_file) {
        cli_errorf(PROG, "--pin-fd and --pin-file: choose one");
        return CLI_EXIT_USAGE;
    }
    if (f.map_path && o.verify_sign) {
        cli_errorf(PROG, "--pin-map and --verify-sign-pin/--pin-file/--pin-fd: choose one");
        return CLI_EXIT_USAGE;
    }
    if (f.map_path) {
        jpki_secret_protect_process();
        if (pin_map_load_file(f.map_path, &o.map, &err) != JPKI_OK) {
            cli_report(PROG, &err);
            return CLI_EXIT_USAGE; /* unreadable or malformed: bad input */
        }
    }
    if (o.out == OUT_AUTO)
        o.out = isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_JSON;
    /* Only the table is for people: JSON and CBOR are never coloured. */
    o.view.columns = dw_columns(stdout);
    o.view.color = o.out == OUT_TABLE && cli_color_wanted(o.color, stdout);

    jpki_secret pin;
    memset(&pin, 0, sizeof pin);
    int pin_code = CLI_EXIT_OK; /* a malformed password: exit 4 after the status */
    if (o.verify_sign) {
        jpki_secret_protect_process();
        if (get_sign_pin(&o, &pin, &err) != JPKI_OK) {
            /* An unreadable PIN file or descriptor is bad input (exit 2). */
            cli_report(PROG, &err);
            return CLI_EXIT_USAGE;
        }
        if (jpki_pin_check_format(JPKI_PIN_SIGN, &pin, &err) != JPKI_OK) {
            /* As jpki-status(1) says: the rest of the status is still
             * printed, with the card untouched by the bad password. */
            jpki_secret_wipe(&pin);
            jpki_error_prefix(&err, "warning: signature password not used, signature certificate "
                                    "not read");
            pin_code = cli_report(PROG, &err);
        } else {
            o.rd.sign_pin = &pin;
        }
    }
    int code = f.watch ? run_watch(&cc, &o) : f.all ? run_all(&cc, &o) : run_one(&cc, &o);
    if (code == CLI_EXIT_OK)
        code = pin_code;
    jpki_secret_wipe(&pin);
    if (o.map)
        pin_map_free(o.map);
    return code;
}
