/* jpki-test-readcert: a small test program for the integration tests of
 * libjpki's PC/SC path.  Lists readers, reads one certificate through pcscd
 * and prints its subject and notAfter, shows PIN counters, and can hold a
 * transaction open half-way through a read (to show another process waits).
 * Not installed; built into build/tests/tools. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *prog = "jpki-test-readcert";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n"
            "  -l, --list           list readers (index: name) and exit\n"
            "  -k, --kind KIND      auth (default), auth-ca, sign, sign-ca\n"
            "      --pin-fd N       verify the sign password read from fd N first\n"
            "      --pin-status     print the four PIN retry counters instead\n"
            "      --hold-ms N      read the header, hold the transaction N ms, then the rest\n"
            "      --pause-ms N     read the header, end the transaction, wait N ms, then read\n"
            "  -o, --out FILE       also write the certificate (DER) to FILE\n"
            "      --reset          reset the card (end a transaction with SCARD_RESET_CARD)\n"
            "  -h, --help           this text\n"
            "      --version        version\n",
            prog);
    cli_common_help(f);
}

static int list_readers(void)
{
    char **names;
    size_t n;
    jpki_error e;
    jpki_error_clear(&e);
    if (jpki_pcsc_list_readers(&names, &n, &e) != JPKI_OK)
        return cli_report(prog, &e);
    for (size_t i = 0; i < n; i++)
        printf("%zu: %s\n", i, names[i]);
    jpki_pcsc_free_list(names);
    return CLI_EXIT_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Inside the caller's transaction: select the EF and read its first bytes,
 * hold, then read the whole object.  The EF selection must survive the hold
 * (no other process got in between). */
static jpki_rc held_read(jpki_card *c, jpki_cert_kind kind, long hold_ms, uint8_t **der,
                         size_t *len, jpki_error *e)
{
    static const uint16_t efs[] = {JPKI_EF_AUTH_CERT, JPKI_EF_AUTH_CA_CERT, JPKI_EF_SIGN_CERT,
                                   JPKI_EF_SIGN_CA_CERT};
    uint8_t head[4];
    size_t got;
    jpki_rc rc = jpki_select_app(c, JPKI_APP_JPKI, e);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, efs[kind], e);
    if (rc == JPKI_OK)
        rc = jpki_read_binary(c, 0, sizeof head, head, &got, e);
    if (rc == JPKI_OK) {
        printf("holding\n");
        fflush(stdout);
        sleep_ms(hold_ms);
        rc = jpki_read_der(c, JPKI_CERT_MAX, der, len, e);
    }
    return rc;
}

static jpki_rc print_pin_status(jpki_card *c, jpki_error *e)
{
    for (int id = 0; id < JPKI_PIN_COUNT; id++) {
        jpki_pin_status st;
        jpki_rc rc = jpki_pin_status_get(c, (jpki_pin_id)id, &st, e);
        if (rc != JPKI_OK)
            return rc;
        if (!st.present)
            printf("%s: absent\n", jpki_pin_name((jpki_pin_id)id));
        else
            printf("%s: %d%s\n", jpki_pin_name((jpki_pin_id)id), st.tries_left,
                   st.blocked ? " blocked" : "");
    }
    return JPKI_OK;
}

static jpki_rc verify_sign_pin(jpki_card *c, int fd, jpki_error *e)
{
    jpki_secret pw;
    jpki_rc rc = jpki_secret_read_fd(fd, &pw, e);
    if (rc == JPKI_OK)
        rc = jpki_pin_verify(c, JPKI_PIN_SIGN, &pw, e);
    jpki_secret_wipe(&pw);
    return rc;
}

/* Another program may act on the card while we wait outside a transaction;
 * what it did (a reset) must show up as a clear error, not silently. */
static jpki_rc pause_between_transactions(jpki_card *c, long pause_ms, jpki_error *e)
{
    uint8_t head[4];
    size_t got;
    jpki_rc rc = jpki_select_app(c, JPKI_APP_JPKI, e);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, JPKI_EF_AUTH_CERT, e);
    if (rc == JPKI_OK)
        rc = jpki_read_binary(c, 0, sizeof head, head, &got, e);
    if (rc != JPKI_OK)
        return rc;
    printf("paused\n");
    fflush(stdout);
    sleep_ms(pause_ms);
    return JPKI_OK;
}

static jpki_rc reset_card(jpki_card *c, jpki_error *e)
{
    jpki_rc rc = jpki_transport_begin(jpki_card_transport(c), e);
    return rc == JPKI_OK ? jpki_transport_end(jpki_card_transport(c), true, e) : rc;
}

static jpki_rc write_file(const char *path, const uint8_t *der, size_t len, jpki_error *e)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return jpki_error_set(e, JPKI_ERR_IO, "%s: cannot create", path);
    bool ok = fwrite(der, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    return ok ? JPKI_OK : jpki_error_set(e, JPKI_ERR_IO, "%s: write failed", path);
}

