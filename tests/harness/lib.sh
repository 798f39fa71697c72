# Shell helpers for integration tests.  Sourced by tests/harness/isolated.sh,
# which has already put us in private mount+network namespaces, so the pcscd
# started here is ours alone (its socket lives on a private /run/pcscd).
#
# Reader layout: vpcd entry i (i = 0..) listens on ports 35963+2i and
# 35963+2i+1; PC/SC lists the readers in that order, so reader index N is
# served on port $((35963 + N)).

: "${JPKI_BUILD:?}" "${JPKI_WORK:?}"
# Human output follows the locale and the time zone: every test starts in
# English (C.UTF-8, no catalog) and Japan's time; tests of the Japanese
# interface set LANG=ja_JP.UTF-8 themselves.
export LANG=C.UTF-8 TZ=Asia/Tokyo
unset LC_ALL LC_MESSAGES LANGUAGE
PORT_BASE=35963
T_PASS=0
T_FAIL=0

ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
nok()  { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
# check NAME CMD...: passes when CMD exits 0
check() { local n=$1; shift; if "$@"; then ok "$n"; else nok "$n"; fi; }
# expect_rc NAME RC CMD...: passes when CMD exits with RC
expect_rc() {
    local n=$1 want=$2; shift 2
    "$@"; local got=$?
    if [ "$got" = "$want" ]; then ok "$n"; else nok "$n (exit $got, wanted $want)"; fi
}
contains() { case "$1" in *"$2"*) return 0;; esac; echo "  '$2' not found in: $1" >&2; return 1; }
not_contains() { case "$1" in *"$2"*) echo "  '$2' unexpectedly in: $1" >&2; return 1;; esac; return 0; }
# unfold < REPORT: human report lines folded to fit the terminal
# (jpki-expiry-check's: continuation lines indented by 9 spaces) joined
# back into one line each, so a test can match a whole line.
unfold() {
    awk 'NR > 1 && /^         [^ ]/ { sub(/^ +/, ""); printf " %s", $0; next }
         NR > 1 { print "" } { printf "%s", $0 } END { if (NR) print "" }'
}
# unfold_wide < REPORT: unfold for Japanese text.  dw_fold breaks text at
# spaces (dropped) and between two wide characters (nothing dropped), so
# pieces join directly between two wide characters, with a space elsewhere.
unfold_wide() {
    perl -CSD -ne 'chomp;
        my $w = qr/[\x{1100}-\x{115F}\x{2E80}-\x{A4CF}\x{AC00}-\x{D7A3}\x{F900}-\x{FAFF}\x{FE30}-\x{FE4F}\x{FF00}-\x{FF60}\x{FFE0}-\x{FFE6}]/;
        if ($. > 1 && /^ {9}(\S.*)$/) { my $c = $1; $l .= ($l =~ /$w$/ && $c =~ /^$w/) ? $c : " $c"; next }
        print "$l\n" if $. > 1; $l = $_; END { print "$l\n" if $. }'
}
finish() {
    echo "# $T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" = 0 ] && [ "$T_PASS" -gt 0 ]
}

reader_port() { echo $((PORT_BASE + $1)); }

# pcscd_start [ENTRIES]: private pcscd with ENTRIES vpcd entries (2 readers each).
pcscd_start() {
    local entries=${1:-${JPKI_READER_ENTRIES:-2}} i conf="$JPKI_WORK/reader.conf"
    : > "$conf"
    local lib=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
    for i in $(seq 0 $((entries - 1))); do
        # vpcd keeps its per-slot state in statics indexed by the slot
        # number alone (Lun & 0xffff), so two entries sharing one loaded
        # library overwrite each other's sockets.  Entries after the first
        # get their own copy of the library, which pcscd loads separately.
        if [ "$i" -gt 0 ]; then
            lib="$JPKI_WORK/libifdvpcd.$i.so"
            cp /usr/lib/pcsc/drivers/serial/libifdvpcd.so "$lib"
        fi
        printf 'FRIENDLYNAME "JPKI Test Reader %s"\nDEVICENAME /dev/null:0x%04X\nLIBPATH %s\nCHANNELID 0x%04X\n\n' \
            "$(printf "\\$(printf %o $((65 + i)))")" $((PORT_BASE + 2 * i)) "$lib" $((PORT_BASE + 2 * i)) >> "$conf"
    done
    pcscd -f -c "$conf" >> "$JPKI_WORK/pcscd.log" 2>&1 &
    echo $! > "$JPKI_WORK/pcscd.pid"
    local n=0
    until [ -S /run/pcscd/pcscd.comm ] && ss -ltn 2>/dev/null | grep -q ":$PORT_BASE "; do
        n=$((n + 1)); [ $n -gt 100 ] && { echo "pcscd did not start" >&2; return 1; }
        sleep 0.05
    done
}

