/* jpki-test-replaycert: a library program for the record/replay
 * integration test.  Reads the token, the PIN counters and the
 * certificates (the signature certificate after the sign password from
 * --pin-fd) and prints what it found, either from a card (common options,
 * so --trace-file records the session) or from a recording (--replay F).
 * Run both ways, the outputs must be identical.  Not installed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *prog = "jpki-test-replaycert";

static jpki_rc show_cert(jpki_card *c, jpki_cert_kind kind, jpki_error *e)
{
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_rc rc = jpki_read_cert(c, kind, &der, &len, e);
    jpki_cert_info info;
    if (rc == JPKI_OK)
        rc = jpki_cert_parse(der, len, &info, e);
    if (rc == JPKI_OK) {
        char na[32];
        jpki_time_format(info.not_after, na, sizeof na);
        printf("%s: %zu bytes, serial %s, not after %s, subject %s\n", jpki_cert_kind_name(kind),
               len, info.serial_hex, na, info.subject);
    }
    free(der);
    return rc;
}

static jpki_rc run(jpki_card *c, int pin_fd, jpki_error *e)
{
    char token[64];
    jpki_rc rc = jpki_read_token(c, token, sizeof token, e);
    if (rc != JPKI_OK)
        return rc;
    printf("reader: %s\ntoken: %s\n", jpki_transport_reader(jpki_card_transport(c)), token);
    for (int id = 0; id < JPKI_PIN_COUNT; id++) {
        jpki_pin_status st;
        if ((rc = jpki_pin_status_get(c, (jpki_pin_id)id, &st, e)) != JPKI_OK)
            return rc;
        printf("%s PIN: %d tries left%s\n", jpki_pin_name((jpki_pin_id)id), st.tries_left,
               st.blocked ? " (blocked)" : "");
    }
    for (int k = JPKI_CERT_AUTH; k <= JPKI_CERT_SIGN_CA; k++) {
        if (k == JPKI_CERT_SIGN) {
            if (pin_fd < 0)
                continue;
            jpki_secret pw;
            rc = jpki_secret_read_fd(pin_fd, &pw, e);
            if (rc == JPKI_OK)
                rc = jpki_pin_verify(c, JPKI_PIN_SIGN, &pw, e);
            jpki_secret_wipe(&pw);
            if (rc != JPKI_OK)
                return rc;
        }
        if ((rc = show_cert(c, (jpki_cert_kind)k, e)) != JPKI_OK)
            return rc;
    }
    return JPKI_OK;
}

int main(int argc, char **argv)
{
    enum { OPT_PIN_FD = 0x2001, OPT_REPLAY };
    static const struct option opts[] = {
        CLI_COMMON_LONGOPTS,
        {"pin-fd", required_argument, NULL, OPT_PIN_FD},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common cc;
    cli_common_init(&cc);
    const char *replay = NULL;
    int pin_fd = -1, c;
    while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        if (cli_common_option(&cc, c, optarg))
            continue;
        switch (c) {
        case OPT_PIN_FD: pin_fd = atoi(optarg); break;
        case OPT_REPLAY: replay = optarg; break;
        case 'h':
            printf("usage: %s [--replay F] [--pin-fd N] [common options]\n", prog);
            return CLI_EXIT_OK;
        default: return CLI_EXIT_USAGE;
        }
    }
    jpki_error e;
    jpki_error_clear(&e);
    jpki_transport *t = NULL;
    jpki_rc rc = replay ? jpki_replay_transport_open(replay, &t, &e) : cli_open(&cc, NULL, &t, &e);
    if (rc != JPKI_OK)
        return cli_report(prog, &e);
    jpki_card *card = NULL;
    if (jpki_card_new(t, &card, NULL) != JPKI_OK)
        abort();
    rc = jpki_transport_begin(t, &e);
    if (rc == JPKI_OK) {
        rc = run(card, pin_fd, &e);
        jpki_transport_end(t, false, NULL);
    }
    if (rc == JPKI_OK && replay)
        rc = jpki_replay_transport_finish(t, &e);
    jpki_card_free(card);
    cli_close(&cc, t);
    return rc == JPKI_OK ? CLI_EXIT_OK : cli_report(prog, &e);
}