static const char *out_path;

static jpki_rc run(jpki_card *c, jpki_cert_kind kind, int pin_fd, bool pin_status, long hold_ms,
                   long pause_ms, jpki_error *e)
{
    if (pin_status)
        return print_pin_status(c, e);
    if (pause_ms > 0) {
        jpki_rc prc = pause_between_transactions(c, pause_ms, e);
        if (prc != JPKI_OK)
            return prc;
    }
    jpki_rc rc = jpki_transport_begin(jpki_card_transport(c), e); /* PIN and read in one transaction */
    if (rc != JPKI_OK)
        return rc;
    uint8_t *der = NULL;
    size_t len = 0;
    if (pin_fd >= 0)
        rc = verify_sign_pin(c, pin_fd, e);
    if (rc == JPKI_OK)
        rc = hold_ms > 0 ? held_read(c, kind, hold_ms, &der, &len, e)
                         : jpki_read_cert(c, kind, &der, &len, e);
    jpki_error e2;
    jpki_error_clear(&e2);
    jpki_rc erc = jpki_transport_end(jpki_card_transport(c), false, &e2);
    if (hold_ms > 0) {
        printf("released\n");
        fflush(stdout);
    }
    if (rc == JPKI_OK && erc != JPKI_OK) {
        *e = e2;
        rc = erc;
    }
    jpki_cert_info info;
    if (rc == JPKI_OK && out_path)
        rc = write_file(out_path, der, len, e);
    if (rc == JPKI_OK)
        rc = jpki_cert_parse(der, len, &info, e);
    if (rc == JPKI_OK) {
        char na[32];
        jpki_time_format(info.not_after, na, sizeof na);
        printf("reader: %s\nkind: %s\nbytes: %zu\nsubject: %s\nnot_after: %s\n", jpki_transport_reader(jpki_card_transport(c)),
               jpki_cert_kind_name(kind), len, info.subject, na);
        if (info.name[0])
            printf("name: %s\n", info.name);
    }
    free(der);
    return rc;
}

int main(int argc, char **argv)
{
    enum { OPT_PIN_FD = 0x2001, OPT_STATUS, OPT_HOLD, OPT_PAUSE, OPT_RESET, OPT_VERSION };
    static const struct option opts[] = {
        CLI_COMMON_LONGOPTS,
        {"list", no_argument, NULL, 'l'},
        {"kind", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},
        {"pin-fd", required_argument, NULL, OPT_PIN_FD},
        {"pin-status", no_argument, NULL, OPT_STATUS},
        {"hold-ms", required_argument, NULL, OPT_HOLD},
        {"pause-ms", required_argument, NULL, OPT_PAUSE},
        {"reset", no_argument, NULL, OPT_RESET},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    cli_common cc;
    cli_common_init(&cc);
    jpki_cert_kind kind = JPKI_CERT_AUTH;
    bool list = false, pin_status = false, reset = false;
    int pin_fd = -1;
    long hold_ms = 0, pause_ms = 0;
    jpki_error e;
    jpki_error_clear(&e);
    int c;
    while ((c = getopt_long(argc, argv, "lk:o:h" CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
        if (cli_common_option(&cc, c, optarg))
            continue;
        char *end;
        switch (c) {
        case 'l': list = true; break;
        case 'o': out_path = optarg; break;
        case 'k':
            if (jpki_cert_kind_parse(optarg, &kind, &e) != JPKI_OK)
                return cli_report(prog, &e);
            break;
        case OPT_PIN_FD:
            pin_fd = (int)strtol(optarg, &end, 10);
            if (*end || pin_fd < 0) {
                cli_errorf(prog, "--pin-fd: '%s' is not a file descriptor", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_STATUS: pin_status = true; break;
        case OPT_HOLD:
        case OPT_PAUSE: {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 600000) {
                cli_errorf(prog, "%s: '%s' is not 0-600000",
                           c == OPT_HOLD ? "--hold-ms" : "--pause-ms", optarg);
                return CLI_EXIT_USAGE;
            }
            *(c == OPT_HOLD ? &hold_ms : &pause_ms) = v;
            break;
        }
        case OPT_RESET: reset = true; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case OPT_VERSION: cli_print_version(prog); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_errorf(prog, "unexpected argument '%s'", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (list)
        return list_readers();
    jpki_secret_protect_process();
    jpki_transport *t = NULL;
    jpki_rc rc = cli_open(&cc, NULL, &t, &e);
    if (rc == JPKI_OK) {
        jpki_card *card = NULL;
        if (jpki_card_new(t, &card, NULL) != JPKI_OK)
            abort();
        rc = reset ? reset_card(card, &e)
                   : run(card, kind, pin_fd, pin_status, hold_ms, pause_ms, &e);
        jpki_card_free(card);
    }
    cli_close(&cc, t);
    return rc == JPKI_OK ? CLI_EXIT_OK : cli_report(prog, &e);
}
