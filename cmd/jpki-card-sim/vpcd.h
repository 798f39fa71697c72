/* The link to vsmartcard's vpcd reader driver (pcscd side). */
#ifndef JPKI_CARD_SIM_VPCD_H
#define JPKI_CARD_SIM_VPCD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct sim_link_opts {
    const char *host;  /* vpcd host, default 127.0.0.1 */
    int port;          /* vpcd port of the reader */
    long remove_after; /* answer this many APDUs, then pull the card; -1 = never */
    long hold_after;   /* answer this many APDUs, run the next one and hold its
                        * answer until *release is set; -1 = never */
    long slow_ms;      /* delay before each answer */
    bool verbose;      /* one line per APDU on stderr: header and SW, never data */
} sim_link_opts;

/* What answers on the link: the virtual card, or a recorded session
 * (replay.c).  atr is asked for on every vpcd "get ATR". */
typedef struct sim_link_card {
    void *card;
    size_t (*apdu)(void *card, const uint8_t *capdu, size_t clen, uint8_t *rapdu, size_t rcap);
    void (*power_cycle)(void *card);
    const uint8_t *(*atr)(const void *card, size_t *len);
} sim_link_card;

/* Serve any card on the vpcd link (as sim_vpcd_serve). */
int sim_vpcd_serve_link(const sim_link_card *card, const sim_link_opts *o,
                        volatile sig_atomic_t *stop, volatile sig_atomic_t *release);

/* Serve card on the vpcd link until *stop is set (returns 0), the card is
 * pulled by remove_after (returns 0), or a fatal error (one line on
 * stderr, returns 1).  Reconnects when vpcd drops the connection. */
int sim_vpcd_serve(sim_card *card, const sim_link_opts *o, volatile sig_atomic_t *stop,
                   volatile sig_atomic_t *release);

#endif
