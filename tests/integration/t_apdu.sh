# jpki-apdu against the virtual card through pcscd: hex arguments, scripts
# with expectations (met, failed, --keep-going), ${PIN} placeholders from
# --pin-fd / --pin-file, refusal of literal PINs, 1-byte and malformed
# APDUs, --hex output, reader listing and a missing card.

pcscd_start 1
make_card hanako "$JPKI_WORK/card.state"
sim_start A 0 "$JPKI_WORK/card.state"
W=$JPKI_WORK

out=$(jpki-apdu --list-readers); rc=$?
check "list-readers exits 0" test "$rc" = 0
check "list-readers shows reader 0" contains "$out" "0: JPKI Test Reader A"

# One APDU from the command line, colons and spaces allowed, annotated.
out=$(jpki-apdu -r 0 '00:A4:04:0C:0A D392F000260100000001' 2>&1); rc=$?
check "argv APDU exits 0" test "$rc" = 0
check "argv APDU annotated" contains "$out" "SELECT application JPKI (AID D392F000260100000001)"
check "argv APDU answer" contains "$out" "9000: success"

# A script with expectations that hold, inline and on '<' lines.
cat > "$W/ok.apdu" <<'EOF'
# Select JPKI and look at the auth certificate and the PIN counter.
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 9000
00 A4 02 0C 02 00 0A
< 90 00
00 B0 00 00 04 = 3082xxxx 9000        # DER header of the certificate
00 A4 02 0C 02 00 08 = 9000
00 B0 00 00 03
< 8F 8F 00 90 00
00A4020C020018 = 9000
00 20 00 80 = 63Cx                     # retry counter: spends no try
00 B0 00 00 02 = 6986 | 6981 | 69xx    # not a readable EF
reset
00 B0 00 00 01 = 69xx | 6Axx           # nothing selected after the reset
EOF
out=$(jpki-apdu -r 0 -f "$W/ok.apdu" 2>&1); rc=$?
echo "$out" | sed 's/^/# /' | head -40
check "script with met expectations exits 0" test "$rc" = 0
check "script annotates READ BINARY with the EF" contains "$out" "READ BINARY EF 000A (auth cert), offset 0"
check "script names the certificate" contains "$out" "certificate DER"
check "script decodes the flags" contains "$out" "auth cert present, sign cert present"
check "script decodes the retry counter" contains "$out" "63C3: retry counter, 3 tries left"
check "reset is shown" contains "$out" "-- card reset"

# The same script on stdin, machine output.
out=$(jpki-apdu -r 0 --hex < "$W/ok.apdu"); rc=$?
check "stdin script exits 0" test "$rc" = 0
check "--hex prints one line per APDU" test "$(printf '%s\n' "$out" | wc -l)" = 9
check "--hex line is DATA SW" test "$(printf '%s\n' "$out" | sed -n 5p)" = "8F8F00 9000"

# A failed expectation stops the script with exit 1; later lines are not sent.
cat > "$W/fail.apdu" <<'EOF'
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 9000
00 A4 02 0C 02 00 0A = 6A82
00 B0 00 00 04 = 9000
EOF
out=$(jpki-apdu -r 0 --hex -f "$W/fail.apdu" 2>"$W/err"); rc=$?
err=$(cat "$W/err")
check "failed expectation exits 1" test "$rc" = 1
check "failed expectation names the line" contains "$err" "fail.apdu:2: expected 6A82, got 9000: success"
check "failed expectation is one line" test "$(wc -l < "$W/err")" = 1
check "nothing sent after the failure" test "$(printf '%s\n' "$out" | wc -l)" = 2
out=$(jpki-apdu -r 0 --hex -k -f "$W/fail.apdu" 2>/dev/null); rc=$?
check "--keep-going still exits 1" test "$rc" = 1
check "--keep-going sends the rest" test "$(printf '%s\n' "$out" | wc -l)" = 3

