/* jpki-reset-pin: the counter's reset of a forgotten or blocked PIN, under
 * the issuer key.  One PC/SC transaction: issuance status and old retry
 * state, (confirmation), issuer authentication, RESET RETRY COUNTER, new
 * retry state; the card is reset at the end so the issuer session dies
 * with the operation.  The only card-changing step is the single RESET
 * RETRY COUNTER command, so an error anywhere leaves the card as it was. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_locale.h"
#include "cli.h"
#include "cli_counter.h"
#include "jpki/jpki.h"
#include "private/i18n.h"

static const char *prog = "jpki-reset-pin";

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: %s [OPTIONS] PIN\n"
            "Reset (new PIN, full tries) or unblock (same PIN, full tries) one PIN of a My\n"
            "Number Card under the issuer key.  PIN is one of: auth, sign, cardinfo, registry.\n"
            "The new PIN is asked twice on the terminal, or read from --pin-fd/--pin-file.\n"
            "Resetting the sign password deletes the signature key and certificate.\n"
            "\n"
            "Options:\n"
            "      --unblock            keep the PIN, only restore its tries (4-digit PINs)\n"
            "      --pin-fd N           read the new PIN from file descriptor N (one line)\n"
            "      --pin-file F         read the new PIN from F's first line (mode 0600)\n"
            "      --issuer-key-file F  issuer key file (32 hex digits, mode 0600)\n"
            "      --issuer-key-fd N    read the issuer key from file descriptor N\n"
            "      --yes                do not ask before deleting the signature certificate\n"),
            prog);
    cli_common_help(f);
    fputs(_(
            "  -h, --help               this help\n"
            "  -V, --version            version\n"
            "Exit status: 0 done, 1 card refused/cancelled/face-auth card, 2 usage (or\n"
            "several cards and no -r), 3 no card/removed/reader busy, 4 bad new PIN,\n"
            "5 issuer key missing or rejected.\n"), f);
}

typedef struct reset_job {
    jpki_pin_id id;
    bool unblock;
    jpki_secret newpin;
    jpki_issuer_key key;
    counter_opts co;
} reset_job;

/* Everything that talks to the card, inside one transaction. */
/* counter_card_op: runs inside the command's one transaction. */
static int reset_on_card(jpki_card *card, void *ctx, jpki_error *err)
{
    reset_job *job = ctx;
    const char *title = counter_pin_title(job->id);
    jpki_issuance_status st;
    /* Say which card this is before anything else: the counter must see it
     * is the holder's card that is about to change. */
    char who[400], serial[16];
    counter_card_label(card, serial, who, sizeof who);
    printf(_("Card: %s\n"), who);
    fflush(stdout);
    /* The issuance status answers only inside the issuer session. */
    jpki_rc rc = jpki_issuer_authenticate(card, &job->key, err);
    if (rc != JPKI_OK)
        return cli_report(prog, err);
    if ((rc = jpki_issuance_status_get(card, &st, err)) != JPKI_OK)
        return cli_report(prog, err);
    if (st.face_mode) {
        cli_errorf(prog, "this is a face-authentication card: its PINs are disabled, not "
                         "blocked; use jpki-face-auth-switch --to pin; card unchanged");
        return CLI_EXIT_FAIL;
    }

    char before[96], after[96];
    jpki_pin_status ps;
    if ((rc = counter_pin_state(card, job->id, false, before, sizeof before, &ps, err)) != JPKI_OK)
        return cli_report(prog, err);
    printf(_("%s: before: %s\n"), title, before);

    if (job->id == JPKI_PIN_SIGN) {
        bool has_cert = st.key[JPKI_KEY_SIGN].active;
        fprintf(stderr,
                _("%s: resetting the sign password re-issues the signature certificate: the card "
                "deletes the signature key and certificate%s. Afterwards run "
                "'jpki-renew --cert sign'.\n"),
                prog, has_cert ? "" : _(" (none is present now)"));
        char question[512];
        snprintf(question, sizeof question,
                 _("Delete the signature key and certificate of %s and set the new sign password?"),
                 who);
        bool released;
        int x = counter_confirm_released(prog, &job->co, card, serial, question, &released);
        if (x != CLI_EXIT_OK)
            return x;
        /* The reader was let go while the question stood: a new issuer
         * session, and the same card still a PIN card. */
        if (released && ((rc = jpki_issuer_authenticate(card, &job->key, err)) != JPKI_OK ||
                         (rc = jpki_issuance_status_get(card, &st, err)) != JPKI_OK))
            return cli_report(prog, err);
        if (st.face_mode) {
            cli_errorf(prog, "the card became a face-authentication card meanwhile; card unchanged");
            return CLI_EXIT_FAIL;
        }
    }
    jpki_issuer_key_wipe(&job->key);

    rc = jpki_pin_reset(card, job->id, job->unblock ? NULL : &job->newpin, err);
    jpki_secret_wipe(&job->newpin);
    if (rc != JPKI_OK)
        return cli_report(prog, err);

    if ((rc = counter_pin_state(card, job->id, false, after, sizeof after, &ps, err)) != JPKI_OK) {
        /* The reset itself succeeded; only the report failed. */
        jpki_error_prefix(err, "%s was %s, but reading its new state failed", title,
                          job->unblock ? _("unblocked") : _("reset"));
        return cli_report(prog, err);
    }
    printf(_("%s: after: %s\n"), title, after);
    printf(_("%s %s.\n"), title, job->unblock ? _("unblocked (PIN unchanged)") : _("reset to the new PIN"));
    if (job->id == JPKI_PIN_SIGN)
        printf(_("The signature key and certificate were deleted: run 'jpki-renew --cert sign' "
               "to issue a new signature certificate.\n"));
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option longopts[] = {
        {"unblock", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        CLI_COMMON_LONGOPTS,
        COUNTER_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    jpki_secret_protect_process();
    static reset_job job;
    counter_opts_init(&job.co);
    cli_common cc;
    cli_common_init(&cc);

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
        case 'u':
            job.unblock = true;
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
    if (optind != argc - 1) {
        cli_errorf(prog, "name exactly one PIN: auth, sign, cardinfo or registry (try --help)");
        return CLI_EXIT_USAGE;
    }
    /* The argument is not echoed: someone may have typed the PIN itself. */
    if (jpki_pin_parse_name(argv[optind], &job.id, NULL) != JPKI_OK) {
        cli_errorf(prog, "unknown PIN name: use auth, sign, cardinfo or registry");
        return CLI_EXIT_USAGE;
    }
    int x = counter_opts_check(prog, &job.co);
    if (x != CLI_EXIT_OK)
        return x;
    if (job.unblock && job.id == JPKI_PIN_SIGN) {
        cli_errorf(prog, "the sign password cannot be unblocked, only reset (which re-issues "
                         "the signature certificate)");
        return CLI_EXIT_USAGE;
    }
    if (job.unblock && (job.co.pin_fd >= 0 || job.co.pin_file)) {
        cli_errorf(prog, "--unblock keeps the PIN: --pin-fd/--pin-file make no sense with it");
        return CLI_EXIT_USAGE;
    }
    /* Everything that can be refused without the card is refused first. */
    if (job.id == JPKI_PIN_SIGN && (x = counter_require_confirmation_path(prog, &job.co)) != CLI_EXIT_OK)
        return x;
    if ((x = counter_load_issuer_key(prog, &job.co, &job.key)) != CLI_EXIT_OK)
        return x;
    if (!job.unblock && (x = counter_read_new_pins(prog, &job.co, &job.id, 1, &job.newpin)) !=
                            CLI_EXIT_OK) {
        jpki_issuer_key_wipe(&job.key);
        return x;
    }

    x = counter_run_on_card(prog, &cc, reset_on_card, &job);
    jpki_issuer_key_wipe(&job.key);
    jpki_secret_wipe(&job.newpin);
    fflush(stdout);
    return x;
}
