# APDU traces against the virtual card through pcscd: the annotated --trace
# text, a CBOR session recorded with --trace-file, `jpki-apdu replay`
# printing it, and the replay transport reproducing the session (jpki-apdu
# and a library program reading certificates) without the card.  No PIN
# may appear in any of them: every output is searched for every PIN used.

pcscd_start 1
make_card hanako "$JPKI_WORK/card.state"
sim_start A 0 "$JPKI_WORK/card.state"
W=$JPKI_WORK
OLD_PW=ABC123          # the persona's sign password
NEW_PW=QJZX7W4K        # set below with CHANGE REFERENCE DATA
AUTH_PIN=1234

hex_of() { od -An -tx1 -v | tr -d ' \n'; }
# no_secret NAME FILE: none of the PINs, as bytes or as hex text (spaced or
# not, any case), is in FILE.
no_secret() {
    local name=$1 f=$2 bytes s h
    bytes=$(hex_of < "$f")
    for s in "$OLD_PW" "$NEW_PW"; do
        h=$(printf %s "$s" | hex_of)
        if grep -a -q -F "$s" "$f" || case $bytes in *"$h"*) true;; *) false;; esac ||
           grep -a -q -i -e "$h" -e "$(printf %s "$s" | od -An -tx1 | sed 's/^ //')" "$f"; then
            nok "$name: contains $s"; return
        fi
    done
    # The auth PIN is 4 digits, which certificates may contain by chance:
    # look for it where it would be, inside the VERIFY command.
    if case $bytes in *0020008004"$(printf %s "$AUTH_PIN" | hex_of)"*) true;; *) false;; esac ||
       grep -a -q -i -e "00 20 00 80 04 31 32 33 34" -e "0020008004313233" "$f"; then
        nok "$name: contains the auth PIN"; return
    fi
    ok "$name: no PIN"
}

cat > "$W/session.apdu" <<'EOF'
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 9000
00 A4 02 0C 02 00 1B = 9000
00 20 00 80 = 63C5
00 20 00 80 ${OLD} = 9000
00 24 01 80 ${NEW} = 9000
00 20 00 80 ${NEW} = 9000
00 A4 02 0C 02 00 01 = 9000
00 B0 00 00 04 = 3082xxxx 9000
00 A4 02 0C 02 00 18 = 9000
00 20 00 80 ${AUTH} = 9000
EOF

# ---- live session: annotated text trace and CBOR recording ----
jpki-apdu -r 0 -f "$W/session.apdu" --pin-fd 3 --trace --trace-file "$W/rec.cbor" \
    > "$W/live.out" 2> "$W/live.trace" 3<<EOF
$OLD_PW
$NEW_PW
$AUTH_PIN
EOF
rc=$?
check "recorded session exits 0" test "$rc" = 0
tr=$(cat "$W/live.trace")
sed 's/^/# /' "$W/live.trace" | head -30
check "trace numbers and annotates SELECT" contains "$tr" "#1 > SELECT application JPKI (AID D392F000260100000001)"
check "trace names the PIN EF" contains "$tr" "SELECT EF 001B (sign PIN) in JPKI"
check "trace shows the retry counter" contains "$tr" "63C5: retry counter, 5 tries left"
check "trace redacts VERIFY" contains "$tr" "VERIFY EF 001B (sign PIN) with PIN (6 bytes, redacted)"
check "trace shows redacted bytes" contains "$tr" "00 20 00 80 06 FF FF FF FF FF FF"
check "trace redacts CHANGE REFERENCE DATA" contains "$tr" "CHANGE REFERENCE DATA EF 001B (sign PIN): new PIN (8 bytes, redacted)"
check "trace follows the application for EF names" contains "$tr" "READ BINARY EF 0001 (sign cert), offset 0 | Le=4"
check "trace recognises the certificate" contains "$tr" "certificate DER"
check "trace times each APDU" contains "$tr" " ms"
check "trace shows transactions" contains "$tr" "-- transaction begin"
no_secret "text trace" "$W/live.trace"
no_secret "jpki-apdu output" "$W/live.out"
no_secret "CBOR trace" "$W/rec.cbor"
check "CBOR trace is private" test "$(stat -c %a "$W/rec.cbor")" = 600
check "CBOR trace holds the redacted VERIFY" contains "$(hex_of < "$W/rec.cbor")" "0020008004ffffffff"

# ---- the recording printed ----
jpki-apdu replay "$W/rec.cbor" > "$W/printed" 2>&1; rc=$?
check "replay printing exits 0" test "$rc" = 0
printed=$(cat "$W/printed")
check "printed header" contains "$printed" "# jpki-trace version 1, recorded by jpki-apdu"
check "printed session end" contains "$printed" "# end of session: 10 APDUs"
no_secret "printed recording" "$W/printed"
strip_ms() { sed 's/ | [0-9.]* ms$//'; }
if diff <(grep -v '^# ' "$W/printed" | strip_ms) <(strip_ms < "$W/live.trace") > "$W/diff"; then
    ok "printed recording reads like the live trace"
else
    nok "printed recording reads like the live trace"; sed 's/^/# /' "$W/diff" | head -20
fi

# ---- replay: the same script against the recording, other PINs of the same lengths ----
sim_stop A
wait_card 0 absent
jpki-apdu --replay "$W/rec.cbor" -f "$W/session.apdu" --pin-fd 3 > "$W/replay.out" \
    2> "$W/replay.err" 3<<'EOF'
