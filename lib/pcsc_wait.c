/* Waiting for cards and readers with SCardGetStatusChange (see
 * jpki/pcsc_wait.h).  The state array is the PnP pseudo-reader followed by
 * the readers; after each wake-up every entry's answer becomes its
 * "current" state for the next wait, and the differences are queued as
 * events. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "jpki/pcsc_wait.h"
#include "pcsc_internal.h"

/* pcsc-lite's name for the pseudo-reader that changes state whenever a
 * reader is added or removed. */
#define PNP_READER "\\\\?PnP?\\Notification"

/* pcsc-lite counts card events in the upper 16 bits of dwEventState, so a
 * card pulled and another pushed in between two waits still shows. */
#define EVENT_COUNT(s) (((s) >> 16) & 0xFFFFu)

struct jpki_pcsc_wait {
    SCARDCONTEXT ctx;
    SCARD_READERSTATE *st; /* st[0] = PnP, st[1..n] = readers */
    size_t n;              /* entries in st, PnP included */
    jpki_pcsc_event *queue;
    size_t qhead, qlen, qcap;
    atomic_bool cancelled;
};

static jpki_rc enqueue(jpki_pcsc_wait *w, jpki_pcsc_event_kind kind, const char *reader,
                       jpki_error *err)
{
    if (w->qhead + w->qlen == w->qcap) {
        if (w->qhead) { /* slide the unread events to the front first */
            memmove(w->queue, w->queue + w->qhead, w->qlen * sizeof *w->queue);
            w->qhead = 0;
        }
        if (w->qlen == w->qcap) {
            size_t cap = w->qcap ? 2 * w->qcap : 8;
            jpki_pcsc_event *q = realloc(w->queue, cap * sizeof *q);
            if (!q)
                return jpki_error_set(err, JPKI_ERR_NOMEM, "waiting for cards: out of memory");
            w->queue = q;
            w->qcap = cap;
        }
    }
    jpki_pcsc_event *e = &w->queue[w->qhead + w->qlen++];
    e->kind = kind;
    snprintf(e->reader, sizeof e->reader, "%s", reader);
    return JPKI_OK;
}

static void free_names(jpki_pcsc_wait *w)
{
    for (size_t i = 1; i < w->n; i++)
        free((char *)w->st[i].szReader);
}

/* The reader list as PC/SC has it now, in a malloc'd multi-string ("" when
 * there is none). */
static jpki_rc current_readers(SCARDCONTEXT ctx, char **multi, jpki_error *err)
{
    DWORD len = SCARD_AUTOALLOCATE;
    char *buf = NULL;
    LONG rv = SCardListReaders(ctx, NULL, (LPSTR)&buf, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) {
        *multi = calloc(1, 2);
        return *multi ? JPKI_OK : jpki_error_set(err, JPKI_ERR_NOMEM, "listing readers: out of memory");
    }
    if (rv != SCARD_S_SUCCESS)
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "listing readers", err);
    /* Copy out of pcsc-lite's allocation so one free() fits every path. */
    size_t total = 0;
    while (buf[total])
        total += strlen(buf + total) + 1;
    *multi = malloc(total + 1);
    if (*multi) {
        memcpy(*multi, buf, total);
        (*multi)[total] = '\0';
    }
    SCardFreeMemory(ctx, buf);
    return *multi ? JPKI_OK : jpki_error_set(err, JPKI_ERR_NOMEM, "listing readers: out of memory");
}

static bool in_multi(const char *multi, const char *name)
{
    for (const char *s = multi; *s; s += strlen(s) + 1)
        if (strcmp(s, name) == 0)
            return true;
    return false;
}

/* Bring the state array in line with the reader list: readers gone are
 * dropped (an event when announce), new ones are added as UNAWARE, so the
 * next wait answers at once with their state (a card already in a new
 * reader then comes out as an insertion). */
static jpki_rc sync_readers(jpki_pcsc_wait *w, bool announce, jpki_error *err)
{
    char *multi;
    jpki_rc rc = current_readers(w->ctx, &multi, err);
    if (rc != JPKI_OK)
        return rc;
    size_t keep = 1;
    for (size_t i = 1; i < w->n; i++) {
        if (in_multi(multi, w->st[i].szReader)) {
            w->st[keep++] = w->st[i];
            continue;
        }
        if (announce && rc == JPKI_OK)
            rc = enqueue(w, JPKI_PCSC_READER_REMOVED, w->st[i].szReader, err);
        free((char *)w->st[i].szReader);
    }
    w->n = keep;
    size_t count = 0;
    for (const char *s = multi; *s; s += strlen(s) + 1)
        count++;
    SCARD_READERSTATE *st = realloc(w->st, (w->n + count) * sizeof *st);
    if (!st) {
        free(multi);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "waiting for cards: out of memory");
    }
    w->st = st;
    for (const char *s = multi; *s && rc == JPKI_OK; s += strlen(s) + 1) {
        bool known = false;
        for (size_t i = 1; i < w->n && !known; i++)
            known = strcmp(w->st[i].szReader, s) == 0;
        if (known)
            continue;
        char *name = strdup(s);
        if (!name) {
            rc = jpki_error_set(err, JPKI_ERR_NOMEM, "waiting for cards: out of memory");
            break;
        }
        memset(&w->st[w->n], 0, sizeof w->st[w->n]);
        w->st[w->n].szReader = name;
        w->st[w->n].dwCurrentState = SCARD_STATE_UNAWARE;
        w->n++;
        if (announce)
            rc = enqueue(w, JPKI_PCSC_READER_ADDED, s, err);
    }
    free(multi);
    return rc;
}

