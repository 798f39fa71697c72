# The Japanese man pages (man/ja/, laid out by tools/man-ja-breaks.sh into
# the build tree): groff and man render them without a single warning, and
# each says what its English page says -- the same sections, every long
# option, the same exit statuses.  No card needed.
W=$JPKI_WORK
for n in jpki-status jpki-expiry-check jpki-renew; do
    en=$JPKI_SRC/man/$n.1 src=$JPKI_SRC/man/ja/$n.1 page=$JPKI_BUILD/man/ja/$n.1
    check "$n: Japanese page written" test -f "$src"
    check "$n: make all laid it out in the build tree" test -s "$page" || continue
    groff -k -Tutf8 -mandoc -ww -z "$page" 2> "$W/groff.err"
    check "$n: groff -k -Tutf8 -mandoc -ww: no warnings" test ! -s "$W/groff.err" || sed 's/^/# /' "$W/groff.err"
    out=$(LANG=ja_JP.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2> "$W/man.err")
    check "$n: man -l renders it without warnings" test ! -s "$W/man.err" || sed 's/^/# /' "$W/man.err"
    check "$n: rendered in Japanese" contains "$out" "終了ステータス"
    # Filled Japanese text wraps (examples in .nf blocks keep their lines).
    check "$n: the NAME line wraps within 80 columns" \
        test "$(printf '%s\n' "$out" | sed -n '/^名前/,/^$/p' | LC_ALL=C.UTF-8 wc -L)" -le 80
    check "$n: as many sections as the English page" \
        test "$(grep -c '^\.SH' "$src")" = "$(grep -c '^\.SH' "$en")"
    opts() { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
    missing=$(comm -23 <(opts "$en") <(opts "$src") | tr '\n' ' ')
    check "$n: every option of the English page${missing:+ (missing: $missing)}" test -z "$missing"
    codes() { awk -v h="$2" '$0 ~ "^\\.SH " h { on = 1; next } /^\.SH/ { on = 0 } on && /^\.B [0-9]+$/ { print $2 }' "$1"; }
    check "$n: the same exit statuses" test "$(codes "$en" '"?EXIT STATUS')" = "$(codes "$src" '終了ステータス')"
done
# The check can fail: the page as written, without break points, does not
# lay out in groff 1.22.
groff -k -Tutf8 -mandoc -ww -z "$JPKI_SRC/man/ja/jpki-status.1" 2> "$W/raw.err"
check "without tools/man-ja-breaks.sh groff warns (the check above can fail)" test -s "$W/raw.err"
finish
