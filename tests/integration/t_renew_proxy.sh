# jpki-renew by proxy (PINs from the inquiry-and-answer form): a good form
# renews; a wrong form PIN costs exactly one try, stops before any other
# VERIFY and says "document inquiry needed".  The last try is never spent
# without --force, and a blocked PIN points to jpki-reset-pin.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
make_card hanako "$W/h.card"
make_card taro "$W/t.card"
make_card ichiko "$W/i.card"
sim_start h 0 "$W/h.card"
sim_start t 1 "$W/t.card"
sim_start i 2 "$W/i.card"

# spend N wrong tries of the auth PIN of reader IDX through OpenSC
spend_auth() {
    local n
    for n in $(seq 1 "$2"); do
        JPKI_T_BAD=0000 pkcs15-tool -r "$1" --verify-pin --auth-id 01 --pin env:JPKI_T_BAD >/dev/null 2>&1
    done
}

# ---- a good form: both certificates, PINs on a pipe ----
cert_pem 1 01 "$W/t-auth-old.pem"
out=$(printf '1234\nABC123\n' | jpki-renew -r 1 --proxy --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "proxy renewal with the form's PINs exits 0" test "$rc" = 0
check "both renewed" test "$(printf '%s\n' "$out" | grep -c ': renewed')" = 2
cert_pem 1 01 "$W/t-auth.pem"
cert_pem 1 03 "$W/t-authca.pem"
check "new auth cert verifies" openssl verify -CAfile "$W/t-authca.pem" "$W/t-auth.pem"
check "taro's counters full (3 5)" test "$(tries 1)" = "3 5"

# ---- wrong auth PIN on the form (and a wrong sign password too) ----
out=$(printf '9999\nWRONG99\n' | jpki-renew -r 0 --proxy --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "a wrong form PIN exits 4" test "$rc" = 4
check "document inquiry needed" contains "$out" "document inquiry needed"
check "names the auth PIN and the tries left" contains "$out" "auth PIN from the inquiry-and-answer form does not match (2 tries left)"
check "one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
check "exactly one try spent, the sign password never tried (2 5)" test "$(tries 0)" = "2 5"
out=$(printf '1234\nABC123\n' | jpki-renew resume -r 0 --pin-fd 0 "${IKEY[@]}" 2>&1)
check "no key was generated (nothing to resume)" contains "$out" "nothing to resume"

# ---- right auth PIN, wrong sign password: stops at the sign VERIFY ----
out=$(printf '1234\nWRONG99\n' | jpki-renew -r 0 --proxy --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "a wrong form password exits 4" test "$rc" = 4
check "document inquiry needed (sign)" contains "$out" "sign PIN from the inquiry-and-answer form does not match (4 tries left): document inquiry needed"
check "one sign try spent; the right auth PIN restored its counter (3 4)" test "$(tries 0)" = "3 4"
check "still nothing pending" contains "$(printf '1234\nABC123\n' | jpki-renew resume -r 0 --pin-fd 0 "${IKEY[@]}" 2>&1)" "nothing to resume"

# ---- the last try is not spent without --force ----
spend_auth 2 2
check "ichiko's auth PIN down to one try" test "$(tries 2)" = "1 5"
out=$(printf '1234\nABC123\n' | jpki-renew -r 2 --proxy --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "last try refused (exit 4)" test "$rc" = 4
check "says why" contains "$out" "only one try left; not spending it without --force"
check "refused before any VERIFY (still 1 5)" test "$(tries 2)" = "1 5"
out=$(printf '1234\n' | jpki-renew -r 2 --cert auth --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "holder mode refuses the last try as well (exit 4)" test "$rc" = 4
check "holder mode: still 1 5" test "$(tries 2)" = "1 5"
out=$(printf '1234\nABC123\n' | jpki-renew -r 2 --proxy --force --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "with --force the right PIN goes through and renews" test "$rc" = 0
check "counters full again (3 5)" test "$(tries 2)" = "3 5"

# ---- a blocked PIN ----
spend_auth 2 3
check "ichiko's auth PIN blocked" test "$(tries 2)" = "0 5"
out=$(printf '1234\nABC123\n' | jpki-renew -r 2 --proxy --force --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "blocked PIN exits 4" test "$rc" = 4
check "points to jpki-reset-pin" contains "$out" "jpki-reset-pin"
check "the sign password was not touched (0 5)" test "$(tries 2)" = "0 5"
finish
