#!/bin/bash
# Benchmark: jpki-expiry-check over one stream of 10 000 PEM certificates
# versus a shell loop of `openssl x509 -checkend` over the same files.
# Prints certificates/second for both and the ratio.  Not part of make
# check; run by `make bench` with the build directory as $1.
#
# The certificates are generated once (bench/certgen.c, mbedTLS, validity
# ending 1..400 days from the day of generation) into a cache under the
# build directory and reused by later runs.  JPKI_BENCH_N changes the count
# (a new cache per count).
set -euo pipefail
B=${1:?usage: expiry-check.sh BUILD_DIR}
bin="$B/bin/jpki-expiry-check"
[ -x "$bin" ] || { echo "bench/expiry-check: $bin not built" >&2; exit 1; }
N=${JPKI_BENCH_N:-10000}
WITHIN_DAYS=90
cache="$B/bench-cache/expiry-check-$N"

generate() {
    local tmp="$cache.tmp.$$" src
    src="$(cd "$(dirname "$0")" && pwd)/certgen.c"
    rm -rf "$tmp"
    mkdir -p "$tmp/certs"
    echo "bench/expiry-check: generating $N certificates once into $cache ..." >&2
    # One process issues them all (an openssl run per certificate would
    # take longer than the benchmark itself).
    ${CC:-cc} -O2 -o "$tmp/certgen" "$src" -lmbedx509 -lmbedcrypto
    "$tmp/certgen" "$tmp" "$N"
    [ "$(find "$tmp/certs" -name '*.pem' | wc -l)" = "$N" ] || { echo "generation failed" >&2; exit 1; }
    rm -f "$tmp/certgen"
    mv "$tmp" "$cache"
}
[ -f "$cache/all.pem" ] || generate

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }

# jpki-expiry-check: one process, the whole stream.
t0=$(now)
set +e
summary=$("$bin" -q --within "${WITHIN_DAYS}d" - < "$cache/all.pem")
rc=$?
set -e
t1=$(now)
[ "$rc" -le 2 ] || { echo "jpki-expiry-check failed (exit $rc): $summary" >&2; exit 1; }
jt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
j_flagged=$(printf '%s\n' "$summary" | sed -n 's/.* \([0-9]*\) expiring, \([0-9]*\) expired.*/\1 \2/p' | awk '{ print $1 + $2 }')

# The shell loop: one openssl per file.
secs=$((WITHIN_DAYS * 86400))
t0=$(now)
o_flagged=0
for i in $(seq 1 "$N"); do
    openssl x509 -checkend "$secs" -noout -in "$cache/certs/$i.pem" >/dev/null || o_flagged=$((o_flagged + 1))
done
t1=$(now)
ot=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')

jr=$(rate "$N" "$jt"); orate=$(rate "$N" "$ot")
echo "bench/expiry-check: $N certificates, threshold ${WITHIN_DAYS} days"
printf '  jpki-expiry-check (one stream):   %8.3f s  %8s certs/s  (%s flagged)\n' "$jt" "$jr" "$j_flagged"
printf '  openssl x509 -checkend (loop):    %8.3f s  %8s certs/s  (%s flagged)\n' "$ot" "$orate" "$o_flagged"
awk -v a="$ot" -v b="$jt" 'BEGIN { printf "  ratio: jpki-expiry-check is %.1fx the openssl loop\n", (b > 0 ? a / b : 0) }'
if [ "$j_flagged" != "$o_flagged" ]; then
    echo "  WARNING: the two disagree on how many certificates expire within the threshold" >&2
fi
