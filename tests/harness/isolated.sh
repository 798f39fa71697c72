#!/bin/bash
# Run one integration test in private mount and network namespaces with its
# own pcscd (started by the test through lib.sh), so tests never share a
# reader, a port or a daemon with each other or with the host.
# Usage (as root): unshare -m -n --fork tests/harness/isolated.sh TEST.sh
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
trap cleanup_all EXIT
. "$test_script"
rc=$?
# Stop pcscd and the cards now: the EXIT trap alone would run after the work
# dir (and the pid files it needs) is gone, leaving them running.
disown -a 2>/dev/null # no "Killed" job notices in the test output
cleanup_all
trap - EXIT
if [ "${JPKI_KEEP_WORK:-0}" = 1 ]; then echo "# work dir kept: $JPKI_WORK"; else rm -rf "$JPKI_WORK"; fi
exit $rc
