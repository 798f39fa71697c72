/* Inside the renewal engine: the journal's memory of refused PINs
 * (renew_rejected.c), hooked into the PIN sequence (renew_pins.c) by
 * jpki_renew_card (renew_card.c). */
#ifndef JPKI_RENEW_INTERNAL_H
#define JPKI_RENEW_INTERNAL_H

#include "jpki/renew.h"

typedef struct renew_rejected_ctx {
    const jpki_journal_card_state *js; /* NULL: no journal or card unknown to it */
    jpki_journal *journal;
    const char *serial;
    bool retry;                        /* --retry-rejected-pin */
} renew_rejected_ctx;

/* jpki_renew_pin_plan.screen / .rejected over a renew_rejected_ctx. */
jpki_rc renew_screen_pin(void *ctx, jpki_pin_id id, const jpki_secret *pin, jpki_error *err);
void renew_remember_rejected(void *ctx, jpki_pin_id id, const jpki_secret *pin);

#endif
