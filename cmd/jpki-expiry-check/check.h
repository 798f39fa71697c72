/* jpki-expiry-check internals: the check settings, the tally that decides
 * the exit code, and the three kinds of source (card, record stream,
 * certificate stream). */
#ifndef JPKI_EXPIRY_CHECK_H
#define JPKI_EXPIRY_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "jpki/jpki.h"
#include "jpki/records.h"

#define PROG "jpki-expiry-check"

typedef struct check_ctx {
    time_t now;
    long long within;     /* seconds */
    unsigned kinds;       /* bit per jpki_cert_kind to look at (records, card) */
    bool strict;          /* one kind asked for explicitly */
    bool filter;          /* pass entries needing renewal to stdout */
    bool quiet;           /* no per-entry lines */
    bool renewable;       /* --renewable: only cards whose renewal is open */
    FILE *report;         /* where the per-entry lines and the summary go */
    size_t columns;       /* report lines are folded to this width */
    bool color;           /* colour the result words of the report lines */
    /* tally */
    unsigned long n[4];   /* by jpki_expiry */
    unsigned long empty;  /* readers without a card */
    unsigned long not_renewable; /* --renewable: cards left out */
    bool input_error;     /* the stream was malformed or unreadable */
} check_ctx;

/* Count one checked entry. */
void check_count(check_ctx *c, jpki_expiry e);
/* Exit code from the tally (see EXIT STATUS in the man page). */
int check_exit_code(const check_ctx *c);
void check_summary(const check_ctx *c);

/* One report line: the result word ("ok", "expiring", ..., "no card"),
 * coloured by e (JPKI_EXPIRY_UNKNOWN + 1: plain), in a fixed column, then
 * text folded to c->columns under its own column. */
void check_report(const check_ctx *c, int e, const char *text);
#define CHECK_NO_CARD (JPKI_EXPIRY_UNKNOWN + 1)
/* "29 days left", "expires today", "expired 3 days ago" */
void check_days_text(time_t not_after, time_t now, char *buf, size_t n);

/* Report one record (and pass it on with --filter, in fmt). */
void check_record(check_ctx *c, jpki_record *rec, jpki_record_format fmt);

/* Fill rec from the card behind t with only what the check needs (see
 * card_in.c); failures land in rec->error. */
void check_card_read(jpki_transport *t, const check_ctx *c, jpki_record *rec);

/* Streams on in: first byte(s) already read are in prefix. */
void check_record_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen);
void check_der_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen);
void check_pem_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen);

#endif
