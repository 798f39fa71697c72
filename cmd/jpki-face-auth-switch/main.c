/* jpki-face-auth-switch: turn a My Number Card into a face-authentication
 * card (no PINs, no signature certificate; the authentication certificate
 * only with face recognition or a visual check) or back into a PIN card
 * with four new PINs.  One PC/SC transaction; the switch itself is one
 * card command (DISABLE / ENABLE VERIFICATION REQUIREMENT), so an error at
 * any step leaves the card as it was. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_locale.h"
#include "cli.h"
#include "cli_counter.h"
#include "jpki/jpki.h"
#include "private/i18n.h"

static const char *prog = "jpki-face-auth-switch";

/* The order of the four PINs on --pin-fd / --pin-file lines and on the
 * terminal; documented in the man page. */
static const jpki_pin_id pin_order[JPKI_PIN_COUNT] = {JPKI_PIN_AUTH, JPKI_PIN_SIGN,
                                                      JPKI_PIN_CARDINFO, JPKI_PIN_REGISTRY};

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: %s --to face|pin [OPTIONS]\n"
            "Switch a My Number Card to a face-authentication card (--to face: all PINs\n"
            "disabled, signature key and certificate deleted) or back to a PIN card\n"
            "(--to pin: four new PINs).  Shows what changes and asks first.\n"
            "\n"
            "Options:\n"
            "      --to face|pin        the mode wanted\n"
            "      --pin-fd N           --to pin: the four new PINs from file descriptor N,\n"
            "                           one per line: auth, sign, cardinfo, registry\n"
            "      --pin-file F         --to pin: the same four lines from F (mode 0600)\n"
            "      --issuer-key-file F  issuer key file (32 hex digits, mode 0600)\n"
            "      --issuer-key-fd N    read the issuer key from file descriptor N\n"
            "      --yes                do not ask (needed without a terminal)\n"),
            prog);
    cli_common_help(f);
    fputs(_(
            "  -h, --help               this help\n"
            "  -V, --version            version\n"
            "Exit status: 0 switched, 1 card refused/cancelled/already in that mode, 2 usage,\n"
            "no terminal without --yes, or several cards and no -r, 3 no card/removed/reader\n"
            "busy, 4 bad new PIN, 5 issuer key missing or rejected.\n"), f);
}

typedef struct switch_job {
    bool to_face;
    jpki_secret pins[JPKI_PIN_COUNT]; /* indexed by jpki_pin_id */
    jpki_issuer_key key;
    counter_opts co;
} switch_job;

static void wipe_job(switch_job *job)
{
    jpki_issuer_key_wipe(&job->key);
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        jpki_secret_wipe(&job->pins[i]);
}

static void show_changes(const switch_job *job, const jpki_issuance_status *st)
{
    printf(_("Current mode: %s\n"), st->face_mode ? _("face-authentication card") : _("PIN card"));
    printf(_("Changes:\n"));
    if (job->to_face) {
        printf(_("  - signature certificate: %s\n"),
               st->key[JPKI_KEY_SIGN].active ? _("revoked - the signature key and certificate are "
                                               "deleted from the card")
                                             : _("none on the card (nothing to delete)"));
        printf(_("  - sign password, auth PIN, cardinfo PIN, registry PIN: disabled\n"));
        printf(_("  - authentication certificate: kept, usable only with face recognition or a\n"
               "    visual check (e.g. health insurance); PIN-based online services stop working\n"));
    } else {
        printf(_("  - auth PIN, sign password, cardinfo PIN, registry PIN: set to the new values,\n"
               "    full tries\n"));
        printf(_("  - signature certificate: stays absent until issued again "
               "('jpki-renew --cert sign')\n"));
        printf(_("  - authentication certificate: kept, usable with the auth PIN again\n"));
    }
    fflush(stdout);
}

static int show_result(jpki_card *card, jpki_error *err)
{
    jpki_issuance_status st;
    if (jpki_issuance_status_get(card, &st, err) != JPKI_OK) {
        jpki_error_prefix(err, "switched, but reading the new state failed");
        return cli_report(prog, err);
    }
    printf(_("Mode now: %s\n"), st.face_mode ? _("face-authentication card") : _("PIN card"));
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        char state[96];
        jpki_pin_status ps;
        if (counter_pin_state(card, pin_order[i], st.face_mode, state, sizeof state, &ps, err) !=
            JPKI_OK) {
            jpki_error_prefix(err, "switched, but reading the PIN state failed");
            return cli_report(prog, err);
        }
        printf(_("  %s: %s\n"), counter_pin_title(pin_order[i]), state);
    }
    return CLI_EXIT_OK;
}

