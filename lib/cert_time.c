/* Times as the tools print and accept them.  Machines get UTC:
 * "2025-03-31T14:59:59Z", "2025-03-31" (midnight) or "@1743433199"; --now
 * also takes "2025-03-31T23:59:59+09:00".  People get local time in their
 * language (jpki_time_format_human).  The one parse/format place: records
 * (jpki_record_time_*), --now and the report timestamps all come here.
 *
 * Leap seconds: POSIX time has none, so "...T23:59:60Z" is refused
 * everywhere rather than folded into :59 or the next minute; certificates
 * and cards never carry one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "time_internal.h"

void jpki_time_format(time_t t, char *buf, size_t n)
{
    struct tm tm;
    if (!buf || n == 0)
        return;
    /* %04d, not strftime's %Y: year 999 must come out as "0999" to parse
     * back; outside 0..9999 the epoch form is the only honest one. */
    if (gmtime_r(&t, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 9999 - 1900)
        snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(buf, n, "@%lld", (long long)t);
}

void jpki_time_format_human(time_t t, bool with_time, char *buf, size_t n)
{
    struct tm tm;
    if (!buf || n == 0)
        return;
    /* TRANSLATORS: strftime formats of dates shown to people (local time,
     * %Z the zone's abbreviation); %-m/%-d are the month and day without
     * a leading zero. */
    if (!localtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
        strftime(buf, n, with_time ? _("%Y-%m-%d %H:%M:%S %Z") : _("%Y-%m-%d"), &tm) == 0)
        jpki_time_format(t, buf, n); /* out of range or too long: the exact form */
}

/* Exactly w digits at s (no sign, no spaces). */
static bool num(const char *s, int w, int *out)
{
    int v = 0;
    for (int i = 0; i < w; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static jpki_rc parse_epoch(const char *s, time_t *out, jpki_error *err)
{
    const char *d = s + 1;
    if (*d == '-')
        d++;
    if (!*d || strspn(d, "0123456789") != strlen(d))
        return jpki_error_set(err, JPKI_ERR_FORMAT, "time '%.40s': '@' must be followed by seconds",
                              s);
    errno = 0;
    long long v = strtoll(s + 1, NULL, 10);
    if (errno == ERANGE)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "time '%.40s' is out of range", s);
    *out = (time_t)v;
    return JPKI_OK;
}

time_t time_utc_seconds(int y, int mo, int d, int h, int mi, int s)
{
    /* Days from 1970-01-01 by eras of 400 years, the year starting in
     * March so that the leap day comes last (H. Hinnant's days_from_civil). */
    long long yy = (long long)y - (mo <= 2);
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;
    long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    return (time_t)(days * 86400 + h * 3600LL + mi * 60LL + s);
}

time_form time_parse_calendar(const char *s, time_t *out)
{
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, se = 0;
    bool ok = (n == 10 || n == 20) && num(s, 4, &y) && s[4] == '-' && num(s + 5, 2, &mo) &&
              s[7] == '-' && num(s + 8, 2, &d);
    if (ok && n == 20)
        ok = s[10] == 'T' && num(s + 11, 2, &h) && s[13] == ':' && num(s + 14, 2, &mi) &&
             s[16] == ':' && num(s + 17, 2, &se) && s[19] == 'Z';
    if (!ok)
        return TIME_BAD_FORM;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
        return TIME_OUT_OF_RANGE;
    *out = time_utc_seconds(y, mo, d, h, mi, se);
    return n == 20 ? TIME_FULL : TIME_DATE_ONLY;
}

/* "YYYY-MM-DDTHH:MM:SS+HH:MM" / "-HH:MM": rewritten as the Z form and the
 * offset taken off, so the calendar rule stays the one above. */
static time_form parse_with_offset(const char *s, time_t *out)
{
    int oh, om;
    if (strlen(s) != 25 || (s[19] != '+' && s[19] != '-') || !num(s + 20, 2, &oh) || s[22] != ':' ||
        !num(s + 23, 2, &om))
        return TIME_BAD_FORM;
    if (oh > 23 || om > 59)
        return TIME_OUT_OF_RANGE;
    char z[21];
    memcpy(z, s, 19);
    z[19] = 'Z';
    z[20] = '\0';
    time_form f = time_parse_calendar(z, out);
    if (f == TIME_FULL)
        *out -= (s[19] == '+' ? 1 : -1) * (time_t)(oh * 3600 + om * 60);
    return f;
}

jpki_rc jpki_time_parse(const char *s, time_t *out, jpki_error *err)
{
    if (!s || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "time: missing argument");
    if (s[0] == '@')
        return parse_epoch(s, out, err);
    time_form f = time_parse_calendar(s, out);
    if (f == TIME_BAD_FORM)
        f = parse_with_offset(s, out);
    switch (f) {
    case TIME_BAD_FORM:
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "time '%.40s': use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, "
                              "YYYY-MM-DDTHH:MM:SS+09:00 or @SECONDS", s);
    case TIME_OUT_OF_RANGE:
        return jpki_error_set(err, JPKI_ERR_FORMAT, "time '%.40s' is not a valid date/time", s);
    default:
        return JPKI_OK;
    }
}
