# Exit codes as README's table says, for the renewal tools: conflicting
# options and malformed input 2, an unreadable PIN file 2, the issuer key
# missing, unreadable or rejected by the card 5.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
code() { "$@" </dev/null >/dev/null 2>"$W/err"; echo $?; }
one_line() { test "$(wc -l < "$W/err")" = 1; }

check "jpki-status --json --cbor: 2" test "$(code jpki-status -r 0 --json --cbor)" = 2
check "  one line" one_line
check "jpki-status --table --json: 2" test "$(code jpki-status -r 0 --table --json)" = 2
check "jpki-face-auth-switch two --to: 2" test "$(code jpki-face-auth-switch -r 0 --to face --to pin "${IKEY[@]}" --yes)" = 2
check "jpki-status unreadable --pin-file: 2" test "$(code jpki-status -r 0 --pin-file "$W/nope")" = 2
check "jpki-renew without issuer key: 5" test "$(code jpki-renew -r 0 --ca-cmd "$RENEW_CA" --pin-file "$W/nope")" = 5
check "jpki-renew unreadable issuer key: 5" test "$(code jpki-renew -r 0 --issuer-key-file "$W/nope" --ca-cmd "$RENEW_CA")" = 5
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$W/wrong.key"; chmod 600 "$W/wrong.key"
rc=$(code jpki-renew -r 0 --issuer-key-file "$W/wrong.key" --ca-cmd "$RENEW_CA" --pin-file "$(pins_file p 1234 ABC123)")
sed 's/^/# /' "$W/err"
check "jpki-renew with an issuer key the card rejects: 5" test "$rc" = 5
check "jpki-renew unreadable --pin-file: 2" test "$(code jpki-renew -r 0 --cert auth "${IKEY[@]}" --ca-cmd "$RENEW_CA" --pin-file "$W/nope")" = 2
sed 's/^/# /' "$W/err"
check "  one line" one_line
echo 'not a record' > "$W/bad.in"
MAP=$(pins_file m "900000000000001 1234 ABC123")
rc=$(jpki-renew --batch --journal "$W/j" --pin-map "$MAP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" < "$W/bad.in" >/dev/null 2>"$W/err"; echo $?)
check "jpki-renew --batch on malformed records: 2" test "$rc" = 2
check "  one line" one_line
check "the card's counters untouched (3 5)" test "$(tries 0)" = "3 5"
finish
