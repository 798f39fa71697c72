/* White-box test of lib's calendar (time_internal.h): the formula that
 * replaced timegm in certificate parsing and jpki_time_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../time_internal.h"

/* The calendar formula gives timegm's answer on every valid date (it
 * replaced timegm in certificate parsing). */
static void utc_seconds_match_timegm(void **state)
{
    (void)state;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int y = 1; y <= 9999; y += (y < 1890 || y > 2110) ? 13 : 1)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= mdays[m - 1]; d += (d < 27 ? 9 : 1)) {
                bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                if (m == 2 && d == 29 && !leap)
                    continue;
                struct tm tm;
                memset(&tm, 0, sizeof tm);
                tm.tm_year = y - 1900;
                tm.tm_mon = m - 1;
                tm.tm_mday = d;
                tm.tm_hour = 23;
                tm.tm_min = 59;
                tm.tm_sec = 59;
                assert_int_equal(time_utc_seconds(y, m, d, 23, 59, 59), timegm(&tm));
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utc_seconds_match_timegm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
