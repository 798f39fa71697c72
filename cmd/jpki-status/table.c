/* jpki-status' table for people: one aligned block per reader, labels in
 * a fixed column, certificates and PINs as small aligned tables.  Every
 * width is a display width (display_width.h), so Japanese names line up,
 * and text that would run past the output's columns (long DNs, addresses,
 * messages) is folded onto continuation lines under its own column. */
#include <stdio.h>
#include <string.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "color.h"
#include "display_width.h"
#include "status.h"

/* "  label        value": values start at column VALUE_COL. */
#define LABEL_W 13
#define VALUE_COL (2 + LABEL_W)
/* Certificate rows: "  kind      " then the columns; the DN lines under
 * a row are "            subject  VALUE". */
#define DAYS_W 9
#define DN_LABEL_W 8
#define KIND_W kind_w()
#define DN_COL (2 + KIND_W + 1 + DN_LABEL_W + 1)

static const char *const cert_label[JPKI_RECORD_CERTS] = {N_("auth"), N_("auth-ca"), N_("sign"), N_("sign-ca")};
static const char *const pin_label[JPKI_PIN_COUNT] = {N_("auth"), N_("sign"), N_("cardinfo"), N_("registry")};

/* The kind column: as wide as its widest word in this locale (9 in
 * English), so translated kinds line up. */
static size_t kind_w(void)
{
    static size_t w;
    if (!w) {
        static const char *const heads[] = {N_("cert"), N_("renewal"), N_("PIN")};
        w = 9;
        for (size_t i = 0; i < JPKI_RECORD_CERTS; i++)
            w = dw_width(_(cert_label[i])) > w ? dw_width(_(cert_label[i])) : w;
        for (size_t i = 0; i < JPKI_PIN_COUNT; i++)
            w = dw_width(_(pin_label[i])) > w ? dw_width(_(pin_label[i])) : w;
        for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
            w = dw_width(_(heads[i])) > w ? dw_width(_(heads[i])) : w;
    }
    return w;
}
static const char *const app_label[] = {"", "jpki", "cardinfo", "visual", "registry", "common"};

/* The date columns: as wide as the widest date people read in this locale
 * (2025-12-31 23:59:59 JST, 2025年12月31日 23時59分59秒 JST; the dates alone
 * without the time).  The instant is the 31st of December everywhere. */
static size_t time_w(bool with_time)
{
    static size_t w[2];
    if (!w[with_time]) {
        char buf[64];
        jpki_time_format_human((time_t)1767182400, with_time, buf, sizeof buf);
        w[with_time] = dw_width(buf);
    }
    return w[with_time];
}

/* The certificate rows with their times when they fit the output's
 * columns; on a narrower terminal the dates alone (the time of day of a
 * certificate's end matters less than the row staying one line). */
static bool rows_with_time(const status_view *v)
{
    size_t state_w = dw_width(_("expired")) > dw_width(_("valid")) ? dw_width(_("expired")) : dw_width(_("valid"));
    return 2 + KIND_W + 1 + 2 * (time_w(true) + 2) + DAYS_W + 2 + state_w <= v->columns;
}

/* A left-aligned cell of display width w and the gap after it. */
static void cell(FILE *f, const char *text, size_t w)
{
    dw_put_padded(f, text, w);
    fputs("  ", f);
}

/* Row text built for dw_fold: append, and pad to a display column (a
 * translated word may be wide). */
static void append(char *row, size_t cap, const char *text)
{
    size_t n = strlen(row);
    snprintf(row + n, cap - n, "%s", text);
}

static void pad_to(char *row, size_t cap, size_t col)
{
    size_t n = strlen(row);
    for (size_t w = dw_width(row); w < col && n + 1 < cap; w++)
        row[n++] = ' ';
    row[n] = '\0';
}

/* "  label        " then value folded under the value column. */
static void labelled(FILE *f, const status_view *v, const char *label, const char *value)
{
    fputs("  ", f);
    dw_put_padded(f, _(label), LABEL_W);
    dw_fold(f, value, VALUE_COL, VALUE_COL, v->columns, DW_BREAK_TEXT);
}

