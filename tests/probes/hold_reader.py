#!/usr/bin/python3
"""Hold a PC/SC transaction on a reader for a while, like another program
busy with the card (tests of the "reader busy" message).

Usage: hold_reader.py READER_INDEX SECONDS READY_FILE
Connects shared, begins a transaction, creates READY_FILE, sleeps SECONDS,
ends the transaction and disconnects.  Exit 2 on a PC/SC error."""
import sys
import time

from smartcard.scard import (SCARD_LEAVE_CARD, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1,
                             SCARD_S_SUCCESS, SCARD_SCOPE_SYSTEM, SCARD_SHARE_SHARED,
                             SCardBeginTransaction, SCardConnect, SCardDisconnect,
                             SCardEndTransaction, SCardEstablishContext, SCardListReaders,
                             SCardReleaseContext)


def main():
    idx, secs, ready = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    rv, ctx = SCardEstablishContext(SCARD_SCOPE_SYSTEM)
    if rv != SCARD_S_SUCCESS:
        return 2
    rv, names = SCardListReaders(ctx, [])
    if rv != SCARD_S_SUCCESS or idx >= len(names):
        return 2
    rv, card, _ = SCardConnect(ctx, names[idx], SCARD_SHARE_SHARED,
                               SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    if rv != SCARD_S_SUCCESS:
        return 2
    if SCardBeginTransaction(card) != SCARD_S_SUCCESS:
        return 2
    open(ready, "w").close()
    time.sleep(secs)
    SCardEndTransaction(card, SCARD_LEAVE_CARD)
    SCardDisconnect(card, SCARD_LEAVE_CARD)
    SCardReleaseContext(ctx)
    return 0


sys.exit(main())
