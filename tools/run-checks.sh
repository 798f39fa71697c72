#!/bin/bash
# Run the unit tests (cmocka, in-process transport) and the integration
# tests (real pcscd + vsmartcard-vpcd + jpki-card-sim, one private namespace
# per test), then print one summary line: "N passed, M failed".
# Usage: run-checks.sh [--unit-only|--integration-only] BUILD_DIR [UNIT_BINS...]
# JPKI_ONLY=t_x,t_y limits the integration tests; JPKI_VERBOSE=1 shows their output.
set -u
mode=all
case "${1:-}" in --unit-only) mode=unit; shift;; --integration-only) mode=integration; shift;; esac
B=$1; shift
src=$(cd "$(dirname "$0")/.." && pwd)
pass=0; fail=0; failed_names=()

vg=()
if [ "${JPKI_VALGRIND:-0}" = 1 ]; then
    vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --suppressions="$src/tools/valgrind.supp")
fi

if [ "$mode" != integration ]; then
    for t in "$@"; do
        out=$("${vg[@]}" "$t" 2>&1); rc=$?
        p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        p=${p:-0}; f=${f:-0}
        if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
        pass=$((pass + p)); fail=$((fail + f))
        if [ "$f" != 0 ]; then
            failed_names+=("$(basename "$t")"); printf '%s\n' "$out"
        fi
        echo "unit $(basename "$t"): $p passed, $f failed"
    done
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
    for t in "$src"/tests/integration/t_*.sh; do
        [ -e "$t" ] || continue
        name=$(basename "$t" .sh)
        # JPKI_ONLY=t_a,t_b runs just those integration tests (while debugging).
        if [ -n "${JPKI_ONLY:-}" ] && [[ ",$JPKI_ONLY," != *",$name,"* ]]; then continue; fi
        out=$(JPKI_SRC="$src" JPKI_BUILD="$src/$B" JPKI_BIN_DIR="$bindir" \
              timeout "${JPKI_TEST_TIMEOUT:-600}" unshare -m -n -p --fork --mount-proc \
              "$src/tests/harness/isolated.sh" "$t" 2>&1)
        rc=$?
        p=$(printf '%s\n' "$out" | grep -c '^ok - ')
        f=$(printf '%s\n' "$out" | grep -c '^not ok - ')
        if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; out="$out
not ok - $name exited $rc"; fi
        pass=$((pass + p)); fail=$((fail + f))
        if [ "$f" != 0 ] || [ "${JPKI_VERBOSE:-0}" = 1 ]; then printf '%s\n' "$out"; fi
        [ "$f" != 0 ] && failed_names+=("$name")
        echo "integration $name: $p passed, $f failed"
    done
fi

if [ "$mode" = all ] && [ "${JPKI_FUZZ_CORPUS:-0}" = 1 ]; then
    # Every fuzz target once over its seed corpus (clang, ASan+UBSan).
    out=$("$src/tools/fuzz.sh" corpus 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^fuzz .*: ok')
    f=$(printf '%s\n' "$out" | grep -c '^fuzz .*: FAILED')
    if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
    printf '%s\n' "$out" | grep -v ' passed, .* failed$'
    pass=$((pass + p)); fail=$((fail + f))
    [ "$f" != 0 ] && failed_names+=(fuzz-corpus)
fi

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
