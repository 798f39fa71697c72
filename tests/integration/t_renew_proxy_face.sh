# jpki-renew --proxy --form-no-pin through pcscd: the proxy's
# inquiry-and-answer form sets no PIN (いずれの暗証番号も設定しない), so the
# card leaves as a face-authentication card.  One journaled operation: the
# switch (face-mode record, then the card command; the issuer session alone
# lets a face card's auth key be renewed), then the renewal with no PIN.
# jpki-renew killed or the card pulled between the two (and in the CA step)
# resumes to the same end: switched once, one certificate issued.
. tests/integration/renew-helpers.sh
. tests/integration/pinops.sh
W=$JPKI_WORK
pcscd_start 1
make_card taro "$W/ref.card"
T=900000000000002
cat > "$W/ca.sh" <<EOF
#!/bin/sh
echo "\$JPKI_CARD_SERIAL \$JPKI_CERT_KIND" >> "$W/ca.log"
jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
EOF
chmod +x "$W/ca.sh"
ca_calls() { if [ -f "$W/ca.log" ]; then wc -l < "$W/ca.log"; else echo 0; fi; }
# fresh TAG [sim options]: a fresh copy of taro's card in reader 0
fresh() {
    local tag=$1; shift
    sim_stop card; wait_card 0 absent; sleep 1
    S=$W/$tag.card; cp "$W/ref.card" "$S"
    rm -f "$W/ca.log"
    sim_start card 0 "$S" "$@"
}
last_step() { journal_lines "$1" | tail -1 | cut -d' ' -f2-3; }
steps() { journal_lines "$1" | cut -d' ' -f2 | tr '\n' ' '; }
PROXY=(jpki-renew -r 0 --proxy --form-no-pin "${IKEY[@]}" --ca-cmd "$W/ca.sh")

fresh a
s0=$(card_state)
cert_pem 0 01 "$W/old.pem"
# ---- refused before the card is touched ----
expect_rc "--form-no-pin without --proxy: exit 2" 2 jpki-renew -r 0 --form-no-pin "${IKEY[@]}" --ca-cmd "$W/ca.sh"
expect_rc "--form-no-pin --cert sign: exit 2" 2 "${PROXY[@]}" --cert sign
expect_rc "--form-no-pin --cert both: exit 2" 2 "${PROXY[@]}" --cert both
expect_rc "--form-no-pin with a PIN file: exit 2" 2 "${PROXY[@]}" --pin-file "$(pins_file p 1234)"
out=$(setsid -w "${PROXY[@]}" --journal "$W/a0.j" </dev/null 2>&1); rc=$?
check "no terminal, no --identity-checked: exit 2" test "$rc" = 2
check "says --identity-checked" contains "$out" "--identity-checked"
check "refusals: card unchanged (still a PIN card)" test "$(card_state)" = "$s0"
out=$(on_terminal $'expect [yes/no]\nsend no' "${PROXY[@]}"); rc=$?
check "terminal: declined: exit 1" test "$rc" = 1
check "terminal: the question names the card" contains "$out" "Card $T in reader"
check "terminal: says the signature certificate is revoked" contains "$out" "signature"
check "declined: card unchanged" test "$(card_state)" = "$s0"

# ---- the whole way, traced (the APDU numbers below come from here) ----
out=$("${PROXY[@]}" --identity-checked --journal "$W/a.j" --trace 2>"$W/a.trace"); rc=$?
echo "$out" | sed 's/^/# /'
check "proxy, no-PIN form: exit 0" test "$rc" = 0
check "says it switched" contains "$out" "$T switched to a face-authentication card"
check "auth renewed" contains "$out" "$T auth: renewed"
s1=$(card_state)
check "now a face card, every PIN disabled" contains "$s1" "mode=face auth=blocked sign=blocked cardinfo=blocked registry=blocked"
check "no signature key" contains "$s1" "signkey=0"
cert_pem 0 01 "$W/new.pem"; cert_pem 0 03 "$W/ca.pem"
check "a new authentication certificate" test "$(cert_serial "$W/new.pem")" != "$(cert_serial "$W/old.pem")"
check "it verifies" openssl verify -CAfile "$W/ca.pem" "$W/new.pem"
check "the CA was asked once, for auth" test "$(cat "$W/ca.log")" = "$T auth"
check "no VERIFY sent" not_contains "$(grep -E '#[0-9]+ > ' "$W/a.trace")" "> VERIFY"
journal_lines "$W/a.j" | sed 's/^/# /'
check "journal: face-mode recorded before the key" test "$(steps "$W/a.j")" = \
    "started face-mode pending-key csr cert-issued activated done "