jpki_rc jpki_pcsc_wait_new(jpki_pcsc_wait **out, jpki_error *err)
{
    if (!out)
        return jpki_error_set(err, JPKI_ERR_ARG, "waiting for cards: missing argument");
    *out = NULL;
    jpki_pcsc_wait *w = calloc(1, sizeof *w);
    if (!w)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "waiting for cards: out of memory");
    atomic_init(&w->cancelled, false);
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &w->ctx);
    if (rv != SCARD_S_SUCCESS) {
        free(w);
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "connecting to pcscd", err);
    }
    w->st = calloc(1, sizeof *w->st);
    w->n = 1;
    jpki_rc rc = JPKI_OK;
    if (!w->st) {
        w->n = 0;
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "waiting for cards: out of memory");
    } else {
        w->st[0].szReader = PNP_READER;
        w->st[0].dwCurrentState = SCARD_STATE_UNAWARE;
        rc = sync_readers(w, false, err);
    }
    if (rc != JPKI_OK) {
        jpki_pcsc_wait_free(w);
        return rc;
    }
    *out = w;
    return JPKI_OK;
}

/* What one reader's answer means compared with what we knew. */
static jpki_rc reader_events(jpki_pcsc_wait *w, SCARD_READERSTATE *s, jpki_error *err)
{
    DWORD was = s->dwCurrentState, now = s->dwEventState;
    bool had = (was & SCARD_STATE_PRESENT) != 0;
    bool has = (now & SCARD_STATE_PRESENT) != 0;
    bool swapped = had && has && EVENT_COUNT(was) != EVENT_COUNT(now);
    jpki_rc rc = JPKI_OK;
    if (had && (!has || swapped))
        rc = enqueue(w, JPKI_PCSC_CARD_REMOVED, s->szReader, err);
    if (rc == JPKI_OK && has && (!had || swapped))
        rc = enqueue(w, JPKI_PCSC_CARD_INSERTED, s->szReader, err);
    return rc;
}

/* One SCardGetStatusChange; its changes queued.  *cancelled when pcscd
 * says the wait was cancelled. */
static jpki_rc wait_once(jpki_pcsc_wait *w, bool *cancelled, jpki_error *err)
{
    /* Readers still UNAWARE (the start, new readers) answer at once. */
    LONG rv = SCardGetStatusChange(w->ctx, INFINITE, w->st, (DWORD)w->n);
    if (rv == SCARD_E_CANCELLED) {
        *cancelled = true;
        return JPKI_OK;
    }
    if (rv == SCARD_E_TIMEOUT)
        return JPKI_OK;
    if (rv == SCARD_E_UNKNOWN_READER) /* one went away before we could ask */
        return sync_readers(w, true, err);
    if (rv != SCARD_S_SUCCESS)
        return jpki_pcsc_map_error(rv, PCSC_PHASE_OPEN, NULL, "waiting for cards", err);
    bool relist = (w->st[0].dwEventState & SCARD_STATE_CHANGED) != 0;
    w->st[0].dwCurrentState = w->st[0].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    jpki_rc rc = JPKI_OK;
    for (size_t i = 1; i < w->n && rc == JPKI_OK; i++) {
        SCARD_READERSTATE *s = &w->st[i];
        if (s->dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
            relist = true; /* the reader is gone: sync_readers says so */
            continue;
        }
        if (!(s->dwEventState & SCARD_STATE_CHANGED) && s->dwCurrentState != SCARD_STATE_UNAWARE)
            continue;
        rc = reader_events(w, s, err);
        s->dwCurrentState = s->dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    }
    if (rc == JPKI_OK && relist)
        rc = sync_readers(w, true, err);
    return rc;
}

jpki_rc jpki_pcsc_wait_next(jpki_pcsc_wait *w, jpki_pcsc_event *ev, jpki_error *err)
{
    if (!w || !ev)
        return jpki_error_set(err, JPKI_ERR_ARG, "waiting for cards: missing argument");
    memset(ev, 0, sizeof *ev);
    for (;;) {
        if (atomic_load(&w->cancelled)) {
            ev->kind = JPKI_PCSC_WAIT_CANCELLED;
            return JPKI_OK;
        }
        if (w->qlen) {
            *ev = w->queue[w->qhead++];
            w->qlen--;
            if (!w->qlen)
                w->qhead = 0;
            return JPKI_OK;
        }
        bool cancelled = false;
        jpki_rc rc = wait_once(w, &cancelled, err);
        if (rc != JPKI_OK)
            return rc;
        if (cancelled)
            atomic_store(&w->cancelled, true);
    }
}

void jpki_pcsc_wait_cancel(jpki_pcsc_wait *w)
{
    if (!w)
        return;
    atomic_store(&w->cancelled, true);
    SCardCancel(w->ctx);
}

void jpki_pcsc_wait_free(jpki_pcsc_wait *w)
{
    if (!w)
        return;
    if (w->st)
        free_names(w);
    free(w->st);
    free(w->queue);
    SCardReleaseContext(w->ctx);
    free(w);
}
