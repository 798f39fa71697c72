/* jpki-status --export and --holder: one certificate out of the card
 * (the signature certificate after its password), or the holder's four
 * items from the card-info application after its PIN.  Both read the
 * retry counter first and never spend a last try: with one try left they
 * refuse, as --verify-sign-pin does, and send the holder to the counter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "display_width.h"
#include "status.h"
#include "private/i18n.h"

jpki_rc status_get_pin(const status_pin_source *ps, const char *serial, jpki_pin_id id,
                       jpki_secret *pin, jpki_error *err)
{
    if (ps->map) {
        if (pin_map_get(ps->map, serial, id, pin, err) != JPKI_OK)
            return id == JPKI_PIN_SIGN
                       ? jpki_error_set(err, JPKI_ERR_ARG, "PIN map: no signature password for card %s",
                                        serial[0] ? serial : "(serial unknown)")
                       : jpki_error_set(err, JPKI_ERR_ARG, "PIN map: no card-info PIN for card %s",
                                        serial[0] ? serial : "(serial unknown)");
        return JPKI_OK;
    }
    if (ps->fd >= 0)
        return jpki_secret_read_fd(ps->fd, pin, err);
    if (ps->file)
        return jpki_secret_read_file(ps->file, pin, err);
    return jpki_secret_read_tty(id == JPKI_PIN_SIGN ? _("Signature password: ") : _("Card-info PIN: "), pin,
                                err);
}

/* Counter first (no try spent), refuse a blocked PIN or the last try,
 * then exactly one VERIFY. */
jpki_rc status_verify_pin(jpki_card *card, jpki_pin_id id, const jpki_secret *pin, jpki_error *err)
{
    /* The PIN's name is a word for people: message_c keeps the English
     * one (records), message gets the translated name. */
    const char *what = id == JPKI_PIN_SIGN ? N_("signature password") : N_("card-info PIN");
    jpki_rc rc = jpki_pin_check_format(id, pin, err);
    if (rc != JPKI_OK)
        return rc;
    rc = jpki_renew_check_pin(card, id, false, NULL, err);
    if (rc == JPKI_ERR_PIN_LAST_TRY) {
        jpki_error_set(err, rc, "only one %s try left: not verifying (reset it at the counter)", what);
        snprintf(err->message, sizeof err->message,
                 _("only one %s try left: not verifying (reset it at the counter)"), _(what));
        return rc;
    }
    if (rc == JPKI_ERR_PIN_BLOCKED) {
        jpki_error_set(err, rc, "%s is blocked (reset it at the counter)", what);
        snprintf(err->message, sizeof err->message, _("%s is blocked (reset it at the counter)"), _(what));
        return rc;
    }
    if (rc != JPKI_OK)
        return rc;
    rc = jpki_pin_verify(card, id, pin, err);
    if (rc == JPKI_ERR_PIN_WRONG) {
        int left = err->tries_left;
        jpki_error_set(err, rc, "wrong %s (%d tr%s left)", what, left, left == 1 ? "y" : "ies");
        snprintf(err->message, sizeof err->message,
                 P_("wrong %s (%d try left)", "wrong %s (%d tries left)", left), _(what), left);
        err->tries_left = left;
    }
    return rc;
}

/* The PIN for id: read before the card is opened (a prompt must not hold
 * the card's transaction), except from a PIN map, which needs the serial. */
typedef struct job_pin {
    const status_pin_source *ps;
    bool have;
    jpki_secret pin;
} job_pin;

static jpki_rc pin_before(job_pin *jp, jpki_pin_id id, jpki_error *err)
{
    if (jp->ps->map)
        return JPKI_OK;
    jpki_rc rc = status_get_pin(jp->ps, "", id, &jp->pin, err);
    jp->have = rc == JPKI_OK;
    return rc == JPKI_OK ? jpki_pin_check_format(id, &jp->pin, err) : rc;
}

/* As with --verify-sign-pin: an unreadable PIN file or descriptor is bad
 * input (exit 2), a PIN of the wrong form is a PIN problem (exit 4). */
static int pin_source_failed(const jpki_error *err)
{
    int code = cli_report(PROG, err);
    return err->code == JPKI_ERR_PIN_FORMAT ? code : CLI_EXIT_USAGE;
}

static void pin_done(job_pin *jp)
{
    jpki_secret_wipe(&jp->pin);
    jp->have = false;
}

/* The card serial, for the PIN map ("" when the card has no common
 * application). */
static void card_serial(jpki_card *card, char serial[16])
{
    char muni[6], expiry[9];
    jpki_error ignored;
    jpki_error_clear(&ignored);
    serial[0] = '\0';
    if (jpki_select_app(card, JPKI_APP_COMMON, &ignored) != JPKI_OK ||
        jpki_read_card_id(card, serial, muni, expiry, &ignored) != JPKI_OK)
        serial[0] = '\0';
}

/* Open the card, run fn inside one transaction, reset the card afterwards
 * when a PIN was verified (its state must not outlive us). */
typedef jpki_rc (*card_job)(jpki_card *card, void *ctx, bool *verified, jpki_error *err);

static int with_card(cli_common *cc, card_job job, void *ctx)
{
    jpki_transport *t = NULL;
    jpki_error err;
    jpki_error_clear(&err);
    jpki_rc rc = cli_open(cc, NULL, &t, &err);
    if (rc != JPKI_OK) {
        cli_close(cc, NULL);
        return cli_report(PROG, &err);
    }
    bool verified = false;
    rc = jpki_transport_begin(t, &err);
    jpki_card *card = NULL;
    if (rc == JPKI_OK)
        rc = jpki_card_new(t, &card, &err);
    if (rc == JPKI_OK) {
        rc = job(card, ctx, &verified, &err);
        jpki_error e2;
        jpki_error_clear(&e2);
        jpki_transport_end(t, verified, &e2);
    }
    jpki_card_free(card); /* cli_close ends a transaction still open */
    cli_close(cc, t);
    return rc == JPKI_OK ? CLI_EXIT_OK : cli_report(PROG, &err);
}

