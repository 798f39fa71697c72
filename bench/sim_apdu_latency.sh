#!/bin/bash
# APDU round trip through the real pcscd + vpcd + jpki-card-sim, printed as
# a ratio to the ~48 ms that each APDU costs when delayed ACKs are not
# defeated (the TCP_QUICKACK trap, see jpki-card-sim(1)).  Needs root (a
# private network + mount namespace with its own pcscd, like the tests).
# Usage: bench/sim_apdu_latency.sh [BUILD_DIR]
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$src/$B ;; esac
if [ "$(id -u)" != 0 ]; then echo "sim_apdu_latency: needs root (private namespaces)"; exit 0; fi
inner=$(mktemp /tmp/jpki-bench.XXXXXX)
cat > "$inner" <<'INNER'
pcscd_start 1
make_card hanako "$JPKI_WORK/h.card"
sim_start h 0 "$JPKI_WORK/h.card"
N=300
args=(-s "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" -s "00 A4 02 0C 02 00 0A")
for _ in $(seq $N); do args+=(-s "00 B0 00 00 00"); done
t0=$(date +%s%N)
opensc-tool -r 0 -c jpki "${args[@]}" > "$JPKI_WORK/out" 2>&1
t1=$(date +%s%N)
got=$(grep -c "SW1=0x90" "$JPKI_WORK/out")
awk -v ns=$((t1 - t0)) -v n=$((N + 2)) -v got="$got" 'BEGIN {
    ms = ns / 1e6 / n
    printf "sim_apdu_latency: %d APDUs (%d answered 9000), %.3f ms per APDU\n", n, got, ms
    printf "sim_apdu_latency: ratio to the 48 ms delayed-ACK trap: %.1fx faster\n", 48 / ms
}'
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="$B/bin" \
    unshare -m -n --fork "$src/tests/harness/isolated.sh" "$inner" | grep '^sim_apdu_latency'
rm -f "$inner"
