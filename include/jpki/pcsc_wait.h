/* Waiting for cards and readers (PC/SC): the event source behind the
 * --watch mode of jpki-status and jpki-expiry-check.  One handle blocks in
 * SCardGetStatusChange over every reader plus the "\\?PnP?\Notification"
 * pseudo-reader, so insertions, removals and readers plugged in or out
 * wake it up; nothing polls.  Events come out one at a time, in reader
 * order within one wake-up. */
#ifndef JPKI_PCSC_WAIT_H
#define JPKI_PCSC_WAIT_H

#include "jpki/export.h"

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jpki_pcsc_event_kind {
    JPKI_PCSC_CARD_INSERTED = 1, /* a card is in the reader (also: already there at the start) */
    JPKI_PCSC_CARD_REMOVED,      /* the card left the reader */
    JPKI_PCSC_READER_ADDED,      /* a reader appeared after the start */
    JPKI_PCSC_READER_REMOVED,    /* a reader went away (its card with it) */
    JPKI_PCSC_WAIT_CANCELLED     /* jpki_pcsc_wait_cancel was called */
} jpki_pcsc_event_kind;

typedef struct jpki_pcsc_event {
    jpki_pcsc_event_kind kind;
    char reader[128]; /* "" for JPKI_PCSC_WAIT_CANCELLED */
} jpki_pcsc_event;

typedef struct jpki_pcsc_wait jpki_pcsc_wait;

/* Connect to pcscd and take the current reader list.  Errors: NO_SERVICE,
 * PCSC, NOMEM.  No reader at all is fine: the handle waits for one. */
JPKI_API jpki_rc jpki_pcsc_wait_new(jpki_pcsc_wait **out, jpki_error *err);
/* The next event into *ev, blocking until there is one.  The first calls
 * report the cards present at the start as insertions.  A card swapped
 * between two calls (removed and another inserted while the caller was busy)
 * comes out as a removal and an insertion.  pcscd stopping ends the wait
 * with JPKI_ERR_NO_SERVICE. */
JPKI_API jpki_rc jpki_pcsc_wait_next(jpki_pcsc_wait *w, jpki_pcsc_event *ev, jpki_error *err);
/* Make the blocked (or the next) jpki_pcsc_wait_next return
 * JPKI_PCSC_WAIT_CANCELLED, and every later one too.  Safe from another
 * thread (not from a signal handler: call it from a thread that took the
 * signal with sigwait).  pcscd drops a cancel that arrives in the instant
 * between the waiting thread's check and its entering the wait: a caller
 * that must not lose one calls this again until the waiting thread has
 * returned (it is harmless to repeat). */
JPKI_API void jpki_pcsc_wait_cancel(jpki_pcsc_wait *w);
/* Release the PC/SC context; NULL is a no-op.  Not while another thread
 * is inside jpki_pcsc_wait_next. */
JPKI_API void jpki_pcsc_wait_free(jpki_pcsc_wait *w);

#ifdef __cplusplus
}
#endif
#endif
