# jpki-expiry-check against the virtual cards through pcscd: every exit
# code (0 valid, 1 expiring, 2 expired, 3 could not tell) from each source
# (card, JSON records, CBOR records, PEM, DER), --within units, --cert,
# the --filter pipeline over several readers passing exactly the records
# (or certificates) that need renewal, and malformed input (one-line error,
# exit 3, never a crash).  --now places the dates: the personas' auth
# certificates end 2025-03-31 (hanako), 2025-04-10 (taro), 2023-05-10
# (ichiko, issued 2018).
pcscd_start 2
make_card hanako "$JPKI_WORK/hanako.card"
make_card taro "$JPKI_WORK/taro.card"
JPKI_CARD_NOW=2018-06-01 make_card ichiko "$JPKI_WORK/ichiko.card"
sim_start hanako 0 "$JPKI_WORK/hanako.card"
sim_start taro 2 "$JPKI_WORK/taro.card"
sim_start ichiko 3 "$JPKI_WORK/ichiko.card"
W=$JPKI_WORK
A0="JPKI Test Reader A 00 00"; B0="JPKI Test Reader B 00 00"; B1="JPKI Test Reader B 00 01"

# expect_check NAME RC CMD...: exit status must be RC (so also: no crash,
# which would be > 128); the command's own output is not shown.
quiet() { "$@" >/dev/null 2>&1; }
expect_check() { local n=$1 want=$2; shift 2; expect_rc "$n" "$want" quiet "$@"; }

expect_rc "--help exits 0" 0 jpki-expiry-check --help
out=$(jpki-expiry-check --version); check "--version names the tool" contains "$out" "jpki-expiry-check"

# ---- the card in a reader ----
out=$(jpki-expiry-check --card -r 0 --now 2024-06-01); rc=$?
check "card, valid: exit 0" test "$rc" = 0
check "card line names reader and serial" contains "$(unfold <<<"$out")" "ok       $A0 [card 900000000000001]: auth ok, not after 2025-03-31 23:59:59 JST, 303 days left"
check "card line: sign cert not checked without its password" contains "$(unfold <<<"$out")" "sign not checked: readable only after the signature password"
out=$(jpki-expiry-check -r 0 --now 2025-03-01); rc=$?
check "card, expiring within 90 days (default): exit 1" test "$rc" = 1
check "card, expiring line" contains "$out" "expiring $A0"
expect_check "card, expired: exit 2" 2 jpki-expiry-check -r 0 --now 2025-04-01
expect_check "empty reader: exit 3" 3 jpki-expiry-check -r 1 --now 2025-01-01
expect_check "no such reader: exit 3" 3 jpki-expiry-check -r "No Such Reader"
expect_check "--cert sign on a card (no password): exit 3" 3 jpki-expiry-check -r 0 --cert sign --now 2025-01-01
expect_check "--cert auth on a card" 1 jpki-expiry-check -r 0 --cert auth --now 2025-03-01
# 2025-03-01 is 30 days and 15 hours before hanako's notAfter.
expect_check "--within 30d: still valid" 0 jpki-expiry-check -r 0 --within 30d --now 2025-03-01
expect_check "--within 31d: expiring" 1 jpki-expiry-check -r 0 --within 31d --now 2025-03-01
expect_check "--within 31 (days by default)" 1 jpki-expiry-check -r 0 --within 31 --now 2025-03-01
expect_check "--within 5w" 1 jpki-expiry-check -r 0 --within 5w --now 2025-03-01
expect_check "--within 1m is 30 days" 0 jpki-expiry-check -r 0 --within 1m --now 2025-03-01
expect_check "--within 1y" 1 jpki-expiry-check -r 0 --within 1y --now 2024-06-01
out=$(jpki-expiry-check -r 0 -q --now 2025-04-01); rc=$?
check "-q on a card: no output, exit still 2" test "$rc" = 2 -a -z "$out"
# stdin that is a device (/dev/null) or an empty pipe means: the card.
out=$(jpki-expiry-check --now 2025-04-01 < /dev/null); rc=$?
check "/dev/null on stdin reads the card" test "$rc" = 2
check "/dev/null on stdin: card line" contains "$out" "expired  $A0"
out=$(true | jpki-expiry-check --now 2024-06-01); rc=$?
check "an empty pipe falls back to the card" test "$rc" = 0
check "empty pipe: card line" contains "$out" "ok       $A0"
out=$(true | jpki-expiry-check - 2>&1); rc=$?
check "explicit '-' with empty input: exit 3" test "$rc" = 3
check "explicit '-' with empty input says so" contains "$out" "no input on stdin"

