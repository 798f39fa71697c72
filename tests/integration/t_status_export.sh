# jpki-status --export and --holder through pcscd + vpcd: the exported
# certificates are the ones the test CA issued (openssl verify against the
# CA certificate, fingerprint equal to what OpenSC's jpki driver reads and
# to the CA files), PEM and DER round-trip, the signature certificate only
# after its password and never with one try left, the holder's four items
# under a Japanese name after the card-info PIN, never its last try.
# (openssl verify -no_check_time: the personas' certificates carry their
# sample notice's dates, long past.)
pcscd_start 1
W=$JPKI_WORK
make_card hanako "$W/hanako.card"
sim_start hanako 0 "$W/hanako.card"
fp() { openssl x509 -noout -fingerprint -sha256 "$@" 2>/dev/null; }
counters() { jpki-test-readcert -r 0 --pin-status; }
SEL_CARDINFO="00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"
wrong_cardinfo() {
    opensc-tool -r 0 -c jpki -s "$SEL_CARDINFO" -s "00 A4 02 0C 02 00 11" \
        -s "00 20 00 80 04 30 30 30 30" >/dev/null 2>&1
}

# ---- certificates without a PIN ----
jpki-status -r 0 --export auth > "$W/auth.pem"; rc=$?
check "--export auth exits 0" test "$rc" = 0
check "--export auth writes one PEM certificate" test "$(grep -c 'BEGIN CERTIFICATE' "$W/auth.pem")" = 1
check "the auth certificate was issued by the test CA" \
    openssl verify -no_check_time -CAfile "$W/ca/auth-ca.crt" "$W/auth.pem"
pkcs15-tool -r 0 --read-certificate 01 -o "$W/opensc-auth.pem" >/dev/null 2>&1
check "... and is what OpenSC's jpki driver reads (fingerprint)" \
    test "$(fp -in "$W/auth.pem")" = "$(fp -in "$W/opensc-auth.pem")"
check "... a fingerprint at all" test -n "$(fp -in "$W/auth.pem")"
jpki-status -r 0 --export auth --der > "$W/auth.der"
check "--der writes DER" test "$(head -c1 "$W/auth.der" | od -An -tx1 | tr -d ' ')" = 30
check "DER round trip: the same certificate as the PEM" \
    test "$(openssl x509 -inform DER -in "$W/auth.der" -outform PEM)" = "$(openssl x509 -in "$W/auth.pem")"
jpki-status -r 0 --export auth-ca > "$W/auth-ca.pem"
check "--export auth-ca is the test CA's certificate" \
    test "$(fp -in "$W/auth-ca.pem")" = "$(fp -in "$W/ca/auth-ca.crt")"
jpki-status -r 0 --export sign-ca --pem > "$W/sign-ca.pem"
check "--export sign-ca --pem is the signature CA's certificate" \
    test "$(fp -in "$W/sign-ca.pem")" = "$(fp -in "$W/ca/sign-ca.crt")"
expect_rc "--export with an unknown kind is a usage error" 2 jpki-status -r 0 --export foo
expect_rc "--export auth with a PIN source is refused" 2 jpki-status -r 0 --export auth --pin-fd 0
expect_rc "--export with --all is refused" 2 jpki-status --all --export auth
expect_rc "--export with --json is refused" 2 jpki-status -r 0 --export auth --json
expect_rc "--pem without --export is refused" 2 jpki-status -r 0 --pem
expect_rc "--export and --holder together are refused" 2 jpki-status -r 0 --export auth --holder

# ---- the signature certificate ----
before=$(counters)
echo ABC123 | jpki-status -r 0 --export sign --pin-fd 0 > "$W/sign.pem"; rc=$?
check "--export sign with the password exits 0" test "$rc" = 0
check "the sign certificate was issued by the test signature CA" \
    openssl verify -no_check_time -CAfile "$W/ca/sign-ca.crt" "$W/sign.pem"
