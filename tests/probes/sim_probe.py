#!/usr/bin/python3
"""Probe a card through PC/SC with python3-pyscard (no jpki-tools code).

Usage: sim_probe.py READER_INDEX [APDU_HEX ...]
Prints "atr XX XX ..." and then, per APDU, "sw XXXX len N data XX..." (data
in hex, without spaces).  Exit 0 when every APDU was transmitted, 2 on a
PC/SC error (message on stderr)."""
import sys

from smartcard.System import readers
from smartcard.util import toHexString


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("sim_probe: usage: sim_probe.py READER_INDEX [APDU_HEX ...]\n")
        return 2
    try:
        rs = readers()
        conn = rs[int(argv[1])].createConnection()
        conn.connect()
        print("atr " + toHexString(conn.getATR()))
        for hexapdu in argv[2:]:
            apdu = list(bytes.fromhex(hexapdu.replace(" ", "")))
            data, sw1, sw2 = conn.transmit(apdu)
            print("sw %02X%02X len %d data %s" % (sw1, sw2, len(data), bytes(data).hex().upper()))
        conn.disconnect()
    except Exception as e:  # one line, as the project's tools do
        sys.stderr.write("sim_probe: %s\n" % e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
