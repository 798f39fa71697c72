/* The tally behind jpki-expiry-check's exit code and summary line. */
#include <stdio.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "check.h"

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
    if (total == 0)
        return JPKI_EXPIRY_UNKNOWN;
    jpki_expiry worst = JPKI_EXPIRY_OK;
    for (int e = 0; e < 4; e++)
        if (c->n[e])
            worst = jpki_expiry_worst(worst, (jpki_expiry)e);
    return (int)worst;
}

const char *check_label(jpki_expiry e)
{
    switch (e) {
    /* TRANSLATORS: the first column of jpki-expiry-check's report; keep
     * the four the same width. */
    case JPKI_EXPIRY_OK: return _("ok      ");
    case JPKI_EXPIRY_EXPIRING: return _("expiring");
    case JPKI_EXPIRY_EXPIRED: return _("expired ");
    case JPKI_EXPIRY_UNKNOWN: break;
    }
    return _("unknown ");
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
    char now[64];
    jpki_time_format_human(c->now, true, now, sizeof now);
    fprintf(c->report, _("summary: %lu checked: %lu ok, %lu expiring, %lu expired, %lu unknown"),
            total, c->n[JPKI_EXPIRY_OK], c->n[JPKI_EXPIRY_EXPIRING], c->n[JPKI_EXPIRY_EXPIRED],
            c->n[JPKI_EXPIRY_UNKNOWN]);
    if (c->empty)
        fprintf(c->report, P_(" (%lu empty reader)", " (%lu empty readers)", c->empty), c->empty);
    if (c->input_error)
        fprintf(c->report, _("; input incomplete"));
    fprintf(c->report, _("; threshold %lld days from %s\n"), c->within / 86400, now);
}
