# jpki-reset-pin on the virtual card through pcscd: each PIN reset (the new
# PIN then verifies), unblocking, the sign-password rule, formats refused
# with the card untouched, missing/wrong issuer keys, no PIN in argv or the
# trace, and a card pulled at every point of the operation.
# Sourced by tests/harness/isolated.sh.

S=$JPKI_WORK/card.state
K=$JPKI_WORK/issuer.key
# shellcheck source=pinops.sh
. tests/integration/pinops.sh

pcscd_start 1
make_card "$PERSONA" "$S"
sim_start card 0 "$S"
cp "$S" "$JPKI_WORK/pristine.state"

out=$(jpki-reset-pin --help); rc=$?
check "--help exits 0" [ $rc = 0 ]
check "--help names the PINs" contains "$out" "cardinfo"
out=$(jpki-reset-pin --version); rc=$?
check "--version exits 0 and names the version" [ "$rc:$out" = "0:jpki-reset-pin (jpki-tools) 0.1.0" ]

# ---- each PIN reset; the new PIN verifies afterwards ----
s0=$(card_state)
out=$(jpki-reset-pin -r 0 --pin-file "$(secret_file p_auth 4826)" --issuer-key-file "$K" auth 2>&1); rc=$?
check "reset auth PIN: exit 0" [ $rc = 0 ]
check "reset auth PIN: old state shown" contains "$out" "before: 3 of 3 tries left"
check "reset auth PIN: new state shown" contains "$out" "after: 3 of 3 tries left"
expect_rc "new auth PIN verifies" 0 verify_pin auth 4826
expect_rc "old auth PIN no longer verifies" 1 verify_pin auth "$OLD_AUTH"
verify_pin auth 4826

out=$(jpki-reset-pin -r 0 --pin-fd 3 --issuer-key-fd 4 cardinfo 3< <(printf '5934\n') 4<"$K" 2>&1); rc=$?
check "reset cardinfo PIN from --pin-fd, key from --issuer-key-fd: exit 0" [ $rc = 0 ]
expect_rc "new cardinfo PIN verifies" 0 verify_pin cardinfo 5934

out=$(jpki-reset-pin -r 0 --pin-file "$(secret_file p_reg 0071)" --issuer-key-file "$K" registry 2>&1); rc=$?
check "reset registry PIN: exit 0" [ $rc = 0 ]
expect_rc "new registry PIN verifies" 0 verify_pin registry 0071

# ---- on a terminal: entered twice without echo ----
out=$(on_terminal $'expect New registry PIN\nsend 1470\nexpect again\nsend 1470' \
      jpki-reset-pin -r 0 --issuer-key-file "$K" registry); rc=$?
check "terminal: registry PIN entered twice: exit 0" [ $rc = 0 ]
check "terminal: the PIN is not echoed" not_contains "$out" "1470"
check "terminal: result shown" contains "$out" "reset to the new PIN"
expect_rc "terminal: new registry PIN verifies" 0 verify_pin registry 1470
out=$(setsid -w jpki-reset-pin -r 0 --issuer-key-file "$K" auth </dev/null 2>&1); rc=$?
check "no terminal and no --pin-fd/--pin-file: exit 2" [ $rc = 2 ]
check "no terminal: points to --pin-fd" contains "$out" "--pin-fd"
s_tty=$(card_state)
out=$(on_terminal $'expect New auth PIN\nsend 1470\nexpect again\nsend 1471' \
      jpki-reset-pin -r 0 --issuer-key-file "$K" auth); rc=$?
check "terminal: two different entries: exit 4" [ $rc = 4 ]
check "terminal: two different entries: says so" contains "$out" "differ"
out=$(on_terminal $'expect New auth PIN\nsend 12345' jpki-reset-pin -r 0 --issuer-key-file "$K" auth); rc=$?
check "terminal: malformed first entry refused at once: exit 4" [ $rc = 4 ]
check "terminal refusals: card untouched" [ "$(card_state)" = "$s_tty" ]
expect_rc "terminal refusals: auth PIN unchanged" 0 verify_pin auth 4826

# ---- the sign password: warning, confirmation, certificate deleted ----
s1=$(card_state)
out=$(setsid -w jpki-reset-pin -r 0 --pin-file "$(secret_file p_sign NEWSIGN2025)" \
      --issuer-key-file "$K" sign </dev/null 2>&1); rc=$?
