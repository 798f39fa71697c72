# The demo's steps; sourced by tests/harness/isolated.sh (see tools/demo.sh),
# so the harness functions (pcscd_start, make_card, sim_start) are at hand.
W=$JPKI_WORK
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
demo_failed() { echo "demo: FAILED: $*" >&2; exit 1; }

say "a private pcscd with a virtual reader, and 番号 花子's card in it"
pcscd_start 1 || demo_failed "pcscd did not start"
make_card hanako "$W/hanako.card" || demo_failed "could not create the card"
sim_start hanako 0 "$W/hanako.card" || demo_failed "the card did not appear"
echo "test CA in $W/ca, issuer key in $W/issuer.key (mode $(stat -c %a "$W/issuer.key"))"

say "the card as field staff see it"
run jpki-status --table || demo_failed "jpki-status"

say "is it time to renew? (exit 0 valid, 1 expiring, 2 expired, 3 unknown)"
run jpki-expiry-check; echo "exit status: $?"

say "renew both certificates; PINs from a private file, never the command line"
umask 077
printf '1234\nABC123\n' > "$W/pins"
run jpki-renew --cert both --pin-file "$W/pins" --issuer-key-file "$W/issuer.key" \
    --ca-cmd "jpki-ca issue --dir $W/ca" || demo_failed "jpki-renew"
rm -f "$W/pins"

say "the card after renewal"
run jpki-status --table || demo_failed "jpki-status"
run jpki-expiry-check || demo_failed "the renewed certificates are not valid"

say "OpenSC reads the new authentication certificate; openssl verifies it against the test CA"
run pkcs15-tool -r 0 --read-certificate 01 -o "$W/auth.pem" || demo_failed "pkcs15-tool"
run openssl verify -CAfile "$W/ca/auth-ca.crt" "$W/auth.pem" || demo_failed "openssl verify"

say "demo done"
