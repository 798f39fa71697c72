# APDU budgets on every card variant (each APDU costs milliseconds on a real
# card): jpki-status sends at most the minimum for its information + 2
# (bench/apdu_min.awk: each application and EF selected once, the retry
# counter queries, ceil(bytes / largest READ) READs per EF -- so a
# re-SELECT, a 4-byte header probe or short chunks count against it; one
# READ per certificate where the card announces extended length), and
# jpki-expiry-check reads a card in at most 5.  Counted twice: from our
# --trace and at the card (jpki-card-sim -v logs one line per APDU).
pcscd_start 1
. tests/integration/variants.sh

card_count() { grep -c '^jpki-card-sim: #[0-9]' "$JPKI_WORK/sim.$1.log"; }

for v in $variants; do
    max=256
    jpki-card-sim --list-variants | awk -F'\t' -v v="$v" '$1 == v' | grep -qi extended && max=65536
    variant_card "$v" "$JPKI_WORK/$v.card"
    sim_start "$v" 0 "$JPKI_WORK/$v.card" -v
    T=$JPKI_WORK/$v.trace

    before=$(card_count "$v")
    jpki-status -r 0 --json --trace >"$JPKI_WORK/$v.json" 2>"$T"; rc=$?
    at_card=$(( $(card_count "$v") - before ))
    read -r n min < <(awk -v max="$max" -f bench/apdu_min.awk "$T")
    echo "# $v: jpki-status $n APDUs (card saw $at_card), minimum $min"
    check "$v: jpki-status succeeds" test "$rc" = 0
    check "$v: jpki-status: trace and card agree ($n, $at_card)" test "$n" = "$at_card"
    check "$v: jpki-status within minimum + 2 ($n <= $min + 2)" test "$n" -gt 0 -a "$n" -le $((min + 2))
    check "$v: jpki-status still reads every certificate it shows" \
        test "$(grep -o '"subject":' "$JPKI_WORK/$v.json" | wc -l)" = 3
    reads=$(grep -c '> READ BINARY EF 000A' "$T")
    if [ "$max" = 65536 ]; then
        check "$v: one READ for the auth certificate (extended length)" test "$reads" = 1
    else
        check "$v: auth certificate in 256-byte READs ($reads)" test "$reads" -le 5
    fi

    before=$(card_count "$v")
    out=$(jpki-expiry-check -r 0 --now 2024-06-01 --trace 2>"$T.exp"); rc=$?
    at_card=$(( $(card_count "$v") - before ))
    n=$(grep -c ' #[0-9]* > ' "$T.exp")
    echo "# $v: jpki-expiry-check $n APDUs (card saw $at_card)"
    check "$v: jpki-expiry-check on the card: exit 0" test "$rc" = 0
    check "$v: jpki-expiry-check at most 5 APDUs ($at_card)" test "$at_card" -gt 0 -a "$at_card" -le 5
    check "$v: jpki-expiry-check reports the auth certificate" contains "$out" "auth ok, not after 2025-03-31"
    check "$v: jpki-expiry-check names the card serial" contains "$out" "[card "
    sim_stop "$v"
    wait_card 0 absent
done
finish
