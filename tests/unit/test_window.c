/* The renewal window (lib/records_window.c) against the three sample
 * personas' notice dates, month ends, 29 February, the card-expiry cap,
 * and "unknown, never a guess" without a birth date or card expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/cert.h"
#include "jpki/records.h"

static time_t at(const char *s)
{
    time_t t = 0;
    assert_int_equal(jpki_time_parse(s, &t, NULL), JPKI_OK);
    return t;
}

/* A record with one auth certificate ending on not_after. */
static void persona(jpki_record *r, const char *not_after, const char *birth, const char *card_expiry)
{
    jpki_record_init(r);
    r->card_present = true;
    jpki_record_cert_fill(&r->certs[JPKI_CERT_AUTH], "C=JP, CN=x", "C=JP, O=JPKI", "01", 0,
                          at(not_after), 0);
    snprintf(r->birth, sizeof r->birth, "%s", birth);
    snprintf(r->card_expiry, sizeof r->card_expiry, "%s", card_expiry);
}

static void hanako(void **state)
{
    (void)state;
    jpki_record r;
    /* notAfter 2025-03-31 23:59:59 JST; born 1989-03-31; card to 2030-03-31 */
    persona(&r, "2025-03-31T14:59:59Z", "1989-03-31", "2030-03-31");
    jpki_record_window_fill(&r, at("2024-12-31T14:59:59Z")); /* 2024-12-31 23:59:59 JST */
    const jpki_record_window *w = &r.window[JPKI_CERT_AUTH];
    assert_true(w->known);
    assert_string_equal(w->expiry_day, "2025-03-31");
    assert_string_equal(w->opens, "2025-01-01");
    assert_false(w->open); /* the last day before it opens, in Japan */
    assert_string_equal(w->notice_from, "2024-12-31");
    assert_string_equal(w->notice_until, "2025-01-31");
    assert_string_equal(w->next_expiry, "2029-03-31"); /* issued on 2025-01-01 */
    jpki_record_window_fill(&r, at("2024-12-31T15:00:00Z")); /* 2025-01-01 00:00 JST */
    assert_true(r.window[JPKI_CERT_AUTH].open);
    assert_false(r.window[JPKI_CERT_SIGN].known); /* no details: no window */
    assert_false(r.window[JPKI_CERT_AUTH_CA].known);
}

static void taro(void **state)
{
    (void)state;
    jpki_record r;
    persona(&r, "2025-04-10T14:59:59Z", "19890410", "2030-04-10");
    jpki_record_window_fill(&r, at("2025-03-01"));
    const jpki_record_window *w = &r.window[JPKI_CERT_AUTH];
    assert_string_equal(w->opens, "2025-01-11");
    assert_true(w->open);
    assert_string_equal(w->notice_from, "2025-01-10");
    assert_string_equal(w->notice_until, "2025-02-10");
    assert_string_equal(w->next_expiry, "2029-04-10");
}

static void ichiko_expired_and_capped(void **state)
{
    (void)state;
    jpki_record r;
    /* issued 2018-06-01, ends 2023-05-10; the card itself ends 2028-05-10 */
    persona(&r, "2023-05-10T14:59:59Z", "2008-05-10", "2028-05-10");
    jpki_record_window_fill(&r, at("2025-01-01"));
    const jpki_record_window *w = &r.window[JPKI_CERT_AUTH];
    assert_string_equal(w->opens, "2023-02-11");
    assert_true(w->open); /* expired: issued anew at the counter */
    assert_string_equal(w->notice_from, "2023-02-10");
    assert_string_equal(w->notice_until, "2023-03-10");
    /* 5th birthday after 2025-01-01 is 2029-05-10: the card ends first */
    assert_string_equal(w->next_expiry, "2028-05-10");
}

