/* Internal to libjpki's PC/SC transport: error mapping and reader choice,
 * split out so the choice rules can be unit-tested without a pcscd. */
#ifndef JPKI_PCSC_INTERNAL_H
#define JPKI_PCSC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <winscard.h>

#include "jpki/error.h"

/* Where a PC/SC failure happened: while looking for / connecting to the card,
 * or in the middle of an operation on a connected card.  The same code means
 * different things (an unknown reader is "no such reader" before, "the reader
 * went away" after). */
typedef enum pcsc_phase { PCSC_PHASE_OPEN, PCSC_PHASE_CONNECTED } pcsc_phase;

/* Fill err from a PC/SC return value; message "READER: WHAT: reason". */
jpki_rc jpki_pcsc_map_error(LONG rv, pcsc_phase phase, const char *reader,
                            const char *what, jpki_error *err);

/* Choose a reader by a non-empty spec: decimal index, exact name, or unique
 * substring.  *idx is set on success.  No match -> NO_READER, several
 * substring matches -> ARG naming them. */
jpki_rc jpki_pcsc_pick_reader(const char *const *names, size_t count, const char *spec,
                              size_t *idx, jpki_error *err);

/* Wait (at most $JPKI_BUSY_WAIT seconds, default 1) until no other program
 * holds a transaction on reader; JPKI_ERR_BUSY "reader busy (held by another
 * program)" if one still does.  Called before SCardConnect and
 * SCardBeginTransaction, which pcscd would otherwise hold back silently for
 * as long as the other program likes. */
jpki_rc jpki_pcsc_wait_not_busy(const char *reader, jpki_error *err);
/* The wait budget in milliseconds ($JPKI_BUSY_WAIT, seconds, may be 0.5). */
long jpki_pcsc_busy_wait_ms(void);

#endif
