# SIGINT, SIGTERM and SIGHUP at each phase of a renewal, and the card
# pulled right after the CA answered: no certificate the CA issued is lost,
# the CA is never asked twice for one request (the test CA's issuance log,
# DIR/issued, counts), and every interruption is exit 7 with the hint to
# resume.
#   before the CA: the signal arrives during the last APDU before the CA
#     call (the card holds its answer, --hold-after); the renewal stops at
#     its safe point before asking the CA: nothing issued.
#   after issuance, before the card is written: a CA that has printed its
#     certificate and closed its output signals jpki-renew and lingers; the
#     CA's process group is ended, the certificate journaled, and the
#     renewal stops before UPDATE BINARY; resume installs it without the CA.
#   card pulled after issuance: resume installs the journaled certificate.
#   on a terminal: the progress line is cleared before the message.
# (During the CA command: t_renew_signals.)
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
AP=$(pins_file h.auth 1234)
ISSUED=$W/ca/issued
issued() { wc -l < "$ISSUED"; }
# the auth key's fingerprint on card STATE
auth_spki() { key_fact "$(card_facts "$1")" auth spki_sha256; }
renew() { jpki-renew "$@" -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}"; }
write_script() { cat > "$1"; chmod +x "$1"; }

# Where the CA call falls: a reference renewal on a verbose card, the CA
# noting how many APDUs the card had answered.
cp "$W/h.card" "$W/ref.card"
sim_start ref 0 "$W/ref.card" -v
write_script "$W/ca-at.sh" <<SCRIPT
#!/bin/sh
grep -c '^jpki-card-sim: #' "$W/sim.ref.log" > "$W/ca.at"
exec jpki-ca issue --dir "$W/ca" --kind auth
SCRIPT
renew --ca-cmd "$W/ca-at.sh" > /dev/null 2>&1
check "reference renewal done" test $? = 0
A=$(cat "$W/ca.at")
echo "# the CA is asked after $A APDUs"
sim_stop ref; wait_card 0 absent

# ---- before the CA ----
for sig in INT TERM HUP; do
    cp "$W/h.card" "$W/c.card"; rm -f "$W/b.j"
    sim_start c 0 "$W/c.card" --hold-after $((A - 1))
    before=$(issued)
    env --default-signal=$sig jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" \
        --journal "$W/b.j" --ca-cmd "$RENEW_CA" > "$W/out" 2> "$W/err" &
    pid=$!
    for _ in $(seq 250); do grep -q "holding the answer" "$W/sim.c.log" && break; sleep 0.02; done
    kill -$sig $pid
    sleep 0.2
    sim_release c
    wait $pid; rc=$?
    sed "s/^/# before CA, $sig: /" "$W/err"
    check "before CA, $sig: exit 7" test "$rc" = 7
    check "before CA, $sig: stopped before the CA was asked" \
        contains "$(cat "$W/err")" "interrupted by SIG$sig before the CA was asked"
    check "before CA, $sig: says how to go on" contains "$(cat "$W/err")" "jpki-renew resume"
    check "before CA, $sig: nothing issued" test "$(issued)" = "$before"
    renew resume --journal "$W/b.j" --ca-cmd "$RENEW_CA" > "$W/out" 2>&1; rc=$?
    check "before CA, $sig: resume finishes (exit $rc)" test "$rc" = 0
    sim_stop c; wait_card 0 absent
    check "before CA, $sig: one issuance, for the card's new key" \
        test "$(tail -n +$((before + 1)) "$ISSUED" | awk '{print $3}')" = "$(auth_spki "$W/c.card")"
    : > "$W/sim.c.log"
done

