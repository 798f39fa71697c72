# The renewal window in jpki-status and jpki-expiry-check through pcscd +
# vpcd, on the three sample personas' dates (auth certificates ending
# 2025-03-31 hanako, 2025-04-10 taro, 2023-05-10 ichiko; births 1989-03-31,
# 1989-04-10, 2008-05-10; cards ending 2030-03-31, 2030-04-10, 2028-05-10):
# renewal opens the day after the date three months before expiry, the
# notice is expected two to three months before, the next certificate ends
# on the 5th birthday after issuance or the card's end, "unknown" without a
# birth date (never guessed); --renewable passes only cards open as of --now.
pcscd_start 2
W=$JPKI_WORK
A0="JPKI Test Reader A 00 00"; B0="JPKI Test Reader B 00 00"; B1="JPKI Test Reader B 00 01"
make_card hanako "$W/hanako.card"
make_card taro "$W/taro.card"
JPKI_CARD_NOW=2018-06-01 make_card ichiko "$W/ichiko.card"
sim_start hanako 0 "$W/hanako.card"
sim_start taro 2 "$W/taro.card"
sim_start ichiko 3 "$W/ichiko.card"
auth_of() { grep -o '{"kind":"auth"[^}]*}' <<<"$1"; }
sign_of() { grep -o '{"kind":"sign"[^}]*}' <<<"$1"; }

# ---- records ----
out=$(jpki-status -r 0 --json --now 2025-01-15)
check "hanako: renewal opened 2025-01-01 (the day after 2024-12-31)" contains "$(auth_of "$out")" \
    '"renewal_opens":"2025-01-01","renewal_open":true'
check "hanako: the notice is expected 2024-12-31 to 2025-01-31" contains "$(auth_of "$out")" \
    '"notice_from":"2024-12-31","notice_until":"2025-01-31"'
check "hanako: without the signature password the next end is unknown" contains "$(auth_of "$out")" \
    '"next_not_after":"unknown"'
check "hanako: no birth date without the signature password" not_contains "$out" '"birth"'
check "hanako: the card's own expiry" contains "$out" '"card_expiry":"2030-03-31"'
check "the sign certificate without details has no window" not_contains "$(sign_of "$out")" "renewal_opens"
out=$(echo ABC123 | jpki-status -r 0 --json --now 2025-01-15 --pin-fd 0)
check "with the password: the birth date from the signature certificate" contains "$out" '"birth":"1989-03-31"'
check "hanako: a certificate issued now ends on the 5th birthday after it (2029-03-31)" \
    contains "$(auth_of "$out")" '"next_not_after":"2029-03-31"'
check "... the signature certificate's window too" contains "$(sign_of "$out")" \
    '"renewal_opens":"2025-01-01","renewal_open":true,"notice_from":"2024-12-31","notice_until":"2025-01-31","next_not_after":"2029-03-31"'
out=$(jpki-status -r 0 --json --now 2024-12-31T14:59:59Z)
check "hanako: not open on 2024-12-31 23:59:59 in Japan" contains "$(auth_of "$out")" '"renewal_open":false'
out=$(jpki-status -r 0 --json --now 2024-12-31T15:00:00Z)
check "hanako: open from 2025-01-01 00:00 in Japan" contains "$(auth_of "$out")" '"renewal_open":true'
out=$(echo ABC123 | jpki-status -r 2 --json --now 2025-01-05 --pin-fd 0)
check "taro: renewal opens 2025-01-11, not yet on 2025-01-05" contains "$(auth_of "$out")" \
    '"renewal_opens":"2025-01-11","renewal_open":false,"notice_from":"2025-01-10","notice_until":"2025-02-10","next_not_after":"2029-04-10"'
out=$(echo ABC123 | jpki-status -r 3 --json --now 2025-01-01 --pin-fd 0)
check "ichiko (expired 2023-05-10): open since 2023-02-11; the card's end caps the next (2028-05-10)" \
    contains "$(auth_of "$out")" \
    '"renewal_opens":"2023-02-11","renewal_open":true,"notice_from":"2023-02-10","notice_until":"2023-03-10","next_not_after":"2028-05-10"'

# The birth date from the card-info application, with the map's card-info PIN.
printf '900000000000002 - - 5678\n' > "$W/pins.map"; chmod 600 "$W/pins.map"
before=$(jpki-test-readcert -r 2 --pin-status)
out=$(jpki-status -r 2 --json --now 2025-01-05 --pin-map "$W/pins.map")
check "--pin-map with a card-info PIN only: the birth date from the card-info application" \
    contains "$out" '"birth":"1989-04-10"'
