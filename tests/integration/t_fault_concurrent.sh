# Two (three) processes on one reader at once: each multi-APDU operation
# runs inside one PC/SC transaction, so no process's APDU may land in the
# middle of another's transaction, and every process finishes with the
# right data.  The card answers slowly (--slow) so the runs overlap for
# sure.  Each process traces to stderr (--trace); every trace line gets a
# wall-clock stamp from the shell as it arrives, the stamped traces are
# merged and checked: within one transaction (its first to its last APDU)
# no other process's APDU may appear.

SLOW=80
# The processes are meant to wait for each other here: let them wait longer
# than the default second before "reader busy" (t_counter_cards tests that).
export JPKI_BUSY_WAIT=30
pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
sim_start card 0 "$JPKI_WORK/hanako.card" --slow $SLOW

# stamp NAME: prefix every stdin line with $EPOCHREALTIME and NAME
# (a bash builtin: no fork per line, so the stamp is taken as it arrives).
stamp() { local l; while IFS= read -r l; do printf '%s %s %s\n' "$EPOCHREALTIME" "$1" "$l"; done; }

launched=$EPOCHREALTIME
jpki-test-readcert -r 0 -k auth --trace > "$JPKI_WORK/a.out" 2> >(stamp A > "$JPKI_WORK/a.trace") &
pa=$!
jpki-test-readcert -r 0 -k auth-ca --trace > "$JPKI_WORK/b.out" 2> >(stamp B > "$JPKI_WORK/b.trace") &
pb=$!
jpki-test-readcert -r 0 --pin-status --trace > "$JPKI_WORK/c.out" 2> >(stamp C > "$JPKI_WORK/c.trace") &
pc=$!
wait $pa; ra=$?
wait $pb; rb=$?
wait $pc; rc=$?
sleep 0.2 # let the stampers drain
check "process A (auth cert) finished" test "$ra" = 0
check "process B (auth CA cert) finished" test "$rb" = 0
check "process C (PIN counters) finished" test "$rc" = 0
check "A read the auth certificate" contains "$(cat "$JPKI_WORK/a.out")" "kind: auth"
check "B read the auth CA certificate" contains "$(cat "$JPKI_WORK/b.out")" "JPKI for user authentication"
check "C saw full PIN counters" contains "$(cat "$JPKI_WORK/c.out")" "3"

# Merge: "STAMP PROC apdu" for each answer line ("[READER] #N < ..."),
# "STAMP PROC begin/end" for the transaction events ("[READER] -- ...").
merged=$(cat "$JPKI_WORK"/[abc].trace | awk '
    /\] #[0-9]+ < / || ($3 ~ /^\[[0-9]+\]$/ && / < /) { print $1, $2, "apdu"; next }
    /transaction begin/ { print $1, $2, "begin"; next }
    /transaction end/ { print $1, $2, "end" }' | sort -n)
printf '%s\n' "$merged" | head -3 | sed 's/^/# /'
n_apdu=$(printf '%s\n' "$merged" | grep -c ' apdu$')
check "traces hold the APDUs of all three ($n_apdu)" test "$n_apdu" -ge 12
check "all three processes traced" test "$(printf '%s\n' "$merged" | awk '{print $2}' | sort -u | tr -d '\n')" = ABC

# The runs contended: one process was held back by another's transaction.
# Started together, without a lock every process would get its first
# answer within a few APDU times (the card answers one APDU at a time);
# the one served last waits for the others' whole operations (pcsc-lite
# holds its connect or its transaction back meanwhile).
waited=$(printf '%s\n' "$merged" | awk -v t0="$launched" -v slow=$SLOW '
    $3 == "apdu" && !($2 in first) { first[$2] = $1 }
    END { m = 0; for (p in first) if (first[p] - t0 > m) m = first[p] - t0
          printf "%d", m * 1000 }')
check "one process waited for the others (${waited} ms >= $((6 * SLOW)) ms)" \
    test "${waited:-0}" -ge $((6 * SLOW))

# Contiguity: for each process's transaction, the span from its first to
# its last APDU holds no APDU of another process.
violations=$(printf '%s\n' "$merged" | awk '
    { t[NR] = $1; p[NR] = $2; k[NR] = $3 }
    END {
        bad = 0
        for (i = 1; i <= NR; i++) {
            if (k[i] != "begin") continue
            first = 0; last = 0
            for (j = i + 1; j <= NR; j++) {
                if (p[j] != p[i]) continue
                if (k[j] == "end") break
                if (k[j] == "apdu") { if (!first) first = j; last = j }
            }
            for (j = first + 1; first && j < last; j++)
                if (k[j] == "apdu" && p[j] != p[i]) { print p[j] " inside a transaction of " p[i] " at " t[j]; bad++ }
        }
        exit bad > 0
    }')
check "no APDU of one process inside another's transaction" test -z "$violations"
[ -n "$violations" ] && printf '# %s\n' "$violations"

sim_stop card
finish
