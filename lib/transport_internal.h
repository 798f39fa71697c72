/* Internal to libjpki: the transport handle behind the opaque
 * jpki_transport of jpki/transport.h, and the operations each implementation
 * (transport_pcsc.c, transport_mem.c, transport_replay.c) fills in.  Callers
 * outside lib/ use the accessors of jpki/transport.h instead. */
#ifndef JPKI_TRANSPORT_INTERNAL_H
#define JPKI_TRANSPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/transport.h"

typedef struct jpki_transport_ops {
    const char *kind; /* "pcsc", "mem", "replay" */
    /* Send one encoded C-APDU, receive the raw R-APDU (data || SW).
     * *rlen is the capacity on entry and the length on return. */
    jpki_rc (*transmit)(jpki_transport *t, const uint8_t *capdu, size_t clen,
                        uint8_t *rapdu, size_t *rlen, jpki_error *err);
    /* Exclusive access for a multi-APDU operation (SCardBeginTransaction). */
    jpki_rc (*begin)(jpki_transport *t, jpki_error *err);
    /* End it; reset_card drops the card's security state (SCARD_RESET_CARD). */
    jpki_rc (*end)(jpki_transport *t, bool reset_card, jpki_error *err);
    void (*destroy)(jpki_transport *t);
    /* Optional: the host's random bytes for protocols (the issuer's host
     * challenge).  NULL = the kernel's getrandom.  A replay supplies the
     * recorded ones so a recorded issuer session plays back. */
    jpki_rc (*host_random)(jpki_transport *t, uint8_t *out, size_t n, jpki_error *err);
} jpki_transport_ops;

/* Each implementation embeds this as the first member of its own struct. */
struct jpki_transport {
    const jpki_transport_ops *ops;
    void *impl;
    jpki_trace *trace;      /* not owned; NULL = no trace */
    char reader[128];       /* reader name (or "mem", or trace file) */
    uint8_t atr[33];
    size_t atr_len;
    bool extended_ok;       /* card/reader accept extended-length APDUs */
    bool auto_get_response; /* follow 61xx with GET RESPONSE and 6Cxx with a resend (default true) */
    int depth;              /* nested begin() count */
};

#endif