check "... gives the next certificate's end (2029-04-10)" contains "$(auth_of "$out")" '"next_not_after":"2029-04-10"'
check "... spending no try" test "$(jpki-test-readcert -r 2 --pin-status)" = "$before"
out=$(jpki-status -r 0 --json --now 2025-01-05 --pin-map "$W/pins.map")
check "a card not in the map: no birth date, no VERIFY" not_contains "$out" '"birth"'

# ---- the table ----
out=$(echo ABC123 | jpki-status -r 0 --table --now 2025-01-15 --pin-fd 0)
check "table: the holder's birth date" grep -Eq '^  born +1989-03-31$' <<<"$out"
check "table: the renewal row of the auth certificate" \
    grep -Eq '^  auth +2025-01-01  2024-12-31 to 2025-01-31 +2029-03-31  open$' <<<"$out"
out=$(jpki-status -r 2 --table --now 2025-01-05)
check "table: not yet open, next end unknown" \
    grep -Eq '^  auth +2025-01-11  2025-01-10 to 2025-02-10 +unknown +not yet open$' <<<"$out"

# ---- jpki-expiry-check lines and --renewable ----
# Report lines fold at the terminal width: join them back, keep the status.
ec() { jpki-expiry-check "$@" | unfold; return "${PIPESTATUS[0]}"; }
out=$(ec -r 0 --now 2025-01-15)
check "expiry-check: the window on the line" contains "$out" \
    "auth expiring, not after 2025-03-31 23:59:59 JST, 75 days left, renewal open since 2025-01-01, notice 2024-12-31 to 2025-01-31, next until unknown"
check "expiry-check: the card's own expiry on the line" contains "$out" "; card expires 2030-03-31"
jpki-status --all --cbor --now 2024-06-01 > "$W/all.cbor"
out=$(ec --renewable --now 2025-01-05 - < "$W/all.cbor"); rc=$?
check "--renewable on 2025-01-05: hanako (open) and ichiko (expired) pass" contains "$out" \
    "summary: 2 checked: 0 ok, 1 expiring, 1 expired, 0 unknown (1 empty reader); 1 not renewable yet"
check "--renewable: taro (opens 2025-01-11) is left out" not_contains "$out" "$B0"
check "--renewable: exit status of the cards passed (expired: 2)" test "$rc" = 2
out=$(ec --renewable --now 2025-01-11 - < "$W/all.cbor")
check "--renewable honours --now, not the records' time: taro passes on 2025-01-11" contains "$out" "$B0 [card 900000000000002]"
out=$(ec --renewable --now 2024-12-01 --cert auth - < "$W/all.cbor")
check "--renewable --cert auth on 2024-12-01: only ichiko" contains "$out" "summary: 1 checked"
jpki-status -r 0 --json --now 2024-06-01 > "$W/hanako.json"
out=$(ec --renewable --now 2024-12-31 - < "$W/hanako.json"); rc=$?
check "--renewable, nothing open yet: exit 0" test "$rc" = 0
check "... and says so" contains "$out" "0 checked: 0 ok, 0 expiring, 0 expired, 0 unknown; 1 not renewable yet"
# --filter: the cards open for renewal go on with their renew list.
jpki-expiry-check --renewable --filter --now 2025-01-05 - < "$W/all.cbor" > "$W/renew.cbor" 2>/dev/null
out=$(ec --now 2025-01-05 --within 0 - < "$W/renew.cbor")
check "--renewable --filter passes exactly the open cards" contains "$out" "summary: 2 checked"
check "... hanako's" contains "$out" "$A0 [card 900000000000001]"
check "... ichiko's" contains "$out" "$B1 [card 900000000000003]"
jpki-status -r 0 --json --now 2025-01-05 | jpki-expiry-check --renewable --filter --now 2025-01-05 > "$W/h.json" 2>/dev/null
check "... with the renew list of the certificates open for renewal" contains "$(cat "$W/h.json")" '"renew":["auth"]'
# A lone certificate: the window from its notAfter.
jpki-status -r 0 --export auth > "$W/auth.pem"
out=$(ec --now 2025-01-15 - < "$W/auth.pem")
check "a PEM certificate: the window on its line" contains "$out" "renewal open since 2025-01-01, notice 2024-12-31 to 2025-01-31"
out=$(ec --renewable --now 2024-12-15 - < "$W/auth.pem"); rc=$?
check "a PEM certificate not open yet: left out by --renewable (exit 0)" test "$rc" = 0
check "... counted as not renewable" contains "$out" "1 not renewable yet"
finish
