/* The counter's identity check on a card with no PIN (jpki-renew(1), FACE
 * AUTHENTICATION CARDS): a face-authentication card, or a card a proxy's
 * no-PIN form turns into one.  Plugged into the renewal as
 * jpki_renew_card_opts.confirm_identity. */
#ifndef JPKI_RENEW_IDENTITY_H
#define JPKI_RENEW_IDENTITY_H

#include <stdbool.h>

#include "jpki/jpki.h"

typedef struct identity_check {
    bool checked; /* --identity-checked: the staff state it for every such card */
    bool may_ask; /* one card: ask on the terminal (never in a batch) */
} identity_check;

/* jpki_renew_card_opts.confirm_identity over an identity_check: JPKI_OK
 * with --identity-checked or a "yes" on the terminal; JPKI_ERR_STATE when
 * the answer is no (exit 1); JPKI_ERR_ARG with no terminal to ask on or in
 * a batch without --identity-checked (exit 2). */
jpki_rc identity_confirm(void *ctx, const char *serial, const char *reader, bool to_face,
                         jpki_error *err);

#endif
