# Helpers shared by t_reset_pin.sh and t_face_auth.sh (sourced; not a test:
# run-checks.sh only runs t_*.sh).  Needs lib.sh, the pinops-probe tool,
# and $S (the card's state file).

# The virtual card's sample holder and her initial PINs (jpki-card-sim(1)).
PERSONA=hanako
OLD_AUTH=1234

# secret_file NAME VALUE: a mode-0600 file holding VALUE; prints its path.
secret_file() {
    local f=$JPKI_WORK/$1
    (umask 077; printf '%s\n' "$2" > "$f")
    echo "$f"
}
# card_state: one line of mode, retry counters and key presence (no try spent;
# the issuance status needs the issuer session, hence the issuer key).
card_state() { pinops-probe -r 0 -k "$JPKI_WORK/issuer.key" state; }
# verify_pin NAME PIN: 0 verified, 1 wrong, 2 blocked/disabled, 3 error.
verify_pin() { printf '%s\n' "$2" | pinops-probe -r 0 verify "$1" >/dev/null; }

# on_terminal SCRIPT_TEXT CMD...: run CMD on a pseudo-terminal answering
# its prompts from SCRIPT_TEXT ("expect TEXT" / "send TEXT" lines, kept in
# a mode-0600 file, not argv); prints the terminal transcript.
on_terminal() {
    local script; script=$(secret_file pty.script "$1"); shift
    pinops-pty "$script" -- "$@"
}

# sim_reinsert [jpki-card-sim options...]: pull the card (if still in) and
# insert it again from $S.  pcscd needs about half a second after a card
# vanished in the middle of a transaction before it notices a new one on
# the same vpcd port, hence the pause (REINSERT_PAUSE=0 skips it after a
# clean stop) and the single retry.
sim_reinsert() {
    sim_stop card
    wait_card 0 absent || return 1
    sleep "${REINSERT_PAUSE:-1}"
    sim_start card 0 "$S" "$@" 2>/dev/null && return 0
    sim_stop card
    sleep 1
    sim_start card 0 "$S" "$@"
}

# removal_sweep AFTER CMD...: CMD (a card-changing command) is first run
# once with --trace on a copy of the card to count its APDUs (C); then for
# N = 1..C the card is reset to the copy, pulled after N answered APDUs
# while CMD runs, and inserted again.  Each outcome is classified:
#   unchanged  card_state is what it was before
#   changed    card_state is AFTER (and $SWEEP_CHECK, if set, succeeds)
#   half       anything else -- must never happen
# Also counts "exit 0 but unchanged" as half (a success that did nothing).
# Results in sweep_apdus, sweep_unchanged, sweep_changed, sweep_half.  The
# card is left as it was before the sweep.
removal_sweep() {
    local after=$1; shift
    local base=$JPKI_WORK/removal-base.state before n rc now
    before=$(card_state)
    sim_stop card
    cp "$S" "$base"
    sim_reinsert
    # Annotated trace lines of commands: "[READER] #N > ...".
    sweep_apdus=$("$@" --trace 2>&1 >/dev/null | grep -cE '^\[.*\] #[0-9]+ > ')
    sweep_unchanged=0; sweep_changed=0; sweep_half=0
    for n in $(seq 1 "$sweep_apdus"); do
        sim_stop card
        cp "$base" "$S"
        REINSERT_PAUSE=0 sim_reinsert --remove-after "$n"
        "$@" >/dev/null 2>&1; rc=$?
        sim_reinsert
        now=$(card_state)
        if [ "$now" = "$before" ]; then
            if [ $rc = 0 ]; then
                echo "  N=$n: exit 0 but the card is unchanged" >&2
                sweep_half=$((sweep_half + 1))
            else
                sweep_unchanged=$((sweep_unchanged + 1))
            fi
        elif [ "$now" = "$after" ] && { [ -z "${SWEEP_CHECK:-}" ] || eval "$SWEEP_CHECK"; }; then
            sweep_changed=$((sweep_changed + 1))
        else
            echo "  N=$n: half-changed card: $now (exit $rc)" >&2
            sweep_half=$((sweep_half + 1))
        fi
    done
    sim_stop card
    cp "$base" "$S"
    sim_reinsert
}

# The harness removes $JPKI_WORK (and the pid files in it) before its EXIT
# trap runs, so stop our card and pcscd ourselves before `finish`.
pinops_cleanup() {
    sim_stop card
    pcscd_stop
}
