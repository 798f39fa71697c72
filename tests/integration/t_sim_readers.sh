# Two virtual cards in two readers of one pcscd at the same time, each with
# its own state, and a simulator started before pcscd (it retries).
make_card hanako "$JPKI_WORK/h.card"
make_card taro "$JPKI_WORK/t.card"
# vpcd is not listening yet: the simulator must keep retrying.
jpki-card-sim --state "$JPKI_WORK/t.card" --port "$(reader_port 1)" >> "$JPKI_WORK/sim.t.log" 2>&1 &
echo $! > "$JPKI_WORK/sim.t.pid"
sleep 0.3
pcscd_start 1
sim_start h 0 "$JPKI_WORK/h.card"
wait_card 1
check "the early simulator found its reader" test $? = 0

out=$(opensc-tool -l 2>&1)
check "two readers with a card each" test "$(printf '%s\n' "$out" | awk '$2 == "Yes"' | wc -l)" = 2

read_common() {
    opensc-tool -r "$1" -s "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00" \
        -s "00 A4 02 0C 02 00 01" -s "00 B0 00 00 1C" 2>&1
}
h=$(read_common 0)
t=$(read_common 1)
check "reader 0 holds hanako's card" contains "$h" "30 30 30 30 30 30 30 30 30 30 30 30 30 31"
check "reader 1 holds taro's card" contains "$t" "30 30 30 30 30 30 30 30 30 30 30 30 30 32"

pkcs15-tool -r 0 --read-certificate 01 -o "$JPKI_WORK/h.pem" >/dev/null 2>&1
pkcs15-tool -r 1 --read-certificate 01 -o "$JPKI_WORK/t.pem" >/dev/null 2>&1
he=$(openssl x509 -in "$JPKI_WORK/h.pem" -noout -enddate 2>&1)
te=$(openssl x509 -in "$JPKI_WORK/t.pem" -noout -enddate 2>&1)
check "hanako's auth cert ends 2025-03-31" contains "$he" "Mar 31 14:59:59 2025"
check "taro's auth cert ends 2025-04-10" contains "$te" "Apr 10 14:59:59 2025"

# Both at once: parallel certificate reads.
pkcs15-tool -r 0 --read-certificate 01 -o "$JPKI_WORK/h2.pem" >/dev/null 2>&1 &
p0=$!
pkcs15-tool -r 1 --read-certificate 01 -o "$JPKI_WORK/t2.pem" >/dev/null 2>&1 &
p1=$!
wait $p0; r0=$?
wait $p1; r1=$?
check "parallel reads on both readers succeed" test "$r0$r1" = 00
check "parallel reads return each card's own certificate" cmp -s "$JPKI_WORK/t.pem" "$JPKI_WORK/t2.pem"
finish
