/* Test-only probe for the PIN-operation integration tests: reads a card's
 * PIN-relevant state through libjpki (never spending a try unless asked to
 * verify) so shell tests can compare "before" and "after".
 *
 *   pinops-probe [-r SPEC] -k KEY state   one line: mode, retry counters,
 *                                         key/cert presence (the issuance
 *                                         status needs the issuer session:
 *                                         KEY is the issuer key file)
 *   pinops-probe [-r SPEC] verify NAME    VERIFY with the PIN on stdin's
 *                                         first line; exit 0 ok, 1 wrong,
 *                                         2 blocked/disabled, 3 other error
 *
 * "state" prints e.g.
 *   mode=pin auth=3 sign=5 cardinfo=3 registry=3 authkey=1 signkey=1 signflag=1
 * with "blocked" for a blocked or disabled PIN. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jpki/jpki.h"

static int fail(const jpki_error *e)
{
    fprintf(stderr, "pinops-probe: %s\n", e->message);
    return 3;
}

static int print_state(jpki_card *card, const jpki_issuer_key *key)
{
    jpki_error e;
    jpki_error_clear(&e);
    jpki_issuance_status st;
    if (jpki_issuer_authenticate(card, key, &e) != JPKI_OK ||
        jpki_issuance_status_get(card, &st, &e) != JPKI_OK)
        return fail(&e);
    printf("mode=%s", st.face_mode ? "face" : "pin");
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        jpki_pin_status ps;
        memset(&ps, 0, sizeof ps);
        jpki_rc rc = jpki_pin_status_get(card, (jpki_pin_id)i, &ps, &e);
        if (rc == JPKI_ERR_PIN_BLOCKED || (rc == JPKI_OK && ps.blocked))
            printf(" %s=blocked", jpki_pin_name((jpki_pin_id)i));
        else if (rc == JPKI_OK)
            printf(" %s=%d", jpki_pin_name((jpki_pin_id)i), ps.tries_left);
        else
            return fail(&e);
    }
    bool auth_flag = false, sign_flag = false;
    if (jpki_read_cert_flags(card, &auth_flag, &sign_flag, &e) != JPKI_OK)
        return fail(&e);
    printf(" authkey=%d signkey=%d authflag=%d signflag=%d\n", st.key[JPKI_KEY_AUTH].active,
           st.key[JPKI_KEY_SIGN].active, auth_flag, sign_flag);
    return 0;
}

static int verify(jpki_card *card, const char *name)
{
    jpki_error e;
    jpki_error_clear(&e);
    jpki_pin_id id;
    if (jpki_pin_parse_name(name, &id, &e) != JPKI_OK)
        return fail(&e);
    jpki_secret pin;
    if (jpki_secret_read_fd(STDIN_FILENO, &pin, &e) != JPKI_OK)
        return fail(&e);
    jpki_rc rc = jpki_pin_verify(card, id, &pin, &e);
    jpki_secret_wipe(&pin);
    if (rc == JPKI_OK) {
        printf("verified\n");
        return 0;
    }
    printf("%s\n", e.message);
    if (rc == JPKI_ERR_PIN_WRONG)
        return 1;
    if (rc == JPKI_ERR_PIN_BLOCKED)
        return 2;
    return 3;
}

int main(int argc, char **argv)
{
    cli_common cc;
    cli_common_init(&cc);
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-r") == 0) {
        cc.reader = argv[i + 1];
        i += 2;
    }
    const char *key_file = NULL;
    if (i + 1 < argc && strcmp(argv[i], "-k") == 0) {
        key_file = argv[i + 1];
        i += 2;
    }
    if (i >= argc || (strcmp(argv[i], "state") == 0 && !key_file)) {
        fprintf(stderr, "usage: pinops-probe [-r SPEC] -k KEY state | [-r SPEC] verify NAME\n");
        return 3;
    }
    jpki_error e;
    jpki_error_clear(&e);
    jpki_issuer_key key;
    memset(&key, 0, sizeof key);
    if (key_file && jpki_issuer_key_load_file(key_file, &key, &e) != JPKI_OK)
        return fail(&e);
    jpki_transport *t = NULL;
    if (cli_open(&cc, NULL, &t, &e) != JPKI_OK)
        return fail(&e);
    jpki_card *card = NULL;
    if (jpki_card_new(t, &card, &e) != JPKI_OK) {
        cli_close(&cc, t);
        return fail(&e);
    }
    int rc;
    if (strcmp(argv[i], "state") == 0) {
        /* One transaction ended by a reset: the issuer session opened for
         * the status read must not outlive the probe. */
        if (jpki_transport_begin(t, &e) != JPKI_OK) {
            rc = fail(&e);
        } else {
            rc = print_state(card, &key);
            jpki_error_clear(&e);
            if (jpki_transport_end(t, true, &e) != JPKI_OK && rc == 0)
                rc = fail(&e);
        }
        jpki_issuer_key_wipe(&key);
    } else if (strcmp(argv[i], "verify") == 0 && i + 1 < argc)
        rc = verify(card, argv[i + 1]);
    else {
        fprintf(stderr, "pinops-probe: unknown command\n");
        rc = 3;
    }
    jpki_card_free(card);
    cli_close(&cc, t);
    return rc;
}
