# A PIN try is never spent twice on the same wrong PIN: the journal keeps a
# salted HMAC of a PIN the card refused (never the PIN), and a rerun of the
# batch with the same map entry does not VERIFY it again.  Three reruns
# with a wrong auth PIN cost the card one try, not three; a corrected map
# entry is tried; --retry-rejected-pin tries the rejected one once more.
# Proxy mode: the form's wrong PIN gets exactly one VERIFY across reruns.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
H=900000000000001
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
# retry counter of PIN NAME on reader 0, as jpki-status reports it
tries_of() { jpki-status -r 0 --json 2>/dev/null | jq -r ".pins[] | select(.pin == \"$1\") | .tries_left"; }
jpki-status -r 0 --cbor > "$W/rec.cbor" 2>/dev/null
check "starts with 3 auth tries" test "$(tries_of auth)" = 3
BAD=$(pins_file bad.map "$H 9999 ABC123")
batch() { jpki-renew --batch --journal "$W/r.j" --pin-map "$1" "${IKEY[@]}" --ca-cmd "$RENEW_CA" "${@:2}" < "$W/rec.cbor" 2>&1; }
for n in 1 2 3; do
    out=$(batch "$BAD"); rc=$?
    printf '%s\n' "$out" | sed "s/^/# run $n: /"
    check "run $n fails (not exit 0)" test "$rc" != 0
done
check "three runs cost one try (3 -> 2)" test "$(tries_of auth)" = 2
check "the rerun names the rejection" contains "$out" "already refused this auth PIN"
check "the journal never holds the PIN" sh -c "! grep -q 9999 '$W/r.j'"
check "journal records the rejection" contains "$(journal_lines "$W/r.j")" "pin-rejected"
out=$(batch "$BAD" --retry-rejected-pin); rc=$?
check "--retry-rejected-pin VERIFYs again" test "$(tries_of auth)" = 1
GOOD=$(pins_file good.map "$H 1234 ABC123")
out=$(batch "$GOOD" --force); rc=$?
printf '%s\n' "$out" | sed 's/^/# good: /'
check "a corrected map entry is tried and renews" test "$rc" = 0
check "counter back to 3 after a good VERIFY" test "$(tries_of auth)" = 3

# ---- proxy mode: the form PIN gets one VERIFY across reruns ----
sim_stop h; wait_card 0 absent; sleep 1
make_card hanako "$W/h2.card"
sim_start h 0 "$W/h2.card"
FORM=$(pins_file form 9999 ABC123)
for n in 1 2 3; do
    jpki-renew -r 0 --proxy --pin-file "$FORM" --journal "$W/p.j" "${IKEY[@]}" --ca-cmd "$RENEW_CA" >/dev/null 2>&1
    rc=$?
    check "proxy run $n: PIN exit status 4" test "$rc" = 4
done
check "proxy: one VERIFY in three runs (3 -> 2)" test "$(tries_of auth)" = 2
jpki-renew resume -r 0 --proxy --pin-file "$FORM" --journal "$W/p.j" "${IKEY[@]}" --ca-cmd "$RENEW_CA" >/dev/null 2>&1
check "and a resume does not VERIFY it either" test "$(tries_of auth)" = 2

# ---- proxy batch: a wrong form PIN in the map, three reruns, one try ----
sim_stop h; wait_card 0 absent; sleep 1
make_card hanako "$W/h3.card"
sim_start h 0 "$W/h3.card"
jpki-status -r 0 --cbor > "$W/rec3.cbor" 2>/dev/null
for n in 1 2 3; do
    jpki-renew --batch --proxy --journal "$W/pb.j" --pin-map "$BAD" "${IKEY[@]}" \
        --ca-cmd "$RENEW_CA" < "$W/rec3.cbor" > "$W/pb.out" 2>&1
    check "proxy batch run $n: fails (exit $?)" test $? != 0
done
sed 's/^/# proxy batch: /' "$W/pb.out"
check "proxy batch: three runs cost one try (3 -> 2)" test "$(tries_of auth)" = 2

# ---- proxy, right form PINs, interrupted and resumed ----
# A resume after the card lost its security state (here: a new session)
# must VERIFY the form PINs again to write; with the right PINs that costs
# no try, and the same wrong PIN is never sent twice (above).
sim_stop h; wait_card 0 absent; sleep 1
make_card hanako "$W/h4.card"
sim_start h 0 "$W/h4.card"
GOODFORM=$(pins_file goodform 1234 ABC123)
jpki-renew -r 0 --proxy --pin-file "$GOODFORM" --journal "$W/pg.j" "${IKEY[@]}" \
    --ca-cmd "false" > /dev/null 2>&1
check "proxy with a failing CA: interrupted (exit $?)" test $? = 7
jpki-renew resume -r 0 --proxy --pin-file "$GOODFORM" --journal "$W/pg.j" "${IKEY[@]}" \
    --ca-cmd "$RENEW_CA" > "$W/pg.out" 2>&1
check "proxy resume finishes (exit $?)" test $? = 0
check "proxy resume renewed both" test "$(grep -c ': renewed' "$W/pg.out")" = 2
check "right form PINs verified again on resume: no try spent (auth 3)" test "$(tries_of auth)" = 3
check "... and the password's counter full (sign 5)" test "$(tries_of sign)" = 5
finish
