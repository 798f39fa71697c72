# --watch of jpki-status and jpki-expiry-check through the real pcscd +
# vpcd: one record per insertion (cards present at the start, cards in
# several readers, the same card pulled and pushed in again), a card pulled
# mid-read reported as such and the next insertion still handled,
# jpki-status --watch --cbor piped into jpki-expiry-check with each card's
# line out while the watch still runs (per-record flush), SIGINT/SIGTERM
# ending with the summary on stderr and exit 0, pcscd going away (exit 3).
# Readers plugged in at run time cannot be exercised here: vpcd readers are
# serial-driver entries of reader.conf, and Debian's pcscd (libudev
# hotplug) rescans only USB on SIGUSR1, so no vpcd reader can appear or go
# away while pcscd runs (measured: pcscd --hotplug, i.e. SIGUSR1, is received
# and adds nothing); the PnP pseudo-reader is in every wait regardless, and
# tests/unit/test_pcsc_wait.c plays readers coming and going against a
# scripted PC/SC.
pcscd_start 2
W=$JPKI_WORK
A0="JPKI Test Reader A 00 00"; A1="JPKI Test Reader A 00 01"; B0="JPKI Test Reader B 00 00"
make_card hanako "$W/hanako.card"
make_card taro "$W/taro.card"
JPKI_CARD_NOW=2018-06-01 make_card ichiko "$W/ichiko.card"

# lines_reach FILE N: wait (up to 30 s) until FILE has N lines.
lines_reach() {
    local n=0
    # Counted as the report's logical lines: expiry-check folds long ones.
    until [ "$(unfold < "$1" 2>/dev/null | wc -l)" -ge "$2" ]; do
        n=$((n + 1)); [ $n -gt 300 ] && { echo "  $1: $(wc -l < "$1") lines, wanted $2" >&2; return 1; }
        sleep 0.1
    done
}
# sim_pulled NAME IDX STATE N: a card that answers N APDUs, then pulls
# itself (not waited for: it may be gone before PC/SC is asked).
sim_pulled() {
    jpki-card-sim --state "$3" --port "$(reader_port "$2")" --remove-after "$4" >> "$W/sim.$1.log" 2>&1 &
    echo $! > "$W/sim.$1.pid"
}
# stop_watch PID SIG: signal the watcher, wait for it, return its status.
stop_watch() { kill -"$2" "$1"; wait "$1"; }
line() { unfold < "$1" | sed -n "$2p"; }

expect_rc "jpki-status: --watch with --reader is refused" 2 jpki-status --watch -r 0
expect_rc "jpki-status: --watch with --verify-sign-pin is refused" 2 jpki-status --watch --verify-sign-pin
expect_rc "jpki-expiry-check: --watch with --filter is refused" 3 jpki-expiry-check --watch --filter
check "--help documents --watch (status)" contains "$(jpki-status --help)" "--watch"
check "--help documents --watch (expiry-check)" contains "$(jpki-expiry-check --help)" "--watch"

# ---- jpki-status --watch --json ----
sim_start hanako 0 "$W/hanako.card"
jpki-status --watch --json --now 2025-01-01 > "$W/st.out" 2> "$W/st.err" &
st=$!
lines_reach "$W/st.out" 1
check "a card present at the start is the first record" contains "$(line "$W/st.out" 1)" \
    "\"reader\":\"$A0\",\"card\":true"
sim_start taro 2 "$W/taro.card"
lines_reach "$W/st.out" 2
check "a card inserted into another reader: the second record" contains "$(line "$W/st.out" 2)" \
    "\"reader\":\"$B0\",\"card\":true"
check "... with that card's serial" contains "$(line "$W/st.out" 2)" '"serial":"900000000000002"'
sim_stop hanako; wait_card 0 absent
sim_start hanako 0 "$W/hanako.card"
lines_reach "$W/st.out" 3
check "the same card pulled and pushed in again: a third record" contains "$(line "$W/st.out" 3)" \
    '"serial":"900000000000001"'
check "a removal alone writes no record" test "$(wc -l < "$W/st.out")" = 3
# A card pulled after 6 APDUs: reported as removed, then the next one read.
sim_pulled ichiko 1 "$W/ichiko.card" 6
lines_reach "$W/st.out" 4
check "a card pulled mid-read is a record saying so" contains "$(line "$W/st.out" 4)" \
    "\"reader\":\"$A1\",\"card\":true"
check "... with the removal as its error" contains "$(line "$W/st.out" 4)" '"code":"card-removed"'
sim_wait_exit ichiko; wait_card 1 absent
sim_start ichiko 1 "$W/ichiko.card"
lines_reach "$W/st.out" 5
check "the card inserted after a pull is read in full" contains "$(line "$W/st.out" 5)" '"serial":"900000000000003"'
check "... without an error" not_contains "$(line "$W/st.out" 5)" '"error"'
check "the watcher is still running" kill -0 $st
stop_watch $st INT; rc=$?
check "SIGINT ends --watch with exit 0" test "$rc" = 0
check "summary line on stderr: cards seen, by state" contains "$(cat "$W/st.err")" \
    "jpki-status: 5 cards seen: 4 read, 1 removed during the read, 0 with signature password trouble, 0 unreadable"
