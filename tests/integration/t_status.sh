# jpki-status through the real pcscd + vpcd + jpki-card-sim: one card and
# every reader, table / JSON / CBOR, and above all: reading status never
# spends a PIN try (counters read independently with jpki-test-readcert
# before and after; the APDU trace shows no VERIFY with data).  The
# signature password path: right (sign cert read, card reset afterwards),
# wrong (one try, exit 4), refused files and formats (no try), last try
# (refused, no try).  Empty readers, unknown readers, a card pulled
# mid-read.
pcscd_start 2
R0="JPKI Test Reader A 00 00"
make_card hanako "$JPKI_WORK/hanako.card"
make_card taro "$JPKI_WORK/taro.card"
sim_start hanako 0 "$JPKI_WORK/hanako.card"
sim_start taro 2 "$JPKI_WORK/taro.card"
SIGNPW=ABC123

expect_rc "--help exits 0" 0 jpki-status --help
out=$(jpki-status --version)
check "--version names the tool" contains "$out" "jpki-status"

# ---- one card, JSON ----
out=$(jpki-status -r 0 --json --now 2025-01-01); rc=$?
check "status of a card exits 0" test "$rc" = 0
check "one JSON line per card" test "$(printf '%s\n' "$out" | wc -l)" = 1
check "record names the reader" contains "$out" "\"reader\":\"$R0\",\"card\":true"
check "record has the card serial" contains "$out" '"serial":"900000000000001"'
check "every application answers" contains "$out" '"apps":["jpki","cardinfo","visual","registry","common"]'
check "PIN card" contains "$out" '"mode":"pin"'
check "auth cert validity and days left from --now" contains "$out" \
    '"not_before":"2020-05-31T15:00:00Z","not_after":"2025-03-31T14:59:59Z","days_left":89'
check "auth cert issuer" contains "$out" '"issuer":"C=JP, O=JPKI, OU=JPKI for user authentication'
check "sign cert present but not read without the password" contains "$out" \
    '{"kind":"sign","present":true,"unavailable":"readable only after the signature password'
check "auth PIN counter" contains "$out" '{"pin":"auth","tries_left":3,"max":3,"blocked":false}'
check "sign PIN counter" contains "$out" '{"pin":"sign","tries_left":5,"max":5,"blocked":false}'
check "card-info PIN counter" contains "$out" '{"pin":"cardinfo","tries_left":3,"max":3,"blocked":false}'
check "registry PIN counter" contains "$out" '{"pin":"registry","tries_left":3,"max":3,"blocked":false}'
check "no DER unless asked" not_contains "$out" '"der"'
out=$(jpki-status -r 0 --json --der)
check "--der includes the certificates" contains "$out" '"der":"MII'
out=$(jpki-status --now 2025-01-01)
check "default: first reader with a card, JSON into a pipe" contains "$out" "{\"record\":\"jpki-card-status\",\"version\":1,\"reader\":\"$R0\""

# ---- table ----
out=$(jpki-status -r 0 --table --now 2025-01-01)
check "table names the reader" contains "$out" "reader $R0"
check "table lists the applications" contains "$out" "applications jpki, cardinfo, visual, registry, common"
check "table row of the auth cert (local time, TZ=Asia/Tokyo)" grep -Eq '^  auth +2020-06-01 00:00:00 JST +2025-03-31 23:59:59 JST +89  valid$' <<<"$out"
check "table says why the sign cert has no details" grep -Eq '^  sign +present, details unavailable: readable only after the signature password' <<<"$out"
check "table row of the sign PIN" grep -Eq '^  sign +5 +5  ok$' <<<"$out"
hdr=$(grep -E '^  cert ' <<<"$out"); row=$(grep -E '^  auth +2020' <<<"$out")
check "table columns line up (not after)" test "$(awk -v s="$hdr" 'BEGIN { print index(s, "not after") }')" = \
    "$(awk -v s="$row" 'BEGIN { print index(s, "2025-03-31") }')"

