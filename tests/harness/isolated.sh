#!/bin/bash
# Run one integration test in private mount and network namespaces with its
# own pcscd (started by the test through lib.sh), so tests never share a
# reader, a port or a daemon with each other or with the host.
# Usage (as root): unshare -m -n -p --fork --mount-proc tests/harness/isolated.sh TEST.sh
# (a private PID namespace too: when this script ends, every process the test
# left behind ends with it.)
set -u
test_script=$1
ip link set lo up
mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 jpki-test /run/pcscd
JPKI_WORK=$(mktemp -d /tmp/jpki-it.XXXXXX)
export JPKI_WORK
export PATH="$JPKI_BIN_DIR:$PATH"
cd "$JPKI_SRC" || exit 1
# shellcheck source=lib.sh
. tests/harness/lib.sh
# Stop the test's simulators and pcscd (their pid files live in $JPKI_WORK)
# before the work directory goes, whichever way the test ends.
finish_isolated() {
    cleanup_all
    if [ "${JPKI_KEEP_WORK:-0}" = 1 ]; then echo "# work dir kept: $JPKI_WORK"; else rm -rf "$JPKI_WORK"; fi
}
trap finish_isolated EXIT
. "$test_script"
