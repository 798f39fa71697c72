/* Inside the renewal engine: the journal's memory of refused PINs
 * (renew_rejected.c), hooked into the PIN sequence (renew_pins.c) by
 * jpki_renew_card (renew_card.c). */
#ifndef JPKI_RENEW_INTERNAL_H
#define JPKI_RENEW_INTERNAL_H

#include "jpki/renew.h"

/* The inside of a jpki_renewal; renew_card.c embeds one per card run. */
struct jpki_renewal {
    jpki_card *card;
    jpki_journal *journal;      /* NULL: no journal */
    char serial[16];            /* card serial: the journal's key */
    char reader[128];
    jpki_ca_issue_fn ca;        /* NULL: stop after the CSR (request mode) */
    void *ca_ctx;
    void (*progress)(void *ctx, jpki_key_kind kind, const char *step);
    void *progress_ctx;
    const jpki_holder *holder;
    /* Filled by the steps that read a key's certificate back after it
     * became active (install, activate, confirm); owned here. */
    uint8_t *active_cert[2];
    size_t active_cert_len[2];
};

/* Free the certificates read back (active_cert[]) and reset their lengths;
 * the card and journal it points to are not touched. */
void jpki_renewal_clear(jpki_renewal *rn);

typedef struct renew_rejected_ctx {
    const jpki_journal_card_state *js; /* NULL: no journal or card unknown to it */
    jpki_journal *journal;
    const char *serial;
    bool retry;                        /* --retry-rejected-pin */
} renew_rejected_ctx;

/* jpki_renew_pin_plan.screen / .rejected over a renew_rejected_ctx. */
jpki_rc renew_screen_pin(void *ctx, jpki_pin_id id, const jpki_secret *pin, jpki_error *err);
void renew_remember_rejected(void *ctx, jpki_pin_id id, const jpki_secret *pin);

/* A key's renewal is under way (renew_interrupt.c): signals are held off
 * to the renewal's safe points between enter and leave. */
void renew_in_flight_enter(void);
/* The people's message of an interruption, with when already in their
 * language (jpki_renew_interrupted_error set message_c in English). */
void renew_interrupted_reword(jpki_error *err, const char *when_people);
void renew_in_flight_leave(void);

#endif
