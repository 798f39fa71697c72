# The journal records each certificate kind separately: a card renewed for
# its auth certificate can later be renewed for its signature certificate
# with the same journal, and neither kind is ever renewed twice.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
AP=$(pins_file h.auth 1234)
SP=$(pins_file h.sign ABC123)
J="$W/kinds.j"

out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" --journal "$J" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "auth renewed (exit 0)" test "$rc" = 0
check "auth: renewed" contains "$out" "auth: renewed"
check "journal done record names auth" test "$(journal_lines "$J" | tail -1 | cut -d' ' -f2)" = done

out=$(jpki-renew -r 0 --cert sign --pin-file "$SP" "${IKEY[@]}" --journal "$J" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "sign later, same journal: exit 0" test "$rc" = 0
check "sign renewed, not skipped" contains "$out" "sign: renewed"
check "no 'skipped'" not_contains "$out" "skipped"
cert_pem 0 02 "$W/sign.pem" ABC123
check "the card's sign certificate was issued by the test CA now (valid today)" \
    openssl x509 -in "$W/sign.pem" -noout -checkend 0

out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" --journal "$J" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "auth again: skipped (exit 0)" test "$rc" = 0
check "says skipped" contains "$out" "skipped"
out=$(jpki-renew -r 0 --cert sign --pin-file "$SP" "${IKEY[@]}" --journal "$J" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "sign again: skipped" contains "$out" "skipped"
out=$(jpki-renew -r 0 --pin-file "$(pins_file h.both 1234 ABC123)" "${IKEY[@]}" --journal "$J" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "both, both done: skipped" contains "$out" "skipped"
finish
