# SIGINT, SIGTERM or SIGHUP while the CA command runs: jpki-renew ends the
# CA command's whole process group, journals the failure, and exits 7 with
# the hint to resume; `jpki-renew resume` then finishes with the same key.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
AP=$(pins_file h.auth 1234)
# a CA that never answers, and says which of its processes to look for
cat > "$W/hang-ca.sh" <<EOF
#!/bin/sh
cat > /dev/null
sleep 300 &
echo \$! > "$W/ca.child"
echo \$\$ > "$W/ca.pid"
wait
EOF
chmod +x "$W/hang-ca.sh"
for sig in INT TERM HUP; do
    rm -f "$W/ca.pid" "$W/ca.child"
    env --default-signal=INT jpki-renew -r 0 --cert auth --pin-file "$AP" "${IKEY[@]}" \
        --journal "$W/$sig.j" --ca-cmd "$W/hang-ca.sh" > "$W/out" 2> "$W/err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$W/ca.child" ] && break; sleep 0.1; done
    check "$sig: the CA command started" test -s "$W/ca.child"
    kill -$sig $pid
    wait $pid; rc=$?
    sed "s/^/# $sig: /" "$W/err"
    check "$sig: exit 7" test "$rc" = 7
    check "$sig: says what happened" contains "$(cat "$W/err")" "interrupted by SIG$sig"
    check "$sig: says how to go on" contains "$(cat "$W/err")" "jpki-renew resume"
    sleep 0.2
    check "$sig: the CA shell is gone" sh -c "! kill -0 $(cat "$W/ca.pid") 2>/dev/null"
    check "$sig: the CA's own child is gone too (process group)" sh -c "! kill -0 $(cat "$W/ca.child") 2>/dev/null"
    check "$sig: journal ends with failed" test "$(journal_lines "$W/$sig.j" | tail -1 | cut -d' ' -f2)" = failed
    out=$(jpki-renew resume -r 0 --pin-file "$AP" "${IKEY[@]}" --journal "$W/$sig.j" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
    check "$sig: resume finishes (exit 0)" test "$rc" = 0
    check "$sig: auth renewed" contains "$out" "auth: renewed"
done
# outside a CA command a signal acts as usual (no exit 7 without a pending key)
check "counters untouched by all this (3 5)" test "$(tries 0)" = "3 5"
finish
