#!/bin/sh
# Make sure the Debian 12 packages jpki-tools builds and tests with are here.
# As root, missing ones are installed with apt-get; otherwise the exact
# command is printed and we stop (exit 1).
set -eu

PKGS="build-essential pkg-config libpcsclite-dev pcscd libmbedtls-dev libcbor-dev \
libcmocka-dev vsmartcard-vpcd opensc openssl iproute2 util-linux valgrind clang \
libclang-rt-14-dev procps \
debhelper devscripts dpkg-dev lintian fakeroot \
pcsc-tools python3-pyscard zsh gettext locales man-db groff-base python3-cryptography"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = "installed" ] || missing="$missing $p"
done
# The Japanese interface is tested under ja_JP.UTF-8 (t_i18n*): generate it
# when it is missing (needs root; the tests skip nothing, they fail).
ensure_ja_locale() {
    locale -a 2>/dev/null | grep -qix 'ja_JP\.utf-\?8' && return 0
    if [ "$(id -u)" = 0 ] && [ -f /etc/locale.gen ] && command -v locale-gen >/dev/null 2>&1; then
        echo "ensure-deps: generating the ja_JP.UTF-8 locale" >&2
        sed -i 's/^# *\(ja_JP\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
        grep -q '^ja_JP\.UTF-8 UTF-8' /etc/locale.gen || echo 'ja_JP.UTF-8 UTF-8' >> /etc/locale.gen
        locale-gen >&2
        return 0
    fi
    echo "ensure-deps: the ja_JP.UTF-8 locale is missing; as root: locale-gen after enabling it in /etc/locale.gen" >&2
    return 1
}

if [ -z "$missing" ]; then
    ensure_ja_locale
    exit $?
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
    ensure_ja_locale
    exit $?
fi
echo "ensure-deps: missing Debian packages:$missing" >&2
echo "ensure-deps: run as root: $cmd" >&2
exit 1
