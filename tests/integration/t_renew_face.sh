# jpki-renew on a face-authentication card through pcscd: no PIN, so the
# counter's identity check takes the VERIFY's place -- confirmed on the
# terminal (the question names the card and the reader) or with
# --identity-checked; without either, or declined, the card is untouched.
# Only the authentication certificate is renewed; a signature certificate
# asked for is refused (exit 1).  The card never sees a VERIFY.
. tests/integration/renew-helpers.sh
. tests/integration/pinops.sh
W=$JPKI_WORK
S=$W/h.card
pcscd_start 1
make_card hanako "$S"
sim_start card 0 "$S"
H=900000000000001

jpki-face-auth-switch -r 0 --to face --yes "${IKEY[@]}" >/dev/null 2>&1
s0=$(card_state)
check "set-up: a face-authentication card" contains "$s0" "mode=face"
cert_pem 0 01 "$W/old.pem"
old_serial=$(cert_serial "$W/old.pem")
unchanged() { [ "$(card_state)" = "$s0" ] && cert_pem 0 01 "$W/now.pem" &&
              [ "$(cert_serial "$W/now.pem")" = "$old_serial" ]; }

# ---- refusals: nothing changes ----
out=$(setsid -w jpki-renew -r 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" </dev/null 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "no terminal, no --identity-checked: exit 2" test "$rc" = 2
check "says --identity-checked" contains "$out" "--identity-checked"
check "names the card" contains "$out" "$H"
check "one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
check "card unchanged" unchanged
for c in sign both; do
    out=$(jpki-renew -r 0 --cert $c --identity-checked "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
    check "--cert $c on a face card: exit 1" test "$rc" = 1
    check "--cert $c: says there is no signature certificate" contains "$out" "face-authentication card has no signature certificate"
    check "--cert $c: card unchanged" unchanged
done
out=$(on_terminal $'expect [yes/no]\nsend no' jpki-renew -r 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA"); rc=$?
check "terminal: declined: exit 1" test "$rc" = 1
check "terminal: the question names the card" contains "$out" "Card $H in reader \"JPKI Test Reader"
check "terminal: the question names the identity check" contains "$out" "face recognition or a"
check "terminal: declined: card unchanged" unchanged

# ---- --identity-checked: the authentication certificate, no PIN ----
out=$(jpki-renew -r 0 --identity-checked --trace "${IKEY[@]}" --journal "$W/j" --ca-cmd "$RENEW_CA" 2>"$W/trace"); rc=$?
echo "$out" | sed 's/^/# /'
check "--identity-checked renews: exit 0" test "$rc" = 0
check "auth renewed" contains "$out" "$H auth: renewed"
check "sign: none on a face card" contains "$out" "sign: none on a face-authentication card"
check "no VERIFY sent to the card" not_contains "$(cat "$W/trace")" "> VERIFY"
check "the trace saw the key generated" contains "$(cat "$W/trace")" "GENERATE"
cert_pem 0 01 "$W/new.pem"; cert_pem 0 03 "$W/ca.pem"
check "a new authentication certificate" test "$(cert_serial "$W/new.pem")" != "$old_serial"
check "it verifies against the card's CA" openssl verify -CAfile "$W/ca.pem" "$W/new.pem"
s1=$(card_state)
check "still a face card, every PIN disabled" contains "$s1" "mode=face auth=blocked sign=blocked cardinfo=blocked registry=blocked"
check "still no signature key" contains "$s1" "signkey=0"
expect_rc "the card refuses a VERIFY of the old auth PIN" 2 verify_pin auth "$OLD_AUTH"
out=$(jpki-renew -r 0 --identity-checked "${IKEY[@]}" --journal "$W/j" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "again with the journal: skipped (exit 0)" test "$rc" = 0
check "says skipped" contains "$out" "already renewed according to journal"
cert_pem 0 01 "$W/again.pem"
check "not renewed twice" test "$(cert_serial "$W/again.pem")" = "$(cert_serial "$W/new.pem")"

# ---- on the terminal: confirmed ----
out=$(on_terminal $'expect [yes/no]\nsend yes' jpki-renew -r 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA"); rc=$?
check "terminal: confirmed: exit 0" test "$rc" = 0
check "terminal: auth renewed" contains "$out" "auth: renewed"
cert_pem 0 01 "$W/new2.pem"
check "terminal: another new certificate" test "$(cert_serial "$W/new2.pem")" != "$(cert_serial "$W/new.pem")"

# ---- request / install on a face card: the same rule ----
jpki-renew request -r 0 --identity-checked "${IKEY[@]}" > "$W/req.csr" 2>/dev/null; rc=$?
check "request on a face card: exit 0, a CSR" test "$rc" = 0 -a -s "$W/req.csr"
jpki-ca issue --dir "$W/ca" --kind auth < "$W/req.csr" |
    jpki-renew install -r 0 --identity-checked "${IKEY[@]}" > "$W/inst.out" 2>&1
check "install on a face card: exit 0" test "${PIPESTATUS[1]}" = 0
check "install: installed" grep -q "auth: installed" "$W/inst.out"
