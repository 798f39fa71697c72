/* Signals and a renewal in progress (jpki/renew.h, jpki_renew_interrupt).
 * From the moment a renewal sets out to give a key a new certificate until
 * that certificate is on the card (or at least in the journal), dying on a
 * signal can cost something: a certificate the CA issued that nobody
 * recorded, so that a resume asks the CA a second time.  In that stretch a
 * signal is only noted; the renewal stops at its next safe point (before
 * the CA is asked, after the issued certificate is journaled) with the key
 * pending and everything needed to resume on disk. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>

#include "jpki/renew.h"
#include "error_internal.h"
#include "private/i18n.h"
#include "renew_internal.h"

static atomic_int keys_in_flight; /* renewals between GENERATE and install */
static volatile sig_atomic_t stop_signal;

bool jpki_renew_interrupt(int sig)
{
    if (atomic_load(&keys_in_flight) == 0)
        return false;
    stop_signal = sig;
    return true;
}

int jpki_renew_interrupted(void)
{
    return stop_signal;
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP"
                                                                               : N_("a signal");
}

/* when is an English phrase (a msgid): message_c keeps it for records,
 * the people's message gets its translation. */
jpki_rc jpki_renew_interrupted_error(jpki_error *err, const char *when)
{
    jpki_error_set(err, JPKI_ERR_IO, "interrupted by %s %s", signal_name(stop_signal), when);
    renew_interrupted_reword(err, _(when));
    return JPKI_ERR_IO;
}

void renew_interrupted_reword(jpki_error *err, const char *when_people)
{
    error_reword(err, "interrupted by %s %s", _(signal_name(stop_signal)), when_people);
}

void renew_in_flight_enter(void)
{
    atomic_fetch_add(&keys_in_flight, 1);
}

void renew_in_flight_leave(void)
{
    atomic_fetch_sub(&keys_in_flight, 1);
}
