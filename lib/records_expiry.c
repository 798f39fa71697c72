/* Expiry decisions shared by jpki-expiry-check and jpki-renew --batch:
 * one threshold rule, one "worst of" order, one duration syntax. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private/i18n.h"
#include "records_internal.h"

const char *jpki_expiry_name(jpki_expiry e)
{
    switch (e) {
    case JPKI_EXPIRY_OK: return N_("ok"); /* words; translated where shown */
    case JPKI_EXPIRY_EXPIRING: return N_("expiring");
    case JPKI_EXPIRY_EXPIRED: return N_("expired");
    case JPKI_EXPIRY_UNKNOWN: break;
    }
    return N_("unknown");
}

/* Severity as monitoring systems aggregate it (CRITICAL > WARNING >
 * UNKNOWN > OK): a known problem outranks a card that could not be read,
 * and an unreadable card is never reported as fine. */
static int severity(jpki_expiry e)
{
    switch (e) {
    case JPKI_EXPIRY_OK: return 0;
    case JPKI_EXPIRY_UNKNOWN: return 1;
    case JPKI_EXPIRY_EXPIRING: return 2;
    case JPKI_EXPIRY_EXPIRED: return 3;
    }
    return 1;
}

jpki_expiry jpki_expiry_worst(jpki_expiry a, jpki_expiry b)
{
    return severity(a) >= severity(b) ? a : b;
}

jpki_expiry jpki_expiry_classify(time_t not_after, time_t now, long long within)
{
    /* notAfter is the last valid second (RFC 5280: inclusive). */
    if ((long long)now > (long long)not_after)
        return JPKI_EXPIRY_EXPIRED;
    if ((long long)not_after - (long long)now < within)
        return JPKI_EXPIRY_EXPIRING;
    return JPKI_EXPIRY_OK;
}

jpki_rc jpki_duration_parse(const char *s, long long *seconds, jpki_error *err)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return jpki_error_set(err, JPKI_ERR_ARG, "bad duration \"%s\" (e.g. 90d, 12w, 3m, 1y)",
                              s ? s : "");
    errno = 0;
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    long long unit_days;
    if (*end == '\0' || strcmp(end, "d") == 0)
        unit_days = 1;
    else if (strcmp(end, "w") == 0)
        unit_days = 7;
    else if (strcmp(end, "m") == 0)
        unit_days = 30;
    else if (strcmp(end, "y") == 0)
        unit_days = 365;
    else
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "bad duration \"%s\": unit must be d, w, m (30 days) or y (365 days)", s);
    /* 100 years is far beyond any certificate and keeps the sums small. */
    if (errno || n > 36500 || (long long)n * unit_days > 36500)
        return jpki_error_set(err, JPKI_ERR_ARG, "duration \"%s\" is too long (at most 100 years)", s);
    *seconds = (long long)n * unit_days * 86400;
    return JPKI_OK;
}

jpki_expiry jpki_record_expiry(jpki_record *rec, unsigned kinds, bool strict, time_t now,
                               long long within)
{
    rec->renew = 0;
    if (!rec->card_present || rec->has_error)
        return JPKI_EXPIRY_UNKNOWN;
    jpki_expiry worst = JPKI_EXPIRY_OK;
    int checked = 0;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++) {
        if (!(kinds & (1u << k)))
            continue;
        const jpki_record_cert *c = &rec->certs[k];
        if (!c->listed || !c->present) {
            /* Asked for explicitly but the card has none: cannot answer. */
            if (strict)
                worst = jpki_expiry_worst(worst, JPKI_EXPIRY_UNKNOWN);
            continue;
        }
        if (!c->have_details) {
            if (strict)
                worst = jpki_expiry_worst(worst, JPKI_EXPIRY_UNKNOWN);
            continue;
        }
        jpki_expiry e = jpki_expiry_classify(c->not_after, now, within);
        if (e == JPKI_EXPIRY_EXPIRING || e == JPKI_EXPIRY_EXPIRED)
            rec->renew |= 1u << k;
        worst = jpki_expiry_worst(worst, e);
        checked++;
    }
    return checked ? worst : JPKI_EXPIRY_UNKNOWN;
}
