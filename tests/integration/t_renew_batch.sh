# jpki-renew --batch over three readers at once, fed by jpki-status
# records: every card renewed, in parallel, once; a second run skips them
# all; a card pulled half-way fails alone (exit 6) and the same command
# finishes it; a batch killed outright resumes without renewing any card
# twice.  Wrong PIN-map entries and bad input fail cleanly.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2

cat > "$W/ca.sh" <<EOF
#!/bin/sh
echo "\$JPKI_CARD_SERIAL \$JPKI_CERT_KIND" >> "$W/ca.log"
jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
EOF
chmod +x "$W/ca.sh"
MAP=$(pins_file pins.map "# serial auth sign" "$H 1234 ABC123" "$T 1234 ABC123" "$I 1234 ABC123")
BATCH=(jpki-renew --batch --pin-map "$MAP" "${IKEY[@]}" --ca-cmd "$W/ca.sh")

new_cards() { # TAG: fresh cards for the three personas in readers 0, 1, 2
    local p i=0
    for p in hanako taro ichiko; do
        make_card $p "$W/$p.$1.card"
        i=$((i + 1))
    done
}
start_cards() { # TAG [extra options for taro's card]
    local tag=$1; shift
    sim_start h 0 "$W/hanako.$tag.card" --slow 3
    sim_start t 1 "$W/taro.$tag.card" --slow 3 "$@"
    sim_start i 2 "$W/ichiko.$tag.card" --slow 3
}
stop_cards() {
    sim_stop h; sim_stop t; sim_stop i
    wait_card 0 absent; wait_card 1 absent; wait_card 2 absent
    sleep 1 # vpcd accepts the next card one polling cycle later
}
# distinct pending keys generated per card and key: 1 = renewed once
keys_per() { journal_lines "$1" | awk -v c="$2" -v k="$3" \
    '$1 == c && $2 == "pending-key" && $3 == k { print $4 }' | sort -u | wc -l; }

# ---- three cards, three readers, one run ----
new_cards a
start_cards a
jpki-status --all --cbor > "$W/records.cbor" 2>/dev/null
check "jpki-status wrote records" test -s "$W/records.cbor"
"${BATCH[@]}" --journal "$W/a.j" < "$W/records.cbor" > "$W/a.out" 2> "$W/a.err"; rc=$?
sed 's/^/# /' "$W/a.out" "$W/a.err"
check "batch of three exits 0" test "$rc" = 0
check "one line per card plus totals" test "$(wc -l < "$W/a.out")" = 4
check "hanako renewed" grep -q "^$H \[JPKI Test Reader A 00 00\] renewed: auth sign" "$W/a.out"
check "taro renewed" grep -q "^$T \[JPKI Test Reader A 00 01\] renewed: auth sign" "$W/a.out"
check "ichiko renewed" grep -q "^$I \[JPKI Test Reader B 00 00\] renewed: auth sign" "$W/a.out"
check "totals" grep -q "^3 cards: 3 renewed, 0 skipped, 0 failed$" "$W/a.out"
check "no progress line when stderr is not a terminal" test ! -s "$W/a.err"
check "auto: no colour into a file" test "$(grep -c $'\e\\[' "$W/a.out")" = 0
journal_lines "$W/a.j" > "$W/a.lines"
# In parallel: every card had started before the first one was done.
first_done=$(grep -n ' done$' "$W/a.lines" | head -1 | cut -d: -f1)
last_start=$(grep -n ' started$' "$W/a.lines" | tail -1 | cut -d: -f1)
check "the readers worked in parallel (all started before the first finished)" \
    test -n "$first_done" -a "$last_start" -lt "${first_done:-0}"
check "every card done in the journal" test "$(grep -c ' done$' "$W/a.lines")" = 3
for r in 0 1 2; do
    cert_pem $r 01 "$W/b$r-auth.pem"; cert_pem $r 03 "$W/b$r-authca.pem"
    cert_pem $r 02 "$W/b$r-sign.pem" ABC123; cert_pem $r 04 "$W/b$r-signca.pem"
    check "reader $r: new auth cert verifies" openssl verify -CAfile "$W/b$r-authca.pem" "$W/b$r-auth.pem"
    check "reader $r: new sign cert verifies" openssl verify -CAfile "$W/b$r-signca.pem" "$W/b$r-sign.pem"
    check "reader $r: counters untouched" test "$(tries $r)" = "3 5"