out=$("${PROXY[@]}" --identity-checked --journal "$W/a.j" 2>&1); rc=$?
check "again with the journal: skipped, exit 0" test "$rc" = 0 -a "$(ca_calls)" = 1
check "says skipped" contains "$out" "skipped"
# APDU number of the switch
k=$(grep -E '#[0-9]+ > ' "$W/a.trace" | grep 'DISABLE VERIFICATION' | sed -E 's/.*#([0-9]+) > .*/\1/' | head -1)
check "the trace shows the switch (DISABLE VERIFICATION)" test -n "$k"

# ---- jpki-renew killed between the switch and the renewal (in the CA step) ----
fresh b
cat > "$W/slow-ca.sh" <<EOF
#!/bin/sh
echo \$\$ > "$W/slow.pid"
sleep 60
EOF
chmod +x "$W/slow-ca.sh"
rm -f "$W/slow.pid"
jpki-renew -r 0 --proxy --form-no-pin --identity-checked "${IKEY[@]}" --journal "$W/b.j" \
    --ca-cmd "$W/slow-ca.sh" >/dev/null 2>&1 &
rpid=$!
n=0; until [ -s "$W/slow.pid" ] || [ $n -gt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -KILL "$rpid"; wait "$rpid" 2>/dev/null
[ -s "$W/slow.pid" ] && kill -KILL -- "-$(cat "$W/slow.pid")" 2>/dev/null
journal_lines "$W/b.j" | sed 's/^/# /'
check "killed: the journal shows face-mode and the csr, not more" test "$(steps "$W/b.j")" = \
    "started face-mode pending-key csr "
check "killed: the card is a face card already" contains "$(card_state)" "mode=face"
cert_pem 0 01 "$W/b-mid.pem"
check "killed: the old certificate still on it" test "$(cert_serial "$W/b-mid.pem")" = "$(cert_serial "$W/old.pem")"
out=$(jpki-renew resume -r 0 --identity-checked "${IKEY[@]}" --journal "$W/b.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "resume finishes it: exit 0" test "$rc" = 0
check "resume: auth renewed" contains "$out" "auth: renewed"
check "resume: no second switch" not_contains "$out" "switched"
check "resume: one certificate issued" test "$(ca_calls)" = 1
check "resume: journal done" test "$(last_step "$W/b.j")" = "done"
check "resume: still a face card" contains "$(card_state)" "mode=face"

# ---- the card pulled right before / right after the switch command ----
for at in before after; do
    if [ $at = before ]; then n=$((k - 1)); want=pin; else n=$k; want=face; fi
    fresh "p$at" --remove-after "$n"
    out=$("${PROXY[@]}" --identity-checked --journal "$W/p$at.j" 2>&1); rc=$?
    echo "$out" | sed 's/^/# /'
    check "pulled $at the switch: exit 3" test "$rc" = 3
    sim_stop card; wait_card 0 absent; sleep 1
    sim_start card 0 "$S"
    check "pulled $at the switch: a $want card" contains "$(card_state)" "mode=$want"
    check "pulled $at the switch: no certificate asked for" test "$(ca_calls)" = 0
    out=$(jpki-renew resume -r 0 --identity-checked "${IKEY[@]}" --journal "$W/p$at.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
    echo "$out" | sed 's/^/# /'
    check "pulled $at: resume completes: exit 0" test "$rc" = 0
    check "pulled $at: resume renewed auth" contains "$out" "auth: renewed"
    check "pulled $at: now a face card" contains "$(card_state)" "mode=face auth=blocked sign=blocked"
    check "pulled $at: one certificate issued" test "$(ca_calls)" = 1
    if [ $at = before ]; then
        check "pulled before: resume did the switch" contains "$out" "switched to a face-authentication card"
    else
        check "pulled after: resume did not switch again" not_contains "$out" "switched"
    fi
done
