#!/usr/bin/python3
"""The peer jpki-expiry-check is measured against (bench/expiry-check.sh):
what a user would write instead -- one Python process with Debian's
python3-cryptography, reading the same PEM stream on stdin and counting
the certificates whose notAfter falls within DAYS.

Debian 12 ships cryptography 38, which has neither
load_pem_x509_certificates (39) nor not_valid_after_utc (42): the stream is
split into blocks here and each block goes to load_pem_x509_certificate,
and not_valid_after (naive UTC) is compared with a naive UTC "now".  The
split is a line scan, cheaper than the library's own PEM search, and it
streams (memory stays flat), so the peer is not handicapped.
Usage: expiry_peer.py DAYS < stream.pem   (prints: checked flagged)"""
import datetime
import sys

from cryptography import x509

BEGIN = b"-----BEGIN CERTIFICATE-----"
END = b"-----END CERTIFICATE-----"


def main():
    limit = datetime.datetime.utcnow() + datetime.timedelta(days=int(sys.argv[1]))
    checked = flagged = 0
    block = None
    for line in sys.stdin.buffer:
        if block is None:
            if line.startswith(BEGIN):
                block = [line]
            continue
        block.append(line)
        if line.startswith(END):
            cert = x509.load_pem_x509_certificate(b"".join(block))
            checked += 1
            if cert.not_valid_after <= limit:
                flagged += 1
            block = None
    print(checked, flagged)


main()