# ---- status never spends a PIN try ----
# Spend one sign try on purpose (a wrong password through libjpki's test tool).
echo WRONG9 | jpki-test-readcert -r 0 --kind sign --pin-fd 0 >/dev/null 2>&1
before=$(jpki-test-readcert -r 0 --pin-status)
echo "$before" | sed 's/^/# before: /'
for i in 1 2 3; do jpki-status -r 0 --json >/dev/null; done
jpki-status -r 0 --table >/dev/null
jpki-status --all --cbor >/dev/null
jpki-status --all --json >/dev/null
after=$(jpki-test-readcert -r 0 --pin-status)
check "retry counters unchanged by six status reads" test "$before" = "$after"
out=$(jpki-status -r 0 --json)
check "status shows the spent sign try" contains "$out" '{"pin":"sign","tries_left":4,"max":5,"blocked":false}'
jpki-status -r 0 --json --trace 2>"$JPKI_WORK/trace.txt" >/dev/null
check "trace: four VERIFY commands" test "$(grep -c '> VERIFY ' "$JPKI_WORK/trace.txt")" = 4
check "trace: all four are counter queries" \
    test "$(grep -c '> VERIFY .*retry counter query (spends no try)' "$JPKI_WORK/trace.txt")" = 4
check "trace: no VERIFY carries a PIN" not_contains "$(cat "$JPKI_WORK/trace.txt")" "with PIN"
# The same check sees a PIN when one is sent (so it can fail).
echo "$SIGNPW" | jpki-status -r 0 --pin-fd 0 --json --trace 2>"$JPKI_WORK/trace2.txt" >/dev/null
check "trace check is live: --pin-fd sends exactly one PIN" \
    test "$(grep -c '> VERIFY EF 001B (sign PIN) with PIN' "$JPKI_WORK/trace2.txt")" = 1

# ---- every reader ----
out=$(jpki-status --all --json --now 2025-01-01); rc=$?
check "--all exits 0 with empty readers" test "$rc" = 0
check "--all: one line per reader" test "$(printf '%s\n' "$out" | wc -l)" = 4
check "--all: two cards" test "$(grep -c '"card":true' <<<"$out")" = 2
check "--all: two empty readers" test "$(grep -c '"card":false' <<<"$out")" = 2
check "--all: taro in the third reader" grep -q '"reader":"JPKI Test Reader B 00 00","card":true,"checked":"2025-01-01T00:00:00Z","serial":"900000000000002"' <<<"$out"
check "--all: empty reader record" grep -q '{"record":"jpki-card-status","version":1,"reader":"JPKI Test Reader A 00 01","card":false,"checked":"2025-01-01T00:00:00Z"}' <<<"$out"
out=$(jpki-status --all --table)
check "--all table: empty readers reported as such" test "$(grep -c 'none (reader is empty)' <<<"$out")" = 2
jpki-status --all --cbor --now 2025-01-01 > "$JPKI_WORK/all.cbor"
first=$(od -An -tx1 -N1 "$JPKI_WORK/all.cbor" | tr -d ' ')
check "--cbor starts with a CBOR map (major type 5)" grep -q '^[ab]' <<<"$first"
check "--cbor is not JSON" not_contains "$(head -c 1 "$JPKI_WORK/all.cbor")" "{"
out=$(jpki-expiry-check --now 2024-01-01 - < "$JPKI_WORK/all.cbor")
check "the CBOR sequence decodes: two cards, two empty readers" contains "$out" \
    "summary: 2 checked: 2 ok, 0 expiring, 0 expired, 0 unknown (2 empty readers)"

# ---- errors ----
out=$(jpki-status -r 1 2>&1); rc=$?
check "empty reader exits 3" test "$rc" = 3
check "empty reader: one line saying no card" test "$(printf '%s\n' "$out" | wc -l)" = 1
check "empty reader message" contains "$out" "no card"
expect_rc "unknown reader exits 3" 3 jpki-status -r "No Such Reader"
expect_rc "bad --now exits 2" 2 jpki-status --now 2025-13-01
expect_rc "stray argument exits 2" 2 jpki-status extra
expect_rc "--all with --verify-sign-pin exits 2" 2 jpki-status --all --verify-sign-pin

