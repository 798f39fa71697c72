# The README's batch pipeline, jpki-status | jpki-expiry-check --filter |
# jpki-renew --batch, on the three sample cards: the filter can only see the
# authentication certificates (no signature password), so a due card gets
# both certificates renewed (the documented policy for an unread signature
# certificate), and afterwards every certificate, signature ones included,
# is valid.  A map marking the signature passwords '-' renews the
# authentication certificates only and says so on every card's line
# (jpki-renew(1)); a card missing from the map fails loudly instead of
# reporting a silent success.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
three_sample_cards
MAP=$(pins_file pins.map "$H 1234 ABC123" "$T 1234 ABC123" "$I 1234 ABC123")
NOW=--now=2099-01-01   # everything is due by then

pipeline() { # JOURNAL MAP
    jpki-status --all --cbor $NOW 2>/dev/null | jpki-expiry-check --filter --within 60d $NOW 2>/dev/null |
        jpki-renew --batch --journal "$1" --pin-map "$2" "${IKEY[@]}" --ca-cmd "$RENEW_CA"
}
jpki-status --all --cbor $NOW 2>/dev/null | jpki-expiry-check --filter --within 60d $NOW > "$W/due.cbor" 2>/dev/null
check "the filter passes the three cards on" test -s "$W/due.cbor"
out=$(pipeline "$W/p.j" "$MAP" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "pipeline exits 0" test "$rc" = 0
for s in $H $T $I; do
    check "$s renewed for both kinds" contains "$out" "$s ["
    check "$s: auth sign" test "$(printf '%s\n' "$out" | grep "^$s " | grep -c 'renewed: auth sign')" = 1
done
for r in 0 1 2; do
    cert_pem $r 02 "$W/sign.$r.pem" ABC123
    check "reader $r: signature certificate valid now" openssl x509 -in "$W/sign.$r.pem" -noout -checkend 0
    cert_pem $r 01 "$W/auth.$r.pem"
    check "reader $r: auth certificate valid now" openssl x509 -in "$W/auth.$r.pem" -noout -checkend 0
done
out=$(pipeline "$W/p.j" "$MAP" 2>&1); rc=$?
check "a rerun: exit 0" test "$rc" = 0
check "a rerun skips all three" contains "$out" "3 cards: 0 renewed, 3 skipped, 0 failed"

# a map declining the signature passwords: the due sign certificate is not
# renewed, and not silently either
for p in hanako taro ichiko; do sim_stop ${p:0:1}; done
for r in 0 1 2; do wait_card $r absent; done
sleep 1
for p in hanako taro ichiko; do make_card $p "$W/$p.2.card"; done
sim_start h 0 "$W/hanako.2.card"
sim_start t 1 "$W/taro.2.card"
sim_start i 2 "$W/ichiko.2.card"
AMAP=$(pins_file auth.map "$H 1234 -" "$T 1234 -" "$I 1234 -")
out=$(pipeline "$W/q.j" "$AMAP" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "'-' map: exit 0" test "$rc" = 0
check "'-' map: every card renewed for auth only, sign named as not renewed" \
    test "$(printf '%s\n' "$out" | grep -c "renewed: auth; not renewed: sign ('-' in the PIN map)")" = 3
# a card missing from the map: fails loudly, the others go on
for p in hanako taro ichiko; do sim_stop ${p:0:1}; done
for r in 0 1 2; do wait_card $r absent; done
sleep 1
for p in hanako taro ichiko; do make_card $p "$W/$p.3.card"; done
sim_start h 0 "$W/hanako.3.card"
sim_start t 1 "$W/taro.3.card"
sim_start i 2 "$W/ichiko.3.card"
PMAP=$(pins_file part.map "$H 1234 ABC123" "$T 1234 ABC123")
out=$(pipeline "$W/r.j" "$PMAP" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "a card not in the map: exit 6 (some failed)" test "$rc" = 6
check "the card not in the map is named" contains "$out" "card $I is not in the PIN map"
check "the others renewed" test "$(printf '%s\n' "$out" | grep -c '] renewed: auth sign')" = 2
finish
