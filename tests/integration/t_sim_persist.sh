# A SIGKILLed simulator restarted on the same state file shows the same
# card: a PIN try spent before the kill stays spent, and a clean SIGTERM
# exits 0.
pcscd_start 1
make_card taro "$JPKI_WORK/t.card"
sim_start t 0 "$JPKI_WORK/t.card"
export JPKI_TEST_BAD=0000 JPKI_TEST_BADPW=WRONG1

pkcs15-tool -r 0 --verify-pin --auth-id 01 --pin env:JPKI_TEST_BAD >/dev/null 2>&1
pkcs15-tool -r 0 --verify-pin --auth-id 02 --pin env:JPKI_TEST_BADPW >/dev/null 2>&1
pkcs15-tool -r 0 --verify-pin --auth-id 02 --pin env:JPKI_TEST_BADPW >/dev/null 2>&1
tries() { pkcs15-tool -r 0 --list-pins 2>&1 | sed -n 's/.*Tries left *: *\([0-9]*\).*/\1/p' | tr '\n' ' '; }
before=$(tries)
check "tries spent before the kill (auth 2, sign 3)" test "$before" = "2 3 "

sim_stop t KILL
wait_card 0 absent
check "the reader is empty after the kill" test $? = 0
check "no temp file left next to the state" test -z "$(ls "$JPKI_WORK" | grep '\.tmp\.')"
sim_start t 0 "$JPKI_WORK/t.card"
after=$(tries)
check "the restarted card shows the same retry counters" test "$before" = "$after"

# Kill it in the middle of a stream of commands: the state file still loads.
( for i in 1 2 3 4 5 6; do pkcs15-tool -r 0 --list-certificates >/dev/null 2>&1; done ) &
loop=$!
sleep 0.3
sim_stop t KILL
wait "$loop" 2>/dev/null
wait_card 0 absent
sim_start t 0 "$JPKI_WORK/t.card"
out=$(pkcs15-tool -r 0 --list-certificates 2>&1)
check "the card killed mid-stream still works" contains "$out" "User Authentication Certificate"

pid=$(cat "$JPKI_WORK/sim.t.pid")
kill -TERM "$pid"
wait "$pid"
check "SIGTERM ends the simulator cleanly" test $? = 0
rm -f "$JPKI_WORK/sim.t.pid"
finish