# ---- the signature password, explicitly ----
out=$(echo "$SIGNPW" | jpki-status -r 0 --pin-fd 0 --json --now 2025-01-01); rc=$?
check "right password: exit 0" test "$rc" = 0
check "right password: sign cert details" contains "$out" '"kind":"sign","present":true,"subject":"C=JP, L=Mihon-shi, CN='
check "right password: sign cert issuer" contains "$out" 'OU=JPKI for digital signature'
check "right password: sign cert expiry" contains "$out" '"not_after":"2025-03-31T14:59:59Z"'
check "right password restores the counter" contains "$out" '{"pin":"sign","tries_left":5,"max":5,"blocked":false}'
out=$(jpki-test-readcert -r 0 --kind sign 2>&1); rc=$?
check "the card was reset: the password did not stay verified" test "$rc" != 0

printf 'WRONG9\n' > "$JPKI_WORK/pw"; chmod 600 "$JPKI_WORK/pw"
out=$(jpki-status -r 0 --pin-file "$JPKI_WORK/pw" --json 2>"$JPKI_WORK/err"); rc=$?
check "wrong password: exit 4" test "$rc" = 4
check "wrong password: one-line error" test "$(wc -l < "$JPKI_WORK/err")" = 1
check "wrong password: tries left named" contains "$(cat "$JPKI_WORK/err")" "4"
check "wrong password: the rest of the status still printed" contains "$out" '{"pin":"sign","tries_left":4,"max":5,"blocked":false}'

before=$(jpki-test-readcert -r 0 --pin-status)
chmod 644 "$JPKI_WORK/pw"
out=$(jpki-status -r 0 --pin-file "$JPKI_WORK/pw" 2>&1); rc=$?
check "world-readable password file refused" test "$rc" != 0 -a "$rc" != 4
check "refusal names the file mode" contains "$out" "pw"
out=$(echo "abc" | jpki-status -r 0 --pin-fd 0 2>&1); rc=$?
check "malformed password: exit 4 before the card" test "$rc" = 4
after=$(jpki-test-readcert -r 0 --pin-status)
check "refused file and format spent no try" test "$before" = "$after"

# Down to the last try: jpki-status refuses to spend it.
for i in 1 2 3; do echo WRONG9 | jpki-test-readcert -r 0 --kind sign --pin-fd 0 >/dev/null 2>&1; done
out=$(jpki-status -r 0 --json)
check "one sign try left" contains "$out" '{"pin":"sign","tries_left":1,"max":5,"blocked":false}'
out=$(echo "$SIGNPW" | jpki-status -r 0 --pin-fd 0 --json 2>"$JPKI_WORK/err"); rc=$?
check "last try: refused with exit 4" test "$rc" = 4
check "last try: says why" contains "$(cat "$JPKI_WORK/err")" "only one signature password try left"
out=$(jpki-status -r 0 --json)
check "last try: still one left" contains "$out" '{"pin":"sign","tries_left":1,"max":5,"blocked":false}'

# ---- a card pulled mid-read ----
sim_stop taro
wait_card 2 absent
sim_start taro 2 "$JPKI_WORK/taro.card" --remove-after 15
out=$(jpki-status --all --json 2>"$JPKI_WORK/err"); rc=$?
check "--all with a pulled card: exit 6 (partial)" test "$rc" = 6
check "pulled card: one-line error on stderr" test "$(wc -l < "$JPKI_WORK/err")" = 1
# (vpcd reports the pull as a failed transaction; the code depends on the
# PC/SC error mapping, the record must carry an error either way.)
check "pulled card: record carries the error" grep -q '"reader":"JPKI Test Reader B 00 00".*"error":{"code":"[a-z-]*","message":"' <<<"$out"
check "pulled card: the other card still reported" grep -q "\"reader\":\"$R0\",\"card\":true" <<<"$out"
finish
