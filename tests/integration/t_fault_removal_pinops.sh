# The card pulled at every APDU index of jpki-reset-pin and of
# jpki-face-auth-switch (both ways), then reinserted and the command run
# again.  After every pull: the card is either unchanged or completely
# changed (never in between), every certificate on it still matches its key
# (the card signs, the certificate verifies), and no PIN counter changed
# that the command does not set.  After the rerun: the change is complete.
# The card's state is read with tests/tools/jpki-test-cardcheck.

require_commands jpki-reset-pin jpki-face-auth-switch

pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
KEY=$JPKI_WORK/issuer.key

certs_ok() { # FACTS: every certificate present matches its key
    local k
    for k in auth sign; do
        [ "$(key_fact "$1" $k cert)" = no ] || [ "$(key_fact "$1" $k match)" = yes ] || return 1
    done
}
counters() { # FACTS -> "auth sign cardinfo registry" tries
    echo "$(pin_tries "$1" auth) $(pin_tries "$1" sign) $(pin_tries "$1" cardinfo) $(pin_tries "$1" registry)"
}
# one_line FILE: exactly one line (else show it)
one_line() {
    [ "$(wc -l < "$1")" = 1 ] && return 0
    sed 's/^/#  err: /' "$1"
    return 1
}
pin_is() { jpki-test-cardcheck "$JPKI_WORK/card.state" --pin-is "$1" --pin-fd 3 3<<<"$2"; }

# ---- jpki-reset-pin auth: new PIN 9876 ----
fault_op() {
    jpki-reset-pin -r 0 --issuer-key-file "$KEY" --pin-fd 3 auth 3<<<9876 \
        > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
}
fault_after() {
    local n=$1 rc=$2 f
    f=$(card_facts "$JPKI_WORK/card.state")
    check "reset-pin pulled at $n: exit 3 (got $rc: $(head -c 160 "$JPKI_WORK/err"))" test "$rc" = 3
    check "reset-pin pulled at $n: one-line error" one_line "$JPKI_WORK/err"
    check "reset-pin pulled at $n: auth PIN is the old or the new one" \
        eval 'pin_is auth 1234 || pin_is auth 9876'
    check "reset-pin pulled at $n: counters untouched ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    check "reset-pin pulled at $n: certificates match their keys" certs_ok "$f"
}
fault_resume() {
    fault_op; local rc=$?
    check "reset-pin after $1: rerun succeeds (exit $rc $(head -c 160 "$JPKI_WORK/err"))" test $rc = 0
}
fault_done() {
    local f
    f=$(card_facts "$JPKI_WORK/card.state")
    check "reset-pin done ($1): auth PIN is the new one" pin_is auth 9876
    check "reset-pin done ($1): other PINs unchanged" \
        eval 'pin_is sign ABC123 && pin_is cardinfo 5678 && pin_is registry 2580'
    check "reset-pin done ($1): counters full ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    check "reset-pin done ($1): certificates match their keys" certs_ok "$f"
}
removal_sweep "$JPKI_WORK/hanako.card" 60
check "reset-pin sweep completed (at $FAULT_LAST APDUs)" test "$FAULT_COMPLETE" = 1

# ---- jpki-face-auth-switch --to face ----
fault_op() {
    jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$KEY" \
        > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
}
fault_after() {
    local n=$1 rc=$2 f mode
    f=$(card_facts "$JPKI_WORK/card.state")
    mode=$(printf '%s\n' "$f" | awk '$1 == "mode" { print $2 }')
    check "to-face pulled at $n: exit 3 (got $rc: $(head -c 160 "$JPKI_WORK/err"))" test "$rc" = 3
    check "to-face pulled at $n: one-line error" one_line "$JPKI_WORK/err"
    check "to-face pulled at $n: auth certificate matches its key" \
        test "$(key_fact "$f" auth match)" = yes
    if [ "$mode" = pin ]; then
        check "to-face pulled at $n (unchanged): sign certificate still there and matching" \
            test "$(key_fact "$f" sign match)" = yes
        check "to-face pulled at $n (unchanged): counters untouched" test "$(counters "$f")" = "3 5 3 3"
    else
        check "to-face pulled at $n (switched): sign key and certificate gone" \
            test "$(key_fact "$f" sign cert)" = no
    fi
}
fault_resume() {
    fault_op; local rc=$?
    # The rerun finds the card either still in PIN mode (switches, exit 0)
    # or already switched (exit 1 "already"): both leave a face card.
    check "to-face after $1: rerun finishes (exit $rc)" test $rc = 0 -o $rc = 1
}
fault_done() {
    local f
    f=$(card_facts "$JPKI_WORK/card.state")
    check "to-face done ($1): face mode" contains "$f" "mode face"
    check "to-face done ($1): no sign certificate" test "$(key_fact "$f" sign cert)" = no
    check "to-face done ($1): auth certificate matches its key" test "$(key_fact "$f" auth match)" = yes
}
removal_sweep "$JPKI_WORK/hanako.card" 60
check "to-face sweep completed (at $FAULT_LAST APDUs)" test "$FAULT_COMPLETE" = 1

# ---- jpki-face-auth-switch --to pin (from a face card) ----
cp "$JPKI_WORK/card.state" "$JPKI_WORK/face.card"
NEWPINS=$'4321\nNEWPW99\n8765\n1470'
fault_op() {
    jpki-face-auth-switch -r 0 --to pin --yes --issuer-key-file "$KEY" --pin-fd 3 \
        3<<<"$NEWPINS" > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
}
fault_after() {
    local n=$1 rc=$2 f mode
    f=$(card_facts "$JPKI_WORK/card.state")
    mode=$(printf '%s\n' "$f" | awk '$1 == "mode" { print $2 }')
    check "to-pin pulled at $n: exit 3 (got $rc: $(head -c 160 "$JPKI_WORK/err"))" test "$rc" = 3
    check "to-pin pulled at $n: one-line error" one_line "$JPKI_WORK/err"
    check "to-pin pulled at $n: auth certificate matches its key" \
        test "$(key_fact "$f" auth match)" = yes
    if [ "$mode" = pin ]; then
        check "to-pin pulled at $n (switched): all four new PINs, full tries" \
            eval 'pin_is auth 4321 && pin_is sign NEWPW99 && pin_is cardinfo 8765 && pin_is registry 1470 && test "$(counters "$f")" = "3 5 3 3"'
    fi
}
fault_resume() {
    fault_op; local rc=$?
    check "to-pin after $1: rerun finishes (exit $rc)" test $rc = 0 -o $rc = 1
}
fault_done() {
    local f
    f=$(card_facts "$JPKI_WORK/card.state")
    check "to-pin done ($1): PIN mode" contains "$f" "mode pin"
    check "to-pin done ($1): the new PINs" \
        eval 'pin_is auth 4321 && pin_is sign NEWPW99 && pin_is cardinfo 8765 && pin_is registry 1470'
    check "to-pin done ($1): auth certificate matches its key" test "$(key_fact "$f" auth match)" = yes
}
removal_sweep "$JPKI_WORK/face.card" 60
check "to-pin sweep completed (at $FAULT_LAST APDUs)" test "$FAULT_COMPLETE" = 1
finish
