/* One card's renewal as jpki-renew runs it, in any of its modes; shared by
 * the single-card modes and the batch's reader threads. */
#ifndef JPKI_RENEW_FLOW_H
#define JPKI_RENEW_FLOW_H

#include <stdbool.h>
#include <stdio.h>

#include "jpki/jpki.h"
#include "jpki/journal.h"
#include "jpki/renew.h"
#include "pins.h"

#define KIND_BIT(k) (1u << (k))
#define KINDS_BOTH (KIND_BIT(JPKI_KEY_AUTH) | KIND_BIT(JPKI_KEY_SIGN))
#define PIN_BIT(id) (1u << (id))

typedef enum run_mode {
    MODE_RENEW,   /* the whole way, CA via --ca-cmd */
    MODE_REQUEST, /* up to the CSR (printed); the card stays pending */
    MODE_INSTALL, /* certificates from stdin; finish */
    MODE_RESUME   /* from the card's (and journal's) pending state */
} run_mode;

typedef struct flow_opts {
    run_mode mode;
    unsigned kinds;           /* KIND_BIT set; 0 = automatic (install/resume) */
    bool proxy;               /* PINs from the inquiry form: one VERIFY each, stop on mismatch */
    bool force;               /* allow spending a PIN's last try */
    const jpki_issuer_key *issuer;
    jpki_journal *journal;    /* may be NULL */
    jpki_ca_issue_fn ca;      /* NULL: print CSRs instead (request; resume without --ca-cmd) */
    void *ca_ctx;
    pin_get_fn get_pin;
    void *pin_ctx;
    const uint8_t *install_input; /* install: what stdin held */
    size_t install_len;
    FILE *csr_out;            /* where CSR PEMs go */
    /* what: "issuer authentication", "verifying PINs", "auth: csr", ... */
    void (*progress)(void *ctx, const char *serial, const char *what);
    void *progress_ctx;
} flow_opts;

typedef enum flow_outcome {
    OUT_DONE,       /* everything asked for is done */
    OUT_PENDING,    /* request printed: the card waits for its certificates */
    OUT_SKIPPED,    /* the journal says this card is done already */
    OUT_NOTHING,    /* resume: nothing pending */
    OUT_FAILED
} flow_outcome;

typedef struct flow_result {
    char serial[16];
    flow_outcome outcome;
    int exit_code;
    jpki_error err;
    bool left_pending;        /* a failure left a pending key: resumable */
    bool inquiry_needed;      /* proxy: a form PIN did not match */
    unsigned renewed;         /* KIND_BIT of keys whose new certificate is active */
    char line[2][200];        /* per key: what happened, for the summary */
} flow_result;

/* Run one card through the mode.  expect_serial (may be NULL): the card in
 * the reader must be this one.  t is left open (the caller closes it). */
void flow_run(const flow_opts *o, jpki_transport *t, const char *reader,
              const char *expect_serial, flow_result *res);

#endif
