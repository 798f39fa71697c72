# jpki-status --all --pin-map: the same PIN map as the batch lets the
# status records carry every card's signature certificate (read with its
# password, the retry counter checked first), so jpki-expiry-check sees the
# signature certificates too.  A card whose password has one try left is
# not tried; a card missing from the map is read as without a map.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
three_sample_cards
MAP=$(pins_file pins.map "$H 1234 ABC123" "$T 1234 ABC123")
sign_of() { jq -r "select(.serial == \"$1\") | .certs[] | select(.kind == \"sign\") | .$2" "$W/s.json"; }
sign_tries() { jq -r "select(.serial == \"$1\") | .pins[] | select(.pin == \"sign\") | .tries_left" "$W/s.json"; }

jpki-status --all --json --pin-map "$MAP" > "$W/s.json" 2>"$W/s.err"; rc=$?
sed 's/^/# /' "$W/s.err"
check "exit 0" test "$rc" = 0
check "hanako's signature certificate read (has not_after)" test "$(sign_of $H not_after)" != null
check "taro's too" test "$(sign_of $T not_after)" != null
check "ichiko (not in the map): not read" test "$(sign_of $I not_after)" = null
check "the right password costs no try" test "$(sign_tries $H)" = 5
jpki-status --all --cbor --pin-map "$MAP" --now 2099-01-01 2>/dev/null |
    jpki-expiry-check --filter --within 60d --now 2099-01-01 > "$W/due.cbor" 2>/dev/null
out=$(jpki-status --all --json --pin-map "$MAP" 2>&1 >/dev/null); :
check "the filter passes records with signature certificates on" test -s "$W/due.cbor"
check "--pin-map with --pin-file: exit 2" test "$(jpki-status --all --pin-map "$MAP" --pin-file "$MAP" >/dev/null 2>&1; echo $?)" = 2
check "unreadable --pin-map: exit 2" test "$(jpki-status --all --pin-map "$W/none" >/dev/null 2>&1; echo $?)" = 2

# a wrong password in the map: spent once per run, and never the last try
BAD=$(pins_file bad.map "$H 1234 WRONG99")
for n in 1 2 3 4 5; do jpki-status -r 0 --json --pin-map "$BAD" >/dev/null 2>&1; done
jpki-status --all --json > "$W/s.json" 2>/dev/null
check "five runs with a wrong password leave the last try (1)" test "$(sign_tries $H)" = 1
finish