# ---- records: JSON and CBOR ----
jpki-status --all --json --now 2022-01-01 > "$W/recs.json"
jpki-status --all --cbor --now 2022-01-01 > "$W/recs.cbor"
check "four JSON records" test "$(wc -l < "$W/recs.json")" = 4
for kind in json cbor; do
    f="$W/recs.$kind"
    out=$(jpki-expiry-check --now 2022-01-01 < "$f"); rc=$?
    check "$kind records, all valid: exit 0" test "$rc" = 0
    check "$kind records: summary counts cards and the empty reader" contains "$(unfold <<<"$out")" \
        "summary: 3 checked: 3 ok, 0 expiring, 0 expired, 0 unknown (1 empty reader); threshold 90 days from 2022-01-01 09:00:00 JST"
    check "$kind records: one line per reader" test "$(grep -c 'JPKI Test Reader' <<<"$out")" = 4
    check "$kind records: empty reader line" contains "$out" "no card  JPKI Test Reader A 00 01: no card in the reader"
    out=$(jpki-expiry-check --now 2023-03-01 - < "$f"); rc=$?
    check "$kind records, ichiko expiring: exit 1" test "$rc" = 1
    check "$kind records: ichiko's line" contains "$(unfold <<<"$out")" "expiring $B1 [card 900000000000003]: auth expiring, not after 2023-05-10 23:59:59 JST, 70 days left"
    expect_check "$kind records, ichiko expired: exit 2" 2 jpki-expiry-check --now 2024-01-01 --stdin < "$f"
    expect_check "$kind records, --cert sign without details: exit 3" 3 jpki-expiry-check --cert sign --now 2022-01-01 < "$f"
done
# A record of a card that could not be read: could not tell.
errrec='{"record":"jpki-card-status","version":1,"reader":"X","card":true,"error":{"code":"card-removed","message":"card pulled"}}'
out=$(printf '%s\n' "$errrec" | jpki-expiry-check --now 2022-01-01); rc=$?
check "error record alone: exit 3" test "$rc" = 3
check "error record: line says why" contains "$(unfold <<<"$out")" "unknown  X: could not read the card: card pulled"
expect_check "error record among valid ones: exit 3" 3 sh -c "{ cat '$W/recs.json'; printf '%s\n' '$errrec'; } | jpki-expiry-check --now 2022-01-01"
expect_check "error record among expired ones: expired wins (exit 2)" 2 sh -c "{ cat '$W/recs.json'; printf '%s\n' '$errrec'; } | jpki-expiry-check --now 2024-01-01"
# The signature certificate counts once jpki-status read it with the password.
out=$(echo ABC123 | jpki-status -r 0 --pin-fd 0 --json | jpki-expiry-check --cert sign --now 2025-03-01); rc=$?
check "sign cert via jpki-status --verify-sign-pin: exit 1" test "$rc" = 1
check "sign cert line" contains "$(unfold <<<"$out")" "sign expiring, not after 2025-03-31 23:59:59 JST"

# ---- --filter: the pipeline over several readers ----
# As of 2025-03-05 within 30 days: hanako expiring (26 days), taro valid
# (36 days), ichiko expired, reader A 00 01 empty.
jpki-status --all --cbor --now 2025-03-05 | jpki-expiry-check --filter --within 30d --now 2025-03-05 \
    > "$W/renew.cbor" 2> "$W/report"
rc=$?
check "filter pipeline: exit 2 (one expired)" test "$rc" = 2
check "filter: report on stderr" contains "$(cat "$W/report")" "summary: 3 checked: 1 ok, 1 expiring, 1 expired, 0 unknown (1 empty reader)"
check "filter: no report text on stdout" test "$(grep -a -c summary "$W/renew.cbor")" = 0
first=$(od -An -tx1 -N1 "$W/renew.cbor" | tr -d ' ')
check "filter: CBOR in, CBOR out" grep -q '^[ab]' <<<"$first"
out=$(jpki-expiry-check --now 2020-01-01 - < "$W/renew.cbor"); rc=$?
check "filter: exactly two records passed" contains "$out" "summary: 2 checked"
check "filter: hanako's record passed" contains "$out" "$A0 [card 900000000000001]"
check "filter: ichiko's record passed" contains "$out" "$B1 [card 900000000000003]"
check "filter: taro's valid record not passed" not_contains "$out" "$B0"
check "filter: empty reader not passed" not_contains "$out" "A 00 01"
# The key "renew" in CBOR is the text header 0x65 ('e') and the 5 letters;
# "renewal_opens"/"renewal_open" have other headers.
check "filter: each passed record carries a renew list" test "$(grep -a -o 'erenew' "$W/renew.cbor" | wc -l)" = 2
jpki-status --all --json --der --now 2025-03-05 | jpki-expiry-check --filter --within 30d --now 2025-03-05 \
    > "$W/renew.json" 2>/dev/null
check "filter: JSON in, JSON out, two lines" test "$(grep -c '^{"record":"jpki-card-status"' "$W/renew.json")" = 2
check "filter: renew names the auth certificate" test "$(grep -c '"renew":\["auth"\]}$' "$W/renew.json")" = 2
check "filter: the DER certificates are passed on" test "$(grep -c '"der":"MII' "$W/renew.json")" = 2
check "filter: serials of the cards to renew" test "$(grep -o '"serial":"90000000000000[0-9]"' "$W/renew.json" | tr '\n' ' ')" = '"serial":"900000000000001" "serial":"900000000000003" '
out=$(jpki-status --all --cbor --now 2022-01-01 | jpki-expiry-check --filter --now 2022-01-01 2>/dev/null | wc -c)
check "filter: nothing passed when nothing expires" test "$out" = 0
expect_check "--filter on a card is refused" 3 jpki-expiry-check --filter -r 0

