# The counter knows which card it changes, and says at once when a reader is
# busy.  Two cards (hanako in reader 0, taro in reader 2):
#  - commands that change a card refuse to guess without -r (exit 2, one
#    line naming the readers), jpki-status still shows the first card;
#  - -r "" is refused by every command (it used to mean "the default");
#  - the confirmation questions name the card serial and the reader;
#  - a batch record naming one card while the reader holds another says
#    both serials;
#  - a reader held by another program: "reader busy (held by another
#    program)" within about a second, exit 3, card untouched;
#  - a holder typing PINs at jpki-renew's prompt does not hold the reader:
#    another tool reads the same card meanwhile.
S=$JPKI_WORK/hanako.card
K=$JPKI_WORK/issuer.key
# shellcheck source=pinops.sh
. tests/integration/pinops.sh
. tests/integration/renew-helpers.sh
pcscd_start 2
RA="JPKI Test Reader A 00 00"; RB="JPKI Test Reader B 00 00"
H=900000000000001; T=900000000000002
make_card hanako "$S"
make_card taro "$JPKI_WORK/taro.card"
sim_start card 0 "$S"
sim_start taro 2 "$JPKI_WORK/taro.card"
PF=$(secret_file p_reg 0071)
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" = 1 ]; }

# ---- several cards, no reader named ----
s0=$(card_state)
out=$(jpki-reset-pin --pin-file "$PF" --issuer-key-file "$K" registry 2>&1); rc=$?
check "reset-pin, two cards, no -r: exit 2" [ $rc = 2 ]
check "reset-pin, two cards: one line" one_line "$out"
check "reset-pin, two cards: names both readers" contains "$out" "'$RA', '$RB'"
check "reset-pin, two cards: says -r" contains "$out" "-r/--reader"
check "reset-pin, two cards: card untouched" [ "$(card_state)" = "$s0" ]
out=$(jpki-face-auth-switch --to face --yes --issuer-key-file "$K" 2>&1); rc=$?
check "face-auth-switch, two cards, no -r: exit 2" [ $rc = 2 ]
check "face-auth-switch, two cards: names both readers" contains "$out" "2 cards present"
out=$(jpki-renew --cert auth --pin-file "$(pins_file pa 1234)" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "renew, two cards, no -r: exit 2" [ $rc = 2 ]
check "renew, two cards: names both readers" contains "$out" "'$RA', '$RB'"
check "no card changed" [ "$(card_state)" = "$s0" ]
out=$(jpki-status --json 2>&1); rc=$?
check "jpki-status, two cards, no -r: still shows the first (exit 0)" [ $rc = 0 ]
check "jpki-status, two cards: the first card" contains "$out" "\"serial\":\"$H\""
out=$(JPKI_READER=2 jpki-reset-pin --pin-file "$PF" --issuer-key-file "$K" registry 2>&1); rc=$?
check "\$JPKI_READER names the reader: no refusal (exit 0)" [ $rc = 0 ]
check "... and the card it changed is named" contains "$out" "card $T (reader '$RB')"

# ---- -r "" everywhere ----
for cmd in "jpki-status" "jpki-expiry-check" "jpki-apdu 00A4040C" \
           "jpki-reset-pin --issuer-key-file $K registry" \
           "jpki-face-auth-switch --to face --yes --issuer-key-file $K" \
           "jpki-renew --cert auth ${IKEY[*]} --ca-cmd true"; do
    # shellcheck disable=SC2086
    out=$(jpki-${cmd#jpki-} -r "" 2>&1 </dev/null); rc=$?
    want=2; [ "${cmd%% *}" = jpki-expiry-check ] && want=3 # its "unknown"; 2 is "expired"
    check "${cmd%% *} -r \"\": exit $want" [ $rc = $want ]
    check "${cmd%% *} -r \"\": says the name is empty" contains "$out" "empty reader name"
done
out=$(jpki-status --reader= 2>&1); rc=$?
check "jpki-status --reader= : exit 2" [ $rc = 2 ]

# ---- the questions name the card ----
out=$(on_terminal $'expect [yes/no]\nsend no' jpki-reset-pin -r 0 --pin-file "$(secret_file p_sign NEWSIGN2025)" \
      --issuer-key-file "$K" sign); rc=$?
check "sign reset declined: exit 1" [ $rc = 1 ]
check "sign reset question names serial and reader" \
    contains "$out" "signature key and certificate of card $H (reader '$RA') and set"
out=$(on_terminal $'expect [yes/no]\nsend no' jpki-face-auth-switch -r 0 --to face --issuer-key-file "$K"); rc=$?
check "face switch declined: exit 1" [ $rc = 1 ]
check "face switch question names serial and reader" \
    contains "$out" "Switch card $H (reader '$RA') to face authentication? [yes/no]"
check "declined questions: card untouched" [ "$(card_state)" = "$s0" ]
# while the question stands the reader is free for other programs
rm -f "$JPKI_WORK/at_q" "$JPKI_WORK/q_done"
on_terminal "expect [yes/no]
touch $JPKI_WORK/at_q
waitfile $JPKI_WORK/q_done
send yes" jpki-reset-pin -r 0 --pin-file "$JPKI_WORK/p_sign" --issuer-key-file "$K" sign > "$JPKI_WORK/q.out" &
qpty=$!
n=0; until [ -e "$JPKI_WORK/at_q" ] || [ $n -gt 200 ]; do sleep 0.05; n=$((n + 1)); done
out=$(timeout 5 jpki-status -r 0 --json 2>&1); rc=$?
touch "$JPKI_WORK/q_done"
check "the sign-reset question stands" [ -e "$JPKI_WORK/at_q" ]
check "meanwhile another tool reads the card (exit $rc)" [ $rc = 0 ]
check "... and sees it whole" contains "$out" "\"serial\":\"$H\""
wait $qpty; rc=$?
check "after yes the sign password is reset (exit $rc)" [ $rc = 0 ]
check "... the card says so" contains "$(cat "$JPKI_WORK/q.out")" "reset to the new PIN"
check "... and the signature key is gone" contains "$(card_state)" "signkey=0"
s0=$(card_state)

# ---- a record naming another card than the one in the reader ----
jpki-status -r 2 --cbor > "$JPKI_WORK/taro.rec" 2>/dev/null
# the record says reader A holds taro's card; reader A holds hanako's
jpki-status -r 2 --json 2>/dev/null | sed "s/\"reader\":\"$RB\"/\"reader\":\"$RA\"/" > "$JPKI_WORK/moved.json"
MAP=$(pins_file pins.map "$H 1234 ABC123" "$T 1234 ABC123")
out=$(jpki-renew --batch --journal "$JPKI_WORK/b.j" --pin-map "$MAP" "${IKEY[@]}" \
      --ca-cmd "$RENEW_CA" < "$JPKI_WORK/moved.json" 2>&1); rc=$?
check "batch, record names another card: not exit 0" [ $rc != 0 ]
check "batch, wrong card: expected and found serials" contains "$out" "expected card $T (from the record), found card $H"
check "batch, wrong card: card untouched" [ "$(card_state)" = "$s0" ]

# ---- a reader another program holds ----
/usr/bin/python3 tests/probes/hold_reader.py 0 6 "$JPKI_WORK/held" &
holder=$!
n=0; until [ -e "$JPKI_WORK/held" ] || [ $n -gt 100 ]; do sleep 0.05; n=$((n + 1)); done
t0=$EPOCHREALTIME
out=$(timeout 5 jpki-status -r 0 2>&1); rc=$?
ms=$(( ($(date +%s%N) / 1000000) - ${t0/./} / 1000 ))
check "busy reader: jpki-status exit 3" [ $rc = 3 ]
check "busy reader: says so" contains "$out" "reader busy (held by another program)"
check "busy reader: answered within 2 s (${ms} ms)" [ "$ms" -lt 2000 ]
t0=$EPOCHREALTIME
out=$(timeout 5 jpki-reset-pin -r 0 --pin-file "$PF" --issuer-key-file "$K" registry 2>&1); rc=$?
ms=$(( ($(date +%s%N) / 1000000) - ${t0/./} / 1000 ))
check "busy reader: jpki-reset-pin exit 3 (${ms} ms)" [ "$rc:$((ms < 2000))" = 3:1 ]
check "busy reader: jpki-reset-pin says so" contains "$out" "reader busy (held by another program)"
out=$(JPKI_BUSY_WAIT=10 timeout 15 jpki-status -r 0 --json 2>&1); rc=$?
check "JPKI_BUSY_WAIT=10 waits the holder out (exit 0)" [ $rc = 0 ]
wait $holder
check "busy reader: card untouched" [ "$(card_state)" = "$s0" ]

# ---- PINs are asked before the card is taken ----
rm -f "$JPKI_WORK/at_prompt" "$JPKI_WORK/read_done"
on_terminal "expect Authentication PIN
touch $JPKI_WORK/at_prompt
waitfile $JPKI_WORK/read_done
send 1234" jpki-renew -r 0 --cert auth "${IKEY[@]}" --ca-cmd "$RENEW_CA" > "$JPKI_WORK/pty.out" &
pty=$!
n=0; until [ -e "$JPKI_WORK/at_prompt" ] || [ $n -gt 200 ]; do sleep 0.05; n=$((n + 1)); done
t0=$EPOCHREALTIME
out=$(timeout 5 jpki-status -r 0 --json 2>&1); rc=$?
ms=$(( ($(date +%s%N) / 1000000) - ${t0/./} / 1000 ))
touch "$JPKI_WORK/read_done"
check "jpki-renew asks for the auth PIN on the terminal" [ -e "$JPKI_WORK/at_prompt" ]
check "renew waiting at the PIN prompt: another tool reads the card (exit $rc, ${ms} ms)" [ $rc = 0 ]
check "... and its status record is complete" contains "$out" "\"serial\":\"$H\""
wait $pty; rc=$?
check "the renewal then goes on with the typed PIN (exit $rc)" [ $rc = 0 ]
tr -d '\033\r' < "$JPKI_WORK/pty.out" | sed 's/^/# pty: /'
check "the renewal renewed auth" contains "$(cat "$JPKI_WORK/pty.out")" "auth: renewed"
pinops_cleanup
finish
