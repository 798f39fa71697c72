#!/usr/bin/python3
"""Read a My Number Card the way public readers do (python3-pyscard, no
jpki-tools code): certificates in whole 256-byte blocks with Le=00 accepting
only 9000, the 17-byte My Number read, basic-4 (FF 20 with a short or an
"82 00 xx" length, DF21..DF25), the seven PIN counters by no-data VERIFY,
GET CHALLENGE with short Le values.

Usage: reader_probe.py READER_INDEX CHECK...   CHECK: certs mynumber basic4
pins challenge.  The card-info PIN comes from $JPKI_PROBE_CARDINFO_PIN (never
argv).  Prints "ok - CHECK: what" / "not ok - CHECK: what" lines; exit 0 when
all pass, 1 when one failed, 2 on a PC/SC error."""
import os
import sys

from smartcard.System import readers

AID_JPKI = "D392F000260100000001"
AID_CARDINFO = "D3921000310001010408"
AID_VISUAL = "D3921000310001010402"
AID_REGISTRY = "D3921000310001010401"
# The seven PINs jpki/myna's "pin status" asks about: (name, AID, EF).
PINS = [("jpki-auth", AID_JPKI, 0x0018), ("jpki-sign", AID_JPKI, 0x001B),
        ("cardinfo-pin", AID_CARDINFO, 0x0011), ("cardinfo-a", AID_CARDINFO, 0x0014),
        ("cardinfo-b", AID_CARDINFO, 0x0015), ("visual-a", AID_VISUAL, 0x0013),
        ("visual-b", AID_VISUAL, 0x0012), ("registry", AID_REGISTRY, 0x001C)]

failures = 0


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print("%s - %s" % ("ok" if ok else "not ok", what))


class Card:
    def __init__(self, conn):
        self.conn = conn

    def tx(self, hexapdu):
        data, sw1, sw2 = self.conn.transmit(list(bytes.fromhex(hexapdu.replace(" ", ""))))
        return bytes(data), (sw1 << 8) | sw2

    def select_app(self, aid):
        return self.tx("00A4040C%02X%s" % (len(aid) // 2, aid))[1]

    def select_ef(self, ef):
        return self.tx("00A4020C02%04X" % ef)[1]


def ber_size(b):
    """(header length, content length) of a BER object, long or short form,
    non-minimal lengths accepted; None if b does not start one."""
    if len(b) < 2:
        return None
    i = 1
    if b[0] & 0x1F == 0x1F:  # multi-byte tag (FF 20, DF21 ...)
        while i < len(b) and b[i] & 0x80:
            i += 1
        i += 1
    if i >= len(b):
        return None
    first = b[i]
    if first < 0x80:
        return i + 1, first
    n = first & 0x7F
    if n == 0 or n > 3 or i + 1 + n > len(b):
        return None
    return i + 1 + n, int.from_bytes(b[i + 1:i + 1 + n], "big")


def read_blocks(card, what):
    """Whole 256-byte blocks (Le=00) until the DER object is complete; only
    9000 is accepted (6282 breaks these readers)."""
    buf = b""
    total = None
    while total is None or len(buf) < total:
        data, sw = card.tx("00B0%04X00" % len(buf))
        if sw != 0x9000:
            report(False, "%s: READ BINARY at %d answered %04X" % (what, len(buf), sw))
            return None
        buf += data
        if total is None:
            h = ber_size(buf)
            if h is None:
                report(False, "%s: no BER header" % what)
                return None
            total = h[0] + h[1]
        if len(data) < 256 and len(buf) < total:
            report(False, "%s: file ended at %d of %d bytes" % (what, len(buf), total))
            return None
    return buf[:total]


def check_certs(card):
    report(card.select_app(AID_JPKI) == 0x9000, "certs: SELECT JPKI AID")
    for name, ef in (("auth", 0x000A), ("auth-ca", 0x000B), ("sign-ca", 0x0002)):
        card.select_ef(ef)
        der = read_blocks(card, "certs: %s" % name)
        if der is not None:
            report(der[0] == 0x30 and der[1] in (0x81, 0x82),
                   "certs: %s read in 256-byte blocks (%d bytes)" % (name, len(der)))


def cardinfo_pin(card):
    pin = os.environ.get("JPKI_PROBE_CARDINFO_PIN", "")
    card.select_app(AID_CARDINFO)
    card.select_ef(0x0011)
    sw = card.tx("00200080%02X%s" % (len(pin), pin.encode().hex()))[1]
    report(sw == 0x9000, "card-info PIN verifies (%04X)" % sw)


def check_mynumber(card):
    cardinfo_pin(card)
    card.select_ef(0x0001)
    data, sw = card.tx("00B0000011")
    report(sw == 0x9000 and len(data) == 17,
           "mynumber: 17-byte read answers %04X with %d bytes" % (sw, len(data)))
    report(data[:3] == b"\xff\x10\x0c" and data[3:15].isdigit(),
           "mynumber: FF 10 0C + 12 digits")


def check_basic4(card):
    cardinfo_pin(card)
    card.select_ef(0x0002)
    obj = read_blocks(card, "basic4")
    if obj is None:
        return
    report(obj[:2] == b"\xff\x20", "basic4: FF 20 template")
    long_form = obj[2] == 0x82
    report(not long_form or (obj[3] == 0 and obj[4] >= 0x80),
           "basic4: length %s" % ("82 00 %02X" % obj[4] if long_form else "%02X" % obj[2]))
    hdr, _ = ber_size(obj)
    tags, i = [], hdr
    while i < len(obj):
        h = ber_size(obj[i:])
        if h is None:
            break
        tags.append(obj[i:i + 2].hex().upper())
        i += h[0] + h[1]
    report(tags[:5] == ["DF21", "DF22", "DF23", "DF24", "DF25"], "basic4: items %s" % " ".join(tags))


def check_pins(card):
    for name, aid, ef in PINS:
        card.select_app(aid)
        card.select_ef(ef)
        sw = card.tx("00200080")[1]
        report(sw & 0xFFF0 == 0x63C0, "pins: %s (EF %04X) no-data VERIFY %04X" % (name, ef, sw))


def check_challenge(card):
    card.select_app(AID_JPKI)
    for le in (0x08, 0x0A, 0x10):
        data, sw = card.tx("00840000%02X" % le)
        report(sw == 0x9000 and len(data) == le,
               "challenge: Le=%02X answers %04X with %d bytes" % (le, sw, len(data)))


CHECKS = {"certs": check_certs, "mynumber": check_mynumber, "basic4": check_basic4,
          "pins": check_pins, "challenge": check_challenge}


def main(argv):
    if len(argv) < 3 or any(c not in CHECKS for c in argv[2:]):
        sys.stderr.write("reader_probe: usage: reader_probe.py READER_INDEX %s...\n"
                         % "|".join(CHECKS))
        return 2
    try:
        conn = readers()[int(argv[1])].createConnection()
        conn.connect()
        card = Card(conn)
        for c in argv[2:]:
            CHECKS[c](card)
        conn.disconnect()
    except Exception as e:  # one line, as the project's tools do
        sys.stderr.write("reader_probe: %s\n" % e)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
