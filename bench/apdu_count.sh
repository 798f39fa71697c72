#!/bin/bash
# APDUs per card variant: jpki-status and jpki-expiry-check (card mode)
# beside the minimum for the same information on that variant
# (bench/apdu_min.awk: each application and EF selected once, the retry
# counter queries, ceil(bytes / largest READ) per EF; the largest READ is
# 256 on short-APDU variants, 65536 on those whose description in
# jpki-card-sim --list-variants says "extended") and beside OpenSC on the
# same virtual card (pkcs15-tool --list-certificates and -D, counted at the
# card: jpki-card-sim -v logs one line per APDU).  Ratios are ours / theirs.
# Needs root (private namespaces with their own pcscd, like the tests).
# Usage: bench/apdu_count.sh [BUILD_DIR]
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$src/$B ;; esac
if [ "$(id -u)" != 0 ]; then echo "apdu_count: needs root (private namespaces)"; exit 0; fi
inner=$(mktemp /tmp/jpki-bench.XXXXXX)
cat > "$inner" <<'INNER'
pcscd_start 1
. tests/integration/variants.sh >/dev/null
# at_card NAME CMD...: APDUs the card answered while CMD ran
at_card() {
    local log=$JPKI_WORK/sim.$1.log before; shift
    before=$(grep -c '^jpki-card-sim: #[0-9]' "$log")
    "$@" >/dev/null 2>&1
    echo $(( $(grep -c '^jpki-card-sim: #[0-9]' "$log") - before ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
for v in $variants; do
    max=256
    jpki-card-sim --list-variants 2>/dev/null | awk -F'\t' -v v="$v" '$1 == v' | grep -qi extended &&
        max=65536
    variant_card "$v" "$JPKI_WORK/$v.card"
    sim_start "$v" 0 "$JPKI_WORK/$v.card" -v
    jpki-status -r 0 --json --trace >/dev/null 2>"$JPKI_WORK/$v.trace"
    read -r n min < <(awk -v max="$max" -f bench/apdu_min.awk "$JPKI_WORK/$v.trace")
    jpki-expiry-check -r 0 --trace >/dev/null 2>"$JPKI_WORK/$v.exp"
    read -r en emin < <(awk -v max="$max" -f bench/apdu_min.awk "$JPKI_WORK/$v.exp")
    ol=$(at_card "$v" pkcs15-tool -r 0 --list-certificates)
    od=$(at_card "$v" pkcs15-tool -r 0 -D)
    printf 'apdu_count: %-15s jpki-status %3d, minimum %3d (x%s), pkcs15-tool --list-certificates %3d (x%s), -D %3d (x%s); jpki-expiry-check %d (minimum %d)\n' \
        "$v" "$n" "$min" "$(ratio "$n" "$min")" "$ol" "$(ratio "$n" "$ol")" "$od" "$(ratio "$n" "$od")" "$en" "$emin"
    sim_stop "$v"
    wait_card 0 absent
done
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="${JPKI_BIN_DIR:-$B/bin}" \
    unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$inner" | grep '^apdu_count'
rm -f "$inner"
