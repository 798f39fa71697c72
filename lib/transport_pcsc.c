/* The PC/SC transport (libpcsclite): listing readers, connecting by spec,
 * transmitting, and transactions so that a multi-APDU operation is never
 * interleaved with another process's commands (which could select another
 * file between our READ BINARYs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "transport_internal.h"
#include "pcsc_internal.h"

typedef struct pcsc_transport {
    jpki_transport t; /* first: the public part */
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto;
    bool pin_verified; /* security state raised (PIN, issuer session) since the last reset */
} pcsc_transport;

static pcsc_transport *impl_of(jpki_transport *t)
{
    return (pcsc_transport *)t;
}

/* After SCARD_W_RESET_CARD the handle must be reconnected before it works
 * again; the error itself is still reported to the caller. */
static void acknowledge_reset(pcsc_transport *p)
{
    DWORD proto;
    if (SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                       SCARD_LEAVE_CARD, &proto) == SCARD_S_SUCCESS)
        p->proto = proto;
    p->pin_verified = false;
}

/* Commands that, when they succeed, leave the card in a state another
 * program could use: a verified PIN (VERIFY, CHANGE REFERENCE DATA with
 * data) or an open issuer session (MUTUAL AUTHENTICATE). */
static bool raises_security_state(const uint8_t *c, size_t n)
{
    return n > 5 && (c[1] == 0x20 || c[1] == 0x24 || c[1] == 0x82);
}

/* A reader answering fewer than 2 bytes (no status word), or failing the
 * transmit with SCARD_E_NOT_TRANSACTED, usually means the card went away
 * mid-command (vpcd does both when the card disconnects);
 * pcscd notices the removal only at its next poll, so ask for a little while
 * before calling it garbage. */
#define REMOVAL_POLL_MS 100
#define REMOVAL_POLLS 25

static bool card_gone(pcsc_transport *p)
{
    for (int i = 0; i < REMOVAL_POLLS; i++) {
        char name[256];
        DWORD nlen = sizeof name, state = 0, proto = 0, alen = 33;
        BYTE atr[33];
        LONG rv = SCardStatus(p->card, name, &nlen, &state, &proto, atr, &alen);
        if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
            (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT)))
            return true;
        if (rv != SCARD_S_SUCCESS)
            return false;
        struct timespec ts = {0, REMOVAL_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static jpki_rc pcsc_transmit(jpki_transport *t, const uint8_t *capdu, size_t clen,
                             uint8_t *rapdu, size_t *rlen, jpki_error *err)
{
    pcsc_transport *p = impl_of(t);
    const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD n = (DWORD)*rlen;
    LONG rv = SCardTransmit(p->card, pci, capdu, (DWORD)clen, NULL, rapdu, &n);
    /* A card pulled while pcscd waits for its answer comes back as
     * SCARD_E_NOT_TRANSACTED ("Transaction failed"), not as a removal. */
    if (rv == SCARD_E_NOT_TRANSACTED && card_gone(p))
        rv = SCARD_W_REMOVED_CARD;
    if (rv != SCARD_S_SUCCESS) {
        if (rv == SCARD_W_RESET_CARD)
            acknowledge_reset(p);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_CONNECTED, t->reader, "transmit", err);
    }
    if (n < 2 && card_gone(p))
        return jpki_pcsc_map_error(SCARD_W_REMOVED_CARD, PCSC_PHASE_CONNECTED, t->reader,
                                   "transmit", err);
    *rlen = n;
    if (n >= 2 && rapdu[n - 2] == 0x90 && rapdu[n - 1] == 0x00 && raises_security_state(capdu, clen))
        p->pin_verified = true;
    return JPKI_OK;
}

static jpki_rc pcsc_begin(jpki_transport *t, jpki_error *err)
{
    pcsc_transport *p = impl_of(t);
    /* SCardBeginTransaction waits silently for as long as another process
     * holds a transaction on this card: find out first, within a second. */
    jpki_rc busy = jpki_pcsc_wait_not_busy(t->reader, err);
    if (busy != JPKI_OK)
        return busy;
    LONG rv = SCardBeginTransaction(p->card);
    if (rv == SCARD_S_SUCCESS)
        return JPKI_OK;
    if (rv == SCARD_W_RESET_CARD)
        acknowledge_reset(p);
    return jpki_pcsc_map_error(rv, PCSC_PHASE_CONNECTED, t->reader, "begin transaction", err);
}