pcscd_stop() {
    local pid; pid=$(cat "$JPKI_WORK/pcscd.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    local n=0
    while kill -0 "$pid" 2>/dev/null; do
        n=$((n + 1)); [ $n -gt 60 ] && { kill -KILL "$pid" 2>/dev/null; break; }
        sleep 0.05
    done
    wait "$pid" 2>/dev/null
    rm -f "$JPKI_WORK/pcscd.pid" /run/pcscd/pcscd.comm /run/pcscd/pcscd.pub /run/pcscd/pcscd.pid
}

# sim_start NAME READER_INDEX STATE [extra jpki-card-sim options...]
# Starts a virtual card in reader READER_INDEX and waits until PC/SC sees it.
sim_start() {
    local name=$1 idx=$2 state=$3; shift 3
    jpki-card-sim --state "$state" --port "$(reader_port "$idx")" "$@" \
        >> "$JPKI_WORK/sim.$name.log" 2>&1 &
    echo $! > "$JPKI_WORK/sim.$name.pid"
    wait_card "$idx"
}

sim_stop() {
    local pid; pid=$(cat "$JPKI_WORK/sim.$1.pid" 2>/dev/null) || return 0
    kill -"${2:-TERM}" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$JPKI_WORK/sim.$1.pid"
}

# wait_card IDX [present|absent]: until PC/SC reports reader IDX with/without a card.
wait_card() {
    local idx=$1 want=${2:-present} n=0 line max=300
    # Tests run in parallel (run-checks.sh's job pool), so a card that
    # reconnects to a restarted pcscd can take several seconds on a loaded
    # 2-core machine: wait up to 30 s (60 s for a valgrind'd card, which
    # also needs seconds to load its state).  Only a failing test waits.
    [ "${JPKI_VALGRIND:-0}" = 1 ] && max=600
    while :; do
        line=$(opensc-tool -l 2>/dev/null | awk -v i="$idx" '$1 == i { print $2 }')
        if [ "$want" = present ] && [ "$line" = Yes ]; then return 0; fi
        if [ "$want" = absent ] && [ "$line" = No ]; then return 0; fi
        n=$((n + 1)); [ $n -gt $max ] && { echo "reader $idx: card not $want" >&2; return 1; }
        sleep 0.1
    done
}

# The sample personas and a test CA, created once per test in $JPKI_WORK.
make_ca() { [ -d "$JPKI_WORK/ca" ] || jpki-ca init --dir "$JPKI_WORK/ca" >/dev/null; }
# make_card PERSONA STATE: a new virtual card; issuer key in $JPKI_WORK/issuer.key.
# Certificates are issued on the persona's documented date (so their expiry
# is the sample notice's), or on $JPKI_CARD_NOW (YYYY-MM-DD) when set.
make_card() {
    make_ca
    jpki-card-sim --new --state "$2" --persona "$1" --ca "$JPKI_WORK/ca" \
        --issuer-key "$JPKI_WORK/issuer.key" ${JPKI_CARD_NOW:+--now "$JPKI_CARD_NOW"} >/dev/null
}

cleanup_all() {
    local f
    for f in "$JPKI_WORK"/sim.*.pid; do
        [ -e "$f" ] || continue
        # Reap it here, with stderr closed, so bash's "Killed" job notice
        # does not end up in the output.
        { kill -KILL "$(cat "$f")"; wait "$(cat "$f")"; } 2>/dev/null
    done
    pcscd_stop
}

# ---- fault injection (tests/integration/t_fault_*.sh) ----

# require_commands CMD...: every command is part of the project, so a
# missing one fails the test (never a silent skip).
require_commands() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null || { nok "$c is not built"; finish; exit 1; }
    done
}

# sim_release NAME: a card holding an answer (--hold-after) sends it.
sim_release() { kill -USR1 "$(cat "$JPKI_WORK/sim.$1.pid")" 2>/dev/null; }

# sim_wait_exit NAME [SECS]: wait until a card started with --remove-after
# has pulled itself and exited (up to SECS, default 10), then forget it;
# a card still running (the operation needed fewer APDUs) is stopped.
sim_wait_exit() {
    local pid n=0 max=$((${2:-10} * 20))
    pid=$(cat "$JPKI_WORK/sim.$1.pid" 2>/dev/null) || return 0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt $max ]; do n=$((n + 1)); sleep 0.05; done
    sim_stop "$1"
}

