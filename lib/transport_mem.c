/* In-process transport: a C function plays the card.  Used by unit tests
 * (scripted fake cards, the simulator's engine) -- no PC/SC involved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_internal.h"

typedef struct mem_impl {
    jpki_mem_handler handler;
    void *ctx;
} mem_impl;

typedef struct mem_transport {
    jpki_transport t; /* first: the public part */
    mem_impl m;
} mem_transport;

static jpki_rc mem_transmit(jpki_transport *t, const uint8_t *capdu, size_t clen,
                            uint8_t *rapdu, size_t *rlen, jpki_error *err)
{
    mem_impl *m = t->impl;
    size_t cap = *rlen;
    size_t n = m->handler(m->ctx, capdu, clen, rapdu, cap);
    if (n == 0)
        return jpki_error_set(err, JPKI_ERR_CARD_REMOVED, "%s: card removed", t->reader);
    if (n > cap)
        return jpki_error_set(err, JPKI_ERR_TRANSPORT,
                              "%s: handler answered %zu bytes into a %zu-byte buffer",
                              t->reader, n, cap);
    *rlen = n;
    return JPKI_OK;
}

static jpki_rc mem_begin(jpki_transport *t, jpki_error *err)
{
    (void)t;
    (void)err;
    return JPKI_OK;
}

static jpki_rc mem_end(jpki_transport *t, bool reset_card, jpki_error *err)
{
    (void)t;
    (void)reset_card;
    (void)err;
    return JPKI_OK;
}

static void mem_destroy(jpki_transport *t)
{
    free(t); /* t is the first member of mem_transport */
}

static const jpki_transport_ops mem_ops = {
    .kind = "mem",
    .transmit = mem_transmit,
    .begin = mem_begin,
    .end = mem_end,
    .destroy = mem_destroy,
};

jpki_rc jpki_mem_transport_new(jpki_mem_handler handler, void *ctx, const uint8_t *atr,
                               size_t atr_len, jpki_transport **out, jpki_error *err)
{
    if (!handler || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "mem transport: missing handler");
    if (atr_len > sizeof ((jpki_transport *)0)->atr || (atr_len && !atr))
        return jpki_error_set(err, JPKI_ERR_ARG, "mem transport: bad ATR length %zu", atr_len);
    mem_transport *mt = calloc(1, sizeof *mt);
    if (!mt)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "mem transport: out of memory");
    mt->m.handler = handler;
    mt->m.ctx = ctx;
    mt->t.ops = &mem_ops;
    mt->t.impl = &mt->m;
    snprintf(mt->t.reader, sizeof mt->t.reader, "mem");
    if (atr_len)
        memcpy(mt->t.atr, atr, atr_len);
    mt->t.atr_len = atr_len;
    mt->t.extended_ok = jpki_atr_extended_length(atr, atr_len);
    mt->t.auto_get_response = true;
    *out = &mt->t;
    return JPKI_OK;
}
