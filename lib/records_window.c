/* The renewal window around a user certificate, as municipal counters and
 * J-LIS practise it (NOTES: counter practice around expiry):
 *   - a certificate ends on a day in Japan (notAfter 23:59:59 JST);
 *   - renewal is accepted from the day after the date three months before
 *     that day (a month without that date: its last day);
 *   - J-LIS mails the expiry notice about two to three months before;
 *   - a new certificate runs to the holder's 5th birthday after issuance,
 *     or to the card's own expiry if that comes first.
 * Every date here is a Japanese civil day. */
#include <stdio.h>
#include <string.h>

#include "records_internal.h"
#include "time_internal.h"

#define JST_OFFSET (9 * 3600)

typedef struct civil_day {
    int y, m, d;
} civil_day;

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static civil_day day_in_japan(time_t t)
{
    time_t j = t + JST_OFFSET;
    struct tm tm;
    gmtime_r(&j, &tm);
    return (civil_day){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* "YYYY-MM-DD" or "YYYYMMDD", the calendar checked by the library's one
 * rule (time_parse_calendar). */
static bool day_parse(const char *s, civil_day *out)
{
    char iso[11];
    size_t n = s ? strlen(s) : 0;
    if (n == 8 && strspn(s, "0123456789") == 8)
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
    else if (n == 10)
        memcpy(iso, s, sizeof iso);
    else
        return false;
    time_t t;
    if (time_parse_calendar(iso, &t) != TIME_DATE_ONLY)
        return false;
    struct tm tm;
    gmtime_r(&t, &tm);
    *out = (civil_day){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return true;
}

static void day_format(civil_day d, char out[11])
{
    /* Fields bounded so the compiler can see the 10 characters. */
    unsigned y = (unsigned)d.y % 10000u, m = (unsigned)d.m % 100u, dd = (unsigned)d.d % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, dd);
}

static int day_cmp(civil_day a, civil_day b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}

/* The same date n months earlier; a month too short for it gives its last day. */
static civil_day months_before(civil_day d, int n)
{
    int idx = d.y * 12 + (d.m - 1) - n;
    civil_day r = {idx / 12, idx % 12 + 1, d.d};
    if (r.d > month_days(r.y, r.m))
        r.d = month_days(r.y, r.m);
    return r;
}

static civil_day next_day(civil_day d)
{
    if (++d.d > month_days(d.y, d.m)) {
        d.d = 1;
        if (++d.m > 12) {
            d.m = 1;
            d.y++;
        }
    }
    return d;
}

static civil_day birthday_in(int year, civil_day birth)
{
    civil_day b = {year, birth.m, birth.d};
    if (b.m == 2 && b.d == 29 && !is_leap(year))
        b.d = 28;
    return b;
}

/* Issued on a birthday: that birthday is not "after issuance". */
static civil_day fifth_birthday(civil_day issued, civil_day birth)
{
    civil_day first = birthday_in(issued.y, birth);
    if (day_cmp(first, issued) <= 0)
        first = birthday_in(issued.y + 1, birth);
    return birthday_in(first.y + 4, birth);
}

jpki_rc jpki_fifth_birthday(const char *issued, const char *birth, char out[11], jpki_error *err)
{
    civil_day i, b;
    if (!out)
        return jpki_error_set(err, JPKI_ERR_ARG, "fifth birthday: missing argument");
    if (!day_parse(issued, &i))
        return jpki_error_set(err, JPKI_ERR_FORMAT, "'%.40s' is not a day (YYYY-MM-DD)", issued ? issued : "");
    if (!day_parse(birth, &b))
        return jpki_error_set(err, JPKI_ERR_FORMAT, "birth date '%.40s' is not a day (YYYY-MM-DD)",
                              birth ? birth : "");
    day_format(fifth_birthday(i, b), out);
    return JPKI_OK;
}

static void fill_one(jpki_record_window *w, time_t not_after, const jpki_record *rec, time_t now)
{
    memset(w, 0, sizeof *w);
    w->known = true;
    civil_day end = day_in_japan(not_after), today = day_in_japan(now);
    civil_day opens = next_day(months_before(end, 3));
    day_format(end, w->expiry_day);
    day_format(opens, w->opens);
    day_format(months_before(end, 3), w->notice_from);
    day_format(months_before(end, 2), w->notice_until);
    w->open = day_cmp(today, opens) >= 0;
    civil_day birth, card_end;
    if (day_parse(rec->birth, &birth) && day_parse(rec->card_expiry, &card_end)) {
        civil_day issue = day_cmp(today, opens) > 0 ? today : opens;
        civil_day next = fifth_birthday(issue, birth);
        day_format(day_cmp(card_end, next) < 0 ? card_end : next, w->next_expiry);
    }
}

void jpki_record_window_fill(jpki_record *rec, time_t now)
{
    if (!rec)
        return;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++) {
        const jpki_record_cert *c = &rec->certs[k];
        bool user_cert = k == JPKI_CERT_AUTH || k == JPKI_CERT_SIGN;
        if (user_cert && c->listed && c->present && c->have_details)
            fill_one(&rec->window[k], c->not_after, rec, now);
        else
            memset(&rec->window[k], 0, sizeof rec->window[k]);
    }
}
