# --remove-after N: the card answers N APDUs, is pulled on the next one
# (which is never executed), and the reader reports it gone; the state file
# keeps the last committed state, and restarting the simulator reinserts it.
pcscd_start 1
make_card ichiko "$JPKI_WORK/i.card"
sim_start i 0 "$JPKI_WORK/i.card" --remove-after 4
# -c jpki: OpenSC's jpki driver is forced, so no other driver probes the card
# with APDUs of its own; the driver itself sends one SELECT of the JPKI AID
# (a My Number Card ATR is not in its table), then the three below answer.
SEL="00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
out=$(opensc-tool -r 0 -c jpki -s "$SEL" -s "00 A4 02 0C 02 00 18" -s "00 20 00 80" \
      -s "00 20 00 80 04 30 30 30 30" 2>&1)
check "the answered APDUs came back" contains "$out" "Received (SW1=0x63, SW2=0xC3)"
check "the 4th APDU (a wrong PIN) got no answer" not_contains "$out" "SW2=0xC2"
wait_card 0 absent
check "the reader reports the card gone" test $? = 0
pid=$(cat "$JPKI_WORK/sim.i.pid")
wait "$pid"
check "the pulled simulator exited 0" test $? = 0
rm -f "$JPKI_WORK/sim.i.pid"
grep -q "card removed after 4 APDUs" "$JPKI_WORK/sim.i.log"
check "the simulator says why it left" test $? = 0

sim_start i 0 "$JPKI_WORK/i.card"
out=$(opensc-tool -r 0 -c jpki -s "$SEL" -s "00 A4 02 0C 02 00 18" -s "00 20 00 80" 2>&1)
check "the unexecuted wrong PIN spent no try" contains "$out" "SW2=0xC3"
pkcs15-tool -r 0 --read-certificate 01 -o "$JPKI_WORK/i.pem" >/dev/null 2>&1
out=$(openssl x509 -in "$JPKI_WORK/i.pem" -noout -enddate 2>&1)
check "ichiko's auth cert ends on her notice's date (2023-05-10)" contains "$out" "May 10 14:59:59 2023"

expect_rc "--remove-after takes a count" 2 jpki-card-sim --state "$JPKI_WORK/i.card" --port 1 --remove-after x
expect_rc "--help exits 0" 0 jpki-card-sim --help
out=$(jpki-card-sim --version)
check "--version names the program" contains "$out" "jpki-card-sim "
out=$(jpki-card-sim --list-personas)
check "--list-personas shows ichiko" contains "$out" "ichiko"
out=$(jpki-card-sim --state "$JPKI_WORK/none.card" --port 1 2>&1)
check "a missing state file is a one-line error" test "$(printf '%s\n' "$out" | wc -l)" = 1
printf '\x9a\x72\xff\xff\xff\xff' > "$JPKI_WORK/bad.card"
out=$(jpki-card-sim --state "$JPKI_WORK/bad.card" --port 1 2>&1)
check "a hostile state file is refused" contains "$out" "malformed card state"
finish
