/* jpki_pcsc_wait_* against a scripted PC/SC (this file defines the few
 * SCard* functions the wait uses; the executable's definitions take the
 * calls from libjpki.a before libpcsclite).  Covers what vpcd cannot show
 * in the integration tests: readers plugged in and out while waiting (the
 * PnP pseudo-reader), a card swapped between two waits (event counter),
 * a reader gone before the wait, cancel, and pcscd going away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <winscard.h>

#include "jpki/pcsc_wait.h"

/* ---- the scripted world ---- */

#define MAX_READERS 4
typedef struct world {
    int n;                          /* readers */
    const char *name[MAX_READERS];
    bool card[MAX_READERS];
    unsigned events[MAX_READERS];   /* card events so far (upper 16 bits) */
} world;

static world steps[16];
static int nsteps, step;
static LONG end_rv;                 /* what GetStatusChange answers after the last step */
static int waits;                   /* GetStatusChange calls */
static bool cancel_pending;

static const world *now_world(void)
{
    return &steps[step];
}

static int find(const world *w, const char *name)
{
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->name[i], name) == 0)
            return i;
    return -1;
}

LONG SCardEstablishContext(DWORD scope, LPCVOID r1, LPCVOID r2, LPSCARDCONTEXT ctx)
{
    (void)scope, (void)r1, (void)r2;
    *ctx = 1;
    return SCARD_S_SUCCESS;
}

LONG SCardReleaseContext(SCARDCONTEXT ctx)
{
    (void)ctx;
    return SCARD_S_SUCCESS;
}

LONG SCardFreeMemory(SCARDCONTEXT ctx, LPCVOID mem)
{
    (void)ctx;
    free((void *)mem);
    return SCARD_S_SUCCESS;
}

LONG SCardCancel(SCARDCONTEXT ctx)
{
    (void)ctx;
    cancel_pending = true;
    return SCARD_S_SUCCESS;
}

LONG SCardListReaders(SCARDCONTEXT ctx, LPCSTR groups, LPSTR out, LPDWORD len)
{
    (void)ctx, (void)groups;
    const world *w = now_world();
    if (w->n == 0)
        return SCARD_E_NO_READERS_AVAILABLE;
    size_t total = 1;
    for (int i = 0; i < w->n; i++)
        total += strlen(w->name[i]) + 1;
    assert_int_equal(*len, SCARD_AUTOALLOCATE);
    char *buf = calloc(1, total), *p = buf;
    for (int i = 0; i < w->n; i++) {
        strcpy(p, w->name[i]);
        p += strlen(p) + 1;
    }
    *(char **)out = buf;
    *len = (DWORD)total;
    return SCARD_S_SUCCESS;
}

static DWORD reader_state(const world *w, int i)
{
    return (w->card[i] ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY) | ((DWORD)w->events[i] << 16);
}

/* Answer like pcsc-lite: at once when something differs from what the
 * caller knows, otherwise "time passes" to the next scripted step. */
LONG SCardGetStatusChange(SCARDCONTEXT ctx, DWORD timeout, SCARD_READERSTATE *st, DWORD n)
{
    (void)ctx;
    assert_int_equal(timeout, INFINITE);
    waits++;
    for (;;) {
        if (cancel_pending) {
            cancel_pending = false;
            return SCARD_E_CANCELLED;
        }
        const world *w = now_world();
        bool changed = false;
        for (DWORD k = 0; k < n; k++) {
            DWORD now;
            bool unaware = st[k].dwCurrentState == SCARD_STATE_UNAWARE;
            if (strcmp(st[k].szReader, "\\\\?PnP?\\Notification") == 0) {
                /* pcsc-lite compares the reader count only (in the upper
                 * 16 bits): UNAWARE with no reader is no change */
                now = (DWORD)w->n << 16;
                unaware = false;
            } else {
                int i = find(w, st[k].szReader);
                now = i < 0 ? SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE : reader_state(w, i);
            }
            if (now != (st[k].dwCurrentState & ~(DWORD)SCARD_STATE_CHANGED) || unaware) {
                st[k].dwEventState = now | SCARD_STATE_CHANGED;
                changed = true;
            } else {
                st[k].dwEventState = now;
            }
        }
        if (changed)
            return SCARD_S_SUCCESS;
        if (step + 1 >= nsteps)
            return end_rv;
        step++;
    }
}

/* ---- helpers ---- */

static void script(const world *w, int n, LONG end)
{
    memcpy(steps, w, (size_t)n * sizeof *w);
    nsteps = n;
    step = 0;
    end_rv = end;
    waits = 0;
    cancel_pending = false;
}

static void expect(jpki_pcsc_wait *w, jpki_pcsc_event_kind kind, const char *reader)
{
    jpki_pcsc_event ev;
    assert_int_equal(jpki_pcsc_wait_next(w, &ev, NULL), JPKI_OK);
    if (ev.kind != kind || strcmp(ev.reader, reader) != 0)
        fail_msg("event %d \"%s\", wanted %d \"%s\"", ev.kind, ev.reader, kind, reader);
}

