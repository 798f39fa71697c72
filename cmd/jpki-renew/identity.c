/* The counter's identity check in place of a PIN (identity.h). */
#include <stdio.h>
#include <unistd.h>

#include "cli_counter.h"
#include "identity.h"
#include "private/i18n.h"

jpki_rc identity_confirm(void *ctx, const char *serial, const char *reader, bool to_face,
                         jpki_error *err)
{
    const identity_check *ic = ctx;
    if (ic->checked)
        return JPKI_OK;
    if (!ic->may_ask)
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "face-authentication card (no PIN): a batch renews it only with "
                              "--identity-checked; card unchanged");
    /* The question names the card, so the staff confirm for the card in
     * front of them, not for whatever sits in the reader. */
    char question[512];
    if (to_face)
        snprintf(question, sizeof question,
                 _("Card %s in reader \"%s\": the proxy's inquiry-and-answer form sets no PIN.\n"
                   "Switch it to a face-authentication card (every PIN disabled, the signature\n"
                   "certificate revoked) and renew its authentication certificate?"),
                 serial, reader);
    else
        snprintf(question, sizeof question,
                 _("Card %s in reader \"%s\" is a face-authentication card: no PIN is verified.\n"
                   "Has the holder's identity been checked at the counter (face recognition or a\n"
                   "visual check), so its authentication certificate can be renewed?"),
                 serial, reader);
    if (isatty(STDERR_FILENO)) {
        fprintf(stderr, "\r\033[K"); /* the progress line */
        fflush(stderr);
    }
    bool yes;
    if (!counter_ask(question, &yes))
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "face-authentication card (no PIN): no terminal to confirm the "
                              "counter's identity check on; pass --identity-checked; card unchanged");
    if (!yes)
        return jpki_error_set(err, JPKI_ERR_STATE,
                              "identity check not confirmed: cancelled; card unchanged");
    return JPKI_OK;
}