# PINs: literal PIN bytes are refused before anything is sent ...
out=$(jpki-apdu -r 0 '00 20 00 80 04 31 32 33 34' 2>&1); rc=$?
check "literal PIN on argv exits 2" test "$rc" = 2
check "literal PIN refusal explained" contains "$out" "literal PIN bytes refused"
printf '00 A4 04 0C 0A D392F000260100000001\n00 20 00 80 04 31323334\n' > "$W/lit.apdu"
expect_rc "literal PIN in a script exits 2" 2 jpki-apdu -r 0 -q -f "$W/lit.apdu"
out=$(jpki-apdu -r 0 '00 A4 04 0C ${PIN}' 2>&1 </dev/null); rc=$?
check "placeholder outside PIN data exits 2" test "$rc" = 2
check "placeholder outside PIN data explained" contains "$out" "would appear in traces"
# ... and did not reach the card: the counter is still full.
out=$(jpki-apdu -r 0 --hex 00A4040C0AD392F000260100000001 00A4020C020018 00200080)
check "no PIN try spent by refused commands" test "$(printf '%s\n' "$out" | tail -1)" = 63C3

cat > "$W/pin.apdu" <<'EOF'
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 = 9000
00 A4 02 0C 02 00 18 = 9000
00 20 00 80 ${PIN} = 9000
EOF
out=$(jpki-apdu -r 0 -f "$W/pin.apdu" --pin-fd 3 3<<<"1234" 2>&1); rc=$?
check "PIN from --pin-fd verifies" test "$rc" = 0
check "PIN shown redacted" contains "$out" "00 20 00 80 04 FF FF FF FF"
not_contains "$out" "31 32 33 34" && ok "PIN bytes not printed" || nok "PIN bytes not printed"
printf '1234\n' > "$W/pin.txt"; chmod 644 "$W/pin.txt"
out=$(jpki-apdu -r 0 -q -f "$W/pin.apdu" --pin-file "$W/pin.txt" 2>&1); rc=$?
check "world-readable --pin-file refused with exit 2" test "$rc" = 2
check "--pin-file refusal names the mode" contains "$out" "mode 0644"
chmod 600 "$W/pin.txt"
expect_rc "private --pin-file verifies" 0 jpki-apdu -r 0 -q -f "$W/pin.apdu" --pin-file "$W/pin.txt"
out=$(jpki-apdu -r 0 -f "$W/pin.apdu" --pin-fd 3 3<<<"9999" 2>&1); rc=$?
check "wrong PIN fails the expectation" test "$rc" = 1
check "wrong PIN reported" contains "$out" "got 63C2"
expect_rc "right PIN restores the counter" 0 jpki-apdu -r 0 -q -f "$W/pin.apdu" --pin-fd 3 3<<<"1234"

# Commands that would hang vpcd or make no sense are refused with one line.
out=$(jpki-apdu -r 0 00 2>&1); rc=$?
check "1-byte APDU exits 2" test "$rc" = 2
check "1-byte APDU explained" contains "$out" "1-byte APDU refused"
check "1-byte APDU error is one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
out=$(jpki-apdu -r 0 00A4040 2>&1); rc=$?
check "odd hex exits 2" test "$rc" = 2
check "odd hex explained" contains "$out" "odd number of hex digits"
out=$(jpki-apdu -r 0 00G4 2>&1); rc=$?
check "non-hex exits 2" test "$rc" = 2
out=$(jpki-apdu -r 0 00B000000501 2>&1); rc=$?
check "bad Lc exits 2" test "$rc" = 2
check "bad Lc explained" contains "$out" "malformed APDU (Lc 5 does not match 2 body bytes)"
printf '00 A4 04 0C 0A D392F000260100000001\n< 90 0\n' > "$W/badexp.apdu"
out=$(jpki-apdu -r 0 -f "$W/badexp.apdu" 2>&1); rc=$?
check "bad expectation exits 2 before sending" test "$rc" = 2
check "bad expectation named" contains "$out" "badexp.apdu:2"
# The reader still answers after all that (nothing hung).
expect_rc "reader still works" 0 jpki-apdu -r 0 -q '00A4040C0AD392F000260100000001 = 9000'

out=$(jpki-apdu -r 1 00A4040C0AD392F000260100000001 2>&1); rc=$?
check "empty reader exits 3" test "$rc" = 3
expect_rc "--help exits 0" 0 sh -c 'jpki-apdu --help > /dev/null'
expect_rc "empty script exits 2" 2 jpki-apdu -r 0 -f /dev/null

finish
