/* jpki-status' table for people: one aligned block per reader, labels in
 * a fixed column, certificates and PINs as small aligned tables. */
#include <stdio.h>
#include <string.h>

#include "jpki/text.h"
#include "status.h"

#define LABEL_W 13

/* Card and certificate text can hold anything: no control characters on
 * the terminal. */
static void put_clean(FILE *f, const char *s)
{
    jpki_text_fputs(s, f);
}

static void label(FILE *f, const char *l)
{
    fprintf(f, "  %-*s", LABEL_W, l);
}

static const char *const cert_label[JPKI_RECORD_CERTS] = {"auth", "auth-ca", "sign", "sign-ca"};
static const char *const pin_label[JPKI_PIN_COUNT] = {"auth", "sign", "cardinfo", "registry"};
static const char *const app_label[] = {"", "jpki", "cardinfo", "visual", "registry", "common"};

static void print_cert(FILE *f, int k, const jpki_record_cert *c)
{
    fprintf(f, "  %-9s ", cert_label[k]);
    if (!c->present) {
        fprintf(f, "absent\n");
        return;
    }
    if (!c->have_details) {
        fprintf(f, "present, details unavailable: ");
        put_clean(f, c->unavailable[0] ? c->unavailable : "not read");
        fputc('\n', f);
        return;
    }
    char nb[32], na[32];
    jpki_record_time_format(c->not_before, nb);
    jpki_record_time_format(c->not_after, na);
    const char *state = c->days_left < 0 ? "expired" : "valid";
    fprintf(f, "%-20s  %-20s  %9ld  %s\n", nb, na, c->days_left, state);
    fprintf(f, "  %-9s subject  ", "");
    put_clean(f, c->subject);
    fprintf(f, "\n  %-9s issuer   ", "");
    put_clean(f, c->issuer);
    fprintf(f, "\n  %-9s serial   ", "");
    put_clean(f, c->serial_hex);
    fputc('\n', f);
}

void status_print_table(FILE *f, const jpki_record *rec)
{
    fprintf(f, "reader ");
    put_clean(f, rec->reader);
    fputc('\n', f);
    if (!rec->card_present && !rec->has_error) {
        label(f, "card");
        fprintf(f, "none (reader is empty)\n");
        return;
    }
    if (rec->has_error) {
        label(f, "error");
        put_clean(f, rec->error[0] ? rec->error : rec->error_code);
        fprintf(f, " (");
        put_clean(f, rec->error_code);
        fprintf(f, ")\n");
    }
    if (rec->serial[0] || rec->atr_hex[0]) {
        label(f, "card");
        if (rec->serial[0]) {
            fprintf(f, "serial ");
            put_clean(f, rec->serial);
        }
        if (rec->municipality[0]) {
            fprintf(f, ", municipality ");
            put_clean(f, rec->municipality);
        }
        if (rec->card_expiry[0]) {
            fprintf(f, ", card expires ");
            put_clean(f, rec->card_expiry);
        }
        if (!rec->serial[0])
            fprintf(f, "serial unknown");
        fputc('\n', f);
    }
    if (rec->atr_hex[0]) {
        label(f, "atr");
        put_clean(f, rec->atr_hex);
        fputc('\n', f);
    }
    if (rec->token[0]) {
        label(f, "token");
        put_clean(f, rec->token);
        fputc('\n', f);
    }
    if (rec->apps) {
        label(f, "applications");
        const char *sep = "";
        for (int a = 1; a < (int)(sizeof app_label / sizeof app_label[0]); a++)
            if (rec->apps & (1u << a)) {
                fprintf(f, "%s%s", sep, app_label[a]);
                sep = ", ";
            }
        fputc('\n', f);
    }
    if (rec->card_present && !rec->has_error) {
        label(f, "mode");
        fprintf(f, "%s\n", rec->mode == JPKI_MODE_FACE  ? "face authentication (no PINs, no signature certificate)"
                           : rec->mode == JPKI_MODE_PIN ? "PIN"
                                                        : "unknown");
    }
    bool any_cert = false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        any_cert |= rec->certs[k].listed;
    if (any_cert) {
        fprintf(f, "  %-9s %-20s  %-20s  %9s  %s\n", "cert", "not before", "not after", "days left",
                "state");
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
        fprintf(f, "  %-9s %5s  %3s  %s\n", "PIN", "tries", "max", "state");
        for (int k = 0; k < JPKI_PIN_COUNT; k++) {
            const jpki_record_pin *p = &rec->pins[k];
            if (!p->listed)
                continue;
            char tries[16];
            if (p->tries_left >= 0)
                snprintf(tries, sizeof tries, "%d", p->tries_left);
            else
                snprintf(tries, sizeof tries, "?");
            const char *state = p->blocked ? (rec->mode == JPKI_MODE_FACE ? "disabled (face card)" : "BLOCKED")
                              : p->tries_left < 0 ? "counter unreadable"
                              : p->tries_left < p->max_tries ? "ok (some tries used)" : "ok";
            fprintf(f, "  %-9s %5s  %3d  %s\n", pin_label[k], tries, p->max_tries, state);
        }
    }
}
