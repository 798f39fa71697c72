#!/bin/bash
# make demo: the counter's main job on the virtual card, end to end.
# A private pcscd (own namespaces, like the tests) gets a virtual reader with
# 番号 花子's card in it; we look at the card, see that its certificates have
# expired, renew both through the test CA, and look again.
# Usage: tools/demo.sh BUILD_DIR   (as root)
set -u
B=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "demo: needs root (it runs its own pcscd in private namespaces)" >&2
    exit 1
fi
if [ "${JPKI_DEMO_INSIDE:-0}" != 1 ]; then
    exec env JPKI_DEMO_INSIDE=1 JPKI_SRC="$src" JPKI_BUILD="$src/$B" JPKI_BIN_DIR="$src/$B/bin" \
        unshare -m -n -p --fork --mount-proc "$src/tests/harness/isolated.sh" "$src/tools/demo-steps.sh"
fi