check "the pull is also said on stderr" grep -q "$A1.*removed" "$W/st.err"
check "every stdout line is one JSON record" test "$(grep -c '^{"record":"jpki-card-status"' "$W/st.out")" = 5

# ---- jpki-status --watch --cbor | jpki-expiry-check: streaming ----
jpki-status --watch --cbor --now 2025-03-01 2> "$W/pipe-st.err" |
    jpki-expiry-check --now 2025-03-01 > "$W/pipe.out" 2> "$W/pipe.err" &
pipe=$!
lines_reach "$W/pipe.out" 3
st=$(pgrep -x jpki-status)
check "each card's expiry line is out while the watch still runs" test -n "$st"
out=$(cat "$W/pipe.out")
check "hanako's card checked through the pipe" contains "$out" "expiring $A0 [card 900000000000001]"
check "ichiko's card (expired 2023) checked through the pipe" contains "$out" "expired  $A1 [card 900000000000003]"
kill -TERM "$st"; wait $pipe; rc=$?
check "the pipe ends when the watch is stopped (worst verdict: expired, 2)" test "$rc" = 2
check "jpki-status' summary after SIGTERM" contains "$(cat "$W/pipe-st.err")" "3 cards seen: 3 read"
check "jpki-expiry-check's summary" contains "$out$(cat "$W/pipe.out")" "summary: 3 checked: 0 ok, 2 expiring, 1 expired"

# ---- jpki-expiry-check --watch ----
sim_stop taro; wait_card 2 absent
jpki-expiry-check --watch --now 2024-06-01 > "$W/ex.out" 2> "$W/ex.err" &
ex=$!
lines_reach "$W/ex.out" 2
sim_start taro 2 "$W/taro.card"
lines_reach "$W/ex.out" 3
out=$(cat "$W/ex.out")
check "expiry-check --watch: a line per card present" contains "$out" "ok       $A0 [card 900000000000001]: auth ok"
check "expiry-check --watch: a line for a card inserted later" contains "$(line "$W/ex.out" 3)" \
    "ok       $B0 [card 900000000000002]: auth ok, not after 2025-04-10 23:59:59 JST"
sim_stop taro; wait_card 2 absent
sim_pulled taro 2 "$W/taro.card" 3
lines_reach "$W/ex.out" 4
check "expiry-check --watch: a card pulled mid-read is unknown" contains "$(line "$W/ex.out" 4)" \
    "unknown  $B0: could not read the card"
stop_watch $ex TERM; rc=$?
check "SIGTERM ends expiry-check --watch with exit 0" test "$rc" = 0
check "expiry-check --watch: summary on stderr" contains "$(cat "$W/ex.err")" \
    "summary: 4 checked: 2 ok, 0 expiring, 1 expired, 1 unknown"
check "expiry-check --watch: no summary on stdout" not_contains "$(cat "$W/ex.out")" "summary:"
sim_wait_exit taro

# ---- --watch --pin-map: each card read with its own password ----
sim_start taro 2 "$W/taro.card"
printf '900000000000001 - ABC123\n900000000000002 - WRONG9\n' > "$W/pins.map"; chmod 600 "$W/pins.map"
jpki-status --watch --json --now 2025-01-01 --pin-map "$W/pins.map" > "$W/map.out" 2> "$W/map.err" &
st=$!
lines_reach "$W/map.out" 3
kill -TERM $st; wait $st; rc=$?
check "--watch --pin-map: exit 0 after SIGTERM" test "$rc" = 0
check "--watch --pin-map: hanako's signature certificate read with her password" \
    grep -q '"serial":"900000000000001".*"kind":"sign","present":true,"subject"' "$W/map.out"
check "--watch --pin-map: a wrong password is password trouble in the summary" contains "$(cat "$W/map.err")" \
    "3 cards seen: 2 read, 0 removed during the read, 1 with signature password trouble, 0 unreadable"

# ---- pcscd going away ----
jpki-status --watch --json > "$W/gone.out" 2> "$W/gone.err" &
st=$!
lines_reach "$W/gone.out" 2
pcscd_stop
n=0; while kill -0 $st 2>/dev/null && [ $n -lt 100 ]; do n=$((n + 1)); sleep 0.1; done
wait $st; rc=$?
check "pcscd stopping ends --watch with exit 3" test "$rc" = 3
check "... with a one-line error and the summary" test "$(wc -l < "$W/gone.err")" = 2
sed 's/^/# /' "$W/gone.err"
finish