static void dn_line(FILE *f, const status_view *v, const char *label, const char *value, dw_breaks b)
{
    dw_pad(f, 0, 2 + KIND_W + 1);
    dw_put_padded(f, _(label), DN_LABEL_W);
    fputc(' ', f);
    dw_fold(f, value, DN_COL, DN_COL, v->columns, b);
}

static void print_cert(FILE *f, const status_view *v, int k, const jpki_record_cert *c)
{
    fputs("  ", f);
    dw_put_padded(f, _(cert_label[k]), KIND_W);
    fputc(' ', f);
    if (!c->present) {
        fputs(_("absent\n"), f);
        return;
    }
    if (!c->have_details) {
        char what[192];
        /* An English note of the record; shown translated when it is a
         * message of ours without arguments. */
        snprintf(what, sizeof what, _("present, details unavailable: %s"),
                 c->unavailable[0] ? _(c->unavailable) : _("not read"));
        dw_fold(f, what, 2 + KIND_W + 1, 2 + KIND_W + 1, v->columns, DW_BREAK_TEXT);
        return;
    }
    char nb[64], na[64];
    bool with_time = rows_with_time(v);
    jpki_time_format_human(c->not_before, with_time, nb, sizeof nb);
    jpki_time_format_human(c->not_after, with_time, na, sizeof na);
    cell(f, nb, time_w(with_time));
    cell(f, na, time_w(with_time));
    fprintf(f, "%*ld  ", DAYS_W, c->days_left);
    if (c->days_left < 0)
        cli_color_put(f, v->color, CLI_TONE_BAD, _("expired"));
    else
        cli_color_put(f, v->color, CLI_TONE_GOOD, _("valid"));
    fputc('\n', f);
    dn_line(f, v, N_("subject"), c->subject, DW_BREAK_DN);
    dn_line(f, v, N_("issuer"), c->issuer, DW_BREAK_DN);
    dn_line(f, v, N_("serial"), c->serial_hex, DW_BREAK_TEXT);
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
    fputs("  ", f);
    dw_put_padded(f, _("renewal"), KIND_W);
    fputc(' ', f);
    cell(f, _("opens"), 10);
    cell(f, _("expiry notice expected"), 24);
    cell(f, _("next until"), 10);
    fprintf(f, "%s\n", _("state"));
    for (int i = 0; i < 2; i++) {
        const jpki_record_window *w = &rec->window[kinds[i]];
        if (!w->known)
            continue;
        char notice[96], row[320];
        snprintf(notice, sizeof notice, _("%s to %s"), w->notice_from, w->notice_until);
        bool expired = rec->certs[kinds[i]].days_left < 0;
        const char *next = w->next_expiry[0] ? w->next_expiry : _("unknown");
        const char *state = !w->open ? _("not yet open") : expired ? _("open (expired: issued anew)") : _("open");
        snprintf(row, sizeof row, "%s", w->opens);
        pad_to(row, sizeof row, 10 + 2);
        append(row, sizeof row, notice);
        pad_to(row, sizeof row, 10 + 2 + 24 + 2);
        append(row, sizeof row, next);
        pad_to(row, sizeof row, 10 + 2 + 24 + 2 + 10 + 2);
        append(row, sizeof row, state);
        /* The columns fit 100; a narrower terminal folds the row's tail. */
        fputs("  ", f);
        dw_put_padded(f, _(cert_label[kinds[i]]), KIND_W);
        fputc(' ', f);
        dw_fold(f, row, 2 + KIND_W + 1, 2 + KIND_W + 1, v->columns, DW_BREAK_TEXT);
    }
}

static void print_card_line(FILE *f, const status_view *v, const jpki_record *rec)
{
    char line[256] = "";
    size_t n = 0;
    if (rec->serial[0])
        n += (size_t)snprintf(line + n, sizeof line - n, _("serial %s"), rec->serial);
    else
        n += (size_t)snprintf(line + n, sizeof line - n, "%s", _("serial unknown"));
    if (rec->municipality[0] && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, _(", municipality %s"), rec->municipality);
    if (rec->card_expiry[0] && n < sizeof line)
        snprintf(line + n, sizeof line - n, _(", card expires %s"), rec->card_expiry);
    labelled(f, v, N_("card"), line);
}

