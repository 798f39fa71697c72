#!/bin/bash
# jpki-renew's own cost and the batch's throughput, through the real pcscd +
# vpcd + jpki-card-sim and the test CA.
#  1. Per card (both certificates): wall time split into card + transport
#     time (the sum of the APDU round trips the --trace reports), CA time
#     (measured by a wrapper around jpki-ca) and what is left: the tool's
#     own overhead, as a share of the wall time.  The same card at --slow S
#     confirms the APDU count: the wall time grows by about count x S.
#  2. Batch throughput with the card slowed to a real card's pace (--slow,
#     default 20 ms per APDU): one reader vs three readers in parallel, as
#     cards per minute and the speedup over one reader (ideal 3.0x).
# Needs root (a private network + mount namespace with its own pcscd, like
# the integration tests).  Not run by make check.
# Usage: bench/renew.sh [BUILD_DIR]   (RUNS=N, SLOW=MS to change defaults)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$src/$B ;; esac
if [ "$(id -u)" != 0 ]; then echo "renew: needs root (private namespaces)"; exit 0; fi
[ -x "$B/bin/jpki-renew" ] || { echo "renew: build first ($B/bin/jpki-renew missing)"; exit 0; }
inner=$(mktemp /tmp/jpki-bench.XXXXXX)
cat > "$inner" <<'INNER'
RUNS=${RUNS:-3}
SLOW=${SLOW:-20}
W=$JPKI_WORK
pcscd_start 2
IKEY=(--issuer-key-file "$W/issuer.key")
( umask 077; printf '1234\nABC123\n' > "$W/pins" )
make_ca
cat > "$W/ca.sh" <<EOF
#!/bin/sh
t0=\$(date +%s%N)
jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
rc=\$?
echo \$((\$(date +%s%N) - t0)) >> "$W/ca.ns"
exit \$rc
EOF
chmod +x "$W/ca.sh"
now_ns() { date +%s%N; }

# ---- 1. one card, both certificates ----
tot_wall=0; tot_apdu=0; tot_ca=0; apdus=0
for run in $(seq "$RUNS"); do
    make_card hanako "$W/h$run.card"
    sim_start h 0 "$W/h$run.card"
    : > "$W/ca.ns"
    t0=$(now_ns)
    jpki-renew -r 0 --pin-file "$W/pins" "${IKEY[@]}" --ca-cmd "$W/ca.sh" --trace \
        > /dev/null 2> "$W/trace"
    t1=$(now_ns)
    sim_stop h; wait_card 0 absent; sleep 1
    # annotated trace: "[reader] #N < 9000: success | 28 bytes | 0.04 ms"
    apdu_ms=$(sed -n 's/.* #[0-9]* < .*| \([0-9.]*\) ms$/\1/p' "$W/trace" |
        awk '{ s += $1 } END { printf "%.3f", s }')
    n=$(grep -c ' #[0-9]* < ' "$W/trace")
    ca_ns=$(awk '{ s += $1 } END { print s + 0 }' "$W/ca.ns")
    tot_wall=$((tot_wall + t1 - t0)); tot_ca=$((tot_ca + ca_ns)); apdus=$n
    tot_apdu=$(awk -v a="$tot_apdu" -v b="$apdu_ms" 'BEGIN { printf "%.3f", a + b }')
done
awk -v w="$tot_wall" -v a="$tot_apdu" -v c="$tot_ca" -v r="$RUNS" -v n="$apdus" 'BEGIN {
    wall = w / 1e6 / r; apdu = a / r; ca = c / 1e6 / r; over = wall - apdu - ca
    printf "renew: per card (both certificates, %d runs): %d APDUs\n", r, n
    printf "renew:   wall %.1f ms = card+transport %.1f ms + CA %.1f ms + tool %.1f ms\n", wall, apdu, ca, over
    printf "renew:   tool overhead %.1f%% of the wall time; %.2f ms per APDU of tool time\n", 100 * over / wall, over / n
}'

# Same card at --slow: the growth matches the APDU count.
make_card hanako "$W/hs.card"
sim_start h 0 "$W/hs.card" --slow "$SLOW"
t0=$(now_ns)
jpki-renew -r 0 --pin-file "$W/pins" "${IKEY[@]}" --ca-cmd "$W/ca.sh" > /dev/null 2>&1
t1=$(now_ns)
sim_stop h; wait_card 0 absent; sleep 1
awk -v w0="$tot_wall" -v r="$RUNS" -v w1=$((t1 - t0)) -v n="$apdus" -v s="$SLOW" 'BEGIN {
    d = (w1 - w0 / r) / 1e6
    printf "renew: at --slow %d: wall %.0f ms, +%.0f ms for %d APDUs x %d ms = %.0f ms expected (ratio %.2f)\n",
        s, w1 / 1e6, d, n, s, n * s, d / (n * s)
}'

# ---- 2. batch throughput, card at a real card's pace ----
( umask 077; for s in 900000000000001 900000000000002 900000000000003; do
      printf '%s 1234 ABC123\n' $s; done > "$W/pins.map" )
batch() { # TAG READERS...: renew the cards in those readers, print seconds
    local tag=$1; shift
    local r i=0 p
    for p in hanako taro ichiko; do
        [ $i -lt $# ] || break
        make_card $p "$W/$p.$tag.card"
        sim_start "$p" "${@:$((i + 1)):1}" "$W/$p.$tag.card" --slow "$SLOW"
        i=$((i + 1))
    done
    jpki-status --all --cbor > "$W/rec.$tag" 2>/dev/null
    local t0 t1
    t0=$(now_ns)
    jpki-renew --batch --journal "$W/j.$tag" --pin-map "$W/pins.map" "${IKEY[@]}" \
        --ca-cmd "$W/ca.sh" < "$W/rec.$tag" > "$W/out.$tag" 2>&1
    t1=$(now_ns)
    for p in hanako taro ichiko; do sim_stop $p; done
    for r in "$@"; do wait_card "$r" absent; done
    sleep 1
    grep -q " renewed, 0 skipped, 0 failed" "$W/out.$tag" || { cat "$W/out.$tag" >&2; }
    awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }'
}
s1=$(batch one 0)
s3=$(batch three 0 1 2)
awk -v a="$s1" -v b="$s3" -v s="$SLOW" 'BEGIN {
    r1 = 60 / a; r3 = 3 * 60 / b
    printf "renew: batch at --slow %d ms/APDU: 1 reader: 1 card in %.2f s = %.1f cards/min\n", s, a, r1
    printf "renew: batch at --slow %d ms/APDU: 3 readers: 3 cards in %.2f s = %.1f cards/min\n", s, b, r3
    printf "renew: parallel speedup %.2fx (ideal 3.00x)\n", r3 / r1
}'
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="$B/bin:$B/tests/tools" RUNS="${RUNS:-3}" SLOW="${SLOW:-20}" \
    unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$inner" | grep '^renew'
rm -f "$inner"