static void expect_end(jpki_pcsc_wait *w, jpki_rc rc)
{
    jpki_pcsc_event ev;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_pcsc_wait_next(w, &ev, &err), rc);
}

/* ---- tests ---- */

static void insertions_removals_and_a_swap(void **state)
{
    (void)state;
    world s[] = {
        {2, {"A", "B"}, {true, false}, {1, 0}},  /* a card in A at the start */
        {2, {"A", "B"}, {true, true}, {1, 1}},   /* one pushed into B */
        {2, {"A", "B"}, {false, true}, {2, 1}},  /* A's pulled */
        {2, {"A", "B"}, {false, true}, {2, 3}},  /* B's swapped between two waits */
    };
    script(s, 4, SCARD_E_NO_SERVICE);
    jpki_pcsc_wait *w;
    assert_int_equal(jpki_pcsc_wait_new(&w, NULL), JPKI_OK);
    expect(w, JPKI_PCSC_CARD_INSERTED, "A");
    expect(w, JPKI_PCSC_CARD_INSERTED, "B");
    expect(w, JPKI_PCSC_CARD_REMOVED, "A");
    expect(w, JPKI_PCSC_CARD_REMOVED, "B");
    expect(w, JPKI_PCSC_CARD_INSERTED, "B");
    expect_end(w, JPKI_ERR_NO_SERVICE); /* pcscd went away */
    jpki_pcsc_wait_free(w);
}

static void readers_plugged_in_and_out(void **state)
{
    (void)state;
    world s[] = {
        {0, {0}, {0}, {0}},                       /* no reader at all */
        {1, {"USB 1"}, {true}, {1}},              /* a reader with a card in it */
        {2, {"USB 1", "USB 2"}, {true, false}, {1, 0}},
        {1, {"USB 2"}, {false}, {0}},             /* USB 1 unplugged, card and all */
    };
    script(s, 4, SCARD_E_NO_SERVICE);
    jpki_pcsc_wait *w;
    assert_int_equal(jpki_pcsc_wait_new(&w, NULL), JPKI_OK);
    expect(w, JPKI_PCSC_READER_ADDED, "USB 1");
    expect(w, JPKI_PCSC_CARD_INSERTED, "USB 1");
    expect(w, JPKI_PCSC_READER_ADDED, "USB 2");
    expect(w, JPKI_PCSC_READER_REMOVED, "USB 1");
    expect_end(w, JPKI_ERR_NO_SERVICE);
    jpki_pcsc_wait_free(w);
}

static void readers_at_the_start_are_not_added(void **state)
{
    (void)state;
    world s[] = {{2, {"A", "B"}, {false, false}, {0, 0}}};
    script(s, 1, SCARD_E_NO_SERVICE);
    jpki_pcsc_wait *w;
    assert_int_equal(jpki_pcsc_wait_new(&w, NULL), JPKI_OK);
    expect_end(w, JPKI_ERR_NO_SERVICE); /* nothing to report before that */
    jpki_pcsc_wait_free(w);
}

static void cancel_before_and_during(void **state)
{
    (void)state;
    world s[] = {{1, {"A"}, {true}, {1}}};
    script(s, 1, SCARD_E_TIMEOUT); /* after the script: pcscd keeps timing out */
    jpki_pcsc_wait *w;
    assert_int_equal(jpki_pcsc_wait_new(&w, NULL), JPKI_OK);
    expect(w, JPKI_PCSC_CARD_INSERTED, "A");
    /* pcscd answers the next wait with "cancelled" (a cancel from another
     * thread while blocked)... */
    cancel_pending = true;
    expect(w, JPKI_PCSC_WAIT_CANCELLED, "");
    /* ... and so does every later call, without asking pcscd again. */
    int before = waits;
    expect(w, JPKI_PCSC_WAIT_CANCELLED, "");
    assert_int_equal(waits, before);
    jpki_pcsc_wait_free(w);

    /* A cancel while not waiting is remembered (pcscd would drop it). */
    script(s, 1, SCARD_E_TIMEOUT);
    assert_int_equal(jpki_pcsc_wait_new(&w, NULL), JPKI_OK);
    jpki_pcsc_wait_cancel(w);
    cancel_pending = false; /* pcscd had nothing to cancel */
    expect(w, JPKI_PCSC_WAIT_CANCELLED, "");
    assert_int_equal(waits, 0);
    jpki_pcsc_wait_free(w);
}

static void bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(jpki_pcsc_wait_new(NULL, NULL), JPKI_ERR_ARG);
    jpki_pcsc_event ev;
    assert_int_equal(jpki_pcsc_wait_next(NULL, &ev, NULL), JPKI_ERR_ARG);
    jpki_pcsc_wait_cancel(NULL);
    jpki_pcsc_wait_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(insertions_removals_and_a_swap),
        cmocka_unit_test(readers_plugged_in_and_out),
        cmocka_unit_test(readers_at_the_start_are_not_added),
        cmocka_unit_test(cancel_before_and_during),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
