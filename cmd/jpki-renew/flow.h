/* One card's renewal as jpki-renew runs it: the library's renewal engine
 * (jpki_renew_card, jpki/renew.h) plus the exit code the command reports.
 * Shared by the single-card modes and the batch's reader threads. */
#ifndef JPKI_RENEW_FLOW_H
#define JPKI_RENEW_FLOW_H

#include "jpki/jpki.h"
#include "jpki/journal.h"
#include "jpki/renew.h"
#include "pin_sources.h"

#define KIND_BIT(k) JPKI_KIND_BIT(k)
#define KINDS_BOTH JPKI_KINDS_BOTH

typedef jpki_renew_mode run_mode;
#define MODE_RENEW JPKI_RENEW_MODE_RENEW
#define MODE_REQUEST JPKI_RENEW_MODE_REQUEST
#define MODE_INSTALL JPKI_RENEW_MODE_INSTALL
#define MODE_RESUME JPKI_RENEW_MODE_RESUME

#define OUT_DONE JPKI_RENEW_DONE
#define OUT_PENDING JPKI_RENEW_PENDING
#define OUT_SKIPPED JPKI_RENEW_SKIPPED
#define OUT_NOTHING JPKI_RENEW_NOTHING
#define OUT_FAILED JPKI_RENEW_FAILED

typedef jpki_renew_card_opts flow_opts;

typedef struct flow_result {
    jpki_renew_card_result r;
    int exit_code;            /* jpki-renew(1) EXIT STATUS */
} flow_result;

/* Run one card through the mode (jpki_renew_card) and work out its exit
 * code.  t is left open (the caller closes it). */
void flow_run(const flow_opts *o, jpki_transport *t, const char *reader,
              const char *expect_serial, flow_result *res);

/* The exit code for a card's result. */
int flow_exit_code(const jpki_renew_card_result *r);

#endif