# ---- after issuance, before the card is written ----
write_script "$W/sig-ca.sh" <<SCRIPT
#!/bin/sh
echo \$\$ > "$W/ca.pid"
jpki-ca issue --dir "$W/ca" --kind auth || exit 1
exec >&- 2>&-
kill -\$JPKI_T_SIG \$(cat "$W/renew.pid")
exec sleep 300
SCRIPT
for sig in INT TERM HUP; do
    cp "$W/h.card" "$W/c.card"; rm -f "$W/a.j" "$W/renew.pid"
    sim_start c 0 "$W/c.card"
    before=$(issued)
    JPKI_T_SIG=$sig env --default-signal=$sig jpki-renew -r 0 --cert auth --pin-file "$AP" \
        "${IKEY[@]}" --journal "$W/a.j" --ca-cmd "$W/sig-ca.sh" > "$W/out" 2> "$W/err" &
    pid=$!
    echo $pid > "$W/renew.pid"
    wait $pid; rc=$?
    sed "s/^/# after issuance, $sig: /" "$W/err"
    check "after issuance, $sig: exit 7" test "$rc" = 7
    check "after issuance, $sig: the certificate is kept in the journal" \
        contains "$(cat "$W/err")" "interrupted by SIG$sig after the CA issued the auth certificate (kept in the journal)"
    check "after issuance, $sig: says how to go on" contains "$(cat "$W/err")" "jpki-renew resume"
    check "after issuance, $sig: the lingering CA was ended" sh -c "! kill -0 $(cat "$W/ca.pid") 2>/dev/null"
    check "after issuance, $sig: issued once" test "$(issued)" = $((before + 1))
    check "after issuance, $sig: the new key is pending, not yet active" \
        test "$(key_fact "$(card_facts "$W/c.card")" auth pending)" = yes
    check "after issuance, $sig: the journal holds the certificate" \
        contains "$(journal_lines "$W/a.j")" "cert-issued"
    renew resume --journal "$W/a.j" > "$W/out" 2>&1; rc=$?
    sed "s/^/# resume after issuance, $sig: /" "$W/out"
    check "after issuance, $sig: resume installs it without a CA (exit $rc)" \
        test "$rc" = 0 -a "$(key_fact "$(card_facts "$W/c.card")" auth pending)" = no
    check "after issuance, $sig: and says so" contains "$(cat "$W/out")" "auth: renewed"
    sim_stop c; wait_card 0 absent
    check "after issuance, $sig: still one issuance, the card's new key" \
        test "$(tail -n +$((before + 1)) "$ISSUED" | awk '{print $3}')" = "$(auth_spki "$W/c.card")"
done

# ---- the card pulled right after the CA answered ----
cp "$W/h.card" "$W/c.card"; rm -f "$W/p.j"
sim_start c 0 "$W/c.card" --remove-after "$A"
before=$(issued)
renew --journal "$W/p.j" --ca-cmd "$RENEW_CA" > "$W/out" 2> "$W/err"; rc=$?
sed "s/^/# pulled: /" "$W/err"
check "pulled after issuance: exit 7" test "$rc" = 7
sim_wait_exit c; wait_card 0 absent
sim_start c 0 "$W/c.card"
renew resume --journal "$W/p.j" --ca-cmd "$RENEW_CA" > "$W/out" 2>&1; rc=$?
check "pulled after issuance: resume finishes (exit $rc)" test "$rc" = 0
check "pulled after issuance: the CA was asked once" test "$(issued)" = $((before + 1))
sim_stop c; wait_card 0 absent
check "pulled after issuance: the card holds the certificate issued" \
    test "$(tail -1 "$ISSUED" | awk '{print $3}')" = "$(auth_spki "$W/c.card")"

# ---- on a terminal: the progress line is cleared ----
cp "$W/h.card" "$W/c.card"
sim_start c 0 "$W/c.card"
write_script "$W/hang-ca.sh" <<SCRIPT
#!/bin/sh
cat > /dev/null
exec sleep 300
SCRIPT
printf 'expect auth: ca\nsend \003\n' > "$W/pty.script"
out=$(pinops-pty "$W/pty.script" -- jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" \
    --journal "$W/t.j" --ca-cmd "$W/hang-ca.sh"); rc=$?
check "terminal ^C during the CA: exit 7 (got $rc)" test "$rc" = 7
check "terminal: the progress line is cleared before the message" \
    contains "$(printf '%s' "$out" | tr -d '\r' | tr '\033' '~')" "~[Kjpki-renew: "
check "terminal: no PIN try spent" test "$(tries 0)" = "3 5"
finish
