#!/bin/bash
# jpki-renew's own cost and the batch's throughput, through the real pcscd +
# vpcd + jpki-card-sim and the test CA.
#  1. Per card (both certificates): wall time split into card + transport
#     time (the sum of the APDU round trips the --trace reports), CA time
#     (measured by a wrapper around jpki-ca) and what is left; and the
#     tool's own CPU time (user+sys of jpki-renew and the shells it starts,
#     minus the CA's own CPU), against its 10 ms budget.  The same card at
#     --slow S confirms the APDU count: the wall time grows by about count x S.
#  2. Batch throughput with the cards slowed to a real card's pace (--slow,
#     default 20 ms per APDU): the curve for 1, 2, 3 and 6 readers, as cards
#     per minute and the speedup over one reader, and where the CPU went
#     (the simulated cards, the CA, jpki-renew) against the cores there are.
# Needs root (a private network + mount namespace with its own pcscd, like
# the integration tests).  Not run by make check.
# Usage: bench/renew.sh [BUILD_DIR]   (RUNS=N, SLOW=MS, READERS="1 2 3 6")
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
case $B in /*) ;; *) B=$src/$B ;; esac
if [ "$(id -u)" != 0 ]; then echo "renew: needs root (private namespaces)"; exit 0; fi
[ -x "$B/bin/jpki-renew" ] || { echo "renew: build first ($B/bin/jpki-renew missing)"; exit 0; }
tools="$B/bench-cache/tools"
mkdir -p "$tools"
[ "$tools/runstat" -nt "$src/bench/runstat.c" ] || ${CC:-cc} -O2 -o "$tools/runstat" "$src/bench/runstat.c"
inner=$(mktemp /tmp/jpki-bench.XXXXXX)
cat > "$inner" <<'INNER'
RUNS=${RUNS:-3}
SLOW=${SLOW:-20}
W=$JPKI_WORK
pcscd_start 3 # six readers
IKEY=(--issuer-key-file "$W/issuer.key")
( umask 077; printf '1234\nABC123\n' > "$W/pins" )
make_ca
# The CA wrapper: wall time per certificate (ca.ns) and, through runstat,
# the CA's own CPU (ca.stat: WALL CPU RSS EXIT per certificate).
cat > "$W/ca.sh" <<EOF
#!/bin/sh
t0=\$(date +%s%N)
RUNSTAT_LOG="$W/ca.stat" "$RUNSTAT" - - jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
rc=\$?
echo \$((\$(date +%s%N) - t0)) >> "$W/ca.ns"
exit \$rc
EOF
chmod +x "$W/ca.sh"
now_ns() { date +%s%N; }
sum_col() { awk -v c="$2" '{ s += $c } END { printf "%.6f", s }' "$1"; }

# ---- 1. one card, both certificates ----
tot_wall=0; tot_apdu=0; tot_ca=0; apdus=0; tot_cpu=0; tot_cacpu=0
for run in $(seq "$RUNS"); do
    make_card hanako "$W/h$run.card"
    sim_start h 0 "$W/h$run.card"
    : > "$W/ca.ns"
    t0=$(now_ns)
    jpki-renew -r 0 --pin-file "$W/pins" "${IKEY[@]}" --ca-cmd "$W/ca.sh" --trace > /dev/null 2> "$W/trace"
    t1=$(now_ns)
    sim_stop h; wait_card 0 absent
    # annotated trace: "[reader] #N < 9000: success | 28 bytes | 0.04 ms"
    apdu_ms=$(sed -n 's/.* #[0-9]* < .*| \([0-9.]*\) ms$/\1/p' "$W/trace" |
        awk '{ s += $1 } END { printf "%.3f", s }')
    n=$(grep -c ' #[0-9]* < ' "$W/trace")
    ca_ns=$(awk '{ s += $1 } END { print s + 0 }' "$W/ca.ns")
    tot_wall=$((tot_wall + t1 - t0)); tot_ca=$((tot_ca + ca_ns)); apdus=$n
    tot_apdu=$(awk -v a="$tot_apdu" -v b="$apdu_ms" 'BEGIN { printf "%.3f", a + b }')
done
# CPU: untraced runs with a lean CA command (/bin/sh -c, as jpki-renew always
# runs it, exec'ing runstat around jpki-ca), so the wrapper's own processes
# are not charged to the tool; the sh -c is, as part of how the tool works.
lean_ca="RUNSTAT_LOG='$W/ca.stat' exec '$RUNSTAT' - - jpki-ca issue --dir '$W/ca' --kind \"\$JPKI_CERT_KIND\""
for run in $(seq "$RUNS"); do
    make_card hanako "$W/hc$run.card"
    sim_start h 0 "$W/hc$run.card"
    : > "$W/ca.stat"; : > "$W/renew.stat"
    RUNSTAT_LOG="$W/renew.stat" "$RUNSTAT" - /dev/null \
        jpki-renew -r 0 --pin-file "$W/pins" "${IKEY[@]}" --ca-cmd "$lean_ca" 2> "$W/cpu.err"
    grep -q ' 0$' "$W/renew.stat" || { echo "renew: CPU run failed:" >&2; cat "$W/cpu.err" >&2; }
    sim_stop h; wait_card 0 absent
    tot_cpu=$(awk -v a="$tot_cpu" -v b="$(sum_col "$W/renew.stat" 2)" 'BEGIN { printf "%.6f", a + b }')
    tot_cacpu=$(awk -v a="$tot_cacpu" -v b="$(sum_col "$W/ca.stat" 2)" 'BEGIN { printf "%.6f", a + b }')
done
awk -v w="$tot_wall" -v a="$tot_apdu" -v c="$tot_ca" -v r="$RUNS" -v n="$apdus" 'BEGIN {
    wall = w / 1e6 / r; apdu = a / r; ca = c / 1e6 / r; over = wall - apdu - ca
    printf "renew: per card (both certificates, %d runs): %d APDUs\n", r, n
    printf "renew:   wall %.1f ms = card+transport %.1f ms + CA %.1f ms + tool %.1f ms\n", wall, apdu, ca, over
    printf "renew:   tool overhead %.1f%% of the wall time; %.2f ms per APDU of tool time\n", 100 * over / wall, over / n
}'
awk -v c="$tot_cpu" -v a="$tot_cacpu" -v r="$RUNS" 'BEGIN {
    tool = (c - a) * 1000 / r
    printf "renew: tool CPU per card (user+sys of jpki-renew and its sh -c, the CA excluded): %.1f ms (budget 10 ms: %s); the CA: %.1f ms\n",
        tool, tool <= 10 ? "met" : "NOT met", a * 1000 / r
}'

# Same card at --slow: the growth matches the APDU count.
make_card hanako "$W/hs.card"
sim_start h 0 "$W/hs.card" --slow "$SLOW"
t0=$(now_ns)
jpki-renew -r 0 --pin-file "$W/pins" "${IKEY[@]}" --ca-cmd "$W/ca.sh" > /dev/null 2>&1
t1=$(now_ns)
sim_stop h; wait_card 0 absent
awk -v w0="$tot_wall" -v r="$RUNS" -v w1=$((t1 - t0)) -v n="$apdus" -v s="$SLOW" 'BEGIN {
    d = (w1 - w0 / r) / 1e6
    printf "renew: at --slow %d: wall %.0f ms, +%.0f ms for %d APDUs x %d ms = %.0f ms expected (ratio %.2f)\n",
        s, w1 / 1e6, d, n, s, n * s, d / (n * s)
}'

# ---- 2. batch throughput, cards at a real card's pace: the reader curve ----
personas=(hanako taro ichiko)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# batch K: renew K cards in readers 0..K-1 at once (own serials, one PIN map);
# prints "SECONDS CARDS_CPU CA_CPU RENEW_CPU" (CPU in seconds).
batch() {
    local k=$1 i serial s0=0 s1=0 t0 t1
    ( umask 077; for i in $(seq 0 $((k - 1))); do printf '9000000001%05d 1234 ABC123\n' "$i"; done > "$W/pins.$k" )
    for i in $(seq 0 $((k - 1))); do
        serial=$(printf '9000000001%05d' "$i")
        jpki-card-sim --new --state "$W/c$i.$k.card" --persona "${personas[$((i % 3))]}" --ca "$W/ca" \
            --issuer-key "$W/issuer.key" --serial "$serial" >/dev/null
        sim_start "b$i" "$i" "$W/c$i.$k.card" --slow "$SLOW"
    done
    jpki-status --all --cbor > "$W/rec.$k" 2>/dev/null
    for i in $(seq 0 $((k - 1))); do s0=$((s0 + $(cpu_ticks "$(cat "$W/sim.b$i.pid")"))); done
    : > "$W/ca.stat"; : > "$W/batch.stat"
    t0=$(now_ns)
    RUNSTAT_LOG="$W/batch.stat" "$RUNSTAT" "$W/rec.$k" "$W/out.$k" \
        jpki-renew --batch --journal "$W/j.$k" --pin-map "$W/pins.$k" "${IKEY[@]}" --ca-cmd "$W/ca.sh"
    t1=$(now_ns)
    for i in $(seq 0 $((k - 1))); do s1=$((s1 + $(cpu_ticks "$(cat "$W/sim.b$i.pid")"))); done
    for i in $(seq 0 $((k - 1))); do sim_stop "b$i"; done
    for i in $(seq 0 $((k - 1))); do wait_card "$i" absent; done
    grep -Eq "$k cards?: $k renewed, 0 skipped, 0 failed" "$W/out.$k" || { echo "renew: batch of $k:" >&2; cat "$W/out.$k" >&2; }
    awk -v ns=$((t1 - t0)) -v s=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" -v ca="$(sum_col "$W/ca.stat" 2)" \
        -v rn="$(sum_col "$W/batch.stat" 2)" 'BEGIN { printf "%.3f %.2f %.2f %.2f", ns / 1e9, s / hz, ca, rn - ca }'
}
t_one=""
for k in $READERS; do
    read -r secs sim ca rn <<< "$(batch "$k")"
    [ -n "$t_one" ] || t_one=$secs
    awk -v k="$k" -v t="$secs" -v t1="$t_one" -v sim="$sim" -v ca="$ca" -v rn="$rn" -v sl="$SLOW" -v cores="$(nproc)" 'BEGIN {
        printf "renew: batch at --slow %d: %d reader%s %d card%s in %5.2f s = %5.1f cards/min, speedup %.2fx (ideal %d.00x); CPU: cards %.2f s, CA %.2f s, jpki-renew %.2f s (%d cores)\n",
            sl, k, k == 1 ? ": " : "s:", k, k == 1 ? " " : "s", t, k * 60 / t, k * t1 / t, k, sim, ca, rn, cores
    }'
done
ok bench
finish
INNER
JPKI_SRC="$src" JPKI_BUILD="$B" JPKI_BIN_DIR="$B/bin:$B/tests/tools" RUNS="${RUNS:-3}" SLOW="${SLOW:-20}" \
    RUNSTAT="$tools/runstat" READERS="${READERS:-1 2 3 6}" \
    unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$inner" | grep '^renew'
rm -f "$inner"
