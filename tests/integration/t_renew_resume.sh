# Interrupted renewals and `jpki-renew resume`: a failing, hanging or
# garbage-printing CA; jpki-renew killed while the CA works; the card pulled
# (jpki-card-sim --remove-after) while the certificate is written, right
# after ACTIVATE, and right after key generation.  Every time the card keeps
# a valid (old or new) certificate, the pending key is reused, a certificate
# the journal already holds is not asked for again, and a finished card is
# never renewed twice.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
make_card taro "$W/t.card"
cp "$W/h.card" "$W/ref.card"   # an identical card, to learn the APDU sequence
sim_start h 0 "$W/h.card"
HP=$(pins_file h.pins 1234 ABC123)
AP=$(pins_file h.auth 1234)

# The card in reader IDX holds an auth certificate that parses and chains to
# its CA (old or new; the old one may be past its date).
valid_auth() {
    cert_pem "$1" 01 "$W/chk.pem" && cert_pem "$1" 03 "$W/chkca.pem" &&
        openssl verify -no_check_time -CAfile "$W/chkca.pem" "$W/chk.pem" >/dev/null 2>&1
}
pubkey_of_csr() { openssl req -in "$1" -noout -pubkey 2>/dev/null; }
# CA wrapper that counts its calls and keeps each request
cat > "$W/ca.sh" <<EOF
#!/bin/sh
n=\$(( \$(cat "$W/ca.calls" 2>/dev/null || echo 0) + 1 ))
echo \$n > "$W/ca.calls"
tee "$W/csr.\$n.pem" | jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
EOF
chmod +x "$W/ca.sh"
ca_calls() { cat "$W/ca.calls" 2>/dev/null || echo 0; }

# ---- the CA fails: exit 7, the key stays pending, resume reuses it ----
out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" \
    --ca-cmd "tee $W/failed.csr >/dev/null; echo 'CA offline' >&2; exit 3" 2>&1); rc=$?
check "a failing CA exits 7 (interrupted, resumable)" test "$rc" = 7
check "quotes the CA's exit status and last stderr line" contains "$out" "CA command failed (exit 3): CA offline"
check "says how to go on" contains "$out" "jpki-renew resume"
check "one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
check "the card still has a valid certificate" valid_auth 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "resume finishes it" test "$rc" = 0
check "resume reports the renewal" contains "$out" "auth: renewed"
check "resume asked the CA once" test "$(ca_calls)" = 1
check "for the same pending key (not a new one)" test "$(pubkey_of_csr "$W/failed.csr")" = "$(pubkey_of_csr "$W/csr.1.pem")"
check "valid afterwards" valid_auth 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "a second resume has nothing to do (exit 0)" test "$rc" = 0
check "and says so" contains "$out" "nothing to resume"

# ---- a hanging CA is killed at the timeout; garbage is refused ----
start=$(date +%s)
out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" --ca-timeout 1 \
    --ca-cmd "sleep 30" 2>&1); rc=$?
check "a hanging CA times out (exit 7)" test "$rc" = 7
check "timeout named" contains "$out" "timed out after 1 s"
check "without waiting for the CA" test $(($(date +%s) - start)) -lt 20
out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" --ca-cmd "echo hello" 2>&1); rc=$?
check "a CA printing garbage: exit 7" test "$rc" = 7
check "garbage named" contains "$out" "not a certificate"
out=$(jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" \
    --ca-cmd "openssl x509 -req -CA $W/ca/sign-ca.crt -CAkey $W/ca/sign-ca.key -days 30 -set_serial 99" 2>&1); rc=$?
check "a certificate from the wrong CA is refused before writing (exit 7)" test "$rc" = 7
check "chain failure named" contains "$out" "does not verify against the card's CA certificate"
check "still valid" valid_auth 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1)
check "resume after all that" contains "$out" "auth: renewed"

# ---- request, then resume without a CA prints the CSR of the pending key ----
jpki-renew request -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" > "$W/req.csr" 2>/dev/null
jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" > "$W/res.csr" 2>/dev/null; rc=$?
check "resume without --ca-cmd prints the request again (exit 0)" test "$rc" = 0
check "for the same pending key" test -n "$(pubkey_of_csr "$W/res.csr")" -a \
    "$(pubkey_of_csr "$W/res.csr")" = "$(pubkey_of_csr "$W/req.csr")"
jpki-ca issue --dir "$W/ca" --kind auth < "$W/res.csr" |
    jpki-renew install -r 0 --pin-file "$AP" "${IKEY[@]}" > /dev/null 2>&1
check "install finishes it" test "${PIPESTATUS[1]}" = 0

