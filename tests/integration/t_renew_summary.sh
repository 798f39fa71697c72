# jpki-renew --batch --summary-json through pcscd: one JSON object beside
# the text summary -- per card the reader, the expected and the read serial,
# per certificate kind renewed / skipped / failed / not-due with its exit
# code and reason, and totals -- written atomically, replaced by the next
# run.  Three readers: a PIN card whose record asks for the signature
# certificate only (auth not due), a face-authentication card
# (--identity-checked: auth renewed, sign skipped) and a card whose PIN-map
# entry is wrong (failed, exit 4).
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
make_card hanako "$W/h.card"; make_card taro "$W/t.card"; make_card ichiko "$W/i.card"
sim_start h 0 "$W/h.card"; sim_start t 1 "$W/t.card"; sim_start i 2 "$W/i.card"
jpki-face-auth-switch -r 1 --to face --yes "${IKEY[@]}" >/dev/null 2>&1
check "set-up: taro's card is a face card" test $? = 0
MAP=$(pins_file pins.map "$H 1234 ABC123" "$I 9999 ABC123")
jpki-status --all --json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("serial") == sys.argv[1]:
        r["renew"] = ["sign"]
    print(json.dumps(r))' "$H" > "$W/records.json"
check "records for three cards" test "$(grep -c serial "$W/records.json")" = 3
BATCH=(jpki-renew --batch --pin-map "$MAP" "${IKEY[@]}" --ca-cmd "$RENEW_CA")

expect_rc "--summary-json without --batch: exit 2" 2 jpki-renew -r 0 --summary-json "$W/x.json" "${IKEY[@]}" --ca-cmd "$RENEW_CA"
"${BATCH[@]}" --journal "$W/j" --identity-checked --summary-json "$W/s.json" < "$W/records.json" > "$W/out" 2>"$W/err"; rc=$?
sed 's/^/# /' "$W/out" "$W/err"
check "batch with a failing card: exit 6" test "$rc" = 6
check "the text summary is still printed" grep -q "^3 cards: 2 renewed, 0 skipped, 1 failed$" "$W/out"
check "summary written, mode 0644" test "$(stat -c %a "$W/s.json")" = 644
check "no temporary file left beside it" test "$(ls "$W" | grep -c '^s\.json')" = 1
sed 's/^/# /' "$W/s.json"
# jq-like checks in python: PATH=VALUE lines, each must hold
jcheck() { # NAME FILE PYTHON-EXPR...: every expression over the object j is true
    local n=$1 f=$2; shift 2
    check "$n" python3 -c 'import json,re,sys
j = json.load(open(sys.argv[1]))
c = {x["expected"]: x for x in j["cards"]}
for e in sys.argv[2:]:
    if not eval(e):
        print("  false: " + e, file=sys.stderr); sys.exit(1)' "$f" "$@"
}
jcheck "one object: version 1, the batch's exit code, three cards in input order" "$W/s.json" \
    'j["version"] == 1' 'j["exit"] == 6' 'len(j["cards"]) == 3' \
    '[x["expected"] for x in j["cards"]] == [l for l in ["'$H'","'$T'","'$I'"]]'
jcheck "hanako: sign renewed, auth not due" "$W/s.json" \
    'c["'$H'"]["serial"] == "'$H'"' 'c["'$H'"]["reader"].startswith("JPKI Test Reader")' \
    'c["'$H'"]["outcome"] == "renewed"' 'c["'$H'"]["exit"] == 0' \
    'c["'$H'"]["certs"]["sign"]["outcome"] == "renewed"' \
    'c["'$H'"]["certs"]["auth"]["outcome"] == "not-due"' 'c["'$H'"]["certs"]["auth"]["exit"] == 0'
jcheck "a renewed reason is machine text: English, the end in UTC (not the local date people read)" "$W/s.json" \
    're.fullmatch(r"renewed, certificate serial [0-9A-Fa-f]+, valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c["'$H'"]["certs"]["sign"]["reason"])'
jcheck "taro (face card): auth renewed, sign skipped with the reason" "$W/s.json" \
    'c["'$T'"]["face_card"] is True' 'c["'$T'"]["certs"]["auth"]["outcome"] == "renewed"' \
    'c["'$T'"]["certs"]["sign"]["outcome"] == "skipped"' \
    '"face-authentication" in c["'$T'"]["certs"]["sign"]["reason"]'
jcheck "ichiko: failed with exit 4 and the PIN named, per certificate too" "$W/s.json" \
    'c["'$I'"]["outcome"] == "failed"' 'c["'$I'"]["exit"] == 4' \
    '"wrong auth PIN" in c["'$I'"]["reason"]' \
    'c["'$I'"]["certs"]["auth"] == {"outcome": "failed", "exit": 4, "reason": c["'$I'"]["reason"]}' \
    'c["'$I'"]["certs"]["sign"]["outcome"] == "failed"' 'c["'$I'"]["resumable"] is False'
jcheck "totals" "$W/s.json" \
    'j["totals"] == {"cards": 3, "renewed": 2, "skipped": 0, "failed": 1, "certs": {"renewed": 2, "skipped": 1, "failed": 2, "not-due": 1}}'
check "stable: the keys in a fixed order" grep -q '^{"version":1,"exit":6,"cards":\[{"reader":"JPKI' "$W/s.json"

# ---- the next run replaces it: the journal skips what was done ----
"${BATCH[@]}" --journal "$W/j" --identity-checked --summary-json "$W/s.json" < "$W/records.json" > "$W/out2" 2>&1; rc=$?
sed 's/^/# /' "$W/s.json"
check "second run: exit 6 (ichiko's wrong PIN is not tried again)" test "$rc" = 6
jcheck "second run: done certificates skipped (journal), not renewed twice" "$W/s.json" \
    'c["'$H'"]["outcome"] == "skipped"' 'c["'$H'"]["certs"]["sign"]["outcome"] == "skipped"' \
    '"journal" in c["'$H'"]["certs"]["sign"]["reason"]' 'c["'$H'"]["certs"]["auth"]["outcome"] == "not-due"' \
    'c["'$T'"]["certs"]["auth"]["outcome"] == "skipped"' \
    'j["totals"]["certs"]["renewed"] == 0' 'j["totals"]["renewed"] == 0'

# ---- a face card in a batch without --identity-checked fails alone ----
# (a fresh journal: in the first one taro's auth is done, nothing to confirm;
# ichiko left out, so her wrong PIN is not tried again)
grep -v "$I" "$W/records.json" > "$W/records2.json"
"${BATCH[@]}" --journal "$W/j3" --summary-json "$W/s3.json" < "$W/records2.json" > "$W/out3" 2>&1; rc=$?
sed 's/^/# /' "$W/out3"
jcheck "no --identity-checked: the face card fails (exit 2) and says why" "$W/s3.json" \
    'c["'$T'"]["outcome"] == "failed"' 'c["'$T'"]["exit"] == 2' \
    '"--identity-checked" in c["'$T'"]["reason"]' 'c["'$T'"]["certs"]["sign"]["outcome"] == "skipped"'
out=$("${BATCH[@]}" --journal "$W/j" --identity-checked --summary-json "$W/nodir/s.json" < "$W/records.json" 2>&1)
check "a summary that cannot be written is reported" contains "$out" "--summary-json $W/nodir/s.json"
