#!/bin/bash
# Benchmark: jpki-expiry-check over one PEM stream of N certificates beside
# the strongest peers, in the same run:
#  - the Python peer a user would write instead: one /usr/bin/python3 process
#    with Debian's python3-cryptography (bench/expiry_peer.py; say how it
#    copes with cryptography 38), same stream, same threshold;
#  - the input's own floor: reading the stream and base64-decoding it and
#    nothing else.  Two candidates and the faster counts: bench/b64floor.c
#    (the same read path, a table decoder, armour lines skipped) and
#    coreutils `base64 -d` on the stream with its armour stripped beforehand
#    (the stripping is not timed, which favours it).
# Each is run 3 times; the best wall time counts (the machine is shared),
# CPU is user+sys of that run, peak RSS from wait4 (bench/runstat.c).
# Sizes: N (JPKI_BENCH_N, default 10 000) and a
# stream of 1 000 000 (the N-stream repeated; ~1 GB, cached; on by default,
# JPKI_BENCH_BIG=0 skips it) to show the
# memory stays flat.  The openssl loop of earlier versions (a process per
# certificate) is a footnote on a 200-certificate sample.
# Not part of make check; `make bench` runs it with the build directory as $1.
set -euo pipefail
B=${1:?usage: expiry-check.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin="$B/bin/jpki-expiry-check"
[ -x "$bin" ] || { echo "bench/expiry-check: $bin not built" >&2; exit 1; }
N=${JPKI_BENCH_N:-10000}
BIG=${JPKI_BENCH_BIG:-1}
WITHIN_DAYS=90
PY=/usr/bin/python3
cache="$B/bench-cache/expiry-check-$N"
tools="$B/bench-cache/tools"

generate() {
    local tmp="$cache.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp/certs"
    echo "bench/expiry-check: generating $N certificates once into $cache ..." >&2
    # One process issues them all (an openssl run per certificate would
    # take longer than the benchmark itself).
    ${CC:-cc} -O2 -o "$tmp/certgen" "$here/certgen.c" -lmbedx509 -lmbedcrypto
    "$tmp/certgen" "$tmp" "$N"
    [ "$(find "$tmp/certs" -name '*.pem' | wc -l)" = "$N" ] || { echo "generation failed" >&2; exit 1; }
    rm -f "$tmp/certgen"
    mv "$tmp" "$cache"
}
[ -f "$cache/all.pem" ] || generate
mkdir -p "$tools"
for t in runstat b64floor; do
    [ "$tools/$t" -nt "$here/$t.c" ] || ${CC:-cc} -O2 -o "$tools/$t" "$here/$t.c"
done
"$PY" -c 'import cryptography' 2>/dev/null ||
    { echo "bench/expiry-check: $PY lacks python3-cryptography (tools/ensure-deps.sh)" >&2; exit 1; }
pyver=$("$PY" -c 'import cryptography; print(cryptography.__version__)')
out=$(mktemp /tmp/jpki-bench-out.XXXXXX)
trap 'rm -f "$out"' EXIT

# best IN CMD...: run 3 times, print "WALL CPU MAXRSS EXIT" of the fastest.
best() {
    local in=$1; shift
    local r b="" i
    for i in 1 2 3; do
        r=$("$tools/runstat" "$in" "$out" "$@")
        if [ -z "$b" ] || awk -v a="${r%% *}" -v c="${b%% *}" 'BEGIN { exit !(a < c) }'; then b=$r; fi
    done
    echo "$b"
}
field() { echo "$1" | awk -v f="$2" '{ print $f }'; }

run_size() { # STREAM COUNT
    local stream=$1 n=$2 j p f c flagged pyflagged
    cat "$stream" > /dev/null # page cache: all contenders read from memory
    j=$(best "$stream" "$bin" -q --within "${WITHIN_DAYS}d" -)
    [ "$(field "$j" 4)" -le 2 ] || { echo "jpki-expiry-check failed (exit $(field "$j" 4))" >&2; cat "$out" >&2; exit 1; }
    flagged=$(sed -n 's/.* \([0-9]*\) expiring, \([0-9]*\) expired.*/\1 \2/p' "$out" | awk '{ print $1 + $2 }')
    p=$(best "$stream" "$PY" "$here/expiry_peer.py" "$WITHIN_DAYS")
    pyflagged=$(awk '{ print $2 }' "$out")
    f=$(best "$stream" "$tools/b64floor")
    c=""
    if [ "$n" = "$N" ]; then
        [ -f "$cache/all.b64" ] || grep -v '^-' "$cache/all.pem" > "$cache/all.b64"
        c=$(best "$cache/all.b64" base64 -d)
    fi
    echo "bench/expiry-check: $n certificates in one PEM stream ($(($(stat -c %s "$stream") / 1000000)) MB), threshold ${WITHIN_DAYS} days"
    printf '  %-46s %8.3f s wall %8.3f s cpu %8d KB peak  (%s flagged)\n' \
        "jpki-expiry-check" "$(field "$j" 1)" "$(field "$j" 2)" "$(field "$j" 3)" "$flagged"
    printf '  %-46s %8.3f s wall %8.3f s cpu %8d KB peak  (%s flagged)\n' \
        "python3 cryptography $pyver (expiry_peer.py)" "$(field "$p" 1)" "$(field "$p" 2)" "$(field "$p" 3)" "$pyflagged"
    printf '  %-46s %8.3f s wall %8.3f s cpu %8d KB peak\n' \
        "decode floor (b64floor)" "$(field "$f" 1)" "$(field "$f" 2)" "$(field "$f" 3)"
    local floor
    floor=$(field "$f" 1)
    if [ -n "$c" ]; then
        printf '  %-46s %8.3f s wall %8.3f s cpu %8d KB peak\n' \
            "decode floor (base64 -d, armour pre-stripped)" "$(field "$c" 1)" "$(field "$c" 2)" "$(field "$c" 3)"
        floor=$(awk -v a="$floor" -v b="$(field "$c" 1)" 'BEGIN { print (b < a ? b : a) }')
    fi
    awk -v j="$(field "$j" 1)" -v p="$(field "$p" 1)" -v f="$floor" -v n="$n" 'BEGIN {
        printf "  ratio %d: jpki-expiry-check is %.1fx the Python peer (target >= 10x), %.2fx the decode floor (target <= 3x)\n", n, p / j, j / f
    }'
    if [ "$flagged" != "$pyflagged" ]; then
        echo "  WARNING: jpki-expiry-check and the Python peer disagree on how many expire within the threshold" >&2
    fi
    LAST_RSS=$(field "$j" 3)
}

