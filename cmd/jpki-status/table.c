/* jpki-status' table for people: one aligned block per reader, labels in
 * a fixed column, certificates and PINs as small aligned tables.  Every
 * width is a display width (display_width.h), so Japanese names line up,
 * and text that would run past the output's columns (long DNs, addresses,
 * messages) is folded onto continuation lines under its own column. */
#include <stdio.h>
#include <string.h>

#include "color.h"
#include "display_width.h"
#include "status.h"

/* "  label        value": values start at column VALUE_COL. */
#define LABEL_W 13
#define VALUE_COL (2 + LABEL_W)
/* Certificate rows: "  kind      " then the columns; the DN lines under
 * a row are "            subject  VALUE". */
#define KIND_W 9
#define TIME_W 20
#define DAYS_W 9
#define DN_LABEL_W 8
#define DN_COL (2 + KIND_W + 1 + DN_LABEL_W + 1)

static const char *const cert_label[JPKI_RECORD_CERTS] = {"auth", "auth-ca", "sign", "sign-ca"};
static const char *const pin_label[JPKI_PIN_COUNT] = {"auth", "sign", "cardinfo", "registry"};
static const char *const app_label[] = {"", "jpki", "cardinfo", "visual", "registry", "common"};

/* "  label        " then value folded under the value column. */
static void labelled(FILE *f, const status_view *v, const char *label, const char *value)
{
    fputs("  ", f);
    dw_put_padded(f, label, LABEL_W);
    dw_fold(f, value, VALUE_COL, VALUE_COL, v->columns, DW_BREAK_TEXT);
}

static void dn_line(FILE *f, const status_view *v, const char *label, const char *value, dw_breaks b)
{
    dw_pad(f, 0, 2 + KIND_W + 1);
    dw_put_padded(f, label, DN_LABEL_W);
    fputc(' ', f);
    dw_fold(f, value, DN_COL, DN_COL, v->columns, b);
}

static void print_cert(FILE *f, const status_view *v, int k, const jpki_record_cert *c)
{
    fputs("  ", f);
    dw_put_padded(f, cert_label[k], KIND_W);
    fputc(' ', f);
    if (!c->present) {
        fputs("absent\n", f);
        return;
    }
    if (!c->have_details) {
        char what[192];
        snprintf(what, sizeof what, "present, details unavailable: %s",
                 c->unavailable[0] ? c->unavailable : "not read");
        dw_fold(f, what, 2 + KIND_W + 1, 2 + KIND_W + 1, v->columns, DW_BREAK_TEXT);
        return;
    }
    char nb[32], na[32];
    jpki_record_time_format(c->not_before, nb);
    jpki_record_time_format(c->not_after, na);
    fprintf(f, "%-*s  %-*s  %*ld  ", TIME_W, nb, TIME_W, na, DAYS_W, c->days_left);
    if (c->days_left < 0)
        cli_color_put(f, v->color, CLI_TONE_BAD, "expired");
    else
        cli_color_put(f, v->color, CLI_TONE_GOOD, "valid");
    fputc('\n', f);
    dn_line(f, v, "subject", c->subject, DW_BREAK_DN);
    dn_line(f, v, "issuer", c->issuer, DW_BREAK_DN);
    dn_line(f, v, "serial", c->serial_hex, DW_BREAK_TEXT);
}

/* When the counter can renew each user certificate, when J-LIS's notice
 * should arrive and how long a certificate issued now would run. */
static void print_renewal(FILE *f, const status_view *v, const jpki_record *rec)
{
    static const int kinds[] = {JPKI_CERT_AUTH, JPKI_CERT_SIGN};
    bool any = false;
    for (int i = 0; i < 2; i++)
        any |= rec->window[kinds[i]].known;
    if (!any)
        return;
    fprintf(f, "  %-*s %-10s  %-24s  %-10s  %s\n", KIND_W, "renewal", "opens", "expiry notice expected",
            "next until", "state");
    for (int i = 0; i < 2; i++) {
        const jpki_record_window *w = &rec->window[kinds[i]];
        if (!w->known)
            continue;
        char notice[32], row[160];
        snprintf(notice, sizeof notice, "%s to %s", w->notice_from, w->notice_until);
        bool expired = rec->certs[kinds[i]].days_left < 0;
        snprintf(row, sizeof row, "%-10s  %-24s  %-10s  %s", w->opens, notice,
                 w->next_expiry[0] ? w->next_expiry : "unknown",
                 !w->open ? "not yet open" : expired ? "open (expired: issued anew)" : "open");
        /* The columns fit 100; a narrower terminal folds the row's tail. */
        fputs("  ", f);
        dw_put_padded(f, cert_label[kinds[i]], KIND_W);
        fputc(' ', f);
        dw_fold(f, row, 2 + KIND_W + 1, 2 + KIND_W + 1, v->columns, DW_BREAK_TEXT);
    }
}

