/* The tally behind jpki-expiry-check's exit code and summary line. */
#include <stdio.h>

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
    if (total == 0) /* --renewable and none open yet: nothing to do */
        return c->not_renewable ? JPKI_EXPIRY_OK : JPKI_EXPIRY_UNKNOWN;
    jpki_expiry worst = JPKI_EXPIRY_OK;
    for (int e = 0; e < 4; e++)
        if (c->n[e])
            worst = jpki_expiry_worst(worst, (jpki_expiry)e);
    return (int)worst;
}

const char *check_label(jpki_expiry e)
{
    switch (e) {
    case JPKI_EXPIRY_OK: return "ok      ";
    case JPKI_EXPIRY_EXPIRING: return "expiring";
    case JPKI_EXPIRY_EXPIRED: return "expired ";
    case JPKI_EXPIRY_UNKNOWN: break;
    }
    return "unknown ";
}

void check_days_text(time_t not_after, time_t now, char *buf, size_t n)
{
    long long d = (long long)not_after - (long long)now;
    if (d < 0) {
        long long ago = (-d + 86399) / 86400; /* started days, as people count */
        snprintf(buf, n, "expired %lld day%s ago", ago, ago == 1 ? "" : "s");
    } else {
        long long left = d / 86400;
        if (left == 0)
            snprintf(buf, n, "expires within a day");
        else
            snprintf(buf, n, "%lld day%s left", left, left == 1 ? "" : "s");
    }
}

void check_summary(const check_ctx *c)
{
    unsigned long total = c->n[0] + c->n[1] + c->n[2] + c->n[3];
    char now[32];
    jpki_record_time_format(c->now, now);
    fprintf(c->report, "summary: %lu checked: %lu ok, %lu expiring, %lu expired, %lu unknown",
            total, c->n[JPKI_EXPIRY_OK], c->n[JPKI_EXPIRY_EXPIRING], c->n[JPKI_EXPIRY_EXPIRED],
            c->n[JPKI_EXPIRY_UNKNOWN]);
    if (c->empty)
        fprintf(c->report, " (%lu empty reader%s)", c->empty, c->empty == 1 ? "" : "s");
    if (c->renewable)
        fprintf(c->report, "; %lu not renewable yet", c->not_renewable);
    if (c->input_error)
        fprintf(c->report, "; input incomplete");
    fprintf(c->report, "; threshold %lld days from %s\n", c->within / 86400, now);
}