static void month_ends_and_leap_days(void **state)
{
    (void)state;
    jpki_record r;
    /* 31 May: three months before is "31 February" -> 28 February */
    persona(&r, "2027-05-31T14:59:59Z", "2000-02-29", "2035-01-01");
    jpki_record_window_fill(&r, at("2027-01-01"));
    const jpki_record_window *w = &r.window[JPKI_CERT_AUTH];
    assert_string_equal(w->opens, "2027-03-01");
    assert_string_equal(w->notice_from, "2027-02-28");
    assert_string_equal(w->notice_until, "2027-03-31");
    /* born 29 February: issued 2027-03-01, first birthday 2028-02-29,
     * 5th 2032-02-29 (a leap year) */
    assert_string_equal(w->next_expiry, "2032-02-29");
    char out[11];
    assert_int_equal(jpki_fifth_birthday("2020-03-31", "19890331", out, NULL), JPKI_OK);
    assert_string_equal(out, "2025-03-31"); /* issued on the birthday: it does not count */
    assert_int_equal(jpki_fifth_birthday("2021-01-01", "2000-02-29", out, NULL), JPKI_OK);
    assert_string_equal(out, "2025-02-28");
    assert_int_equal(jpki_fifth_birthday("2021-02-30", "2000-02-29", out, NULL), JPKI_ERR_FORMAT);
    assert_int_equal(jpki_fifth_birthday("2021-01-01", "20001301", out, NULL), JPKI_ERR_FORMAT);
}

static void unknown_is_never_guessed(void **state)
{
    (void)state;
    jpki_record r;
    persona(&r, "2025-03-31T14:59:59Z", "", "2030-03-31");
    jpki_record_window_fill(&r, at("2025-01-15"));
    assert_true(r.window[JPKI_CERT_AUTH].known);
    assert_string_equal(r.window[JPKI_CERT_AUTH].next_expiry, "");
    persona(&r, "2025-03-31T14:59:59Z", "1989-03-31", "");
    jpki_record_window_fill(&r, at("2025-01-15"));
    assert_string_equal(r.window[JPKI_CERT_AUTH].next_expiry, ""); /* the card's end could cap it */
}

static void records_carry_the_window(void **state)
{
    (void)state;
    jpki_record r, back;
    persona(&r, "2025-03-31T14:59:59Z", "1989-03-31", "2030-03-31");
    r.checked_at = at("2025-01-15");
    jpki_record_window_fill(&r, r.checked_at);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(jpki_record_encode(&r, JPKI_RECORD_JSON, false, &out, &len, NULL), JPKI_OK);
    const char *want = "\"renewal_opens\":\"2025-01-01\",\"renewal_open\":true,"
                       "\"notice_from\":\"2024-12-31\",\"notice_until\":\"2025-01-31\","
                       "\"next_not_after\":\"2029-03-31\"}";
    assert_non_null(memmem(out, len, want, strlen(want)));
    assert_non_null(memmem(out, len, "\"birth\":\"1989-03-31\"", 20));
    jpki_record_init(&back);
    assert_int_equal(jpki_record_decode(out, len, JPKI_RECORD_JSON, &back, NULL), JPKI_OK);
    assert_string_equal(back.birth, "1989-03-31");
    assert_string_equal(back.window[JPKI_CERT_AUTH].next_expiry, "2029-03-31");
    free(out);
    /* a birth date that is no day is refused */
    const char *bad = "{\"record\":\"jpki-card-status\",\"version\":1,\"reader\":\"r\",\"card\":true,"
                      "\"birth\":\"1989-02-30\"}";
    assert_int_equal(jpki_record_decode((const uint8_t *)bad, strlen(bad), JPKI_RECORD_JSON, &back, NULL),
                     JPKI_ERR_FORMAT);
    jpki_record_clear(&back);
    jpki_record_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hanako),
        cmocka_unit_test(taro),
        cmocka_unit_test(ichiko_expired_and_capped),
        cmocka_unit_test(month_ends_and_leap_days),
        cmocka_unit_test(unknown_is_never_guessed),
        cmocka_unit_test(records_carry_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
