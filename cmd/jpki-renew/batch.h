/* --batch: renew a list of cards, one thread per reader, all readers at
 * once, with one journal shared by the threads. */
#ifndef JPKI_RENEW_BATCH_H
#define JPKI_RENEW_BATCH_H

#include <stdio.h>

#include "cli.h"
#include "flow.h"

typedef struct batch_card {
    char reader[256];
    char serial[32];   /* the card expected in that reader ("" = any) */
    unsigned kinds;    /* KIND_BIT set; 0 = the flow's default */
    unsigned not_due;  /* KIND_BIT: on the card, and the record says not due */
    unsigned declined; /* KIND_BIT set the PIN map declines with '-': not renewed */
} batch_card;

/* Cards to renew from jpki-status / jpki-expiry-check records on in.
 * Records for empty readers are left out; a record's "renew" set, when
 * present, chooses the keys (restricted to default_kinds when the user
 * named --cert).  *cards is malloc'd. */
jpki_rc batch_read_input(FILE *in, unsigned default_kinds, bool kinds_explicit,
                         batch_card **cards, size_t *n, jpki_error *err);

typedef struct batch_opts {
    flow_opts flow;     /* mode MODE_RENEW; journal, CA, PIN map, issuer key */
    cli_common *cc;     /* --reader is ignored; --trace/--trace-file per card */
    bool show_progress; /* stderr is a terminal */
    bool color;         /* colour the outcome words of the summary (--color) */
    const char *prog;
    const char *summary_json; /* --summary-json FILE, or NULL (summary.h) */
} batch_opts;

/* Run the batch; prints one summary line per card and a totals line to out
 * (and the JSON summary to bo->summary_json: one that cannot be written is
 * reported and makes the exit code at least CLI_EXIT_FAIL).
 * Returns the exit code: 0 all renewed or skipped, CLI_EXIT_PARTIAL some
 * failed, CLI_EXIT_FAIL all failed (or nothing to do because of an error). */
int batch_run(batch_opts *bo, const batch_card *cards, size_t n, FILE *out);

#endif
