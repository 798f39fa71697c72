#!/bin/bash
# Run the unit tests (cmocka, in-process transport) and the integration
# tests (real pcscd + vsmartcard-vpcd + jpki-card-sim, one private namespace
# per test), then print one summary line: "N passed, M failed".
# Usage: run-checks.sh [--unit-only|--integration-only] BUILD_DIR [UNIT_BINS...]
# JPKI_ONLY=t_x,t_y limits the integration tests; JPKI_VERBOSE=1 shows their output.
# JPKI_JOBS=N runs N tests at a time (default: twice the CPUs -- most of a
# test's time is spent waiting on pcscd's polling, not computing).
#
# Tests run in parallel: no shared state is possible between them, because
# each integration test has its own mount, network and PID namespaces (its
# own pcscd, /run/pcscd tmpfs and vpcd ports) and its own mktemp work
# directory, and unit tests only use mkstemp/mkdtemp names.  Each test's
# output goes to its own file; results are printed in the fixed order of the
# test list, whatever order the tests finish in.
set -u
mode=all
case "${1:-}" in --unit-only) mode=unit; shift;; --integration-only) mode=integration; shift;; esac
B=$1; shift
src=$(cd "$(dirname "$0")/.." && pwd)
pass=0; fail=0; failed_names=()
max_jobs=${JPKI_JOBS:-$(( $(nproc) * 2 ))}
[ "$max_jobs" -ge 1 ] 2>/dev/null || max_jobs=1

out_dir=$(mktemp -d /tmp/jpki-checks.XXXXXX)
wrap=
finish_checks() { rm -rf "$out_dir"; [ -n "$wrap" ] && rm -rf "$wrap"; }
trap finish_checks EXIT
trap 'exit 130' INT TERM

vg=()
if [ "${JPKI_VALGRIND:-0}" = 1 ]; then
    vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --suppressions="$src/tools/valgrind.supp")
fi

if [ "$mode" != unit ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "integration tests need root (private namespaces for pcscd); run as root" >&2
        exit 1
    fi
    bindir="$src/$B/bin"
    if [ ${#vg[@]} -gt 0 ]; then
        # Wrap every jpki-* binary so integration runs go through valgrind.
        wrap=$(mktemp -d /tmp/jpki-vg.XXXXXX)
        for b in "$src/$B"/bin/*; do
            printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${vg[*]}" "$b" > "$wrap/$(basename "$b")"
            chmod +x "$wrap/$(basename "$b")"
        done
        bindir=$wrap
    fi
    [ -d "$src/$B/tests/tools" ] && bindir="$bindir:$src/$B/tests/tools"
fi

# The task list: KIND:ARG, in the order results are reported.
tasks=()
if [ "$mode" = all ] && [ "${JPKI_FUZZ_CORPUS:-0}" = 1 ]; then
    # First, because building the fuzz targets is the longest single job.
    tasks+=("fuzz:corpus")
fi
if [ "$mode" != integration ]; then
    for t in "$@"; do tasks+=("unit:$t"); done
fi
if [ "$mode" != unit ]; then
    for t in "$src"/tests/integration/t_*.sh; do
        [ -e "$t" ] || continue
        name=$(basename "$t" .sh)
        # JPKI_ONLY=t_a,t_b runs just those integration tests (while debugging).
        if [ -n "${JPKI_ONLY:-}" ] && [[ ",$JPKI_ONLY," != *",$name,"* ]]; then continue; fi
        tasks+=("integration:$t")
    done
fi

# run_task I: run task I, its output to $out_dir/I.out; I.rc appears (by
# rename, so never half-written) only once the task has ended.
run_task() {
    local i=$1 kind=${tasks[$1]%%:*} arg=${tasks[$1]#*:} rc
    case $kind in
    unit) "${vg[@]}" "$arg" > "$out_dir/$i.out" 2>&1; rc=$? ;;
    integration)
        JPKI_SRC="$src" JPKI_BUILD="$src/$B" JPKI_BIN_DIR="$bindir" \
            timeout "${JPKI_TEST_TIMEOUT:-600}" unshare -m -n -p --fork --mount-proc \
            "$src/tests/harness/isolated.sh" "$arg" > "$out_dir/$i.out" 2>&1 < /dev/null
        rc=$? ;;
    fuzz) "$src/tools/fuzz.sh" corpus > "$out_dir/$i.out" 2>&1; rc=$? ;;
    esac
    echo "$rc" > "$out_dir/$i.rc.tmp" && mv "$out_dir/$i.rc.tmp" "$out_dir/$i.rc"
}

# report I: the per-test line(s) of finished task I, counted into the totals.
report() {
    local i=$1 kind=${tasks[$1]%%:*} arg=${tasks[$1]#*:} rc out p f name
    rc=$(cat "$out_dir/$i.rc"); out=$(cat "$out_dir/$i.out")
    case $kind in
    unit)
        name=$(basename "$arg")
        p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        p=${p:-0}; f=${f:-0}
        if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
        if [ "$f" != 0 ]; then failed_names+=("$name"); printf '%s\n' "$out"; fi
        echo "unit $name: $p passed, $f failed" ;;
    integration)
        name=$(basename "$arg" .sh)
        p=$(printf '%s\n' "$out" | grep -c '^ok - ')
        f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
        if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then f=1; out="$out
not ok - $name exited $rc"; fi
        if [ "$f" != 0 ] || [ "${JPKI_VERBOSE:-0}" = 1 ]; then printf '%s\n' "$out"; fi
        [ "$f" != 0 ] && failed_names+=("$name")
        echo "integration $name: $p passed, $f failed" ;;
    fuzz)
        # Every fuzz target once over its seed corpus (clang, ASan+UBSan).
        p=$(printf '%s\n' "$out" | grep -c '^fuzz .*: ok')
        f=$(printf '%s\n' "$out" | grep -c '^fuzz .*: FAILED')
        if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
        printf '%s\n' "$out" | grep -v ' passed, .* failed$'
        [ "$f" != 0 ] && failed_names+=(fuzz-corpus) ;;
    esac
    pass=$((pass + p)); fail=$((fail + f))
}

# Report, in list order, every task whose predecessors have all been reported.
next_report=0
flush_reports() {
    while [ "$next_report" -lt ${#tasks[@]} ] && [ -e "$out_dir/$next_report.rc" ]; do
        report "$next_report"; next_report=$((next_report + 1))
    done
}

for i in "${!tasks[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do wait -n; flush_reports; done
    run_task "$i" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; flush_reports; done
wait
flush_reports

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
