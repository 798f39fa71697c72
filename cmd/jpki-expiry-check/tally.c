/* The tally behind jpki-expiry-check's exit code and summary line. */
#include <stdio.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "check.h"
#include "color.h"
#include "display_width.h"

/* The result words fill a column this wide (and a space). */
#define LABEL_W 8

void check_count(check_ctx *c, jpki_expiry e)
{
    c->n[e]++;
}

int check_exit_code(const check_ctx *c)
{
    /* A broken stream means some entries were never looked at. */
    if (c->input_error)
        return JPKI_EXPIRY_UNKNOWN;
    unsigned long total = c->n[0] + c->n[1] + c->n[2] + c->n[3];
    if (total == 0) /* --renewable and none open yet: nothing to do */
        return c->not_renewable ? JPKI_EXPIRY_OK : JPKI_EXPIRY_UNKNOWN;
    jpki_expiry worst = JPKI_EXPIRY_OK;
    for (int e = 0; e < 4; e++)
        if (c->n[e])
            worst = jpki_expiry_worst(worst, (jpki_expiry)e);
    return (int)worst;
}

void check_report(const check_ctx *c, int e, const char *text)
{
    static const struct {
        const char *word;
        cli_tone tone;
    /* TRANSLATORS: the first column of jpki-expiry-check's report (the
     * column is as wide as the widest word, by display width). */
    } labels[] = {[JPKI_EXPIRY_OK] = {N_("ok"), CLI_TONE_GOOD},
                  [JPKI_EXPIRY_EXPIRING] = {N_("expiring"), CLI_TONE_WARN},
                  [JPKI_EXPIRY_EXPIRED] = {N_("expired"), CLI_TONE_BAD},
                  [JPKI_EXPIRY_UNKNOWN] = {N_("unknown"), CLI_TONE_PLAIN},
                  [CHECK_NO_CARD] = {N_("no card"), CLI_TONE_PLAIN}};
    if (e < 0 || e > CHECK_NO_CARD)
        e = JPKI_EXPIRY_UNKNOWN;
    const char *word = _(labels[e].word);
    cli_color_put(c->report, c->color, labels[e].tone, word);
    dw_pad(c->report, dw_width(word), LABEL_W);
    fputc(' ', c->report);
    dw_fold(c->report, text, LABEL_W + 1, LABEL_W + 1, c->columns, DW_BREAK_TEXT);
    /* Records may trickle in (jpki-status --watch | ...): each line goes
     * out as its card is checked, not when a buffer fills. */
    fflush(c->report);
}

void check_days_text(time_t not_after, time_t now, char *buf, size_t n)
{
    long long d = (long long)not_after - (long long)now;
    if (d < 0) {
        long long ago = (-d + 86399) / 86400; /* started days, as people count */
        snprintf(buf, n, P_("expired %lld day ago", "expired %lld days ago", ago), ago);
    } else {
        long long left = d / 86400;
        if (left == 0)
            snprintf(buf, n, _("expires within a day"));
        else
            snprintf(buf, n, P_("%lld day left", "%lld days left", left), left);
    }
}

void check_summary(const check_ctx *c)
{
    unsigned long total = c->n[0] + c->n[1] + c->n[2] + c->n[3];
    char now[64], line[512];
    size_t n = 0;
    jpki_time_format_human(c->now, true, now, sizeof now);
    n += (size_t)snprintf(line, sizeof line, _("summary: %lu checked: %lu ok, %lu expiring, %lu expired, %lu unknown"),
                          total, c->n[JPKI_EXPIRY_OK], c->n[JPKI_EXPIRY_EXPIRING], c->n[JPKI_EXPIRY_EXPIRED],
                          c->n[JPKI_EXPIRY_UNKNOWN]);
    if (c->empty && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n,
                              P_(" (%lu empty reader)", " (%lu empty readers)", c->empty), c->empty);
    if (c->renewable && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, _("; %lu not renewable yet"), c->not_renewable);
    if (c->input_error && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s", _("; input incomplete"));
    if (n < sizeof line)
        snprintf(line + n, sizeof line - n, _("; threshold %lld days from %s"), c->within / 86400, now);
    dw_fold(c->report, line, 0, LABEL_W + 1, c->columns, DW_BREAK_TEXT);
}
