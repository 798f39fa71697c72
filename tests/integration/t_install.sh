# make install into a staging DESTDIR: binaries, libraries, headers, man
# pages and a libjpki.pc with which pkg-config builds a program against the
# installed library (issue: "pkg-config --libs libjpki works after make
# install DESTDIR=...").  The test kit (jpki-card-sim, jpki-ca) comes only
# with make install-testkit, and make uninstall{,-testkit} leave no file.
# No card needed.
W=$JPKI_WORK
stage=$W/stage
out=$(make --no-print-directory -C "$JPKI_SRC" B="$JPKI_BUILD" PREFIX=/usr DESTDIR="$stage" install 2>&1)
check "make install exits 0" test $? = 0 || echo "$out" | tail -5
for b in jpki jpki-status jpki-expiry-check jpki-renew jpki-reset-pin jpki-face-auth-switch jpki-apdu; do
    check "installed $b" test -x "$stage/usr/bin/$b"
    check "man page of $b" test -f "$stage/usr/share/man/man1/$b.1"
done
for b in jpki jpki-status jpki-expiry-check jpki-renew jpki-reset-pin jpki-face-auth-switch jpki-apdu; do
    bc=$stage/usr/share/bash-completion/completions/$b zc=$stage/usr/share/zsh/vendor-completions/_$b
    check "bash completion of $b (completions/$b)" test -f "$bc"
    check "zsh completion of $b (vendor-completions/_$b)" test -f "$zc"
    check "$b: the installed bash completion registers it" bash -c 'source "$1" && complete -p "$2"' _ "$bc" "$b" >/dev/null
    check "$b: the zsh completion's #compdef names it" grep -q "^#compdef.* $b\( \|\$\)" "$zc"
done
check "no completion of the test kit after make install" \
    test ! -e "$stage/usr/share/bash-completion/completions/jpki-card-sim"
for p in jpki-status jpki-expiry-check jpki-renew; do
    check "Japanese man page of $p" test -f "$stage/usr/share/man/ja/man1/$p.1"
done
check "Japanese catalog installed" test -s "$stage/usr/share/locale/ja/LC_MESSAGES/jpki-tools.mo"
check "an installed command finds the installed catalog" \
    contains "$(LANG=ja_JP.UTF-8 "$stage/usr/bin/jpki-status" --help 2>&1)" "使い方:"
check "jpki-records(5) installed" test -f "$stage/usr/share/man/man5/jpki-records.5"
check "jpki-card-profile(7) installed" test -f "$stage/usr/share/man/man7/jpki-card-profile.7"
check "static library installed" test -f "$stage/usr/lib/libjpki.a"
check "shared library soname link" test -L "$stage/usr/lib/libjpki.so.0"
check "umbrella header installed" test -f "$stage/usr/include/jpki/jpki.h"
for b in jpki-card-sim jpki-ca; do
    check "no test tool $b after make install" test ! -e "$stage/usr/bin/$b"
    check "no man page of $b after make install" test ! -e "$stage/usr/share/man/man1/$b.1"
done

export PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
libs=$(pkg-config --libs libjpki 2>&1)
check "pkg-config --libs libjpki" contains "$libs" "-ljpki"
check "libjpki.pc carries PREFIX=/usr" contains "$(cat "$stage/usr/lib/pkgconfig/libjpki.pc")" "prefix=/usr"
check "pkg-config --modversion" test "$(pkg-config --modversion libjpki)" = "0.1.0"

cat > "$W/use.c" <<'C'
#include <stdio.h>
#include <jpki/jpki.h>
int main(void)
{
    char b[96];
    printf("%s|%s\n", jpki_sw_describe(0x63C1, b, sizeof b), jpki_rc_name(JPKI_ERR_PIN_BLOCKED));
    return 0;
}
C
# Same compiler and sanitizers as the library under test (make check-asan).
${JPKI_CC:-cc} -std=c11 -Wall -Werror ${JPKI_SAN:-} $(pkg-config --cflags libjpki) -o "$W/use" "$W/use.c" $(pkg-config --libs libjpki) 2> "$W/cc.err"
check "a program builds against the installed library" test $? = 0 || cat "$W/cc.err"
res=$(LD_LIBRARY_PATH="$stage/usr/lib" "$W/use")
check "and runs with the installed shared library" contains "$res" "63C1: wrong PIN or counter, 1 try left|pin-blocked"
check "it is linked against libjpki.so.0" contains "$(LD_LIBRARY_PATH="$stage/usr/lib" ldd "$W/use")" "libjpki.so.0 => $stage/usr/lib/libjpki.so.0"

# The test kit, on request only.
make --no-print-directory -C "$JPKI_SRC" B="$JPKI_BUILD" PREFIX=/usr DESTDIR="$stage" install-testkit > "$W/kit.log" 2>&1
check "make install-testkit exits 0" test $? = 0 || tail -5 "$W/kit.log"
for b in jpki-card-sim jpki-ca; do
    check "install-testkit installs $b" test -x "$stage/usr/bin/$b"
    check "install-testkit installs the man page of $b" test -f "$stage/usr/share/man/man1/$b.1"
done
for b in jpki-card-sim jpki-ca; do
    check "install-testkit installs the completions of $b" \
        test -f "$stage/usr/share/bash-completion/completions/$b" -a -f "$stage/usr/share/zsh/vendor-completions/_$b"
done
check "installed jpki-card-sim runs" contains "$("$stage/usr/bin/jpki-card-sim" --help 2>&1)" "jpki-card-sim"

# Both uninstalls together leave only (empty) directories behind.
make --no-print-directory -C "$JPKI_SRC" B="$JPKI_BUILD" PREFIX=/usr DESTDIR="$stage" uninstall uninstall-testkit > "$W/un.log" 2>&1
check "make uninstall uninstall-testkit exit 0" test $? = 0 || tail -5 "$W/un.log"
left=$(find "$stage" ! -type d)
check "nothing left after uninstall" test -z "$left" || echo "$left"
finish
