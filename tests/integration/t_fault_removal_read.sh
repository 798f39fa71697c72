# The card pulled at every APDU index of a PIN-protected read (verify the
# signature password, read the signature certificate), then reinserted:
# every interrupted run fails cleanly (exit 3, one line), no PIN try is
# lost that the user did not spend, the card's certificates still match
# their keys, and the rerun succeeds.  A second sweep with a wrong password
# shows a pulled card costs at most the one try the user spent.
# (Driven through tests/tools/jpki-test-readcert; the card's state is read
# with tests/tools/jpki-test-cardcheck.)

pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
SIGN_PW=ABC123

full_counters() {
    local f=$1
    [ "$(pin_tries "$f" auth)" = 3 ] && [ "$(pin_tries "$f" sign)" = 5 ] &&
        [ "$(pin_tries "$f" cardinfo)" = 3 ] && [ "$(pin_tries "$f" registry)" = 3 ]
}
certs_match() {
    [ "$(key_fact "$1" auth match)" = yes ] && [ "$(key_fact "$1" sign match)" = yes ]
}

fault_op() {
    jpki-test-readcert -r 0 -k sign --pin-fd 3 3<<<"$SIGN_PW" > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
}
fault_after() {
    local n=$1 rc=$2 facts
    facts=$(card_facts "$JPKI_WORK/card.state")
    check "pulled at $n: exit 3 (got $rc: $(head -c 200 "$JPKI_WORK/err"))" test "$rc" = 3
    check "pulled at $n: one-line error" test "$(wc -l < "$JPKI_WORK/err")" = 1
    check "pulled at $n: no PIN try lost" full_counters "$facts"
    check "pulled at $n: certificates match their keys" certs_match "$facts"
}
fault_resume() {
    fault_op; local rc=$?
    check "after $1: rerun reads the sign certificate (exit $rc $(head -c 200 "$JPKI_WORK/err"))" \
        test $rc = 0
    check "after $1: holder's name read" grep -q '^name: ' "$JPKI_WORK/out"
}
fault_done() {
    local facts
    facts=$(card_facts "$JPKI_WORK/card.state")
    check "done ($1): PIN counters full" full_counters "$facts"
    check "done ($1): certificates match their keys" certs_match "$facts"
}
removal_sweep "$JPKI_WORK/hanako.card" 40
check "the sweep reached a complete run (at $FAULT_LAST APDUs)" test "$FAULT_COMPLETE" = 1
check "the read needs several APDUs ($FAULT_LAST)" test "$FAULT_LAST" -ge 4

# Wrong password: the user spends one try per attempt, never more.
SIGN_PW=WRONG1
fault_op() {
    jpki-test-readcert -r 0 -k sign --pin-fd 3 3<<<"$SIGN_PW" > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
    local rc=$?
    # A completed wrong-password run is exit 4 "done"; map it to 0 for the sweep.
    [ $rc = 4 ] && return 0
    return $rc
}
fault_after() {
    local n=$1 rc=$2 t
    t=$(pin_tries "$(card_facts "$JPKI_WORK/card.state")" sign)
    check "wrong password pulled at $n: exit 3 (got $rc: $(head -c 200 "$JPKI_WORK/err"))" test "$rc" = 3
    check "wrong password pulled at $n: at most one try spent ($t left)" test "${t:-0}" -ge 4
}
fault_resume() { :; }
fault_done() {
    local t
    t=$(pin_tries "$(card_facts "$JPKI_WORK/card.state")" sign)
    check "wrong password ($1): at most one try spent in all ($t left)" test "${t:-0}" -ge 4
}
removal_sweep "$JPKI_WORK/hanako.card" 40
check "wrong-password sweep completed" test "$FAULT_COMPLETE" = 1
check "the completed wrong-password run spent exactly one try" \
    test "$(pin_tries "$(card_facts "$JPKI_WORK/card.state")" sign)" = 4
finish