static void print_card_line(FILE *f, const status_view *v, const jpki_record *rec)
{
    char line[256] = "";
    size_t n = 0;
    if (rec->serial[0])
        n += (size_t)snprintf(line + n, sizeof line - n, "serial %s", rec->serial);
    else
        n += (size_t)snprintf(line + n, sizeof line - n, "serial unknown");
    if (rec->municipality[0] && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, ", municipality %s", rec->municipality);
    if (rec->card_expiry[0] && n < sizeof line)
        snprintf(line + n, sizeof line - n, ", card expires %s", rec->card_expiry);
    labelled(f, v, "card", line);
}

static void print_pins(FILE *f, const status_view *v, const jpki_record *rec)
{
    fprintf(f, "  %-*s %5s  %3s  %s\n", KIND_W, "PIN", "tries", "max", "state");
    for (int k = 0; k < JPKI_PIN_COUNT; k++) {
        const jpki_record_pin *p = &rec->pins[k];
        if (!p->listed)
            continue;
        char tries[16];
        if (p->tries_left >= 0)
            snprintf(tries, sizeof tries, "%d", p->tries_left);
        else
            snprintf(tries, sizeof tries, "?");
        const char *state;
        cli_tone tone;
        if (p->blocked && rec->mode == JPKI_MODE_FACE)
            state = "disabled (face card)", tone = CLI_TONE_PLAIN;
        else if (p->blocked)
            state = "BLOCKED", tone = CLI_TONE_BLOCKED;
        else if (p->tries_left < 0)
            state = "counter unreadable", tone = CLI_TONE_BAD;
        else if (p->tries_left < p->max_tries)
            state = "ok (some tries used)", tone = CLI_TONE_WARN;
        else
            state = "ok", tone = CLI_TONE_GOOD;
        fprintf(f, "  %-*s %5s  %3d  ", KIND_W, pin_label[k], tries, p->max_tries);
        cli_color_put(f, v->color, tone, state);
        fputc('\n', f);
    }
}

void status_print_table(FILE *f, const jpki_record *rec, const status_view *v)
{
    fputs("reader ", f);
    dw_fold(f, rec->reader, 7, VALUE_COL, v->columns, DW_BREAK_TEXT);
    if (!rec->card_present && !rec->has_error) {
        labelled(f, v, "card", "none (reader is empty)");
        return;
    }
    if (rec->has_error) {
        char what[320];
        snprintf(what, sizeof what, "%s (%s)", rec->error[0] ? rec->error : rec->error_code,
                 rec->error_code);
        labelled(f, v, "error", what);
    }
    if (rec->serial[0] || rec->atr_hex[0])
        print_card_line(f, v, rec);
    if (rec->birth[0])
        labelled(f, v, "born", rec->birth);
    if (rec->atr_hex[0])
        labelled(f, v, "atr", rec->atr_hex);
    if (rec->token[0])
        labelled(f, v, "token", rec->token);
    if (rec->apps) {
        char apps[128] = "";
        for (int a = 1; a < (int)(sizeof app_label / sizeof app_label[0]); a++)
            if (rec->apps & (1u << a)) {
                if (apps[0])
                    strcat(apps, ", ");
                strcat(apps, app_label[a]);
            }
        labelled(f, v, "applications", apps);
    }
    if (rec->card_present && !rec->has_error)
        labelled(f, v, "mode", rec->mode == JPKI_MODE_FACE  ? "face authentication (no PINs, no signature certificate)"
                             : rec->mode == JPKI_MODE_PIN ? "PIN"
                                                          : "unknown");
    /* The holder, as the signature certificate names them (read only with
     * the signature password). */
    const jpki_record_cert *sign = &rec->certs[JPKI_CERT_SIGN];
    if (sign->have_details && sign->name[0])
        labelled(f, v, "holder", sign->name);
    if (sign->have_details && sign->address[0])
        labelled(f, v, "address", sign->address);
    bool any_cert = false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        any_cert |= rec->certs[k].listed;
    if (any_cert) {
        fprintf(f, "  %-*s %-*s  %-*s  %*s  %s\n", KIND_W, "cert", TIME_W, "not before", TIME_W,
                "not after", DAYS_W, "days left", "state");
        /* The user's certificates first, their CAs after. */
        static const int order[] = {JPKI_CERT_AUTH, JPKI_CERT_SIGN, JPKI_CERT_AUTH_CA, JPKI_CERT_SIGN_CA};
        for (int i = 0; i < JPKI_RECORD_CERTS; i++)
            if (rec->certs[order[i]].listed)
                print_cert(f, v, order[i], &rec->certs[order[i]]);
    }
    print_renewal(f, v, rec);
    bool any_pin = false;
    for (int k = 0; k < JPKI_PIN_COUNT; k++)
        any_pin |= rec->pins[k].listed;
    if (any_pin)
        print_pins(f, v, rec);
}
