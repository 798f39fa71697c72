# The Japanese catalog is complete: a template extracted afresh from the
# sources (make pot-fresh: the same xgettext keywords as make pot) merged
# into po/ja.po leaves no message untranslated or fuzzy, the committed
# template and file list are current, and msgfmt accepts every format.
# No card needed.
W=$JPKI_WORK
fresh=$W/fresh.pot
make -s --no-print-directory -C "$JPKI_SRC" pot-fresh POT_OUT="$fresh" 2> "$W/xgettext.err"
check "xgettext extracts the messages from the sources" test -s "$fresh"
n=$(grep -c '^msgid ' "$fresh")
check "the template holds the commands' and the library's messages ($n)" test "$n" -gt 600
msgmerge -q --no-location -o "$W/merged.po" po/ja.po "$fresh"
# msgids of the entries a filter keeps (the header has an empty msgid).
entries() { msgattrib "$@" --no-obsolete "$W/merged.po" | awk '/^msgid "/ && $0 != "msgid \"\"" { print } /^msgid ""$/ { getline; if ($0 ~ /^"/) print }'; }
untranslated=$(entries --untranslated)
check "every message has a Japanese translation${untranslated:+ (missing: $(printf '%s' "$untranslated" | head -5 | tr '\n' ' '))}" \
    test -z "$untranslated"
fuzzy=$(entries --only-fuzzy)
check "no translation is fuzzy${fuzzy:+ (fuzzy: $(printf '%s' "$fuzzy" | head -5 | tr '\n' ' '))}" test -z "$fuzzy"
check "msgfmt --check accepts po/ja.po (formats, plurals, header)" msgfmt --check -o /dev/null po/ja.po
check "po/ja.po is UTF-8 with one plural form" grep -q '"Plural-Forms: nplurals=1; plural=0;\\n"' po/ja.po
check "po/jpki-tools.pot is current (run make pot)" \
    diff <(grep -v '^"POT-Creation-Date' po/jpki-tools.pot) <(grep -v '^"POT-Creation-Date' "$fresh")
check "po/POTFILES is current (run make pot)" diff po/POTFILES "$fresh.files"
mo=$JPKI_BUILD/locale/ja/LC_MESSAGES/jpki-tools.mo
check "make all built the catalog into the build tree" test -s "$mo"
check "the built catalog has every message" \
    test "$(msgunfmt "$mo" | grep -c '^msgid ')" -ge "$n"
finish
