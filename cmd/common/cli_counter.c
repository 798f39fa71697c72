/* Glue for the counter (issuer) commands: see cli_counter.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "private/i18n.h"
#include "cli_counter.h"

void counter_opts_init(counter_opts *o)
{
    memset(o, 0, sizeof *o);
    o->key_fd = -1;
    o->pin_fd = -1;
}

/* The library's rule for descriptor numbers; only the option name is ours. */
static int parse_fd(const char *prog, const char *opt, const char *arg, int *fd)
{
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_secret_parse_fd(arg, fd, &err) != JPKI_OK) {
        cli_errorf(prog, "%s: %s", opt, err.message);
        return -1;
    }
    return 1;
}

int counter_option(const char *prog, counter_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case COUNTER_OPT_KEY_FILE:
        o->key_file = arg;
        return 1;
    case COUNTER_OPT_KEY_FD:
        return parse_fd(prog, "--issuer-key-fd", arg, &o->key_fd);
    case COUNTER_OPT_PIN_FILE:
        o->pin_file = arg;
        return 1;
    case COUNTER_OPT_PIN_FD:
        return parse_fd(prog, "--pin-fd", arg, &o->pin_fd);
    case COUNTER_OPT_YES:
        o->yes = true;
        return 1;
    }
    return 0;
}

