#!/bin/bash
# CI step after make check: build the Debian packages from this tree
# (dpkg-buildpackage -us -uc -b in a scratch copy, since the .debs land in
# the parent directory), run lintian on them, install them on this machine
# with apt-get, check that a product command and a test-kit command run from
# their installed place, then remove the packages again.  As root.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/jpki-debs.XXXXXX)
pkgs=(libjpki0 libjpki-dev jpki-tools jpki-testkit)
cleanup() {
    apt-get remove -y -qq "${pkgs[@]}" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# debhelper, dpkg-dev, lintian: tools/ensure-deps.sh installs them.
"$src/tools/ensure-deps.sh"
mkdir "$work/jpki-tools"
# The tracked and new (not ignored) files, without build trees.
(cd "$src" && git ls-files -co --exclude-standard | grep -Ev '^build(-[a-z]+)?/' | tar -cf - -T -) |
    tar -xf - -C "$work/jpki-tools"
(cd "$work/jpki-tools" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
    > "$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; echo "ci-debs: dpkg-buildpackage failed" >&2; exit 1; }
echo "ci-debs: built $(cd "$work" && ls ./*.deb | grep -vc dbgsym) packages"

# Any lintian error or warning fails the step (overrides carry their reasons).
lintian --fail-on error,warning "$work"/jpki-tools_*_*.changes

cd "$work"
debs=()
for p in "${pkgs[@]}"; do debs+=("./$(ls "${p}"_*.deb)"); done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
# Run from /: the installed commands, not the build tree's.
(cd / && /usr/bin/jpki-status --help >/dev/null) && echo "ci-debs: jpki-status --help ok"
(cd / && /usr/bin/jpki-card-sim --help >/dev/null) && echo "ci-debs: jpki-card-sim --help ok"
test -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/pkgconfig/libjpki.pc"
echo "ci-debs: libjpki.pc installed"
# The Japanese catalog and pages of jpki-tools, found by the installed command.
test -f /usr/share/locale/ja/LC_MESSAGES/jpki-tools.mo
test -f /usr/share/man/ja/man1/jpki-renew.1.gz
(cd / && LANG=ja_JP.UTF-8 /usr/bin/jpki-status --help | grep -q '^使い方:') &&
    echo "ci-debs: jpki-status --help in Japanese ok"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "${pkgs[@]}" >/dev/null
if command -v jpki-status >/dev/null 2>&1 && [ "$(command -v jpki-status)" = /usr/bin/jpki-status ]; then
    echo "ci-debs: /usr/bin/jpki-status still there after removal" >&2; exit 1
fi
echo "ci-debs: packages removed"