static jpki_rc pcsc_end(jpki_transport *t, bool reset_card, jpki_error *err)
{
    pcsc_transport *p = impl_of(t);
    LONG rv = SCardEndTransaction(p->card, reset_card ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
    if (reset_card)
        p->pin_verified = false;
    if (rv == SCARD_S_SUCCESS) {
        /* pcsc-lite flags every handle after a reset, the one that asked for
         * it included; reconnect now so our next transaction does not take
         * our own reset for another program's. */
        if (reset_card)
            acknowledge_reset(p);
        return JPKI_OK;
    }
    if (rv == SCARD_W_RESET_CARD)
        acknowledge_reset(p);
    return jpki_pcsc_map_error(rv, PCSC_PHASE_CONNECTED, t->reader, "end transaction", err);
}

static void pcsc_destroy(jpki_transport *t)
{
    pcsc_transport *p = impl_of(t);
    /* A PIN verified (or an issuer session opened) by this process must not
     * stay usable for whoever talks to the card next: reset the card then. */
    SCardDisconnect(p->card, p->pin_verified ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
    SCardReleaseContext(p->ctx);
    free(p);
}

static const jpki_transport_ops pcsc_ops = {
    .kind = "pcsc",
    .transmit = pcsc_transmit,
    .begin = pcsc_begin,
    .end = pcsc_end,
    .destroy = pcsc_destroy,
};

/* Reader names as a malloc'd multi-string plus a pointer array into it. */
static jpki_rc list_with(SCARDCONTEXT ctx, char **multi, char ***names, size_t *count,
                         jpki_error *err)
{
    *multi = NULL;
    *names = NULL;
    *count = 0;
    DWORD len = 0;
    LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE)
        return JPKI_OK;
    if (rv != SCARD_S_SUCCESS)
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "listing readers", err);
    char *buf = calloc(1, (size_t)len + 2);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "listing readers: out of memory");
    rv = SCardListReaders(ctx, NULL, buf, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) {
        free(buf);
        return JPKI_OK;
    }
    if (rv != SCARD_S_SUCCESS) {
        free(buf);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "listing readers", err);
    }
    size_t n = 0;
    for (char *s = buf; *s; s += strlen(s) + 1)
        n++;
    char **v = calloc(n + 1, sizeof *v);
    if (!v) {
        free(buf);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "listing readers: out of memory");
    }
    n = 0;
    for (char *s = buf; *s; s += strlen(s) + 1)
        v[n++] = s;
    *multi = buf;
    *names = v;
    *count = n;
    return JPKI_OK;
}

static jpki_rc establish(SCARDCONTEXT *ctx, jpki_error *err)
{
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx);
    if (rv != SCARD_S_SUCCESS)
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "connecting to pcscd", err);
    return JPKI_OK;
}

jpki_rc jpki_pcsc_list_readers(char ***names, size_t *count, jpki_error *err)
{
    if (!names || !count)
        return jpki_error_set(err, JPKI_ERR_ARG, "list readers: missing argument");
    *names = NULL;
    *count = 0;
    SCARDCONTEXT ctx;
    jpki_rc rc = establish(&ctx, err);
    if (rc != JPKI_OK)
        return rc;
    char *multi, **v;
    size_t n;
    rc = list_with(ctx, &multi, &v, &n, err);
    SCardReleaseContext(ctx);
    if (rc != JPKI_OK)
        return rc;
    /* Hand out independent strings so the caller frees with one call. */
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(v[i]))) {
            jpki_pcsc_free_list(out);
            out = NULL;
        }
    free(v);
    free(multi);
    if (!out)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "listing readers: out of memory");
    *names = out;
    *count = n;
    return JPKI_OK;
}

void jpki_pcsc_free_list(char **names)
{
    if (!names)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

/* The first reader PC/SC reports a card in (not mute). */
static jpki_rc first_with_card(SCARDCONTEXT ctx, char **names, size_t n, size_t *idx,
                               jpki_error *err)
{
    SCARD_READERSTATE *st = calloc(n, sizeof *st);
    if (!st)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "reader status: out of memory");
    for (size_t i = 0; i < n; i++) {
        st[i].szReader = names[i];
        st[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    LONG rv = SCardGetStatusChange(ctx, 0, st, (DWORD)n);
    jpki_rc rc;
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        rc = jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "reader status", err);
    } else {
        size_t i = 0;
        while (i < n && (!(st[i].dwEventState & SCARD_STATE_PRESENT) ||
                         (st[i].dwEventState & SCARD_STATE_MUTE)))
            i++;
        if (i < n) {
            *idx = i;
            rc = JPKI_OK;
        } else {
            rc = jpki_error_set(err, JPKI_ERR_NO_CARD, "no card in any of the %zu reader%s", n,
                                n == 1 ? "" : "s");
        }
    }
    free(st);
    return rc;
}

