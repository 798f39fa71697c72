# pcscd stopped and started again in the middle of a batch renewal
# (jpki-renew --batch, two cards in two readers, slow cards so the batch is
# surely under way): the batch reports the interruption (exit status not 0,
# one line per card), and the same command run again finishes every card
# from the journal -- no card renewed twice, both end with new certificates
# matching their keys, PIN counters untouched.

require_commands jpki-renew jpki-status

pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
make_card taro "$JPKI_WORK/taro.card"
KEY=$JPKI_WORK/issuer.key
J=$JPKI_WORK/journal
CA_CMD="jpki-ca issue --dir $JPKI_WORK/ca"
sim_start hanako 0 "$JPKI_WORK/hanako.card" --slow 40
sim_start taro 1 "$JPKI_WORK/taro.card" --slow 40
orig_h=$(card_facts "$JPKI_WORK/hanako.card")
orig_t=$(card_facts "$JPKI_WORK/taro.card")

jpki-status -a --json > "$JPKI_WORK/records"
check "records for both cards" test "$(grep -c . "$JPKI_WORK/records")" -ge 2
# the card's serial: the record's first "serial" (certificates have their own)
serial() { jpki-status -r "$1" --json | grep -o '"serial": *"[0-9]\{15\}"' | head -1 | tr -dc 0-9; }
{ printf '# serial auth sign\n'; printf '%s 1234 ABC123\n' "$(serial 0)" "$(serial 1)"; } > "$JPKI_WORK/pins"
chmod 600 "$JPKI_WORK/pins"

batch() {
    jpki-renew --batch --journal "$J" --pin-map "$JPKI_WORK/pins" --ca-cmd "$CA_CMD" \
        --issuer-key-file "$KEY" < "$JPKI_WORK/records" > "$JPKI_WORK/batch.out" 2> "$JPKI_WORK/batch.err"
}
batch & bpid=$!
# Let the batch get under way (a new key pending on some card), then pull
# pcscd from under it.
n=0
until jpki-test-cardcheck --journal "$J" 2>/dev/null | grep -q '^journal pending-key' || [ $n -gt 200 ]; do
    n=$((n + 1)); sleep 0.05
done
pcscd_stop
sleep 1
pcscd_start 1
wait $bpid; rc=$?
check "interrupted batch reports failure, not bad input (got $rc: $(tail -1 "$JPKI_WORK/batch.err"))" \
    test "$rc" != 0 -a "$rc" != 2
check "interrupted batch reports each card" test "$(grep -c '\[' "$JPKI_WORK/batch.out")" -ge 2
check "interrupted batch has a totals line" grep -q '^2 cards:' "$JPKI_WORK/batch.out"
sed 's/^/# interrupted: /' "$JPKI_WORK/batch.out"
check "interrupted batch names the failure (a card failed or was interrupted)" \
    grep -q 'FAILED\|interrupted' "$JPKI_WORK/batch.out"
wait_card 0 && wait_card 1

batch; rc=$?
check "rerun of the batch finishes (exit $rc: $(tail -1 "$JPKI_WORK/batch.err"))" test "$rc" = 0
sed 's/^/# /' "$JPKI_WORK/batch.out"
sim_stop hanako; sim_stop taro
for c in hanako taro; do
    f=$(card_facts "$JPKI_WORK/$c.card")
    if [ $c = hanako ]; then o=$orig_h; else o=$orig_t; fi
    for k in auth sign; do
        check "$c: $k renewed and matching" \
            test "$(key_fact "$f" $k spki_sha256)" != "$(key_fact "$o" $k spki_sha256)" -a "$(key_fact "$f" $k match)" = yes
        check "$c: nothing pending for $k" test "$(key_fact "$f" $k pending)" = no
    done
    check "$c: PIN counters untouched" test "$(pin_tries "$f" auth)$(pin_tries "$f" sign)" = 35
done
# Renewed exactly once per card and key: one activation each in the journal.
check "each card's keys activated once" \
    test "$(jpki-test-cardcheck --journal "$J" | grep -c '^journal activated')" = 4
finish
