# A power cut at every APDU index of a renewal (jpki-renew, both
# certificates, with a journal): the card runs APDU N+1 and holds its
# answer (jpki-card-sim --hold-after N), jpki-renew is killed with SIGKILL
# right then, the card leaves the reader (its security state is gone), and
# `jpki-renew resume` finishes.  After every kill: each certificate on the
# card matches its active key (the card signs, the certificate verifies),
# the active key is the original or one the journal recorded, no PIN try
# was lost.  After resume: both certificates are new and match, nothing is
# pending, the journal ends in "done", and the test CA's issuance log
# (DIR/issued) holds exactly one issuance per new certificate: no resume
# asked the CA a second time for the same request.
# One card set-up, copied for every index; the default (contact) variant;
# two readers sweep the even and the odd indices side by side, each with
# its own copy of the test CA (and so its own issuance log).
# A few indices then run the same flow in proxy mode (form PINs), which
# must VERIFY again after the power cut (the card forgot them).
require_commands jpki-renew jpki-status

W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/hanako.card"
KEY=$W/issuer.key
PINS=$'1234\nABC123'
PROXY=()
orig=$(card_facts "$W/hanako.card")
ORIG_AUTH=$(key_fact "$orig" auth spki_sha256)
ORIG_SIGN=$(key_fact "$orig" sign spki_sha256)
check "original card: both certificates match" \
    test "$(key_fact "$orig" auth match)$(key_fact "$orig" sign match)" = yesyes

# lane L: reader L, its card, journal and CA (a copy of the one that
# issued the card's certificates: same keys, its own issuance log)
lane() {
    L=$1
    FAULT_READER=$L FAULT_SIM=card$L FAULT_STATE=$W/card$L.state
    J=$W/journal$L
    ISSUED=$W/ca$L/issued
    rm -rf "$W/ca$L"; cp -a "$W/ca" "$W/ca$L"
    CA_CMD="jpki-ca issue --dir $W/ca$L"
    ISSUED_BEFORE=$(issued_lines)
}
issued_lines() { wc -l < "$ISSUED"; }
counters() {
    echo "$(pin_tries "$1" auth) $(pin_tries "$1" sign) $(pin_tries "$1" cardinfo) $(pin_tries "$1" registry)"
}
journal() { jpki-test-cardcheck --journal "$J"; }
journal_keys() { journal 2>/dev/null | awk -v k="$1" '$2 == "pending-key" && $4 == "kind=" k { sub("key=", "", $5); print $5 }'; }
renew() {
    jpki-renew "$@" -r "$FAULT_READER" "${PROXY[@]}" --ca-cmd "$CA_CMD" --issuer-key-file "$KEY" \
        --pin-fd 3 --journal "$J" 3<<<"$PINS" > "$W/out$L" 2> "$W/err$L"
}