check "sign reset without terminal and without --yes: exit 2" [ $rc = 2 ]
check "sign reset without --yes: says --yes" contains "$out" "--yes"
check "sign reset without --yes: card untouched" [ "$(card_state)" = "$s1" ]
check "sign key present before the sign reset" contains "$s1" "signkey=1"

out=$(on_terminal $'expect [yes/no]\nsend no' jpki-reset-pin -r 0 --pin-file "$JPKI_WORK/p_sign" \
      --issuer-key-file "$K" sign); rc=$?
check "sign reset declined on the terminal: exit 1" [ $rc = 1 ]
check "sign reset asks after saying what happens" contains "$out" "deletes the signature key and certificate"
check "sign reset declined: cancelled" contains "$out" "cancelled; card unchanged"
check "sign reset declined: card untouched" [ "$(card_state)" = "$s1" ]

out=$(jpki-reset-pin -r 0 --yes --pin-file "$JPKI_WORK/p_sign" --issuer-key-file "$K" sign 2>&1); rc=$?
check "sign reset with --yes: exit 0" [ $rc = 0 ]
check "sign reset warns before acting" contains "$out" "deletes the signature key and certificate"
check "sign reset names jpki-renew --cert sign" contains "$out" "jpki-renew --cert sign"
s2=$(card_state)
check "sign reset deleted the signature key" contains "$s2" "signkey=0"
check "sign reset cleared the sign certificate flag" contains "$s2" "signflag=0"
check "sign password has full tries" contains "$s2" "sign=5"
check "auth key untouched by the sign reset" contains "$s2" "authkey=1"
expect_rc "new sign password verifies" 0 verify_pin sign NEWSIGN2025

# ---- formats refused before the card is touched ----
s3=$(card_state)
bad_format() { # NAME PIN
    jpki-reset-pin -r 0 --yes --pin-file "$(secret_file p_bad "$2")" --issuer-key-file "$K" "$1" \
        >/dev/null 2>"$JPKI_WORK/err"
}
expect_rc "5-digit auth PIN refused (exit 4)" 4 bad_format auth 12345
expect_rc "3-digit cardinfo PIN refused" 4 bad_format cardinfo 123
expect_rc "letter in registry PIN refused" 4 bad_format registry 12a4
expect_rc "lower-case sign password refused" 4 bad_format sign abcdef12
expect_rc "5-character sign password refused" 4 bad_format sign ABC12
expect_rc "17-character sign password refused" 4 bad_format sign ABCDEFGHIJ1234567
expect_rc "empty PIN refused" 4 bad_format auth ""
check "bad formats: one-line error" [ "$(wc -l < "$JPKI_WORK/err")" = 1 ]
check "bad formats: card untouched (retry counters, keys)" [ "$(card_state)" = "$s3" ]

# ---- issuer key problems ----
out=$(jpki-reset-pin -r 0 --pin-file "$(secret_file p_a2 1111)" auth 2>&1); rc=$?
check "missing issuer key: exit 5" [ $rc = 5 ]
check "missing issuer key: says which options" contains "$out" "--issuer-key-file"
(umask 077; printf '# not the card key\n%s\n' 0f1e2d3c4b5a69788796a5b4c3d2e1f0 > "$JPKI_WORK/wrong.key")
out=$(jpki-reset-pin -r 0 --pin-file "$JPKI_WORK/p_a2" --issuer-key-file "$JPKI_WORK/wrong.key" auth 2>&1); rc=$?
check "wrong issuer key: exit 5" [ $rc = 5 ]
check "wrong issuer key: one line" [ "$(printf '%s\n' "$out" | grep -c 'jpki-reset-pin:')" = 1 ]
cp "$K" "$JPKI_WORK/open.key"; chmod 0644 "$JPKI_WORK/open.key"
out=$(jpki-reset-pin -r 0 --pin-file "$JPKI_WORK/p_a2" --issuer-key-file "$JPKI_WORK/open.key" auth 2>&1); rc=$?
check "world-readable issuer key refused: exit 5" [ $rc = 5 ]
check "world-readable issuer key: names the mode" contains "$out" "0644"
chmod 0644 "$JPKI_WORK/p_a2"
expect_rc "world-readable PIN file refused: exit 2" 2 \
    jpki-reset-pin -r 0 --pin-file "$JPKI_WORK/p_a2" --issuer-key-file "$K" auth