# ---- certificates: PEM and DER ----
for p in hanako:0 taro:2 ichiko:3; do
    n=${p%:*}
    pkcs15-tool -r "${p#*:}" --read-certificate 01 -o "$W/$n.pem" >/dev/null 2>&1
    openssl x509 -in "$W/$n.pem" -outform DER -out "$W/$n.der"
done
check "certificates read from the cards" test -s "$W/hanako.der" -a -s "$W/taro.der" -a -s "$W/ichiko.der"
# PEM with the text openssl prints around certificates, and another block type.
{ echo "subject=hanako"; cat "$W/hanako.pem"; printf -- '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'
  cat "$W/taro.pem"; echo "some text"; cat "$W/ichiko.pem"; } > "$W/all.pem"
cat "$W/hanako.der" "$W/taro.der" "$W/ichiko.der" > "$W/all.der"
for kind in pem der; do
    f="$W/all.$kind"
    out=$(jpki-expiry-check --now 2022-01-01 < "$f"); rc=$?
    check "$kind, all valid: exit 0" test "$rc" = 0
    check "$kind: one line per certificate" test "$(grep -c '^ok       certificate [123]: C=JP, CN=' <<<"$out")" = 3
    check "$kind: summary" contains "$out" "summary: 3 checked: 3 ok, 0 expiring, 0 expired, 0 unknown"
    expect_check "$kind, one expiring: exit 1" 1 jpki-expiry-check --now 2023-03-01 - < "$f"
    expect_check "$kind, one expired: exit 2" 2 jpki-expiry-check --now 2024-01-01 - < "$f"
    jpki-expiry-check --filter --within 30d --now 2025-03-05 < "$f" > "$W/renew.$kind" 2>/dev/null
    check "$kind filter passes exactly hanako's and ichiko's certificates" \
        cmp -s "$W/renew.$kind" <(cat "$W/hanako.$kind" "$W/ichiko.$kind")
done

# ---- malformed input: one-line error, exit 3, no crash ----
# bad_input NAME EXPECTED-TEXT < INPUT (fed by redirection, not a pipe, so
# the checks count in this shell).
bad_input() {
    local name=$1 want=$2 err rc
    err=$(jpki-expiry-check --now 2022-01-01 - 2>&1 >/dev/null); rc=$?
    check "$name: exit 3" test "$rc" = 3
    check "$name: one-line error" test "$(printf '%s\n' "$err" | wc -l)" = 1
    check "$name: error says what is wrong" contains "$err" "$want"
}
bad_input "binary garbage" "unrecognised input (first byte 0x01)" < <(printf '\001\002\003')
bad_input "truncated CBOR" "record 1: input ends inside a CBOR record" < <(head -c 200 "$W/recs.cbor")
bad_input "huge declared CBOR length" "byte string of 2147483647 bytes at byte 4 exceeds the limit" < <(printf '\241\141x\132\177\377\377\377')
bad_input "array declaring 1.9 billion items" "array of 1929379839 items" < <(printf '\241\141x\232\162\377\377\377')
bad_input "deeply nested JSON" "nesting too deep" < <(printf '%0.s{"a":' $(seq 1 100))
bad_input "wrong type" '"card" must be a boolean, not text' < <(printf '{"record":"jpki-card-status","version":1,"reader":"r","card":"yes"}\n')
bad_input "broken JSON after good records" "record 5: JSON" < <({ cat "$W/recs.json"; printf '{"record":\n'; })
bad_input "truncated PEM" "input ends inside its PEM block" < <(head -n 5 "$W/hanako.pem")
bad_input "truncated DER" "certificate 1: input ends after" < <(head -c 500 "$W/hanako.der")
bad_input "DER followed by junk" "not a DER certificate (tag 0x78" < <({ cat "$W/hanako.der"; printf 'xx'; })
bad_input "text without certificates" "no certificate found" < <(echo "hello")
out=$({ echo '-----BEGIN CERTIFICATE-----'; echo 'bm90IGEgY2VydA=='; echo '-----END CERTIFICATE-----'; } |
      jpki-expiry-check --now 2022-01-01 -); rc=$?
check "PEM block that is not a certificate: exit 3" test "$rc" = 3
check "PEM block that is not a certificate: unknown line" contains "$(unfold <<<"$out")" "unknown  certificate 1: not a valid X.509 certificate"
expect_check "bad --within: exit 3" 3 jpki-expiry-check --within 90q -r 0
expect_check "bad --cert: exit 3" 3 jpki-expiry-check --cert both-ca -r 0
expect_check "bad --now: exit 3" 3 jpki-expiry-check --now yesterday -r 0
expect_check "card and stdin together: exit 3" 3 jpki-expiry-check -r 0 -
finish