echo ABC123 | jpki-test-readcert -r 0 --kind sign --pin-fd 0 -o "$W/sign-ref.der" >/dev/null 2>&1
check "... and equals the certificate the card holds" \
    test "$(fp -in "$W/sign.pem")" = "$(fp -inform DER -in "$W/sign-ref.der")"
check "a right password spends no try" test "$(counters)" = "$before"
out=$(openssl x509 -in "$W/sign.pem" -noout -text 2>&1)
check "the sign certificate carries the holder's otherNames" contains "$out" "othername"
echo WRONG9 | jpki-status -r 0 --export sign --pin-fd 0 > "$W/none.pem" 2> "$W/err"; rc=$?
check "a wrong password: exit 4" test "$rc" = 4
check "... nothing on stdout" test ! -s "$W/none.pem"
check "... a one-line error with the tries left" contains "$(cat "$W/err")" "wrong signature password (4 tries left)"
expect_rc "an unreadable --pin-file: exit 2" 2 jpki-status -r 0 --export sign --pin-file "$W/no-such-file"
echo abc | jpki-status -r 0 --export sign --pin-fd 0 > /dev/null 2>&1; rc=$?
check "a malformed password: exit 4" test "$rc" = 4
check "... costs no try (the wrong one before spent one)" contains "$(counters)" "sign: 4"
# Down to one try, then the right password is refused without a VERIFY.
for i in 1 2 3; do echo WRONG9 | jpki-test-readcert -r 0 --kind sign --pin-fd 0 >/dev/null 2>&1; done
one=$(counters)
echo ABC123 | jpki-status -r 0 --export sign --pin-fd 0 > "$W/none.pem" 2> "$W/err"; rc=$?
check "one try left: --export sign refuses (exit 4)" test "$rc" = 4
check "... saying why" contains "$(cat "$W/err")" "only one signature password try left"
check "... and spends nothing" test "$(counters)" = "$one"
sim_stop hanako; wait_card 0 absent

# ---- the holder's data, and the PIN map ----
make_card hanako "$W/h2.card"
sim_start h2 0 "$W/h2.card"
before=$(counters)
out=$(echo 5678 | jpki-status -r 0 --holder --pin-fd 0); rc=$?
check "--holder with the card-info PIN exits 0" test "$rc" = 0
check "--holder: the Japanese name" contains "$out" "name      番号 花子"
check "--holder: the address" contains "$out" "address   架空県見本市試験町一丁目2番3号"
check "--holder: the birth date" contains "$out" "birth     1989-03-31"
check "--holder: the sex" contains "$out" "sex       2 (female)"
check "--holder: a right PIN spends no try" test "$(counters)" = "$before"
printf '900000000000001 - ABC123 5678\n' > "$W/pins.map"; chmod 600 "$W/pins.map"
out=$(jpki-status -r 0 --holder --pin-map "$W/pins.map")
check "--holder --pin-map: the card-info PIN by serial" contains "$out" "birth     1989-03-31"
jpki-status -r 0 --export sign --pin-map "$W/pins.map" > "$W/sign2.pem"
check "--export sign --pin-map: the password by serial" \
    openssl verify -no_check_time -CAfile "$W/ca/sign-ca.crt" "$W/sign2.pem"
printf '900000000000099 - ABC123 5678\n' > "$W/other.map"; chmod 600 "$W/other.map"
expect_rc "--pin-map without this card: exit 2, no VERIFY" 2 jpki-status -r 0 --holder --pin-map "$W/other.map"
wrong_cardinfo; wrong_cardinfo
one=$(counters)
echo 5678 | jpki-status -r 0 --holder --pin-fd 0 > "$W/none.txt" 2> "$W/err"; rc=$?
check "one card-info try left: --holder refuses (exit 4)" test "$rc" = 4
check "... saying why" contains "$(cat "$W/err")" "only one card-info PIN try left"
check "... nothing shown" test ! -s "$W/none.txt"
check "... and spends nothing" test "$(counters)" = "$one"
printf '%s\n' "$one" | sed 's/^/# /'
finish
