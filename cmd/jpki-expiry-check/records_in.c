/* Checking card-status records (from jpki-status, or the card itself):
 * one report line per card; with --filter the records that need renewal
 * go to stdout again, in the format they came in, with their "renew" list
 * filled in for jpki-renew --batch. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "check.h"
#include "cli.h"

/* Text from a record may come from anywhere: never let control characters
 * reach the terminal. */
static void append_clean(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        jpki_text_safe(s, buf + n, cap - n);
}

static void appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static void describe_card(char *line, size_t cap, const jpki_record *rec)
{
    append_clean(line, cap, rec->reader[0] ? rec->reader : _("(no reader name)"));
    if (rec->serial[0]) {
        appendf(line, cap, _(" [card "));
        append_clean(line, cap, rec->serial);
        appendf(line, cap, "]");
    }
    appendf(line, cap, ":");
}

/* ", renewal open since D" / ", renewal opens D", the notice and the
 * next certificate's end (see jpki-records(5), RENEWAL WINDOW). */
static void append_window(char *line, size_t cap, const jpki_record_window *w)
{
    if (!w->known)
        return;
    appendf(line, cap, _(", renewal %s %s, notice %s to %s, next until %s"),
            w->open ? _("open since") : _("opens"), w->opens, w->notice_from, w->notice_until,
            w->next_expiry[0] ? w->next_expiry : _("unknown"));
}

void check_record(check_ctx *c, jpki_record *rec, jpki_record_format fmt)
{
    char line[2048] = "";
    if (!rec->card_present && !rec->has_error) {
        c->empty++;
        if (!c->quiet) {
            describe_card(line, sizeof line, rec);
            appendf(line, sizeof line, _(" no card in the reader"));
            check_report(c, CHECK_NO_CARD, line);
        }
        return;
    }
    /* The window as of --now, not as of when the record was written. */
    jpki_record_window_fill(rec, c->now);
    unsigned open = 0;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        if ((c->kinds & (1u << k)) && rec->window[k].known && rec->window[k].open)
            open |= 1u << k;
    /* --renewable: a card read in full whose renewal is not open yet is
     * left out; one that could not be read is still reported (unknown). */
    if (c->renewable && !open && !rec->has_error) {
        c->not_renewable++;
        return;
    }
    jpki_expiry e = jpki_record_expiry(rec, c->kinds, c->strict, c->now, c->within);
    if (c->renewable)
        rec->renew = open; /* what jpki-renew --batch should renew now */
    check_count(c, e);
    if (!c->quiet) {
        describe_card(line, sizeof line, rec);
        if (rec->has_error) {
            appendf(line, sizeof line, _(" could not read the card: "));
            append_clean(line, sizeof line, rec->error[0] ? _(rec->error) : rec->error_code);
        }
        const char *sep = " ";
        for (int k = 0; k < JPKI_RECORD_CERTS && !rec->has_error; k++) {
            if (!(c->kinds & (1u << k)))
                continue;
            const jpki_record_cert *rc = &rec->certs[k];
            const char *name = k == JPKI_CERT_AUTH ? _("auth") : k == JPKI_CERT_SIGN ? _("sign")
                             : k == JPKI_CERT_AUTH_CA ? _("auth-ca") : _("sign-ca");
            appendf(line, sizeof line, "%s%s ", sep, name);
            sep = "; ";
            if (!rc->listed || !rc->present) {
                appendf(line, sizeof line, _("absent"));
            } else if (!rc->have_details) {
                appendf(line, sizeof line, _("not checked: "));
                append_clean(line, sizeof line, rc->unavailable[0] ? _(rc->unavailable) : _("no details"));
            } else {
                char when[64], days[48];
                jpki_time_format_human(rc->not_after, true, when, sizeof when);
                check_days_text(rc->not_after, c->now, days, sizeof days);
                appendf(line, sizeof line, _("%s, not after %s, %s"),
                        _(jpki_expiry_name(jpki_expiry_classify(rc->not_after, c->now, c->within))), when,
                        days);
                append_window(line, sizeof line, &rec->window[k]);
            }
        }
        if (!rec->has_error && rec->card_expiry[0]) {
            appendf(line, sizeof line, "%s", _("; card expires "));
            append_clean(line, sizeof line, rec->card_expiry);
        }
        check_report(c, e, line);
    }
    if (c->filter && rec->renew) {
        /* The record's members say "as of checked" (jpki-records(5)):
         * its window goes on as of then, the decision above was --now's. */
        jpki_record_window_fill(rec, rec->checked_at);
        jpki_error err;
        jpki_error_clear(&err);
        if (jpki_record_write(stdout, rec, fmt, true, &err) != JPKI_OK) {
            cli_report(PROG, &err);
            c->input_error = true;
        }
    }
}

void check_record_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen)
{
    jpki_record_reader *rd;
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_record_reader_new(in, prefix, plen, &rd, &err) != JPKI_OK) {
        cli_report(PROG, &err);
        c->input_error = true;
        return;
    }
    jpki_record rec;
    jpki_record_init(&rec);
    for (;;) {
        bool got;
        if (jpki_record_read_next(rd, &rec, &got, &err) != JPKI_OK) {
            cli_report(PROG, &err);
            c->input_error = true;
            break;
        }
        if (!got)
            break;
        check_record(c, &rec, jpki_record_reader_format(rd));
    }
    jpki_record_clear(&rec);
    jpki_record_reader_free(rd);
}