check "key problems: card untouched" [ "$(card_state)" = "$s3" ]
expect_rc "auth PIN unchanged after the refused resets" 0 verify_pin auth 4826

# ---- argv hygiene and usage errors ----
out=$(jpki-reset-pin -r 0 --issuer-key-file "$K" 4826 2>&1); rc=$?
check "a PIN given as argument is not a PIN name: exit 2" [ $rc = 2 ]
check "a PIN given as argument is not echoed" not_contains "$out" "4826"
expect_rc "--unblock sign refused: exit 2" 2 jpki-reset-pin -r 0 --unblock --issuer-key-file "$K" sign
expect_rc "two PIN names: exit 2" 2 jpki-reset-pin -r 0 --issuer-key-file "$K" auth sign
expect_rc "bad --pin-fd: exit 2" 2 jpki-reset-pin -r 0 --pin-fd x --issuer-key-file "$K" auth

# ---- trace: the new PIN is redacted ----
out=$(jpki-reset-pin -r 0 --trace --pin-file "$(secret_file p_tr 7394)" --issuer-key-file "$K" auth 2>&1); rc=$?
check "reset with --trace: exit 0" [ $rc = 0 ]
check "trace shows RESET RETRY COUNTER" contains "$out" "RESET RETRY COUNTER"
check "trace does not show the new PIN (spaced hex)" not_contains "$out" "37 33 39 34"
check "trace does not show the new PIN (hex)" not_contains "$(printf '%s' "$out" | tr -d ' ')" "37333934"
check "trace does not show the new PIN (text)" not_contains "$out" "7394"
expect_rc "PIN set under --trace verifies" 0 verify_pin auth 7394

# ---- blocked PIN: unblock keeps it, reset replaces it ----
for _ in 1 2 3; do verify_pin registry 9999; done
check "registry PIN blocked by three wrong tries" contains "$(card_state)" "registry=blocked"
out=$(jpki-reset-pin -r 0 --unblock --issuer-key-file "$K" registry 2>&1); rc=$?
check "unblock registry PIN: exit 0" [ $rc = 0 ]
check "unblock shows the blocked state before" contains "$out" "before: blocked (0 of 3 tries left)"
check "unblock shows full tries after" contains "$out" "after: 3 of 3 tries left"
expect_rc "unblocked registry PIN keeps its value" 0 verify_pin registry 1470

for _ in 1 2 3; do verify_pin cardinfo 0000; done
out=$(jpki-reset-pin -r 0 --pin-fd 3 --issuer-key-file "$K" cardinfo 3< <(printf '8642\n') 2>&1); rc=$?
check "reset of a blocked cardinfo PIN: exit 0" [ $rc = 0 ]
check "reset of a blocked PIN shows it was blocked" contains "$out" "before: blocked"
expect_rc "blocked cardinfo PIN replaced" 0 verify_pin cardinfo 8642

# ---- the card pulled at every point of the operation ----
# Before: auth PIN blocked.  After a complete reset: full tries, new PIN.
# Whatever N, the card must be in one of the two states, never between.
for _ in 1 2 3; do verify_pin auth 0000; done
before=$(card_state)
check "removal test starts with the auth PIN blocked" contains "$before" "auth=blocked"
SWEEP_CHECK="verify_pin auth 2580"
removal_sweep "${before/auth=blocked/auth=3}" \
    jpki-reset-pin -r 0 --pin-file "$(secret_file p_rm 2580)" --issuer-key-file "$K" auth
SWEEP_CHECK=
check "the reset sends several APDUs ($sweep_apdus)" [ "$sweep_apdus" -ge 5 ]
check "card pulled mid-operation: never half changed" [ "$sweep_half" = 0 ]
check "card pulled mid-operation: early pulls leave the card unchanged" [ "$sweep_unchanged" -gt 0 ]
check "card pulled mid-operation: late pulls find it fully changed" [ "$sweep_changed" -gt 0 ]
check "card as before the sweep" [ "$(card_state)" = "$before" ]

pinops_cleanup
finish
