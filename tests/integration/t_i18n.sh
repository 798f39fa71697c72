# The Japanese interface (LANG=ja_JP.UTF-8, catalog found next to the
# build tree's binaries): --help of every command, jpki-status' table with
# dates as the renewal notice writes them, jpki-renew's wrong-PIN message,
# jpki-expiry-check's report.  And what must NOT change with the locale or
# the time zone: JSON and CBOR records, exit codes.  --now with an offset
# is the same instant as its Z form.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
ja() { LANG=ja_JP.UTF-8 "$@"; }

check "the ja_JP.UTF-8 locale is installed (tools/ensure-deps.sh)" \
    bash -c "locale -a | grep -qix 'ja_JP\.utf-\?8'"

# ---- --help of every command ----
for c in jpki jpki-status jpki-expiry-check jpki-renew jpki-reset-pin jpki-face-auth-switch jpki-apdu; do
    out=$(ja "$c" --help 2>&1); rc=$?
    check "$c --help in Japanese (exit $rc)" contains "$out" "使い方:"
    check "$c --help: the common options in Japanese too" contains "$(ja "$c" --help 2>&1)$c" "$c"
    out=$("$c" --help 2>&1)
    check "$c --help in English without a catalog" contains "$out" "Usage:"
done
out=$(ja jpki-status --help)
check "jpki-status --help: common options translated" contains "$out" "リーダー: 番号、正確な名前"
out=$(JPKI_LOCALEDIR=/nonexistent ja jpki-status --help)
check "JPKI_LOCALEDIR overrides where the catalog is looked for" contains "$out" "Usage:"
out=$(JPKI_LOCALEDIR="$JPKI_BUILD/locale" ja jpki-status --help)
check "JPKI_LOCALEDIR pointing at a catalog" contains "$out" "使い方:"

# ---- jpki-status: table in Japanese, dates in local time ----
out=$(ja jpki-status -r 0 --table --now 2025-01-01)
printf '%s\n' "$out" | sed 's/^/# /'
check "table: reader heading in Japanese" contains "$out" "リーダー JPKI Test Reader A 00 00"
check "table: certificate columns in Japanese" contains "$out" "有効期限"
check "table: the auth certificate's dates as the notice writes them (JST)" \
    grep -Eq '^  利用者証明 +2020年6月1日 00時00分00秒 JST +2025年3月31日 23時59分59秒 JST +89  有効$' <<<"$out"
check "table: the record's note on the signature certificate shown in Japanese" \
    grep -Eq '^  署名 +あり、詳細は読めません: 署名用パスワードを照合した後でなければ読めません' <<<"$out"