typedef struct export_job {
    jpki_cert_kind kind;
    bool der;
    job_pin jp;
} export_job;

static jpki_rc pin_on_card(jpki_card *card, job_pin *jp, jpki_pin_id id, bool *verified, jpki_error *err)
{
    if (!jp->have) { /* from the map, by this card's serial */
        char serial[16];
        card_serial(card, serial);
        jpki_rc rc = status_get_pin(jp->ps, serial, id, &jp->pin, err);
        if (rc != JPKI_OK)
            return rc;
        jp->have = true;
    }
    *verified = true; /* reset the card even after a failed VERIFY */
    jpki_rc rc = status_verify_pin(card, id, &jp->pin, err);
    pin_done(jp);
    return rc;
}

static jpki_rc export_cert(jpki_card *card, void *ctx, bool *verified, jpki_error *err)
{
    export_job *x = ctx;
    jpki_rc rc;
    if (x->kind == JPKI_CERT_SIGN && (rc = pin_on_card(card, &x->jp, JPKI_PIN_SIGN, verified, err)))
        return rc;
    uint8_t *der = NULL;
    size_t len = 0;
    if ((rc = jpki_read_cert(card, x->kind, &der, &len, err)) != JPKI_OK)
        return jpki_error_prefix(err, "%s certificate", jpki_cert_kind_name(x->kind));
    if (x->der) {
        if (fwrite(der, 1, len, stdout) != len || fflush(stdout) != 0)
            rc = jpki_error_set(err, JPKI_ERR_IO, "writing to stdout failed");
    } else {
        char *pem = NULL;
        rc = jpki_cert_pem(der, len, &pem, err);
        if (rc == JPKI_OK && (fputs(pem, stdout) < 0 || fflush(stdout) != 0))
            rc = jpki_error_set(err, JPKI_ERR_IO, "writing to stdout failed");
        free(pem);
    }
    free(der);
    return rc;
}

int status_export(cli_common *cc, jpki_cert_kind kind, bool der, const status_pin_source *ps)
{
    export_job x = {.kind = kind, .der = der, .jp = {.ps = ps}};
    jpki_error err;
    jpki_error_clear(&err);
    if (kind == JPKI_CERT_SIGN && pin_before(&x.jp, JPKI_PIN_SIGN, &err) != JPKI_OK) {
        pin_done(&x.jp);
        return pin_source_failed(&err);
    }
    int code = with_card(cc, export_cert, &x);
    pin_done(&x.jp);
    return code;
}

/* Text from the card: no control characters on the terminal. */
static void put_line(FILE *f, const char *label, const char *value)
{
    dw_put_padded(f, _(label), 9); /* a label's width in columns, not bytes */
    fputc(' ', f);
    for (const char *s = value; *s; s++)
        fputc(((unsigned char)*s < 0x20 || *s == 0x7F) ? '?' : *s, f);
    fputc('\n', f);
}

static jpki_rc show_holder(jpki_card *card, void *ctx, bool *verified, jpki_error *err)
{
    jpki_rc rc = pin_on_card(card, ctx, JPKI_PIN_CARDINFO, verified, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_holder h;
    if ((rc = jpki_read_holder(card, &h, err)) != JPKI_OK)
        return rc;
    char birth[11];
    snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", h.birth, h.birth + 4, h.birth + 6);
    const char *sex = strcmp(h.sex, "1") == 0   ? _("1 (male)")
                      : strcmp(h.sex, "2") == 0 ? _("2 (female)")
                                                : _("9 (not stated)");
    put_line(stdout, N_("name"), h.name);
    put_line(stdout, N_("address"), h.address);
    put_line(stdout, N_("birth"), birth);
    put_line(stdout, N_("sex"), sex);
    memset(&h, 0, sizeof h); /* personal data: do not leave it lying in memory */
    return fflush(stdout) == 0 ? JPKI_OK : jpki_error_set(err, JPKI_ERR_IO, "writing to stdout failed");
}

jpki_rc status_holder_birth(jpki_transport *t, const jpki_secret *pin, char birth[11], jpki_error *err)
{
    jpki_rc rc = jpki_transport_begin(t, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_card *card = NULL;
    jpki_holder h;
    memset(&h, 0, sizeof h);
    rc = jpki_card_new(t, &card, err);
    if (rc == JPKI_OK)
        rc = status_verify_pin(card, JPKI_PIN_CARDINFO, pin, err);
    if (rc == JPKI_OK)
        rc = jpki_read_holder(card, &h, err);
    jpki_card_free(card);
    if (rc == JPKI_OK)
        snprintf(birth, 11, "%.4s-%.2s-%.2s", h.birth, h.birth + 4, h.birth + 6);
    memset(&h, 0, sizeof h);
    jpki_error e2;
    jpki_error_clear(&e2);
    jpki_transport_end(t, true, &e2); /* the PIN's state must not outlive us */
    return rc;
}

int status_holder(cli_common *cc, const status_pin_source *ps)
{
    job_pin jp = {.ps = ps};
    jpki_error err;
    jpki_error_clear(&err);
    if (pin_before(&jp, JPKI_PIN_CARDINFO, &err) != JPKI_OK) {
        pin_done(&jp);
        return pin_source_failed(&err);
    }
    int code = with_card(cc, show_holder, &jp);
    pin_done(&jp);
    return code;
}
