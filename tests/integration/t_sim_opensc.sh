# OpenSC acceptance: Debian's OpenSC (its own jpki driver, PKCS#15 emulation
# and PKCS#11 module) recognises the virtual card behind the real pcscd.
# PINs reach OpenSC as "env:NAME" (util_get_pin), never on argv.
pcscd_start 1
make_card hanako "$JPKI_WORK/h.card"
sim_start h 0 "$JPKI_WORK/h.card"
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

out=$(opensc-tool -r 0 -n 2>&1)
check "opensc-tool names the card's driver" test "$out" = jpki

out=$(pkcs15-tool -r 0 --list-certificates 2>&1)
check "pkcs15-tool lists the auth certificate" contains "$out" "User Authentication Certificate"
check "pkcs15-tool lists the auth CA certificate" contains "$out" "User Authentication Certificate CA"

pkcs15-tool -r 0 --read-certificate 01 -o "$JPKI_WORK/auth.pem" >/dev/null 2>&1
subj=$(openssl x509 -in "$JPKI_WORK/auth.pem" -noout -subject 2>&1)
check "read-certificate gives a parsable auth cert" contains "$subj" "C = JP, CN = "
pkcs15-tool -r 0 --read-certificate 03 -o "$JPKI_WORK/authca.pem" >/dev/null 2>&1
check "auth cert chains to the auth CA read from the card" \
    openssl verify -attime "$(date -d 2022-01-01 +%s)" -CAfile "$JPKI_WORK/authca.pem" "$JPKI_WORK/auth.pem"
enddate=$(openssl x509 -in "$JPKI_WORK/auth.pem" -noout -enddate)
check "hanako's auth cert ends on her notice's date" contains "$enddate" "Mar 31 14:59:59 2025 GMT"
issuer=$(openssl x509 -in "$JPKI_WORK/auth.pem" -noout -issuer)
check "issuer is the auth CA's real DN" test "$issuer" = "issuer=C = JP, O = JPKI, OU = JPKI for user authentication, OU = Japan Agency for Local Authority Information Systems"

out=$(pkcs15-tool -r 0 --list-pins 2>&1)
check "auth PIN shows 3 tries left" contains "$out" "Tries left     : 3"

export JPKI_TEST_PIN=1234
expect_rc "pkcs15-tool --verify-pin accepts the auth PIN" 0 \
    pkcs15-tool -r 0 --verify-pin --auth-id 01 --pin env:JPKI_TEST_PIN

export JPKI_TEST_BAD=9999
out=$(pkcs15-tool -r 0 --verify-pin --auth-id 01 --pin env:JPKI_TEST_BAD 2>&1)
rc=$?
check "a wrong PIN is refused" test "$rc" != 0
check "OpenSC reports the wrong PIN" contains "$out" "PIN code or key incorrect"
out=$(pkcs15-tool -r 0 --list-pins 2>&1)
check "the wrong PIN spent one try" contains "$out" "Tries left     : 2"
pkcs15-tool -r 0 --verify-pin --auth-id 01 --pin env:JPKI_TEST_PIN >/dev/null 2>&1
out=$(pkcs15-tool -r 0 --list-pins 2>&1)
check "a right PIN restores the tries" contains "$out" "Tries left     : 3"

# Signing with the auth key through the PKCS#11 module; verified with openssl.
printf 'jpki-tools acceptance data\n' > "$JPKI_WORK/data.txt"
pkcs11-tool --module "$P11" --slot-index 0 --login --pin env:JPKI_TEST_PIN --sign \
    --id 01 -m SHA256-RSA-PKCS --input-file "$JPKI_WORK/data.txt" \
    --output-file "$JPKI_WORK/data.sig" >"$JPKI_WORK/p11.log" 2>&1
check "pkcs11-tool signs with the auth key" test -s "$JPKI_WORK/data.sig"
openssl x509 -in "$JPKI_WORK/auth.pem" -noout -pubkey > "$JPKI_WORK/auth.pub"
check "openssl verifies the card's signature against the auth cert" \
    openssl dgst -sha256 -verify "$JPKI_WORK/auth.pub" -signature "$JPKI_WORK/data.sig" "$JPKI_WORK/data.txt"

# The signature certificate needs the signature password first.
export JPKI_TEST_SIGNPW=ABC123
out=$(pkcs15-tool -r 0 --read-certificate 02 --verify-pin --auth-id 02 --pin env:JPKI_TEST_SIGNPW 2>&1)
check "sign cert readable after the sign password" contains "$out" "BEGIN CERTIFICATE"
finish
