# Output that is safe at a counter and options and exit codes that mean
# what the README says:
#  - card/record text is terminal-safe in every tool (ESC, OSC, CSI as C1,
#    invalid UTF-8 shown as \HH; Japanese kept);
#  - PIN format messages count characters and name full-width digits;
#  - '-' in a PIN map skips that certificate (and says so);
#  - jpki-status --pin-file with a malformed password still prints the
#    status, with a one-line warning, exit 4;
#  - an option that takes a value given twice, or two output formats, is
#    refused (exit 2; jpki-expiry-check: 3, its "unknown");
#  - the exit-code table: issuer key missing/rejected 5, unreadable PIN
#    file or malformed input 2.
S=$JPKI_WORK/hanako.card
K=$JPKI_WORK/issuer.key
# shellcheck source=pinops.sh
. tests/integration/pinops.sh
. tests/integration/renew-helpers.sh
pcscd_start 1
H=900000000000001
make_card hanako "$S"
sim_start card 0 "$S"
s0=$(card_state)
W=$JPKI_WORK
# raw_ctl TEXT: does TEXT hold a control byte (C0 but tab/newline, DEL, C1 in
# UTF-8, or a lone 0x80-0x9F byte)?  Those must never reach a terminal.
raw_ctl() { printf '%s' "$1" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|(?<![\xc0-\xff])[\x80-\x9f]' ; }
safe() { ! raw_ctl "$1"; }

# ---- hostile text in records ----
jpki-status -r 0 --json --now 2099-01-01 > "$W/rec.json" 2>/dev/null
# an OSC title change, a clear screen, a C1 CSI and an invalid byte in the
# reader name; a Japanese name that must stay as it is
EVIL='\u001b]0;pwned\u0007\u001b[2J\u009b2J架空'
sed_text() { printf '%s' "$1" | sed 's/[\\&/]/\\&/g'; } # TEXT as a sed replacement
sed "s/\"reader\":\"[^\"]*\"/\"reader\":\"$(sed_text "$EVIL")\"/" "$W/rec.json" > "$W/evil.json"
check "the hostile record parses as a record" contains "$(cat "$W/evil.json")" 'pwned'
out=$(jpki-expiry-check --now 2099-01-01 < "$W/evil.json" 2>&1); rc=$?
printf '%s\n' "$out" | cat -v | sed 's/^/# /'
check "expiry-check: the record is reported (expired, exit 2)" [ $rc = 2 ]
check "expiry-check: no control character reaches the terminal" safe "$out"
check "expiry-check: the escapes are shown as \\HH" contains "$out" '\1B]0;pwned\07\1B[2J\C2\9B2J'
check "expiry-check: Japanese kept" contains "$out" "架空"
MAP=$(pins_file pins.map "$H 1234 ABC123")
out=$(jpki-renew --batch --journal "$W/e.j" --pin-map "$MAP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
      < "$W/evil.json" 2>&1); rc=$?
printf '%s\n' "$out" | cat -v | sed 's/^/# /'
check "renew --batch, hostile reader name: the card fails (exit 1)" [ $rc = 1 ]
check "renew --batch: no control character reaches the terminal" safe "$out"
check "renew --batch: the escapes are shown" contains "$out" '\1B]0;pwned\07'
# a hostile serial: summary line and error message
sed "s/\"serial\":\"$H\"/\"serial\":\"$(sed_text '\u001b]0;pw\u0007\u009b2J')\"/" "$W/rec.json" > "$W/evil-serial.json"
out=$(jpki-renew --batch --journal "$W/e2.j" --pin-map "$MAP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" \
      < "$W/evil-serial.json" 2>&1); rc=$?
printf '%s\n' "$out" | cat -v | sed 's/^/# /'
check "renew --batch, hostile serial: not exit 0" [ $rc != 0 ]
check "renew --batch, hostile serial: terminal-safe" safe "$out"
check "renew --batch, hostile serial: shown as \\HH" contains "$out" '\1B]0;pw\07\C2\9B2J'

check "renew --batch, hostile serial: card untouched" [ "$(card_state)" = "$s0" ]
out=$(jpki-status -r "$(printf 'x\033]0;pwned\007\302\2332J\233')" 2>&1); rc=$?
check "jpki-status, hostile reader spec: exit 3" [ $rc = 3 ]
check "jpki-status, hostile reader spec: terminal-safe" safe "$out"
check "jpki-status, hostile reader spec: shown as \\HH" contains "$out" '\1B]0;pwned\07\C2\9B2J\9B'
out=$(jpki-reset-pin -r "$(printf 'y\033[2J\302\233')" --pin-file "$(secret_file p1 1111)" --issuer-key-file "$K" registry 2>&1); rc=$?
check "reset-pin, hostile reader spec: exit 3, terminal-safe" [ "$rc" = 3 ] && safe "$out"

# ---- PIN formats in characters ----
printf '\357\274\221\357\274\222\357\274\223\357\274\224\n' > "$W/fw"; chmod 600 "$W/fw"   # １２３４
out=$(jpki-reset-pin -r 0 --pin-file "$W/fw" --issuer-key-file "$K" registry 2>&1); rc=$?
check "full-width 4-digit PIN: exit 4" [ $rc = 4 ]
check "full-width 4-digit PIN: counts 4 characters" contains "$out" "got 4 characters"
check "full-width 4-digit PIN: says half-width" contains "$out" "half-width"
printf '\357\274\241\357\274\242\357\274\243123\n' > "$W/fwpw"; chmod 600 "$W/fwpw"   # ＡＢＣ123
out=$(jpki-status -r 0 --pin-file "$W/fwpw" --json 2>"$W/err"); rc=$?
check "full-width sign password: exit 4" [ $rc = 4 ]
check "full-width sign password: 6 characters counted" contains "$(cat "$W/err")" "got 6 characters"
check "malformed password: one-line warning" [ "$(wc -l < "$W/err")" = 1 ]
check "malformed password: says warning" contains "$(cat "$W/err")" "warning"
check "malformed password: the rest of the status is printed" contains "$out" "\"serial\":\"$H\""
check "malformed password: PIN counters printed" contains "$out" '{"pin":"sign","tries_left":5,"max":5,"blocked":false}'
check "PIN format refusals: card untouched" [ "$(card_state)" = "$s0" ]

# ---- '-' in the PIN map skips that certificate ----
jpki-status -r 0 --cbor --now 2099-01-01 2>/dev/null | jpki-expiry-check --filter --now 2099-01-01 > "$W/due.cbor" 2>/dev/null
AMAP=$(pins_file auth.map "$H 1234 -")
out=$(jpki-renew --batch --journal "$W/d.j" --pin-map "$AMAP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" < "$W/due.cbor" 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "'-' for the sign password: exit 0" [ $rc = 0 ]
check "'-' for the sign password: auth renewed" contains "$out" "renewed: auth;"
check "'-' for the sign password: says sign is not renewed" contains "$out" "not renewed: sign ('-' in the PIN map)"
check "'-' for the sign password: no try spent" contains "$(card_state)" "sign=5"

# ---- options given twice, conflicting formats ----
conflict() { # WANT DESCRIPTION CMD...
    local want=$1 what=$2; shift 2
    local o r; o=$("$@" 2>&1 </dev/null); r=$?
    check "$what: exit $want" [ "$r" = "$want" ]
    check "$what: one line" [ "$(printf '%s\n' "$o" | wc -l)" = 1 ]
}
conflict 2 "jpki-status --json --cbor" jpki-status -r 0 --json --cbor
conflict 2 "jpki-status -r twice" jpki-status -r 0 --reader 0
conflict 2 "jpki-status --all with -r" jpki-status --all -r 0
conflict 2 "jpki-status --pin-file twice" jpki-status -r 0 --pin-file "$W/fw" --pin-file "$W/fw"
conflict 2 "jpki-face-auth-switch --to twice" jpki-face-auth-switch -r 0 --to face --to pin --yes --issuer-key-file "$K"
conflict 2 "jpki-reset-pin --pin-file twice" jpki-reset-pin -r 0 --pin-file "$W/fw" --pin-file "$W/fw" --issuer-key-file "$K" registry
conflict 2 "jpki-reset-pin --issuer-key-file twice" jpki-reset-pin -r 0 --issuer-key-file "$K" --issuer-key-file "$K" registry
conflict 2 "jpki-renew --cert twice" jpki-renew -r 0 --cert auth --cert sign "${IKEY[@]}" --ca-cmd true
conflict 2 "jpki-renew --journal twice" jpki-renew -r 0 --journal "$W/ja" --journal "$W/jb" "${IKEY[@]}" --ca-cmd true
conflict 2 "jpki-apdu --hex --quiet" jpki-apdu -r 0 --hex --quiet 00A4040C
conflict 2 "jpki-apdu --file twice" jpki-apdu -r 0 -f "$W/fa" -f "$W/fb"
conflict 3 "jpki-expiry-check --within twice" jpki-expiry-check -r 0 --within 1d --within 2d
check "conflicts: card untouched" [ "$(card_state)" = "$s0" ]

# ---- exit codes of the README ----
printf 'not a key\n' > "$W/bad.key"; chmod 600 "$W/bad.key"
printf '00112233445566778899AABBCCDDEEFF\n' > "$W/wrong.key"; chmod 600 "$W/wrong.key"
P1=$(secret_file p_ok 1470)
expect_rc "reset-pin: no issuer key: 5" 5 jpki-reset-pin -r 0 --pin-file "$P1" registry
expect_rc "reset-pin: malformed issuer key file: 5" 5 jpki-reset-pin -r 0 --pin-file "$P1" --issuer-key-file "$W/bad.key" registry
expect_rc "reset-pin: issuer key rejected by the card: 5" 5 jpki-reset-pin -r 0 --pin-file "$P1" --issuer-key-file "$W/wrong.key" registry
expect_rc "reset-pin: unreadable PIN file: 2" 2 jpki-reset-pin -r 0 --pin-file "$W/nope" --issuer-key-file "$K" registry
expect_rc "face-auth-switch: no issuer key: 5" 5 jpki-face-auth-switch -r 0 --to face --yes
expect_rc "face-auth-switch: issuer key rejected: 5" 5 jpki-face-auth-switch -r 0 --to face --yes --issuer-key-file "$W/wrong.key"
expect_rc "renew: no issuer key: 5" 5 jpki-renew -r 0 --cert auth --pin-file "$P1" --ca-cmd true
expect_rc "renew: malformed issuer key: 5" 5 jpki-renew -r 0 --cert auth --pin-file "$P1" --issuer-key-file "$W/bad.key" --ca-cmd true
expect_rc "renew: issuer key rejected: 5" 5 jpki-renew -r 0 --cert auth --pin-file "$(pins_file pa 1234)" --issuer-key-file "$W/wrong.key" --ca-cmd "$RENEW_CA"
expect_rc "renew: unreadable PIN file: 2" 2 jpki-renew -r 0 --cert auth --pin-file "$W/nope" "${IKEY[@]}" --ca-cmd true
expect_rc "renew --batch: unreadable PIN map: 2" 2 jpki-renew --batch --journal "$W/x.j" --pin-map "$W/nope" "${IKEY[@]}" --ca-cmd true </dev/null
printf 'garbage line\n' > "$W/bad.map"; chmod 600 "$W/bad.map"
expect_rc "renew --batch: malformed PIN map: 2" 2 jpki-renew --batch --journal "$W/x.j" --pin-map "$W/bad.map" "${IKEY[@]}" --ca-cmd true </dev/null
expect_rc "renew --batch: malformed records: 2" 2 sh -c "echo 'not a record' | jpki-renew --batch --journal '$W/x.j' --pin-map '$MAP' ${IKEY[*]} --ca-cmd true"
expect_rc "status: unreadable PIN file: 2" 2 jpki-status -r 0 --pin-file "$W/nope"
expect_rc "status: unreadable PIN map: 2" 2 jpki-status -r 0 --pin-map "$W/nope"
expect_rc "apdu: unreadable PIN file: 2" 2 jpki-apdu -r 0 --pin-file "$W/nope" '00 20 00 80 ${PIN}'
check "exit-code table: card untouched" [ "$(card_state | sed 's/sign=[0-9]*//')" = "$(printf '%s' "$s0" | sed 's/sign=[0-9]*//')" ]
pinops_cleanup
finish