static void print_pins(FILE *f, const status_view *v, const jpki_record *rec)
{
    fputs("  ", f);
    dw_put_padded(f, _("PIN"), KIND_W);
    fputc(' ', f);
    dw_pad(f, dw_width(_("tries")), 5); /* right-aligned over the numbers */
    fprintf(f, "%s  ", _("tries"));
    dw_pad(f, dw_width(_("max")), 3);
    fprintf(f, "%s  ", _("max"));
    fprintf(f, "%s\n", _("state"));
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
            state = _("disabled (face card)"), tone = CLI_TONE_PLAIN;
        else if (p->blocked)
            state = _("BLOCKED"), tone = CLI_TONE_BLOCKED;
        else if (p->tries_left < 0)
            state = _("counter unreadable"), tone = CLI_TONE_BAD;
        else if (p->tries_left < p->max_tries)
            state = _("ok (some tries used)"), tone = CLI_TONE_WARN;
        else
            state = _("ok"), tone = CLI_TONE_GOOD;
        fputs("  ", f);
        dw_put_padded(f, _(pin_label[k]), KIND_W);
        fprintf(f, " %5s  %3d  ", tries, p->max_tries);
        cli_color_put(f, v->color, tone, state);
        fputc('\n', f);
    }
}

void status_print_table(FILE *f, const jpki_record *rec, const status_view *v)
{
    const char *reader_word = _("reader ");
    fputs(reader_word, f);
    dw_fold(f, rec->reader, dw_width(reader_word), VALUE_COL, v->columns, DW_BREAK_TEXT);
    if (!rec->card_present && !rec->has_error) {
        labelled(f, v, N_("card"), _("none (reader is empty)"));
        return;
    }
    if (rec->has_error) {
        char what[320];
        snprintf(what, sizeof what, "%s (%s)", rec->error[0] ? rec->error : rec->error_code,
                 rec->error_code);
        labelled(f, v, N_("error"), what);
    }
    if (rec->serial[0] || rec->atr_hex[0])
        print_card_line(f, v, rec);
    if (rec->birth[0])
        labelled(f, v, N_("born"), rec->birth);
    if (rec->atr_hex[0])
        labelled(f, v, N_("atr"), rec->atr_hex);
    if (rec->token[0])
        labelled(f, v, N_("token"), rec->token);
    if (rec->apps) {
        char apps[128] = "";
        for (int a = 1; a < (int)(sizeof app_label / sizeof app_label[0]); a++)
            if (rec->apps & (1u << a)) {
                if (apps[0])
                    strcat(apps, ", ");
                strcat(apps, app_label[a]);
            }
        labelled(f, v, N_("applications"), apps);
    }
    if (rec->card_present && !rec->has_error)
        labelled(f, v, N_("mode"), rec->mode == JPKI_MODE_FACE  ? _("face authentication (no PINs, no signature certificate)")
                                 : rec->mode == JPKI_MODE_PIN ? _("PIN")
                                                              : _("unknown"));
    /* The holder, as the signature certificate names them (read only with
     * the signature password). */
    const jpki_record_cert *sign = &rec->certs[JPKI_CERT_SIGN];
    if (sign->have_details && sign->name[0])
        labelled(f, v, N_("holder"), sign->name);
    if (sign->have_details && sign->address[0])
        labelled(f, v, N_("address"), sign->address);
    bool any_cert = false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        any_cert |= rec->certs[k].listed;
    if (any_cert) {
        fputs("  ", f);
        dw_put_padded(f, _("cert"), KIND_W);
        fputc(' ', f);
        bool with_time = rows_with_time(v);
        cell(f, _("not before"), time_w(with_time));
        cell(f, _("not after"), time_w(with_time));
        dw_pad(f, dw_width(_("days left")), DAYS_W); /* right-aligned over the numbers */
        fputs(_("days left"), f);
        fprintf(f, "  %s\n", _("state"));
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