done
check "six certificates asked for" test "$(wc -l < "$W/ca.log")" = 6

# ---- the same batch again: everything skipped, nothing renewed twice ----
"${BATCH[@]}" --journal "$W/a.j" < "$W/records.cbor" > "$W/a2.out" 2>&1; rc=$?
check "second run exits 0" test "$rc" = 0
check "second run skips all three" grep -q "^3 cards: 0 renewed, 3 skipped, 0 failed$" "$W/a2.out"
check "the CA was not asked again" test "$(wc -l < "$W/ca.log")" = 6
cert_pem 0 01 "$W/b0-auth2.pem"
check "hanako's certificate unchanged" cmp -s "$W/b0-auth.pem" "$W/b0-auth2.pem"
stop_cards

# ---- taro's card pulled half-way: fails alone, the rerun finishes it ----
new_cards b
start_cards b --remove-after 40
jpki-status --all --cbor > "$W/records-b.cbor" 2>/dev/null
# taro's sim leaves after 40 APDUs, jpki-status used some: restart it so the
# pull falls inside the renewal
sim_stop t; wait_card 1 absent; sleep 1
sim_start t 1 "$W/taro.b.card" --slow 3 --remove-after 40
: > "$W/ca.log"
"${BATCH[@]}" --color=always --journal "$W/b.j" < "$W/records-b.cbor" > "$W/b.col" 2>&1; rc=$?
sed 's/\x1b\[[0-9;]*m//g' "$W/b.col" > "$W/b.out"
sed 's/^/# /' "$W/b.out"
check "one card failing: exit 6" test "$rc" = 6
check "taro failed, resumable" grep -q "^$T .* FAILED (exit 7): .*; resumable" "$W/b.out"
check "the others renewed" grep -q "^3 cards: 2 renewed, 0 skipped, 1 failed$" "$W/b.out"
check "--color=always: FAILED in red" grep -q "^$T .* "$'\e\\[31mFAILED\e\\[0m'" (exit 7)" "$W/b.col"
check "--color=always: renewed in green" grep -q "^$H .* "$'\e\\[32mrenewed\e\\[0m'": auth sign" "$W/b.col"
sim_stop t; wait_card 1 absent; sleep 1
sim_start t 1 "$W/taro.b.card" --slow 3
"${BATCH[@]}" --journal "$W/b.j" < "$W/records-b.cbor" > "$W/b2.out" 2>&1; rc=$?
sed 's/^/# /' "$W/b2.out"
check "the rerun exits 0" test "$rc" = 0
check "the rerun finishes taro and skips the others" grep -q "^3 cards: 1 renewed, 2 skipped, 0 failed$" "$W/b2.out"
check "taro: one key pair per certificate" test "$(keys_per "$W/b.j" $T auth)$(keys_per "$W/b.j" $T sign)" = 11
check "hanako: one key pair per certificate" test "$(keys_per "$W/b.j" $H auth)$(keys_per "$W/b.j" $H sign)" = 11
check "hanako and ichiko asked the CA once per certificate" \
    test "$(grep -c -e "^$H" -e "^$I" "$W/ca.log")" = 4
cert_pem 1 01 "$W/t-auth.pem"; cert_pem 1 03 "$W/t-authca.pem"
check "taro's new auth cert verifies" openssl verify -CAfile "$W/t-authca.pem" "$W/t-auth.pem"
stop_cards

# ---- the whole batch killed: the rerun completes, nothing renewed twice ----
new_cards c
start_cards c
jpki-status --all --cbor > "$W/records-c.cbor" 2>/dev/null
"${BATCH[@]}" --journal "$W/c.j" < "$W/records-c.cbor" > /dev/null 2>&1 &
bpid=$!
n=0
until [ "$(journal_lines "$W/c.j" 2>/dev/null | grep -c ' cert-issued ')" -ge 2 ] || [ $n -gt 400 ]; do
    sleep 0.02; n=$((n + 1))