# Run in the background by kill_sweep: exec, so that the kill hits
# jpki-renew itself.
fault_op() {
    rm -f "$J"
    exec jpki-renew -r "$FAULT_READER" "${PROXY[@]}" --ca-cmd "$CA_CMD" --issuer-key-file "$KEY" \
        --pin-fd 3 --journal "$J" 3<<<"$PINS" > "$W/out$L" 2> "$W/err$L"
}
fault_after() {
    local n=$1 rc=$2 f k spki o
    f=$(card_facts "$FAULT_STATE")
    check "killed at $n: by SIGKILL (exit $rc)" test "$rc" = 137
    check "killed at $n: PIN counters untouched ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    [ -s "$J" ] && check "killed at $n: journal readable" eval 'journal > /dev/null'
    for k in auth sign; do
        spki=$(key_fact "$f" $k spki_sha256)
        check "killed at $n: $k certificate present and matching its key" \
            test "$(key_fact "$f" $k cert)$(key_fact "$f" $k match)" = yesyes
        if [ $k = auth ]; then o=$ORIG_AUTH; else o=$ORIG_SIGN; fi
        check "killed at $n: $k key is the original or one the journal holds" \
            eval '[ "$spki" = "$o" ] || journal_keys $k | grep -qx "$spki"'
    done
}
fault_resume() {
    local rc
    if journal 2>/dev/null | grep -q '^journal started'; then
        renew resume; rc=$?
        check "resume after the kill at $1: exit 0 ($rc $(tail -1 "$W/err$L" | head -c 160))" test $rc = 0
    else
        # Killed before the attempt was recorded: nothing to resume, the
        # operator runs the renewal again.
        rm -f "$J"
        renew; rc=$?
        check "after the kill at $1: nothing started, renewal rerun (exit $rc)" test $rc = 0
    fi
}
fault_done() {
    local f k spki o new
    f=$(card_facts "$FAULT_STATE")
    check "done ($1): PIN counters full ($(counters "$f"))" test "$(counters "$f")" = "3 5 3 3"
    check "done ($1): journal ends in done" test "$(journal | awk '$1 == "journal" {s = $2} END {print s}')" = done
    for k in auth sign; do
        spki=$(key_fact "$f" $k spki_sha256)
        if [ $k = auth ]; then o=$ORIG_AUTH; else o=$ORIG_SIGN; fi
        check "done ($1): $k renewed (new key), certificate matches" \
            test "$spki" != "$o" -a "$(key_fact "$f" $k match)" = yes
        check "done ($1): nothing pending for $k" test "$(key_fact "$f" $k pending)" = no
    done
    # The CA's log since this index began: one line per certificate, for
    # the keys the card now holds.
    new=$(tail -n +$((ISSUED_BEFORE + 1)) "$ISSUED" | awk '{ print $2, $3 }' | sort)
    check "done ($1): the CA issued once per certificate" \
        test "$new" = "$(printf 'auth %s\nsign %s' "$(key_fact "$f" auth spki_sha256)" "$(key_fact "$f" sign spki_sha256)")"
    ISSUED_BEFORE=$(issued_lines)
}

start=$SECONDS
lanes=()
for l in 0 1; do
    (
        lane $l
        T_PASS=0 T_FAIL=0
        JPKI_FAULT_STRIDE=2 kill_sweep "$W/hanako.card" 400 $l
        echo "$T_PASS $T_FAIL $FAULT_COMPLETE $FAULT_LAST" > "$W/lane$l.result"
    ) &
    lanes+=($!)
done
wait "${lanes[@]}" # (not a bare wait: pcscd is a background job too)
APDUS=0
for l in 0 1; do
    read -r p f c last < "$W/lane$l.result" || { nok "lane $l ended without a result"; continue; }
    T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f))
    check "lane $l: sweep completed (at index $last)" test "$c" = 1
    [ "$last" -gt $APDUS ] && APDUS=$last
done
echo "# kill sweep: every index up to $APDUS in $((SECONDS - start)) s"

# The live card, through PC/SC, at the end: jpki-status reads the counters
# without spending a try, and the signature certificate with its password.
lane 0
sim_start card0 0 "$FAULT_STATE"
st=$(jpki-status -r 0 --json --verify-sign-pin --pin-fd 3 3<<<ABC123 2>/dev/null)
check "jpki-status: auth tries 3, sign tries 5" \
    test "$(printf '%s' "$st" | jq -r '[.pins[] | select(.pin == "auth" or .pin == "sign") | .tries_left] | join(" ")')" = "3 5"
sign_serial=$(printf '%s' "$st" | jq -r '.certs[] | select(.kind == "sign") | .serial')
check "jpki-status: the signature certificate read with the password (serial $sign_serial)" \
    test "${sign_serial^^}" = "$(key_fact "$(card_facts "$FAULT_STATE")" sign serial | tr a-f A-F)"
sim_stop card0; wait_card 0 absent

# Proxy mode at a few indices (one reader): the correct form PINs VERIFY
# again after the power cut (the card lost them), and still one issuance
# per certificate.
PROXY=(--proxy)
for n in 3 $((APDUS / 2)) $((APDUS - 5)); do
    kill_sweep "$W/hanako.card" "$n" "$n"
done
finish
