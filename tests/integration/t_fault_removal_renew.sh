# The card pulled at every APDU index of a renewal (jpki-renew, both
# certificates, with a journal), then reinserted and `jpki-renew resume`
# run.  After every pull: each certificate on the card matches its active
# key (the card signs, the certificate verifies) -- the old one or the new
# one, never a broken pair; the active key is the original or one the
# journal recorded as pending (the journal agrees with the card); no PIN
# try was lost (renew verifies the right PINs only).  After resume: both
# certificates are new and match, nothing is pending, the journal ends in
# "done" and names the keys the card holds.
# The card's state and the journal are read with jpki-test-cardcheck.

require_commands jpki-renew

pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
KEY=$JPKI_WORK/issuer.key
J=$JPKI_WORK/journal
CA_CMD="jpki-ca issue --dir $JPKI_WORK/ca"
# Both lines always: jpki-renew reads the ones it needs (auth first).
PINS=$'1234\nABC123'
orig=$(card_facts "$JPKI_WORK/hanako.card")
ORIG_AUTH=$(key_fact "$orig" auth spki_sha256)
ORIG_SIGN=$(key_fact "$orig" sign spki_sha256)
check "original card: both certificates match" \
    test "$(key_fact "$orig" auth match)$(key_fact "$orig" sign match)" = yesyes

counters() {
    echo "$(pin_tries "$1" auth) $(pin_tries "$1" sign) $(pin_tries "$1" cardinfo) $(pin_tries "$1" registry)"
}
journal() { jpki-test-cardcheck --journal "$J"; }
# journal_keys KIND: fingerprints the journal recorded as pending for KIND
journal_keys() { journal 2>/dev/null | awk -v k="$1" '$2 == "pending-key" && $4 == "kind=" k { sub("key=", "", $5); print $5 }'; }

fault_op() {
    rm -f "$J"
    jpki-renew -r 0 --ca-cmd "$CA_CMD" --issuer-key-file "$KEY" --pin-fd 3 --journal "$J" \
        3<<<"$PINS" > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
}
fault_after() {
    local n=$1 rc=$2 f k spki
    f=$(card_facts "$JPKI_WORK/card.state")
    check "renew pulled at $n: exit 3 or 7 (got $rc: $(tail -1 "$JPKI_WORK/err" | head -c 160))" \
        test "$rc" = 3 -o "$rc" = 7
    check "renew pulled at $n: PIN counters untouched ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    [ -s "$J" ] && check "renew pulled at $n: journal readable" eval 'journal > /dev/null'
    for k in auth sign; do
        spki=$(key_fact "$f" $k spki_sha256)
        check "renew pulled at $n: $k certificate present and matching its key" \
            test "$(key_fact "$f" $k cert)$(key_fact "$f" $k match)" = yesyes
        if [ $k = auth ]; then o=$ORIG_AUTH; else o=$ORIG_SIGN; fi
        check "renew pulled at $n: $k key is the original or one the journal holds" \
            eval '[ "$spki" = "$o" ] || journal_keys $k | grep -qx "$spki"'
    done
}
fault_resume() {
    local rc
    if journal 2>/dev/null | grep -q '^journal started'; then
        jpki-renew resume -r 0 --ca-cmd "$CA_CMD" --issuer-key-file "$KEY" --pin-fd 3 \
            --journal "$J" 3<<<"$PINS" > "$JPKI_WORK/out" 2> "$JPKI_WORK/err"
        rc=$?
        check "renew after $1: resume finishes (exit $rc $(tail -1 "$JPKI_WORK/err" | head -c 160))" test $rc = 0
    else
        # Pulled before the attempt was recorded: nothing to resume, the
        # operator runs the renewal again.
        fault_op; rc=$?
        check "renew after $1: nothing started, renewal rerun (exit $rc)" test $rc = 0
    fi
}
fault_done() {
    local f k spki o
    f=$(card_facts "$JPKI_WORK/card.state")
    check "renew done ($1): PIN counters full ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    check "renew done ($1): journal ends in done" test "$(journal | awk '$1 == "journal" {s = $2} END {print s}')" = done
    for k in auth sign; do
        spki=$(key_fact "$f" $k spki_sha256)
        if [ $k = auth ]; then o=$ORIG_AUTH; else o=$ORIG_SIGN; fi
        check "renew done ($1): $k renewed (new key), certificate matches" \
            test "$spki" != "$o" -a "$(key_fact "$f" $k match)" = yes
        check "renew done ($1): nothing pending for $k" test "$(key_fact "$f" $k pending)" = no
        check "renew done ($1): journal's last $k key is the card's" \
            test "$(journal_keys $k | tail -1)" = "$spki"
    done
}
removal_sweep "$JPKI_WORK/hanako.card" 300
check "renew sweep completed (at $FAULT_LAST APDUs)" test "$FAULT_COMPLETE" = 1
finish
