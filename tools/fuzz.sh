#!/bin/bash
# Build and run the libFuzzer targets in tests/fuzz/ and lib/tests/ (clang + ASan + UBSan).
#   fuzz.sh build          build every target into build-fuzz/fuzz/
#   fuzz.sh corpus         build, then run each target once over its seed
#                          corpus (tests/fuzz/corpus/NAME/); used by make check
#   fuzz.sh long [SECS]    build, then fuzz each target for SECS seconds
#                          (default 300), new inputs in build-fuzz/corpus/NAME
#   fuzz.sh runs N         build, then fuzz each target for N executions
# Prints "N passed, M failed" (one per target) and exits non-zero on a crash.
set -u
cd "$(dirname "$0")/.."
mode=${1:-build}
FB=build-fuzz
targets=$(ls tests/fuzz/fuzz_*.c lib/tests/fuzz_*.c 2>/dev/null | sed 's|.*/\(fuzz_[^/]*\)\.c$|\1|')
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }

mkdir -p $FB
make --no-print-directory B=$FB CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
    fuzz-targets >"$FB/build.log" 2>&1 || { mkdir -p $FB; cat "$FB/build.log" >&2; echo "fuzz build failed" >&2; exit 1; }
[ "$mode" = build ] && exit 0

pass=0; fail=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in $targets; do
    seeds=tests/fuzz/corpus/$t
    mkdir -p "$seeds"
    case $mode in
    corpus) args=(-runs=0 "$seeds") ;;
    long) work=$FB/corpus/$t; mkdir -p "$work"
          args=(-max_total_time="${2:-300}" -print_final_stats=1 "$work" "$seeds") ;;
    runs) work=$FB/corpus/$t; mkdir -p "$work"
          args=(-runs="${2:-1000000}" -print_final_stats=1 "$work" "$seeds") ;;
    *) echo "usage: fuzz.sh build|corpus|long [SECS]|runs N" >&2; exit 2 ;;
    esac
    log=$FB/$t.log
    if "$FB/fuzz/$t" -rss_limit_mb=2048 -max_len=70000 -artifact_prefix="$FB/crash-$t-" "${args[@]}" >"$log" 2>&1; then
        pass=$((pass + 1))
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "fuzz $t: ok${execs:+ ($execs executions)}"
    else
        fail=$((fail + 1)); echo "fuzz $t: FAILED (log: $log)"; tail -30 "$log"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
