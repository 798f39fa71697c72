#!/bin/bash
# APDUs jpki-status sends per card variant, beside the minimum for the same
# information on that variant: every APDU that is not a READ BINARY (the
# SELECTs and the no-data VERIFYs of the PIN counters) plus, per EF read,
# ceil(bytes read / largest read the variant allows): 256 on short-APDU
# variants, 65536 on those announcing extended length (their description in
# jpki-card-sim --list-variants says "extended").  Counted from jpki-status
# --trace.  Needs root (private namespaces with their own pcscd, like the tests).
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
for v in $variants; do
    max=256
    jpki-card-sim --list-variants 2>/dev/null | awk -F'\t' -v v="$v" '$1 == v' | grep -qi extended &&
        max=65536
    variant_card "$v" "$JPKI_WORK/$v.card"
    sim_start "$v" 0 "$JPKI_WORK/$v.card"
    jpki-status -r 0 --json --trace >/dev/null 2>"$JPKI_WORK/$v.trace"
    awk -v v="$v" -v max="$max" '
        / #[0-9]+ > / { n++; ef = ""; if ($0 ~ /READ BINARY EF /) { reads++; split($0, a, "READ BINARY EF "); ef = substr(a[2], 1, 4); seen[ef] = 1 } }
        / #[0-9]+ < / && ef != "" { if (match($0, /\| [0-9]+ bytes/)) bytes[ef] += substr($0, RSTART + 2, RLENGTH - 8) + 0 }
        END {
            min = n - reads
            for (e in seen) min += bytes[e] > 0 ? int((bytes[e] + max - 1) / max) : 1
            printf "apdu_count: %-16s jpki-status %3d APDUs, minimum %3d (max read %d)\n", v, n, min, max
        }' "$JPKI_WORK/$v.trace"
    sim_stop "$v"
    wait_card 0 absent
done
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="${JPKI_BIN_DIR:-$B/bin}" \
    unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$inner" | grep '^apdu_count'
rm -f "$inner"