run_size "$cache/all.pem" "$N"
small_rss=$LAST_RSS
if [ "$BIG" = 1 ]; then
    rep=$((1000000 / N))
    big="$B/bench-cache/expiry-check-$((rep * N))-repeated.pem"
    if [ ! -f "$big" ]; then
        echo "bench/expiry-check: writing the $((rep * N))-certificate stream once ($big) ..." >&2
        for _ in $(seq "$rep"); do cat "$cache/all.pem"; done > "$big.tmp" && mv "$big.tmp" "$big"
    fi
    run_size "$big" $((rep * N))
    awk -v a="$small_rss" -v b="$LAST_RSS" 'BEGIN {
        printf "  memory: peak RSS %d KB at the small size, %d KB at the large one (%.2fx for 100x the stream)\n", a, b, b / a }'
else
    echo "  (JPKI_BENCH_BIG=0: the 1 000 000-certificate stream and the memory comparison skipped)"
fi

# Footnote: the shell loop of openssl x509 -checkend, one process per file.
S=200
secs=$((WITHIN_DAYS * 86400))
t0=$(date +%s%N)
for i in $(seq 1 "$S"); do
    openssl x509 -checkend "$secs" -noout -in "$cache/certs/$i.pem" >/dev/null || true
done
t1=$(date +%s%N)
awk -v ns=$((t1 - t0)) -v s="$S" 'BEGIN {
    printf "  footnote: an openssl x509 -checkend loop (a process per certificate) does %.0f certs/s on a %d-file sample\n", s / (ns / 1e9), s }'
