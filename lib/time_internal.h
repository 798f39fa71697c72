/* The calendar half of jpki_time_parse (cert_time.c), for parsers that
 * accept only some of its forms and word their own errors (records). */
#ifndef JPKI_TIME_INTERNAL_H
#define JPKI_TIME_INTERNAL_H

#include <time.h>

typedef enum time_form {
    TIME_BAD_FORM,     /* not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ */
    TIME_OUT_OF_RANGE, /* right shape, no such date/time (second 60 included) */
    TIME_DATE_ONLY,    /* YYYY-MM-DD, midnight UTC */
    TIME_FULL          /* YYYY-MM-DDTHH:MM:SSZ */
} time_form;

/* Seconds since the epoch of a valid UTC calendar time (proleptic
 * Gregorian, any year): timegm's answer without its normalising and time
 * zone machinery, which was a twentieth of checking a certificate stream. */
time_t time_utc_seconds(int y, int mo, int d, int h, int mi, int s);

/* *out is set only for TIME_DATE_ONLY and TIME_FULL. */
time_form time_parse_calendar(const char *s, time_t *out);

#endif
