# jpki-face-auth-switch on the virtual card through pcscd: both directions
# (mode, PIN states and signature key afterwards), already-in-mode, the
# confirmation rule, PIN formats and issuer keys refused with the card
# untouched, and a card pulled at every point of each switch.
# Sourced by tests/harness/isolated.sh.

S=$JPKI_WORK/card.state
K=$JPKI_WORK/issuer.key
# shellcheck source=pinops.sh
. tests/integration/pinops.sh

pcscd_start 1
make_card "$PERSONA" "$S"
sim_start card 0 "$S"

out=$(jpki-face-auth-switch --help); rc=$?
check "--help exits 0" [ $rc = 0 ]
check "--help documents the PIN order" contains "$out" "auth, sign, cardinfo, registry"
out=$(jpki-face-auth-switch --version); rc=$?
check "--version exits 0 and names the version" [ "$rc:$out" = "0:jpki-face-auth-switch (jpki-tools) 0.1.0" ]
expect_rc "no --to: exit 2" 2 jpki-face-auth-switch --issuer-key-file "$K" --yes
expect_rc "--to nonsense: exit 2" 2 jpki-face-auth-switch --to both --issuer-key-file "$K" --yes
expect_rc "--to face with --pin-fd: exit 2" 2 jpki-face-auth-switch --to face --pin-fd 0 --issuer-key-file "$K" --yes

s0=$(card_state)
check "fresh card is a PIN card with both keys" contains "$s0" "mode=pin auth=3 sign=5 cardinfo=3 registry=3 authkey=1 signkey=1"

