# Every card variant jpki-card-sim offers (contact, contact-ext, contactless,
# ...: jpki-card-sim --list-variants) through pcscd, with every tool that
# talks to a card: status, expiry check, raw APDUs, a holder renewal, a PIN
# reset and the face-authentication switch.  One fresh card per variant, so a
# tool that works only on the default card's frame sizes, status words or
# file layout shows up as "not ok - VARIANT: TOOL".
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
K=$W/issuer.key
pcscd_start 1

. tests/integration/variants.sh

for v in $variants; do
    S=$W/$v.card
    # shellcheck disable=SC2046 # variant_opt prints two words
    variant_card "$v" "$S"
    check "$v: card created" test -s "$S"
    sim_start "$v" 0 "$S"

    out=$(jpki-status -r 0 --json --now 2025-01-01 2>&1); rc=$?
    check "$v: jpki-status" test "$rc" = 0 -a -n "$(grep -F '"days_left":89' <<<"$out")" \
        -a -n "$(grep -F '{"pin":"sign","tries_left":5,"max":5' <<<"$out")"

    out=$(jpki-expiry-check -r 0 --now 2024-01-01 2>&1); rc=$?
    check "$v: jpki-expiry-check" test "$rc" = 0
    out=$(jpki-expiry-check -r 0 --now 2025-04-01 2>&1); rc=$?
    check "$v: jpki-expiry-check (expired)" test "$rc" = 2

    out=$(jpki-apdu -r 0 '00:A4:04:0C:0A D392F000260100000001' 2>&1); rc=$?
    check "$v: jpki-apdu" test "$rc" = 0 -a -n "$(grep -i '90 *00' <<<"$out")"

    P=$(pins_file "$v.pins" 1234 ABC123)
    out=$(jpki-renew -r 0 --pin-file "$P" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
    [ "$rc" = 0 ] || echo "$out" | sed "s/^/# $v renew: /"
    check "$v: jpki-renew" test "$rc" = 0 -a -n "$(grep 'auth: renewed' <<<"$out")" \
        -a -n "$(grep 'sign: renewed' <<<"$out")"

    F=$(pins_file "$v.newpin" 4826)
    out=$(jpki-reset-pin -r 0 --pin-file "$F" --issuer-key-file "$K" auth 2>&1); rc=$?
    [ "$rc" = 0 ] || echo "$out" | sed "s/^/# $v reset: /"
    check "$v: jpki-reset-pin" test "$rc" = 0

    out=$(jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$K" </dev/null 2>&1); rc=$?
    [ "$rc" = 0 ] || echo "$out" | sed "s/^/# $v face: /"
    st=$(jpki-status -r 0 --json 2>/dev/null)
    check "$v: jpki-face-auth-switch" test "$rc" = 0 -a -n "$(grep -F '"mode":"face' <<<"$st")"

    sim_stop "$v"
    wait_card 0 absent
done
finish