XYZ789
AAAABBBB
0000
EOF
rc=$?
check "replayed session exits 0 without the card" test "$rc" = 0
check "replay prints what the card printed" cmp -s <(strip_ms < "$W/live.out") <(strip_ms < "$W/replay.out")
jpki-apdu --replay "$W/rec.cbor" -f "$W/session.apdu" --pin-fd 3 --trace > /dev/null \
    2> "$W/replay.trace" 3<<<"$(printf 'XYZ789\nAAAABBBB\n0000')"
check "replay can be traced" contains "$(cat "$W/replay.trace")" "#10 > VERIFY EF 0018 (auth PIN) with PIN (4 bytes, redacted)"

# Any command can replay through the common --reader option (replay:FILE).
jpki-apdu --reader "replay:$W/rec.cbor" -f "$W/session.apdu" --pin-fd 3 > "$W/replay2.out" \
    2>/dev/null 3<<<"$(printf 'XYZ789\nAAAABBBB\n0000')"
check "--reader replay:FILE reproduces the session" cmp -s <(strip_ms < "$W/live.out") <(strip_ms < "$W/replay2.out")

# A different command is reported with its index and where it differs.
sed 's/^00 A4 02 0C 02 00 01 = 9000$/00 A4 02 0C 02 00 02 = 9000/' "$W/session.apdu" > "$W/other.apdu"
out=$(jpki-apdu --replay "$W/rec.cbor" -f "$W/other.apdu" --pin-fd 3 -q 2>&1 \
      3<<<"$(printf 'XYZ789\nAAAABBBB\n0000')"); rc=$?
check "replay mismatch exits 1" test "$rc" = 1
check "replay mismatch names APDU and byte" contains "$out" "APDU #7 differs from the recording at byte 6"
# A PIN of another length differs at Lc.
out=$(jpki-apdu --replay "$W/rec.cbor" -f "$W/session.apdu" --pin-fd 3 -q 2>&1 \
      3<<<"$(printf 'XYZ7890\nAAAABBBB\n0000')"); rc=$?
check "replay with a longer PIN exits 1" test "$rc" = 1
check "replay with a longer PIN differs at Lc" contains "$out" "APDU #4 differs from the recording at byte 4"
not_contains "$out" "XYZ7890" && ok "mismatch message shows no PIN" || nok "mismatch message shows no PIN"
# Stopping early leaves recorded APDUs unsent; going on runs past the end.
head -3 "$W/session.apdu" > "$W/short.apdu"
out=$(jpki-apdu --replay "$W/rec.cbor" -f "$W/short.apdu" -q 2>&1); rc=$?
check "short replay exits 1" test "$rc" = 1
check "short replay says what was not sent" contains "$out" "7 of 10 recorded APDUs were not sent"
{ cat "$W/session.apdu"; echo "00 B0 00 00 01"; } > "$W/long.apdu"
out=$(jpki-apdu --replay "$W/rec.cbor" -f "$W/long.apdu" -q --pin-fd 3 2>&1 \
      3<<<"$(printf 'XYZ789\nAAAABBBB\n0000')"); rc=$?
check "long replay exits 1" test "$rc" = 1
check "long replay runs past the end" contains "$out" "APDU #11 (READ BINARY"

# ---- a library program reading certificates, recorded then replayed ----
sim_start A 0 "$JPKI_WORK/card.state"
jpki-test-replaycert -r 0 --pin-fd 3 --trace-file "$W/lib.cbor" > "$W/lib.live" 3<<<"$NEW_PW"
rc=$?
check "library program reads the card" test "$rc" = 0
check "library program read the sign cert" contains "$(cat "$W/lib.live")" "sign: "
sim_stop A
wait_card 0 absent
jpki-test-replaycert --replay "$W/lib.cbor" --pin-fd 3 > "$W/lib.replay" 3<<<"ZZZZZZZZ"
rc=$?
check "library program replays without the card" test "$rc" = 0
check "library program replay gives the same result" cmp -s "$W/lib.live" "$W/lib.replay"
no_secret "library CBOR trace" "$W/lib.cbor"

# ---- damaged recordings ----
size=$(stat -c %s "$W/rec.cbor")
head -c $((size - 5)) "$W/rec.cbor" > "$W/cut.cbor"
jpki-apdu replay "$W/cut.cbor" > "$W/cut.out" 2> "$W/cut.err"; rc=$?
check "truncated recording prints its prefix, exits 2" test "$rc" = 2
check "truncated recording prefix printed" contains "$(cat "$W/cut.out")" "#10 > VERIFY"
check "truncation reported in one line" test "$(wc -l < "$W/cut.err")" = 1
check "truncation explained" contains "$(cat "$W/cut.err")" "truncated"
expect_rc "replay transport refuses a truncated recording (exit 2)" 2 \
    jpki-apdu --replay "$W/cut.cbor" -q 00A4040C0AD392F000260100000001
printf '\x9a\x72\xff\xff\xff' > "$W/huge.cbor"
out=$(jpki-apdu replay "$W/huge.cbor" 2>&1); rc=$?
check "huge declared array exits 2" test "$rc" = 2
check "huge declared array explained" contains "$out" "expected a map"
printf 'hello\n' > "$W/text.cbor"
expect_rc "a text file is not a recording (exit 2)" 2 jpki-apdu replay "$W/text.cbor"
expect_rc "a missing recording exits 1" 1 jpki-apdu replay "$W/missing.cbor"

finish