# removal_sweep TEMPLATE [MAX]: pull the card at every APDU index.
# For N = 0, 1, 2, ...: a fresh copy of TEMPLATE as $JPKI_WORK/card.state
# in reader 0 with --remove-after N, then the test's functions:
#   fault_op N        the operation (its exit status is passed on)
#   fault_after N RC  assertions on the pulled card (sim stopped; the
#                     state file is what the card holds)
#   fault_resume N    reinsert (the card is running again) and finish
#   fault_done N      assertions on the finished card (sim stopped)
# The sweep ends at the first N where fault_op succeeds with the card
# never pulled (that N is the operation's APDU count), or at MAX.
# JPKI_FAULT_STRIDE (default 1; 5 under valgrind) steps N faster.
# Sets FAULT_LAST (the last N tried) and FAULT_COMPLETE (1 if it ended).
removal_sweep() { fault_sweep remove "$@"; }

# kill_sweep TEMPLATE [MAX [FROM]]: a power cut at every APDU index.  As
# removal_sweep, but the card runs APDU N+1 (its effect is in the state
# file) and holds its answer (--hold-after N); right then fault_op, run in
# the background, is killed with SIGKILL (RC 137), and the card sends the
# answer to nobody and forgets its security state, as after a power cut.
# It stays in the reader for fault_after (which reads the state file) and
# fault_resume.
kill_sweep() { fault_sweep kill "$@"; }

# fault_sweep remove|kill TEMPLATE [MAX [FROM]]: the two sweeps above,
# from index FROM (default 0) on.  FAULT_READER (default 0), FAULT_SIM
# (card) and FAULT_STATE ($JPKI_WORK/card.state) name the reader, the
# card and its state file, so that sweeps can run side by side.
fault_sweep() {
    local how=$1 tmpl=$2 max=${3:-400} n=${4:-0} rc stride mark pid
    local rd=${FAULT_READER:-0} sim=${FAULT_SIM:-card} state=${FAULT_STATE:-$JPKI_WORK/card.state}
    local log=$JPKI_WORK/sim.$sim.log
    stride=${JPKI_FAULT_STRIDE:-$([ "${JPKI_VALGRIND:-0}" = 1 ] && echo 5 || echo 1)}
    FAULT_COMPLETE=0
    while [ $n -le "$max" ]; do
        FAULT_LAST=$n
        cp "$tmpl" "$state"
        if [ "$how" = kill ]; then
            mark="holding the answer after $n APDUs"
            sim_start "$sim" "$rd" "$state" --hold-after "$n"
        else
            mark="card removed after $n APDUs"
            sim_start "$sim" "$rd" "$state" --remove-after "$n"
        fi || { nok "card inserted for the fault after $n APDUs"; return 1; }
        local hit=0
        if [ "$how" = kill ]; then
            fault_op "$n" & pid=$!
            while kill -0 "$pid" 2>/dev/null && ! grep -q "$mark" "$log"; do
                sleep 0.02
            done
            if grep -q "$mark" "$log"; then
                hit=1
                # fault_op's subshell and what it runs (jpki-renew)
                kill -KILL $(ps -o pid= --ppid "$pid") "$pid" 2>/dev/null
            fi
            wait "$pid"; rc=$?
            # The answer goes out to nobody: pcscd, which waits for it with
            # the reader locked, lets go of the card.
            sim_release "$sim"
            if [ $hit = 1 ]; then
                : > "$log"
                fault_after "$n" "$rc"
                fault_resume "$n"
            fi
            sim_stop "$sim"
            wait_card "$rd" absent
        else
            fault_op "$n"; rc=$?
            grep -q "$mark" "$log" 2>/dev/null && hit=1
            sim_wait_exit "$sim"
            grep -q "$mark" "$log" 2>/dev/null && hit=1
            # Reinserting before pcscd saw the reader empty would look to it
            # like the same card that never left (and fail its first APDU).
            wait_card "$rd" absent
        fi
        : > "$log"
        if [ "$rc" = 0 ] && [ $hit = 0 ]; then
            fault_done "$n"
            FAULT_COMPLETE=1
            return 0
        fi
        if [ "$how" = remove ]; then
            fault_after "$n" "$rc"
            if ! sim_start "$sim" "$rd" "$state"; then
                nok "card reinserted after the fault at $n"; return 1
            fi
            fault_resume "$n"
            sim_stop "$sim"
            wait_card "$rd" absent
        fi
        fault_done "$n"
        n=$((n + stride))
    done
}

# card_facts STATE: jpki-test-cardcheck's report of a state file, one
# "KEY=VALUE ..." line per PIN/key (see tests/tools/jpki-test-cardcheck.c).
card_facts() { jpki-test-cardcheck "$1"; }
# pin_tries FACTS NAME -> tries left of PIN NAME
pin_tries() { printf '%s\n' "$1" | awk -v p="$2" '$1 == "pin" && $2 == p { sub("tries=", "", $3); print $3 }'; }
# key_fact FACTS KIND FIELD -> value of FIELD (cert, pending, match, spki_sha256, ...)
key_fact() {
    printf '%s\n' "$1" | awk -v k="$2" -v f="$3" '$1 == "key" && $2 == k {
        for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }'
}
