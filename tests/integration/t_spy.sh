# jpki-apdu spy -- COMMAND: a third-party PC/SC program (OpenSC's
# pkcs15-tool) run through pcsc-lite's libpcscspy, its APDUs annotated with
# our JPKI names and PIN data redacted, recorded as a jpki-trace; then
# jpki-card-sim --replay serves that recording through vpcd as the card and
# the same program, rerun without the card, prints the same certificates.
# A command the recording does not have gets 6F00 and a logged difference.
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/card.state"
sim_start card 0 "$W/card.state"

# ---- spying on pkcs15-tool ----
jpki-apdu --trace-file "$W/list.cbor" spy -- pkcs15-tool -r 0 --list-certificates \
    >"$W/list.out" 2>"$W/list.spy"; rc=$?
check "spy: pkcs15-tool exits 0 through the spy" test "$rc" = 0
check "spy: pkcs15-tool's own output is untouched" grep -q 'X.509 Certificate' "$W/list.out"
check "spy: the SELECT of the JPKI application, with its name" \
    grep -q '> SELECT application JPKI (AID D392F000260100000001)' "$W/list.spy"
check "spy: READ BINARY annotated with the EF name" grep -q '> READ BINARY EF 000A (auth cert)' "$W/list.spy"
check "spy: the reader is named" grep -q '^\[JPKI Test Reader A 00 00\] #1 > ' "$W/list.spy"
check "spy: the APDU count is reported" grep -Eq '^jpki-apdu: spy: [1-9][0-9]* APDUs$' "$W/list.spy"
out=$(jpki-apdu replay "$W/list.cbor")
check "spy: the recording holds the card's ATR" contains "$out" "ATR 3BC5FF8131FB458073C6010000"
check "spy: the recording holds the JPKI SELECT" contains "$out" "SELECT application JPKI"
check "spy: nothing left in a temporary directory" test -z "$(ls -d /tmp/jpki-spy.* 2>/dev/null)"

# ---- PIN data never shown or recorded (the virtual card's test PIN, via env) ----
export JPKI_T_PIN=1234
jpki-apdu --trace-file "$W/pin.cbor" spy -- pkcs15-tool -r 0 --verify-pin --auth-id 01 \
    --pin env:JPKI_T_PIN >"$W/pin.out" 2>"$W/pin.spy"; rc=$?
unset JPKI_T_PIN
check "spy: pkcs15-tool --verify-pin succeeds" test "$rc" = 0
check "spy: the VERIFY is shown" grep -q '> VERIFY' "$W/pin.spy"
check "spy: its PIN shown as FF bytes" grep -q '00 20 00 [0-9A-F][0-9A-F] 04 FF FF FF FF' "$W/pin.spy"
check "spy: the PIN digits not in the output" not_contains "$(cat "$W/pin.spy")" "04 31 32 33 34"
hex=$(od -An -tx1 -v "$W/pin.cbor" | tr -d ' \n')
check "spy: the PIN is not in the recording" not_contains "$hex" "0431323334"
check "spy: the recording has the redacted VERIFY" contains "$(jpki-apdu replay "$W/pin.cbor")" "04 FF FF FF FF"

# ---- the recording as the card ----
sim_stop card
wait_card 0 absent
replay_start() {
    jpki-card-sim --replay "$1" --port "$(reader_port 0)" -v >"$W/replay.log" 2>&1 &
    echo $! > "$W/sim.replay.pid"
    wait_card 0
}
replay_start "$W/list.cbor"
pkcs15-tool -r 0 --list-certificates >"$W/again.out" 2>&1; rc=$?
check "replay: pkcs15-tool runs without the card" test "$rc" = 0
check "replay: the same certificates" cmp -s "$W/list.out" "$W/again.out"
[ "$(grep -c 'X.509 Certificate' "$W/again.out")" -ge 1 ] || cat "$W/again.out"
check "replay: no deviation" not_contains "$(cat "$W/replay.log")" "differs"
sim_stop replay
wait_card 0 absent

replay_start "$W/list.cbor"
out=$(jpki-apdu -r 0 '00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08' 2>&1); rc=$?
check "replay: a command not in the recording gets 6F00" grep -q '6F00' <<<"$out"
sleep 0.2
check "replay: the first difference is logged" \
    grep -q 'command 1 differs from the recording at byte 3: recorded 00A40400' "$W/replay.log"
sim_stop replay
check "replay: the summary counts the deviation" grep -q '1 deviating command' "$W/replay.log"
wait_card 0 absent

# ---- bad input ----
out=$(jpki-apdu spy -- /nonexistent/prog 2>&1); rc=$?
check "spy: a program that cannot run: exit 127, one line" test "$rc" = 127 -a "$(wc -l <<<"$out")" = 1
out=$(jpki-apdu spy -- true 2>&1); rc=$?
check "spy: a non-PC/SC program is said so" test "$rc" = 0 && contains "$out" "made no PC/SC call"
out=$(jpki-apdu spy 2>&1); rc=$?
check "spy: no command: usage, exit 2" test "$rc" = 2
printf 'not a trace' > "$W/bad.cbor"
out=$(jpki-card-sim --replay "$W/bad.cbor" --port "$(reader_port 0)" 2>&1); rc=$?
check "replay: a file that is no trace: exit 2, one line" test "$rc" = 2 -a "$(wc -l <<<"$out")" = 1
out=$(jpki-card-sim --replay "$W/list.cbor" --state "$W/card.state" --port 1 2>&1); rc=$?
check "replay: --state with --replay is refused" test "$rc" = 2
finish