# ---- refusals before the card is touched ----
out=$(setsid -w jpki-face-auth-switch -r 0 --to face --issuer-key-file "$K" </dev/null 2>&1); rc=$?
check "no terminal, no --yes: exit 2" [ $rc = 2 ]
check "no terminal, no --yes: says --yes" contains "$out" "--yes"
expect_rc "missing issuer key: exit 5" 5 jpki-face-auth-switch -r 0 --to face --yes
(umask 077; printf '%s\n' ffeeddccbbaa99887766554433221100 > "$JPKI_WORK/wrong.key")
out=$(jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$JPKI_WORK/wrong.key" 2>&1); rc=$?
check "wrong issuer key: exit 5" [ $rc = 5 ]
check "wrong issuer key: card untouched" [ "$(card_state)" = "$s0" ]
out=$(jpki-face-auth-switch -r 0 --to pin --yes --pin-fd 3 --issuer-key-file "$K" 3< <(printf '1111\nSIGNPW99\n3333\n4444\n') 2>&1); rc=$?
check "--to pin on a PIN card: exit 1" [ $rc = 1 ]
check "--to pin on a PIN card: says so" contains "$out" "already a PIN card"
check "already in mode: card untouched" [ "$(card_state)" = "$s0" ]

# ---- to face ----
out=$(jpki-face-auth-switch -r 0 --to face --yes --issuer-key-fd 3 3<"$K" 2>&1); rc=$?
check "--to face: exit 0" [ $rc = 0 ]
check "--to face shows the revocation before" contains "$out" "signature key and certificate are deleted"
check "--to face shows the PINs disabled" contains "$out" "disabled"
check "--to face reports the new mode" contains "$out" "Mode now: face-authentication card"
s1=$(card_state)
check "face mode: GET DATA says face" contains "$s1" "mode=face"
check "face mode: every PIN blocked/disabled" contains "$s1" "auth=blocked sign=blocked cardinfo=blocked registry=blocked"
check "face mode: signature key deleted" contains "$s1" "signkey=0"
check "face mode: signature certificate flag cleared" contains "$s1" "signflag=0"
check "face mode: authentication key kept" contains "$s1" "authkey=1"
expect_rc "face mode: old auth PIN refused as blocked/disabled" 2 verify_pin auth "$OLD_AUTH"

out=$(jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$K" 2>&1); rc=$?
check "--to face twice: exit 1" [ $rc = 1 ]
check "--to face twice: says so" contains "$out" "already a face-authentication card"
out=$(jpki-reset-pin -r 0 --pin-fd 3 --issuer-key-file "$K" auth 3< <(printf '1234\n') 2>&1); rc=$?
check "jpki-reset-pin refuses a face card: exit 1" [ $rc = 1 ]
check "jpki-reset-pin points to --to pin" contains "$out" "--to pin"
check "face card untouched by the refusals" [ "$(card_state)" = "$s1" ]

# ---- back to PINs: formats first ----
bad_pins() { # four lines
    jpki-face-auth-switch -r 0 --to pin --yes --pin-file "$(secret_file pins_bad "$1")" \
        --issuer-key-file "$K" >/dev/null 2>"$JPKI_WORK/err"
}
expect_rc "--to pin: bad auth PIN refused (exit 4)" 4 bad_pins $'123\nSIGNPW99\n3333\n4444'
expect_rc "--to pin: lower-case sign password refused" 4 bad_pins $'1111\nsignpw99\n3333\n4444'
expect_rc "--to pin: bad cardinfo PIN refused" 4 bad_pins $'1111\nSIGNPW99\n33a3\n4444'
expect_rc "--to pin: bad registry PIN refused" 4 bad_pins $'1111\nSIGNPW99\n3333\n44444'
expect_rc "--to pin: only three PINs refused" 4 bad_pins $'1111\nSIGNPW99\n3333'
check "--to pin refusal: one-line error" [ "$(wc -l < "$JPKI_WORK/err")" = 1 ]
check "--to pin refusals: card untouched" [ "$(card_state)" = "$s1" ]
chmod 0640 "$JPKI_WORK/pins_bad"
expect_rc "--to pin: group-readable PIN file refused (exit 2)" 2 \
    jpki-face-auth-switch -r 0 --to pin --yes --pin-file "$JPKI_WORK/pins_bad" --issuer-key-file "$K"

out=$(jpki-face-auth-switch -r 0 --to pin --yes --pin-file "$(secret_file pins $'2468\nBACK2PIN\n1357\n9753')" \
      --issuer-key-file "$K" 2>&1); rc=$?
check "--to pin: exit 0" [ $rc = 0 ]
check "--to pin: says the signature certificate stays absent" contains "$out" "jpki-renew --cert sign"
check "--to pin: reports the new mode" contains "$out" "Mode now: PIN card"
s2=$(card_state)
check "PIN mode again: GET DATA says pin, all tries full" contains "$s2" "mode=pin auth=3 sign=5 cardinfo=3 registry=3"
check "PIN mode again: no signature key until re-issued" contains "$s2" "signkey=0"
expect_rc "new auth PIN verifies" 0 verify_pin auth 2468
expect_rc "new sign password verifies" 0 verify_pin sign BACK2PIN
expect_rc "new cardinfo PIN verifies" 0 verify_pin cardinfo 1357
expect_rc "new registry PIN verifies" 0 verify_pin registry 9753

# ---- on a terminal: asked, declined, then confirmed; four PINs typed twice ----
out=$(on_terminal $'expect [yes/no]\nsend no' jpki-face-auth-switch -r 0 --to face --issuer-key-file "$K"); rc=$?
check "terminal: declined switch: exit 1" [ $rc = 1 ]
check "terminal: the changes are shown before the question" contains "$out" "Changes:"
check "terminal: declined switch leaves the card" [ "$(card_state)" = "$s2" ]
out=$(on_terminal $'expect [yes/no]\nsend yes' jpki-face-auth-switch -r 0 --to face --issuer-key-file "$K"); rc=$?
check "terminal: confirmed switch to face: exit 0" [ $rc = 0 ]
check "terminal: now a face card" contains "$(card_state)" "mode=face"
out=$(on_terminal $'expect New auth PIN\nsend 3141\nexpect again\nsend 3141
expect New sign password\nsend PIANO2718\nexpect again\nsend PIANO2718
expect New cardinfo PIN\nsend 2718\nexpect again\nsend 2718
expect New registry PIN\nsend 1618\nexpect again\nsend 1618
expect [yes/no]\nsend yes' jpki-face-auth-switch -r 0 --to pin --issuer-key-file "$K"); rc=$?
check "terminal: four PINs typed twice, switch to pin: exit 0" [ $rc = 0 ]
check "terminal: no PIN echoed" not_contains "$out" "PIANO2718"
expect_rc "terminal: typed sign password verifies" 0 verify_pin sign PIANO2718
expect_rc "terminal: typed registry PIN verifies" 0 verify_pin registry 1618

# ---- trace: the four PINs are redacted ----
jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$K" >/dev/null 2>&1
out=$(jpki-face-auth-switch -r 0 --trace --to pin --yes --pin-file "$(secret_file pins2 $'8024\nTRACE1234\n6024\n4024')" \
      --issuer-key-file "$K" 2>&1); rc=$?
check "--to pin with --trace: exit 0" [ $rc = 0 ]
check "trace shows ENABLE VERIFICATION REQUIREMENT" contains "$out" "ENABLE VERIFICATION"
flat=$(printf '%s' "$out" | tr -d ' ')
check "trace hides the sign password" not_contains "$flat" "545241434531323334"
check "trace hides the auth PIN" not_contains "$flat" "38303234"

# ---- the card pulled at every point of each switch ----
# A PIN card without signature key (from the trace round) to face mode...
s3=$(card_state)
check "sweep starts from a PIN card" contains "$s3" "mode=pin"
removal_sweep "mode=face auth=blocked sign=blocked cardinfo=blocked registry=blocked authkey=1 signkey=0 authflag=1 signflag=0" \
    jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$K"
check "--to face sends several APDUs ($sweep_apdus)" [ "$sweep_apdus" -ge 5 ]
check "--to face, card pulled: never half switched" [ "$sweep_half" = 0 ]
check "--to face, card pulled: some runs unchanged" [ "$sweep_unchanged" -gt 0 ]
check "--to face, card pulled: some runs fully switched" [ "$sweep_changed" -gt 0 ]

# ... and a face card back to PINs.
jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$K" >/dev/null 2>&1
check "sweep starts from a face card" contains "$(card_state)" "mode=face"
SWEEP_CHECK="verify_pin sign REMOVE42"
removal_sweep "mode=pin auth=3 sign=5 cardinfo=3 registry=3 authkey=1 signkey=0 authflag=1 signflag=0" \
    jpki-face-auth-switch -r 0 --to pin --yes --issuer-key-file "$K" \
    --pin-file "$(secret_file pins3 $'1212\nREMOVE42\n3434\n5656')"
SWEEP_CHECK=
check "--to pin sends several APDUs ($sweep_apdus)" [ "$sweep_apdus" -ge 5 ]
check "--to pin, card pulled: never half switched" [ "$sweep_half" = 0 ]
check "--to pin, card pulled: some runs unchanged" [ "$sweep_unchanged" -gt 0 ]
check "--to pin, card pulled: some runs fully switched" [ "$sweep_changed" -gt 0 ]

pinops_cleanup
finish
