/* PC/SC return values to distinct libjpki codes, so a script can tell "start
 * pcscd" from "plug in a reader" from "insert the card" from "the card was
 * pulled" from "the reader was unplugged". */
#include <stdio.h>

#include "pcsc_internal.h"

jpki_rc jpki_pcsc_map_error(LONG rv, pcsc_phase phase, const char *reader,
                            const char *what, jpki_error *err)
{
    const char *r = reader && *reader ? reader : "PC/SC";
    jpki_rc rc;
    switch (rv) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
        rc = jpki_error_set(err, JPKI_ERR_NO_SERVICE,
                            "%s: the PC/SC service (pcscd) is not running", what);
        break;
    case SCARD_F_COMM_ERROR:
        /* libpcsclite's answer when its socket to pcscd breaks: pcscd was
         * stopped (or died) in the middle of the operation. */
        rc = jpki_error_set(err, JPKI_ERR_NO_SERVICE,
                            "%s: %s: the PC/SC service (pcscd) went away", r, what);
        break;
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
        if (phase == PCSC_PHASE_OPEN)
            rc = jpki_error_set(err, JPKI_ERR_NO_READER, "%s: %s: reader not available", r, what);
        else
            rc = jpki_error_set(err, JPKI_ERR_READER_GONE,
                                "%s: %s: the reader was disconnected", r, what);
        break;
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
        if (phase == PCSC_PHASE_OPEN)
            rc = jpki_error_set(err, JPKI_ERR_NO_CARD, "%s: no card in the reader", r);
        else
            rc = jpki_error_set(err, JPKI_ERR_CARD_REMOVED,
                                "%s: %s: the card was removed", r, what);
        break;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
        rc = jpki_error_set(err, JPKI_ERR_NO_CARD,
                            "%s: the card does not respond (inserted the right way round?)", r);
        break;
    case SCARD_W_RESET_CARD:
        /* Someone else reset the card: PINs verified in this session are no
         * longer verified.  Never retried silently -- a retried VERIFY would
         * spend a try the user did not agree to spend. */
        rc = jpki_error_set(err, JPKI_ERR_STATE,
                            "%s: %s: the card was reset by another program; its security "
                            "state (verified PINs) is lost, start the operation again", r, what);
        break;
    case SCARD_E_SHARING_VIOLATION:
        rc = jpki_error_set(err, JPKI_ERR_BUSY,
                            "%s: %s: reader busy (held by another program in exclusive use)", r,
                            what);
        break;
    default:
        rc = jpki_error_set(err, JPKI_ERR_PCSC, "%s: %s: %s (0x%08lX)", r, what,
                            pcsc_stringify_error(rv), (unsigned long)rv);
        break;
    }
    if (err)
        err->detail = (long)rv;
    return rc;
}