jpki_rc jpki_pcsc_list_cards(char ***names, size_t *count, jpki_error *err)
{
    if (!names || !count)
        return jpki_error_set(err, JPKI_ERR_ARG, "list cards: missing argument");
    char **all = NULL;
    size_t n = 0;
    jpki_rc rc = jpki_pcsc_list_readers(&all, &n, err);
    if (rc != JPKI_OK)
        return rc;
    *names = NULL;
    *count = 0;
    SCARDCONTEXT ctx;
    SCARD_READERSTATE *st = n ? calloc(n, sizeof *st) : NULL;
    if (n && !st) {
        jpki_pcsc_free_list(all);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "reader status: out of memory");
    }
    if ((rc = establish(&ctx, err)) != JPKI_OK) {
        free(st);
        jpki_pcsc_free_list(all);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        st[i].szReader = all[i];
        st[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
    LONG rv = n ? SCardGetStatusChange(ctx, 0, st, (DWORD)n) : SCARD_S_SUCCESS;
    SCardReleaseContext(ctx);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        free(st);
        jpki_pcsc_free_list(all);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "reader status", err);
    }
    /* Keep the readers holding a responsive card, in place; free the rest. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if ((st[i].dwEventState & SCARD_STATE_PRESENT) && !(st[i].dwEventState & SCARD_STATE_MUTE))
            all[kept++] = all[i];
        else
            free(all[i]);
    }
    if (all)
        all[kept] = NULL;
    free(st);
    if (!all && !(all = calloc(1, sizeof *all)))
        return jpki_error_set(err, JPKI_ERR_NOMEM, "listing cards: out of memory");
    *names = all;
    *count = kept;
    return JPKI_OK;
}

static jpki_rc connect_reader(SCARDCONTEXT ctx, const char *name, jpki_transport **out,
                              jpki_error *err)
{
    /* pcscd holds SCardConnect back, silently, while another program holds
     * a transaction on the card: find out first, within a second. */
    jpki_rc busy = jpki_pcsc_wait_not_busy(name, err);
    if (busy != JPKI_OK)
        return busy;
    pcsc_transport *p = calloc(1, sizeof *p);
    if (!p)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "connect: out of memory");
    LONG rv = SCardConnect(ctx, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           &p->card, &p->proto);
    if (rv != SCARD_S_SUCCESS) {
        free(p);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, name, "connect", err);
    }
    char rname[256];
    DWORD rlen = sizeof rname, state = 0, proto = 0, alen = sizeof p->t.atr;
    rv = SCardStatus(p->card, rname, &rlen, &state, &proto, p->t.atr, &alen);
    if (rv != SCARD_S_SUCCESS) {
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
        free(p);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, name, "card status", err);
    }
    p->ctx = ctx;
    p->t.ops = &pcsc_ops;
    p->t.impl = p;
    snprintf(p->t.reader, sizeof p->t.reader, "%s", name);
    p->t.atr_len = alen;
    p->t.extended_ok = jpki_atr_extended_length(p->t.atr, alen);
    p->t.auto_get_response = true;
    *out = &p->t;
    return JPKI_OK;
}

jpki_rc jpki_pcsc_open(const char *spec, jpki_transport **out, jpki_error *err)
{
    if (!out)
        return jpki_error_set(err, JPKI_ERR_ARG, "open: missing argument");
    *out = NULL;
    SCARDCONTEXT ctx;
    jpki_rc rc = establish(&ctx, err);
    if (rc != JPKI_OK)
        return rc;
    char *multi = NULL, **names = NULL;
    size_t n = 0, idx = 0;
    rc = list_with(ctx, &multi, &names, &n, err);
    if (rc == JPKI_OK && n == 0)
        rc = jpki_error_set(err, JPKI_ERR_NO_READER, "no smart card reader found");
    if (rc == JPKI_OK) {
        if (!spec || !*spec)
            rc = first_with_card(ctx, names, n, &idx, err);
        else
            rc = jpki_pcsc_pick_reader((const char *const *)names, n, spec, &idx, err);
    }
    if (rc == JPKI_OK)
        rc = connect_reader(ctx, names[idx], out, err);
    free(names);
    free(multi);
    if (rc != JPKI_OK)
        SCardReleaseContext(ctx);
    return rc;
}