check "table: PIN rows in Japanese" grep -Eq '^  署名 +5 +5  有効$' <<<"$out"
# Translated kinds are wider than the English ones: the kind column takes
# the widest, so the date columns still line up and every line fits 100.
widths() { /usr/bin/python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(max(w(l) for l in sys.stdin.read().splitlines()))'; }
check "table in Japanese: every line <= 100 display columns" test "$(widths <<<"$out")" -le 100
col() { /usr/bin/python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for l in sys.stdin.read().splitlines():
    i = l.find("2020年")
    if i < 0: i = l.find("2025年")
    if l.startswith("  ") and not l.startswith("   ") and i > 0: print(w(l[:i]))' | sort -u | wc -l; }
check "table in Japanese: the certificate dates start in one column" test "$(col <<<"$out")" = 1
out=$(TZ=UTC ja jpki-status -r 0 --table --now 2025-01-01)
check "table: TZ=UTC shows UTC" contains "$out" "2025年3月31日 14時59分59秒 UTC"
out=$(jpki-status -r 0 --table --now 2025-01-01)
check "table in English: local ISO-like dates" \
    grep -Eq '^  auth +2020-06-01 00:00:00 JST +2025-03-31 23:59:59 JST +89  valid$' <<<"$out"

# ---- records never change with the locale or the time zone ----
a=$(LANG=C TZ=UTC jpki-status -r 0 --json --now 2025-01-01)
b=$(ja jpki-status -r 0 --json --now 2025-01-01)
check "JSON identical under LANG=C/UTC and ja_JP.UTF-8/Asia/Tokyo" test "$a" = "$b"
check "JSON times stay UTC" contains "$b" '"not_after":"2025-03-31T14:59:59Z"'
check "JSON notes stay English" contains "$b" '"unavailable":"readable only after the signature password'
LANG=C TZ=UTC jpki-status -r 0 --cbor --now 2025-01-01 > "$W/c.cbor"
ja jpki-status -r 0 --cbor --now 2025-01-01 > "$W/ja.cbor"
check "CBOR identical under both locales" cmp -s "$W/c.cbor" "$W/ja.cbor"
c=$(jpki-status -r 0 --json --now 2025-03-31T23:59:59+09:00)
z=$(jpki-status -r 0 --json --now 2025-03-31T14:59:59Z)
check "--now with +09:00 is the same instant as its Z form" test "$c" = "$z"
check "  ... and records it in UTC" contains "$c" '"checked":"2025-03-31T14:59:59Z"'
rc=$(ja jpki-status -r 0 --now 2025-03-31T23:59:59+24:00 >/dev/null 2>"$W/err"; echo $?)
check "--now: a bad offset is a usage error (2)" test "$rc" = 2
check "  ... said in Japanese" grep -q '時刻' "$W/err"

# ---- a wrong PIN from jpki-renew, in Japanese; the card spends one try ----
rc=$(ja jpki-renew -r 0 --cert auth "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
    --pin-file "$(pins_file wrong 9999)" </dev/null >/dev/null 2>"$W/err"; echo $?)
sed 's/^/# /' "$W/err"
check "wrong PIN: exit 4 in any language" test "$rc" = 4
check "wrong PIN said in the notice's words" grep -q '利用者証明用電子証明書の暗証番号が違います (残り2回)' "$W/err"
check "  ... on one line" test "$(wc -l < "$W/err")" = 1
rc=$(ja jpki-renew -r 0 --cert sign --proxy "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
    --pin-file "$(pins_file wrong2 WRONG9)" </dev/null >/dev/null 2>"$W/err"; echo $?)
sed 's/^/# /' "$W/err"
check "proxy: mismatch against the inquiry-and-answer form (exit 4)" test "$rc" = 4
check "proxy: 照会書兼回答書 and 署名用パスワード named" grep -q '照会書兼回答書の署名用パスワードが一致しません' "$W/err"
check "the card spent exactly those two tries (2 4)" test "$(tries 0)" = "2 4"

# ---- jpki-expiry-check ----
# Report lines fold at 100 columns: joined back (unfold_wide) to match.
out=$(ja jpki-expiry-check -r 0 --card --cert auth --now 2025-03-01 --within 90d 2>&1 | unfold_wide
      exit "${PIPESTATUS[0]}"); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "expiry-check: exit 1 (expiring) in Japanese too" test "$rc" = 1
check "expiry-check: report line in Japanese with the notice's date" contains "$out" "有効期限 2025年3月31日 23時59分59秒 JST、残り 30 日"
out=$(jpki-status -r 0 --json | ja jpki-expiry-check --now 2025-03-01 --within 90d - 2>&1 | unfold_wide)
check "expiry-check: summary of records in Japanese" contains "$out" "集計: 1 件を確認: 有効 0、期限間近 1"
check "  ... with the date it checked as of" contains "$out" "2025年3月1日 09時00分00秒 JST から 90 日"
out=$(jpki-expiry-check -r 0 --card --cert auth --now 2025-03-01 --within 90d 2>&1 | unfold)
check "expiry-check in English: local ISO-like date" contains "$out" "not after 2025-03-31 23:59:59 JST, 30 days left"

# ---- the renewal window: table rows in Japanese, JSON unchanged ----
out=$(ja jpki-status -r 0 --table --now 2025-01-15)
check "table: the renewal window's headings in Japanese" \
    grep -Eq '^  更新 +受付開始日  通知書の到着見込み +更新後期限  状態$' <<<"$out"
check "table: the window's row: notice period and state in Japanese" \
    grep -Eq ' 2025-01-01  2024-12-31〜2025-01-31 +不明 +受付中$' <<<"$out"
en_json=$(LANG=C jpki-status -r 0 --json --now 2025-01-15)
ja_json=$(ja jpki-status -r 0 --json --now 2025-01-15)
check "JSON: the window fields are there" contains "$en_json" '"renewal_opens":"2025-01-01","renewal_open":true'
check "JSON with the window fields: byte-identical under LANG=C and ja_JP.UTF-8" test "$en_json" = "$ja_json"
out=$(ja jpki-expiry-check -r 0 --card --cert auth --now 2025-01-15 2>&1 | unfold_wide)
check "expiry-check: the renewal window on the line in Japanese" \
    contains "$out" "更新の受付開始日 (受付中) 2025-01-01、通知書の到着見込み 2024-12-31〜2025-01-31"

# ---- a renewal that succeeds, reported in Japanese ----
out=$(ja jpki-renew -r 0 --cert auth "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
    --pin-file "$(pins_file right 1234)" </dev/null 2>"$W/err"); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "renewal in Japanese: exit 0" test "$rc" = 0 || sed 's/^/# /' "$W/err"
check "renewal line in the notice's words and date (23:59:59 JST)" \
    grep -Eq '利用者証明: 更新済み、証明書シリアル [0-9A-F]+、有効期限 [0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日 23時59分59秒 JST' <<<"$out"

# ---- several cards: a command that changes a card refuses in Japanese ----
make_card taro "$W/t.card"
sim_start t 1 "$W/t.card"
wait_card 1 present
out=$(ja jpki-face-auth-switch --to face --yes "${IKEY[@]}" 2>&1); rc=$?
check "several cards, no -r: exit 2" test "$rc" = 2
check "several cards: refused in Japanese, naming -r" contains "$out" "カードが 2 枚あります (リーダー"
check "  ... and nothing changed" contains "$out" "-r/--reader でリーダーを指定してください。何も変更していません"

# ---- a face-authentication card's renewal in Japanese ----
jpki-face-auth-switch -r 0 --to face --yes "${IKEY[@]}" >/dev/null 2>&1
out=$(setsid -w env LANG=ja_JP.UTF-8 jpki-renew -r 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" </dev/null 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "face card, no terminal, no --identity-checked: exit 2" test "$rc" = 2
check "face card: the refusal in the notice's words" \
    contains "$out" "顔認証マイナンバーカード (暗証番号なし): 窓口での本人確認を確かめる端末がありません"
out=$(ja jpki-renew -r 0 --identity-checked "${IKEY[@]}" --ca-cmd "$RENEW_CA" </dev/null 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "face card, --identity-checked: exit 0" test "$rc" = 0
check "face card: no signature certificate, said in Japanese" \
    contains "$out" "署名用: 顔認証マイナンバーカードにはありません (発行しません)"
finish
