/* jpki-status' table for people: one aligned block per reader, labels in
 * a fixed column, certificates and PINs as small aligned tables. */
#include <stdio.h>
#include <string.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "status.h"

#define LABEL_W 13

/* Card and certificate text can hold anything: no control characters on
 * the terminal. */
static void put_clean(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(((unsigned char)*s < 0x20 || *s == 0x7F) ? '?' : *s, f);
}

static void label(FILE *f, const char *l)
{
    fprintf(f, "  %-*s", LABEL_W, l);
}

static const char *const cert_label[JPKI_RECORD_CERTS] = {N_("auth"), N_("auth-ca"), N_("sign"), N_("sign-ca")};
static const char *const pin_label[JPKI_PIN_COUNT] = {N_("auth"), N_("sign"), N_("cardinfo"), N_("registry")};
static const char *const app_label[] = {"", "jpki", "cardinfo", "visual", "registry", "common"};

static void print_cert(FILE *f, int k, const jpki_record_cert *c)
{
    fprintf(f, "  %-9s ", _(cert_label[k]));
    if (!c->present) {
        fprintf(f, _("absent\n"));
        return;
    }
    if (!c->have_details) {
        fprintf(f, _("present, details unavailable: "));
        /* An English note of the record; shown translated when it is a
         * message of ours without arguments. */
        put_clean(f, c->unavailable[0] ? _(c->unavailable) : _("not read"));
        fputc('\n', f);
        return;
    }
    char nb[64], na[64];
    jpki_time_format_human(c->not_before, true, nb, sizeof nb);
    jpki_time_format_human(c->not_after, true, na, sizeof na);
    const char *state = c->days_left < 0 ? _("expired") : _("valid");
    fprintf(f, "%-23s  %-23s  %9ld  %s\n", nb, na, c->days_left, state);
    fprintf(f, _("  %-9s subject  "), "");
    put_clean(f, c->subject);
    fprintf(f, _("\n  %-9s issuer   "), "");
    put_clean(f, c->issuer);
    fprintf(f, _("\n  %-9s serial   %s\n"), "", c->serial_hex);
}

void status_print_table(FILE *f, const jpki_record *rec)
{
    fprintf(f, _("reader "));
    put_clean(f, rec->reader);
    fputc('\n', f);
    if (!rec->card_present && !rec->has_error) {
        label(f, _("card"));
        fprintf(f, _("none (reader is empty)\n"));
        return;
    }
    if (rec->has_error) {
        label(f, _("error"));
        put_clean(f, rec->error[0] ? _(rec->error) : rec->error_code);
        fprintf(f, " (%s)\n", rec->error_code);
    }
    if (rec->serial[0] || rec->atr_hex[0]) {
        label(f, _("card"));
        if (rec->serial[0]) {
            fprintf(f, _("serial "));
            put_clean(f, rec->serial);
        }
        if (rec->municipality[0]) {
            fprintf(f, _(", municipality "));
            put_clean(f, rec->municipality);
        }
        if (rec->card_expiry[0]) {
            fprintf(f, _(", card expires "));
            put_clean(f, rec->card_expiry);
        }
        if (!rec->serial[0])
            fprintf(f, _("serial unknown"));
        fputc('\n', f);
    }
    if (rec->atr_hex[0]) {
        label(f, _("atr"));
        put_clean(f, rec->atr_hex);
        fputc('\n', f);
    }
    if (rec->token[0]) {
        label(f, _("token"));
        put_clean(f, rec->token);
        fputc('\n', f);
    }
    if (rec->apps) {
        label(f, _("applications"));
        const char *sep = "";
        for (int a = 1; a < (int)(sizeof app_label / sizeof app_label[0]); a++)
            if (rec->apps & (1u << a)) {
                fprintf(f, "%s%s", sep, app_label[a]);
                sep = ", ";
            }
        fputc('\n', f);
    }
    if (rec->card_present && !rec->has_error) {
        label(f, _("mode"));
        fprintf(f, "%s\n", rec->mode == JPKI_MODE_FACE  ? _("face authentication (no PINs, no signature certificate)")
                           : rec->mode == JPKI_MODE_PIN ? _("PIN")
                                                        : _("unknown"));
    }
    bool any_cert = false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        any_cert |= rec->certs[k].listed;
    if (any_cert) {
        fprintf(f, "  %-9s %-23s  %-23s  %9s  %s\n", _("cert"), _("not before"), _("not after"),
                _("days left"), _("state"));
        /* The user's certificates first, their CAs after. */
        static const int order[] = {JPKI_CERT_AUTH, JPKI_CERT_SIGN, JPKI_CERT_AUTH_CA, JPKI_CERT_SIGN_CA};
        for (int i = 0; i < JPKI_RECORD_CERTS; i++)
            if (rec->certs[order[i]].listed)
                print_cert(f, order[i], &rec->certs[order[i]]);
    }
    bool any_pin = false;
    for (int k = 0; k < JPKI_PIN_COUNT; k++)
        any_pin |= rec->pins[k].listed;
    if (any_pin) {
        fprintf(f, "  %-9s %5s  %3s  %s\n", _("PIN"), _("tries"), _("max"), _("state"));
        for (int k = 0; k < JPKI_PIN_COUNT; k++) {
            const jpki_record_pin *p = &rec->pins[k];
            if (!p->listed)
                continue;
            char tries[16];
            if (p->tries_left >= 0)
                snprintf(tries, sizeof tries, "%d", p->tries_left);
            else
                snprintf(tries, sizeof tries, "?");
            const char *state = p->blocked ? (rec->mode == JPKI_MODE_FACE ? _("disabled (face card)") : _("BLOCKED"))
                              : p->tries_left < 0 ? _("counter unreadable")
                              : p->tries_left < p->max_tries ? _("ok (some tries used)") : _("ok");
            fprintf(f, "  %-9s %5s  %3d  %s\n", _(pin_label[k]), tries, p->max_tries, state);
        }
    }
}
