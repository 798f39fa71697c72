# Documentation kept in step with the code: every binary answers --help and
# --version with exit 0, has a man page with an EXIT STATUS section, and
# every long option its --help lists is documented in that man page.
# --version has one form everywhere: "NAME (jpki-tools) VERSION", VERSION
# being JPKI_VERSION of include/jpki/jpki.h (the Makefile's too).
# No card needed.
V=$(sed -n 's/^#define JPKI_VERSION "\(.*\)"$/\1/p' "$JPKI_SRC/include/jpki/jpki.h")
check "one version in include/jpki/jpki.h" test -n "$V"
check "the Makefile takes its VERSION from there" \
    test "$(make --no-print-directory -s -C "$JPKI_SRC" -p -n B="$JPKI_BUILD" 2>/dev/null | sed -n 's/^VERSION := //p' | head -1)" = "$V"
for b in "$JPKI_BUILD"/bin/* "$JPKI_BUILD"/tests/tools/jpki-test-readcert "$JPKI_BUILD"/tests/tools/jpki-test-cardcheck; do
    n=$(basename "$b")
    out=$("$b" --version 2>&1); rc=$?
    check "$n --version: \"$n (jpki-tools) $V\", exit 0" test "$rc:$out" = "0:$n (jpki-tools) $V"
    case $b in */tests/tools/*) continue ;; esac
    help=$("$b" --help 2>&1); rc=$?
    check "$n --help exits 0" test "$rc" = 0
    page="$JPKI_SRC/man/$n.1"
    check "$n has a man page" test -f "$page" || continue
    check "$n man page has EXIT STATUS" grep -q '^\.SH "\{0,1\}EXIT STATUS' "$page"
    opts=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    documented=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$page" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    missing=$(comm -23 <(printf '%s\n' "$opts") <(printf '%s\n' "$documented") | tr '\n' ' ')
    check "$n: every --help option is in the man page${missing:+ (missing: $missing)}" test -z "$missing"
done
for p in jpki-records.5 jpki-trace.5 jpki-card-profile.7; do
    check "man page $p exists" test -f "$JPKI_SRC/man/$p"
done
finish