int counter_opts_check(const char *prog, const counter_opts *o)
{
    if (o->key_file && o->key_fd >= 0) {
        cli_errorf(prog, "give either --issuer-key-file or --issuer-key-fd, not both");
        return CLI_EXIT_USAGE;
    }
    if (o->pin_file && o->pin_fd >= 0) {
        cli_errorf(prog, "give either --pin-file or --pin-fd, not both");
        return CLI_EXIT_USAGE;
    }
    if (o->key_fd >= 0 && o->key_fd == o->pin_fd) {
        cli_errorf(prog, "--issuer-key-fd and --pin-fd must be different descriptors");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int counter_load_issuer_key(const char *prog, const counter_opts *o, jpki_issuer_key *k)
{
    jpki_error err;
    jpki_error_clear(&err);
    jpki_rc rc;
    if (o->key_file)
        rc = jpki_issuer_key_load_file(o->key_file, k, &err);
    else if (o->key_fd >= 0)
        rc = jpki_issuer_key_load_fd(o->key_fd, k, &err);
    else {
        cli_errorf(prog, "no issuer key: give --issuer-key-file F or --issuer-key-fd N");
        return CLI_EXIT_AUTH;
    }
    if (rc != JPKI_OK) {
        cli_errorf(prog, "%s", err.message);
        return CLI_EXIT_AUTH;
    }
    return CLI_EXIT_OK;
}

static void wipe_all(jpki_secret *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jpki_secret_wipe(&s[i]);
}

/* A PIN file holds several lines, so jpki_secret_read_file (first line
 * only) does not fit; the same privacy rule applies. */
static int open_pin_file(const char *prog, const char *path, int *fd)
{
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_secret_open_private(path, fd, &err) != JPKI_OK) {
        cli_errorf(prog, "PIN file %s", err.message);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int read_from_terminal(const char *prog, jpki_pin_id id, jpki_secret *out)
{
    char prompt[128];
    jpki_secret again;
    jpki_error err;
    jpki_error_clear(&err);
    snprintf(prompt, sizeof prompt, _("New %s: "), counter_pin_title(id));
    jpki_rc rc = jpki_secret_read_tty(prompt, out, &err);
    if (rc == JPKI_OK && (rc = jpki_pin_check_format(id, out, &err)) != JPKI_OK) {
        jpki_secret_wipe(out);
        return cli_report(prog, &err);
    }
    if (rc == JPKI_OK) {
        snprintf(prompt, sizeof prompt, _("New %s again: "), counter_pin_title(id));
        rc = jpki_secret_read_tty(prompt, &again, &err);
    }
    if (rc != JPKI_OK) {
        jpki_secret_wipe(out);
        jpki_secret_wipe(&again);
        if (rc == JPKI_ERR_IO) {
            /* No terminal, or it ended: the library's message says which
             * and points to --pin-fd / --pin-file. */
            cli_errorf(prog, "new %s: %s", counter_pin_title(id), err.message);
            return CLI_EXIT_USAGE;
        }
        return cli_report(prog, &err);
    }
    bool same = again.len == out->len && memcmp(again.buf, out->buf, out->len) == 0;
    jpki_secret_wipe(&again);
    if (!same) {
        jpki_secret_wipe(out);
        cli_errorf(prog, "the two entries of the new %s differ; card unchanged",
                   counter_pin_title(id));
        return CLI_EXIT_PIN;
    }
    return CLI_EXIT_OK;
}

int counter_read_new_pins(const char *prog, const counter_opts *o, const jpki_pin_id *ids,
                          size_t n, jpki_secret *out)
{
    int fd = o->pin_fd, rc = CLI_EXIT_OK;
    bool close_fd = false;
    for (size_t i = 0; i < n; i++)
        memset(&out[i], 0, sizeof out[i]);
    if (o->pin_file) {
        if ((rc = open_pin_file(prog, o->pin_file, &fd)) != CLI_EXIT_OK)
            return rc;
        close_fd = true;
    } else if (fd >= 0 && fcntl(fd, F_GETFD) < 0) {
        cli_errorf(prog, "--pin-fd %d: %s", fd, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        if (fd < 0) {
            rc = read_from_terminal(prog, ids[i], &out[i]);
            continue;
        }
        jpki_error err;
        jpki_error_clear(&err);
        if (jpki_secret_read_fd(fd, &out[i], &err) != JPKI_OK) {
            /* The descriptor was checked to be open: what fails here is the
             * input itself (ended early, line too long). */
            cli_errorf(prog, "the new %s (line %zu of %s): %s; card unchanged",
                       counter_pin_title(ids[i]), i + 1,
                       o->pin_file ? _("the PIN file") : "--pin-fd", err.message);
            rc = CLI_EXIT_PIN;
        } else if (out[i].len == 0) {
            cli_errorf(prog, "the new %s is missing (line %zu of %s)", counter_pin_title(ids[i]),
                       i + 1, o->pin_file ? _("the PIN file") : "--pin-fd");
            rc = CLI_EXIT_PIN;
        } else if (jpki_pin_check_format(ids[i], &out[i], &err) != JPKI_OK) {
            /* The library's message names the rule, never the PIN. */
            cli_errorf(prog, "new %s: %s; card unchanged", counter_pin_title(ids[i]), err.message);
            rc = CLI_EXIT_PIN;
        }
    }
    if (close_fd)
        close(fd);
    if (rc != CLI_EXIT_OK)
        wipe_all(out, n);
    return rc;
}

bool counter_have_tty(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

int counter_require_confirmation_path(const char *prog, const counter_opts *o)
{
    if (o->yes || counter_have_tty())
        return CLI_EXIT_OK;
    cli_errorf(prog, "this changes the card and needs confirmation: no terminal to ask on, "
                     "pass --yes to confirm in a script");
    return CLI_EXIT_USAGE;
}

bool counter_ask(const char *question, bool *yes)
{
    *yes = false;
    FILE *tty = fopen("/dev/tty", "r+e");
    if (!tty)
        return false;
    fprintf(tty, _("%s [yes/no] "), question);
    fflush(tty);
    char answer[16] = "";
    if (fgets(answer, sizeof answer, tty)) {
        answer[strcspn(answer, "\r\n")] = '\0';
        *yes = !strcasecmp(answer, "yes") || !strcasecmp(answer, "y");
    }
    fclose(tty);
    return true;
}

int counter_confirm(const char *prog, const counter_opts *o, const char *question)
{
    if (o->yes)
        return CLI_EXIT_OK;
    bool yes;
    if (!counter_ask(question, &yes)) {
        cli_errorf(prog, "no terminal to confirm on: pass --yes to confirm in a script");
        return CLI_EXIT_USAGE;
    }
    if (!yes) {
        cli_errorf(prog, "cancelled; card unchanged");
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

void counter_card_label(jpki_card *card, char serial[16], char *buf, size_t n)
{
    char municipality[6], expiry[9];
    jpki_error err;
    jpki_error_clear(&err);
    const char *reader = jpki_transport_reader(jpki_card_transport(card));
    char safe_serial[4 * 16], safe_reader[4 * 128];
    if (jpki_read_card_id(card, serial, municipality, expiry, &err) == JPKI_OK) {
        jpki_text_safe(serial, safe_serial, sizeof safe_serial);
    } else {
        serial[0] = '\0';
        snprintf(safe_serial, sizeof safe_serial, "%s", _("(serial unreadable)"));
    }
    jpki_text_safe(reader, safe_reader, sizeof safe_reader);
    snprintf(buf, n, _("card %s (reader '%s')"), safe_serial, safe_reader);
}

int counter_confirm_released(const char *prog, const counter_opts *o, jpki_card *card,
                             const char *serial, const char *question, bool *released)
{
    *released = false;
    if (o->yes)
        return CLI_EXIT_OK;
    jpki_error err;
    jpki_error_clear(&err);
    /* A person may take minutes to answer: other programs must be able to
     * use the reader meanwhile, and no issuer session may stand open. */
    if (jpki_transport_end(jpki_card_transport(card), true, &err) != JPKI_OK)
        return cli_report(prog, &err);
    *released = true;
    int x = counter_confirm(prog, o, question);
    if (x != CLI_EXIT_OK)
        return x;
    if (jpki_transport_begin(jpki_card_transport(card), &err) != JPKI_OK)
        return cli_report(prog, &err);
    char now[16], municipality[6], expiry[9];
    if (jpki_read_card_id(card, now, municipality, expiry, &err) != JPKI_OK) {
        jpki_error_prefix(&err, "reading the card again after the answer");
        return cli_report(prog, &err);
    }
    if (strcmp(now, serial) != 0) {
        cli_errorf(prog, "the card changed while the question stood: expected card %s, found "
                         "card %s; nothing changed", serial, now);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

const char *counter_pin_title(jpki_pin_id id)
{
    switch (id) {
    case JPKI_PIN_AUTH: return _("auth PIN (user authentication)");
    case JPKI_PIN_SIGN: return _("sign password (digital signature)");
    case JPKI_PIN_CARDINFO: return _("cardinfo PIN (card-info input support)");
    case JPKI_PIN_REGISTRY: return _("registry PIN (resident registry)");
    }
    return _("PIN");
}

jpki_rc counter_pin_state(jpki_card *c, jpki_pin_id id, bool face_mode, char *buf, size_t n,
                          jpki_pin_status *st, jpki_error *err)
{
    memset(st, 0, sizeof *st);
    jpki_rc rc = jpki_pin_status_get(c, id, st, err);
    int max = jpki_pin_max_tries(id);
    if (rc == JPKI_ERR_PIN_BLOCKED) {
        /* Some readings report a blocked PIN as an error; it is a state. */
        st->blocked = true;
        st->present = true;
        st->tries_left = 0;
        rc = JPKI_OK;
    }
    if (rc != JPKI_OK)
        return rc;
    if (!st->present)
        snprintf(buf, n, _("not present"));
    else if (st->blocked && face_mode)
        snprintf(buf, n, _("disabled (face-authentication card)"));
    else if (st->blocked)
        snprintf(buf, n, _("blocked (0 of %d tries left)"), max);
    else
        snprintf(buf, n, _("%d of %d tries left"), st->tries_left, max);
    return JPKI_OK;
}

int counter_run_on_card(const char *prog, cli_common *cc, counter_card_op op, void *ctx)
{
    jpki_error err;
    jpki_error_clear(&err);
    jpki_transport *t = NULL;
    jpki_card *card = NULL;
    cc->changes_card = true;
    jpki_rc rc = cli_open(cc, NULL, &t, &err);
    if (rc == JPKI_OK)
        rc = jpki_card_new(t, &card, &err);
    if (rc == JPKI_OK)
        rc = jpki_transport_begin(t, &err);
    int x;
    if (rc != JPKI_OK) {
        x = cli_report(prog, &err);
    } else {
        x = op(card, ctx, &err);
        /* Reset the card: no issuer session may outlive this command. */
        jpki_error end_err;
        jpki_error_clear(&end_err);
        /* A card (or pcscd) that is gone holds no session: nothing to warn
         * about, and the error already said what happened in one line. */
        /* (a transaction a confirmation released and could not take again
         * is already over) */
        if (jpki_transport_depth(t) > 0 && jpki_transport_end(t, true, &end_err) != JPKI_OK &&
            end_err.code != JPKI_ERR_CARD_REMOVED && end_err.code != JPKI_ERR_NO_CARD &&
            end_err.code != JPKI_ERR_READER_GONE && end_err.code != JPKI_ERR_NO_SERVICE)
            cli_errorf(prog, "warning: ending the card session: %s", end_err.message);
    }
    jpki_card_free(card);
    cli_close(cc, t);
    return x;
}