done
kill -KILL "$bpid"; wait "$bpid" 2>/dev/null
check "the batch was killed half-way" test "$(journal_lines "$W/c.j" | grep -c ' done$')" -lt 3
"${BATCH[@]}" --journal "$W/c.j" < "$W/records-c.cbor" > "$W/c2.out" 2>&1; rc=$?
sed 's/^/# /' "$W/c2.out"
check "the rerun after the kill exits 0" test "$rc" = 0
check "all three done now" test "$(journal_lines "$W/c.j" | grep -c ' done$')" = 3
for c in $H $T $I; do
    check "card $c: one key pair per certificate" \
        test "$(keys_per "$W/c.j" $c auth)$(keys_per "$W/c.j" $c sign)" = 11
done
for r in 0 1 2; do
    cert_pem $r 02 "$W/c$r-sign.pem" ABC123; cert_pem $r 04 "$W/c$r-signca.pem"
    check "reader $r: sign cert valid after kill and rerun" \
        openssl verify -CAfile "$W/c$r-signca.pem" "$W/c$r-sign.pem"
done

# ---- PIN map and input problems ----
( umask 022; printf '%s 1234 ABC123\n' $H > "$W/open.map"; chmod 644 "$W/open.map" )
out=$(jpki-renew --batch --pin-map "$W/open.map" --journal "$W/d.j" "${IKEY[@]}" --ca-cmd "$W/ca.sh" \
    < "$W/records-c.cbor" 2>&1); rc=$?
check "a world-readable PIN map is refused (exit 2)" test "$rc" = 2
check "with a chmod hint" contains "$out" "chmod 600"
BADMAP=$(pins_file bad.map "$H 9999 ABC123" "$T 1234 ABC123")
stop_cards
new_cards d
start_cards d
jpki-status --all --cbor > "$W/records-d.cbor" 2>/dev/null
out=$(jpki-renew --batch --proxy --pin-map "$BADMAP" --journal "$W/d.j" "${IKEY[@]}" \
    --ca-cmd "$W/ca.sh" < "$W/records-d.cbor" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "wrong form PIN for one card, none for another: exit 6" test "$rc" = 6
check "hanako: document inquiry needed" contains "$out" "$H [JPKI Test Reader A 00 00] FAILED (exit 4): auth PIN from the inquiry-and-answer form does not match (2 tries left): document inquiry needed"
check "ichiko: not in the PIN map" contains "$out" "card $I is not in the PIN map"
check "taro renewed" contains "$out" "$T [JPKI Test Reader A 00 01] renewed: auth sign"
check "hanako: one try spent, sign untouched" test "$(tries 0)" = "2 5"
check "ichiko: nothing spent" test "$(tries 2)" = "3 5"
# ---- on a terminal: a progress line; --trace-file: one trace per card ----
stop_cards
new_cards e
start_cards e
jpki-status --all --cbor > "$W/records-e.cbor" 2>/dev/null
script -qec "${BATCH[*]} --journal $W/e.j --trace-file $W/tr < $W/records-e.cbor" /dev/null \
    < /dev/null > "$W/e.tty" 2>&1
check "progress shown on a terminal" grep -q "done\] $H " "$W/e.tty"
check "and the summary" grep -q "3 cards: 3 renewed, 0 skipped, 0 failed" "$W/e.tty"
check "one trace file per card" test -s "$W/tr.0" -a -s "$W/tr.1" -a -s "$W/tr.2"
check "each card's trace is its own reader's" grep -qa "Reader A 00 01" "$W/tr.1"
check "and no other reader's" not_contains "$(tr -c '[:print:]' ' ' < "$W/tr.1")" "Reader B 00 00"

out=$(printf 'not records\n' | "${BATCH[@]}" --journal "$W/e.j" 2>&1); rc=$?
check "garbage on stdin: exit 2" test "$rc" = 2
check "garbage named" contains "$out" "batch input"
expect_rc "--batch without --journal is a usage error" 2 "${BATCH[@]}"
expect_rc "--batch with --pin-file is a usage error" 2 "${BATCH[@]}" --journal "$W/e.j" --pin-file "$MAP"
printf '\x9a\x72\xff\xff\xff\xff' > "$W/evil.j"
out=$("${BATCH[@]}" --journal "$W/evil.j" < "$W/records-d.cbor" 2>&1); rc=$?
check "a hostile journal is refused, not loaded (exit 2)" test "$rc" = 2
check "named" contains "$out" "journal"
finish
