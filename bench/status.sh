#!/bin/bash
# jpki-status beside the peer a user would pick instead, OpenSC's
# pkcs15-tool, on the same virtual card at a real card's pace (--slow, default
# 20 ms per APDU), through the real pcscd + vpcd: APDUs (counted by the card
# itself, jpki-card-sim -v) and wall time, best of RUNS.  The peer is asked
# for what jpki-status prints about a card without a PIN -- the
# authentication certificate and the PIN counters -- in one process:
#   pkcs15-tool -r 0 --read-certificate 01 --list-pins
# (it still needs openssl to turn the certificate into dates, not counted;
# jpki-status also reads the card's other applications, not asked of the peer).
# Needs root (a private network + mount namespace with its own pcscd, like
# the integration tests).  Not run by make check.
# Usage: bench/status.sh [BUILD_DIR]   (RUNS=N, SLOW=MS to change defaults)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$src/$B ;; esac
if [ "$(id -u)" != 0 ]; then echo "status: needs root (private namespaces)"; exit 0; fi
command -v pkcs15-tool >/dev/null || { echo "status: pkcs15-tool (opensc) missing"; exit 0; }
inner=$(mktemp /tmp/jpki-bench.XXXXXX)
cat > "$inner" <<'INNER'
RUNS=${RUNS:-3}
SLOW=${SLOW:-20}
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card" --slow "$SLOW" -v
log="$W/sim.h.log"
apdus() { grep -c '^jpki-card-sim: #' "$log"; }
# measure NAME CMD...: best wall (ms) and the APDUs of one run
measure() {
    local name=$1; shift
    local best="" a0 a1 t0 t1 ms n=0
    for _ in $(seq "$RUNS"); do
        a0=$(apdus)
        t0=$(date +%s%N)
        "$@" > "$W/out.$name" 2>&1 || { echo "status: $name failed:" >&2; cat "$W/out.$name" >&2; }
        t1=$(date +%s%N)
        a1=$(apdus)
        n=$((a1 - a0))
        ms=$(((t1 - t0) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best $n"
}
j=$(measure jpki-status jpki-status -r 0 --json)
p=$(measure pkcs15-tool pkcs15-tool -r 0 --read-certificate 01 --list-pins)
grep -q '"not_after"' "$W/out.jpki-status" || echo "status: WARNING: jpki-status printed no certificate" >&2
grep -q 'BEGIN CERTIFICATE' "$W/out.pkcs15-tool" || echo "status: WARNING: pkcs15-tool read no certificate" >&2
awk -v j="$j" -v p="$p" -v s="$SLOW" 'BEGIN {
    split(j, a, " "); split(p, b, " ")
    printf "status: card at --slow %d ms/APDU, auth certificate + PIN counters, best of runs:\n", s
    printf "status:   jpki-status                                 %4d APDUs %6d ms\n", a[2], a[1]
    printf "status:   pkcs15-tool --read-certificate --list-pins  %4d APDUs %6d ms\n", b[2], b[1]
    printf "status: ratio pkcs15-tool / jpki-status: APDUs %.2fx, wall time %.2fx (above 1: jpki-status ahead)\n",
        b[2] / a[2], b[1] / a[1]
}'
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="$B/bin" RUNS="${RUNS:-3}" SLOW="${SLOW:-20}" \
    unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$inner" | grep '^status'
rm -f "$inner"