# ---- jpki-renew killed while the CA works ----
cat > "$W/slow-ca.sh" <<EOF
#!/bin/sh
echo \$\$ > "$W/slow.pid"
sleep 60
EOF
chmod +x "$W/slow-ca.sh"
rm -f "$W/slow.pid"
jpki-renew -r 0 --pin-file "$HP" "${IKEY[@]}" --journal "$W/kill.j" --ca-cmd "$W/slow-ca.sh" >/dev/null 2>&1 &
rpid=$!
n=0; until [ -s "$W/slow.pid" ] || [ $n -gt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -KILL "$rpid"; wait "$rpid" 2>/dev/null
kill -KILL -- "-$(cat "$W/slow.pid")" 2>/dev/null
check "killed in the CA step: the card is still valid" valid_auth 0
journal_lines "$W/kill.j" | sed 's/^/# /'
check "the journal shows the csr step, not more" test "$(journal_lines "$W/kill.j" | tail -1 | cut -d' ' -f2-3)" = "csr auth"
echo 0 > "$W/ca.calls"
out=$(jpki-renew resume -r 0 --pin-file "$HP" "${IKEY[@]}" --journal "$W/kill.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "resume after the kill finishes both keys" test "$rc" = 0
check "auth renewed" contains "$out" "auth: renewed"
check "sign renewed too (the journal says the attempt was for both)" contains "$out" "sign: renewed"
check "journal: done" test "$(journal_lines "$W/kill.j" | tail -1 | cut -d' ' -f2)" = done
out=$(jpki-renew -r 0 --pin-file "$HP" "${IKEY[@]}" --journal "$W/kill.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "renewing again with the journal: skipped (exit 0)" test "$rc" = 0
check "skipped, not renewed twice" contains "$out" "skipped"
check "the CA was not asked again" test "$(ca_calls)" = 2

# ---- the card pulled at chosen points (--remove-after N APDUs) ----
# From here on taro's card.  Before each pull, an auth renewal of an
# identical copy of the card (reader 1) is traced to learn the APDU numbers.
sim_stop h
wait_card 0 absent
sleep 1
sim_start t 0 "$W/t.card"
n_of() { # "HEX BYTES": number of the first command starting so in the reference trace
    # (annotated trace: "[reader] #N > NAME ..." then the bytes, indented)
    awk -v pat="    $1" '
        / #[0-9]+ > / { match($0, /#[0-9]+/); n = substr($0, RSTART + 1, RLENGTH - 1); next }
        / #[0-9]+ < / { n = ""; next }
        n != "" && index($0, pat) == 1 { print n; exit }' "$W/ref.trace"
}
learn() {
    sim_stop t
    wait_card 0 absent
    cp "$W/t.card" "$W/ref.card"
    sim_start ref 1 "$W/ref.card"
    jpki-renew -r 1 --cert auth --trace --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
        2> "$W/ref.trace" >/dev/null
    sim_stop ref
    wait_card 1 absent
    n_gen=$(n_of "00 47 80 00 00"); n_upd=$(n_of "00 D6"); n_act=$(n_of "00 44 00 00")
    echo "# generate=$n_gen first update=$n_upd activate=$n_act"
    sleep 1
}
pulled() { # N JOURNAL: one auth renewal with the card pulled after N APDUs
    sim_start t 0 "$W/t.card" --remove-after "$1"
    jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" ${2:+--journal "$2"} \
        --ca-cmd "$W/ca.sh" > "$W/pulled.out" 2>&1
    local rc=$?
    sim_stop t   # it pulled itself; if not, the test would show it below
    wait_card 0 absent
    # vpcd takes a polling cycle after a card left before it accepts the
    # next one; a card started at once is never seen.
    sleep 1
    sim_start t 0 "$W/t.card"
    return $rc
}

learn
check "reference run traced GENERATE, UPDATE BINARY, ACTIVATE" test -n "$n_gen" -a -n "$n_upd" -a -n "$n_act"
# 1. pulled during UPDATE BINARY: the journal holds the certificate
echo 0 > "$W/ca.calls"
pulled $((n_upd + 1)) "$W/pull.j"; rc=$?
check "pulled while writing: exit 7 (resumable)" test "$rc" = 7
check "pulled while writing: the card still has a valid certificate" valid_auth 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --journal "$W/pull.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "resume installs the journal's certificate" test "$rc" = 0
check "without asking the CA again" test "$(ca_calls)" = 1
check "valid afterwards" valid_auth 0
check "the installed certificate is the one the CA issued first" \
    test "$(openssl x509 -in "$W/chk.pem" -noout -pubkey)" = "$(pubkey_of_csr "$W/csr.1.pem")"

# 2. pulled right after ACTIVATE: renewed already; resume confirms
learn
echo 0 > "$W/ca.calls"
pulled "$n_act" "$W/pull2.j"; rc=$?
check "pulled after ACTIVATE: an error exit" test "$rc" != 0
cert_pem 0 01 "$W/act.pem"
check "pulled after ACTIVATE: the new certificate is active" test "$(openssl x509 -in "$W/act.pem" -noout -pubkey)" = "$(pubkey_of_csr "$W/csr.1.pem")"
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --journal "$W/pull2.j" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "resume confirms instead of renewing again" contains "$out" "already renewed (confirmed)"
check "confirm exits 0" test "$rc" = 0
check "no second CA call" test "$(ca_calls)" = 1

# 3. pulled after the last UPDATE BINARY, no journal: the card's written
#    bytes are activated by resume (the card checks them against the key)
learn
echo 0 > "$W/ca.calls"
pulled $((n_act - 1)); rc=$?
check "pulled before ACTIVATE: exit 7" test "$rc" = 7
check "still the old certificate, valid" valid_auth 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "resume activates the written certificate" test "$rc" = 0
check "without the CA" test "$(ca_calls)" = 1
cert_pem 0 01 "$W/act3.pem"
check "the active certificate is the one issued before the pull" \
    test "$(openssl x509 -in "$W/act3.pem" -noout -pubkey)" = "$(pubkey_of_csr "$W/csr.1.pem")"

# 4. pulled right after GENERATE: resume makes the CSR from the pending key
learn
echo 0 > "$W/ca.calls"
pulled "$((n_gen + 2))"; rc=$?
check "pulled after key generation: exit 7" test "$rc" = 7
check "no CA call happened" test "$(ca_calls)" = 0
out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --ca-cmd "$W/ca.sh" 2>&1); rc=$?
check "resume requests for the pending key and finishes" test "$rc" = 0
check "valid at the end" valid_auth 0
check "counters never touched by all this (3 5)" test "$(tries 0)" = "3 5"
finish