/* counter_card_op: runs inside the command's one transaction. */
static int switch_on_card(jpki_card *card, void *ctx, jpki_error *err)
{
    switch_job *job = ctx;
    jpki_issuance_status st;
    /* Which card: shown first and named in the question. */
    char who[400], serial[16];
    counter_card_label(card, serial, who, sizeof who);
    printf(_("Card: %s\n"), who);
    /* The issuance status answers only inside the issuer session. */
    jpki_rc rc = jpki_issuer_authenticate(card, &job->key, err);
    if (rc != JPKI_OK)
        return cli_report(prog, err);
    if ((rc = jpki_issuance_status_get(card, &st, err)) != JPKI_OK)
        return cli_report(prog, err);
    if (st.face_mode == job->to_face) {
        cli_errorf(prog, "the card is already a %s; nothing changed",
                   job->to_face ? _("face-authentication card") : _("PIN card"));
        return CLI_EXIT_FAIL;
    }
    show_changes(job, &st);
    char question[512];
    snprintf(question, sizeof question,
             job->to_face ? _("Switch %s to face authentication?") : _("Switch %s back to PINs?"), who);
    bool released;
    int x = counter_confirm_released(prog, &job->co, card, serial, question, &released);
    if (x != CLI_EXIT_OK)
        return x;
    /* The reader was let go while the question stood: a new issuer session,
     * and the card still in the mode the changes shown were based on. */
    if (released && ((rc = jpki_issuer_authenticate(card, &job->key, err)) != JPKI_OK ||
                     (rc = jpki_issuance_status_get(card, &st, err)) != JPKI_OK))
        return cli_report(prog, err);
    if (st.face_mode == job->to_face) {
        cli_errorf(prog, "the card became a %s card meanwhile; nothing changed",
                   job->to_face ? "face-authentication" : "PIN");
        return CLI_EXIT_FAIL;
    }
    jpki_issuer_key_wipe(&job->key);

    rc = job->to_face ? jpki_face_mode_enter(card, err) : jpki_face_mode_leave(card, job->pins, err);
    wipe_job(job);
    if (rc != JPKI_OK)
        return cli_report(prog, err);
    printf(_("Switched.\n"));
    if (!job->to_face)
        printf(_("Run 'jpki-renew --cert sign' to issue a new signature certificate.\n"));
    return show_result(card, err);
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        CLI_COMMON_LONGOPTS,
        COUNTER_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    jpki_secret_protect_process();
    static switch_job job;
    counter_opts_init(&job.co);
    cli_common cc;
    cli_common_init(&cc);
    const char *to = NULL;

    int opt;
    while ((opt = getopt_long(argc, argv, "hVr:", longopts, NULL)) != -1) {
        if (optarg && cli_repeated_value(prog, opt, longopts))
            return cli_usage_exit;
        int h;
        switch (opt) {
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            cli_print_version(prog);
            return CLI_EXIT_OK;
        case 't':
            if (to) {
                cli_errorf(prog, "--to given twice");
                return CLI_EXIT_USAGE;
            }
            to = optarg;
            break;
        case 'r':
            cli_common_option(&cc, CLI_OPT_READER, optarg);
            break;
        default:
            if (cli_common_option(&cc, opt, optarg))
                break;
            h = counter_option(prog, &job.co, opt, optarg);
            if (h == 1)
                break;
            if (h == 0)
                cli_errorf(prog, "try --help");
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cli_errorf(prog, "unexpected argument (try --help)");
        return CLI_EXIT_USAGE;
    }
    if (!to || (strcmp(to, "face") != 0 && strcmp(to, "pin") != 0)) {
        cli_errorf(prog, "say --to face or --to pin");
        return CLI_EXIT_USAGE;
    }
    job.to_face = strcmp(to, "face") == 0;
    int x = counter_opts_check(prog, &job.co);
    if (x != CLI_EXIT_OK)
        return x;
    if (job.to_face && (job.co.pin_fd >= 0 || job.co.pin_file)) {
        cli_errorf(prog, "--to face sets no PINs: --pin-fd/--pin-file make no sense with it");
        return CLI_EXIT_USAGE;
    }
    /* Refuse everything that can be refused before the card is touched. */
    if ((x = counter_require_confirmation_path(prog, &job.co)) != CLI_EXIT_OK)
        return x;
    if ((x = counter_load_issuer_key(prog, &job.co, &job.key)) != CLI_EXIT_OK)
        return x;
    if (!job.to_face) {
        jpki_secret in_order[JPKI_PIN_COUNT];
        x = counter_read_new_pins(prog, &job.co, pin_order, JPKI_PIN_COUNT, in_order);
        for (int i = 0; i < JPKI_PIN_COUNT; i++) {
            job.pins[pin_order[i]] = in_order[i];
            jpki_secret_wipe(&in_order[i]);
        }
        if (x != CLI_EXIT_OK) {
            wipe_job(&job);
            return x;
        }
    }

    x = counter_run_on_card(prog, &cc, switch_on_card, &job);
    wipe_job(&job);
    fflush(stdout);
    return x;
}
