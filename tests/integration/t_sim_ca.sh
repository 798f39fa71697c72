# jpki-ca: init, issuing from PKCS#10 requests (PEM and DER) with the JPKI
# validity rule, the holders registry, refusal of bad requests, unique
# serials, and `openssl ca` working on the same directory.
CA=$JPKI_WORK/ca
W=$JPKI_WORK
expect_rc "--help exits 0" 0 jpki-ca --help
out=$(jpki-ca --version)
check "--version names the program" contains "$out" "jpki-ca "
expect_rc "no command is a usage error" 2 jpki-ca --dir "$CA"
expect_rc "init creates the CA" 0 jpki-ca init --dir "$CA"
check "CA keys are private" test "$(stat -c %a "$CA/auth-ca.key") $(stat -c %a "$CA/sign-ca.key")" = "600 600"
out=$(openssl x509 -in "$CA/sign-ca.crt" -noout -subject -ext certificatePolicies)
check "the sign CA has the real DN (no CN)" contains "$out" "subject=C = JP, O = JPKI, OU = JPKI for digital signature, OU = Japan Agency for Local Authority Information Systems"
check "and no CN in its subject" not_contains "$out" "CN ="
check "and is marked by the test-card policy OID" contains "$out" "Policy: 1.2.392.200149.8.5.1.0.10"
out=$(jpki-ca init --dir "$CA" 2>&1); rc=$?
check "init refuses an existing CA" test "$rc" = 1
check "and says why in one line" test "$(printf '%s\n' "$out" | wc -l)" = 1

openssl genrsa -out "$W/k.pem" 2048 2>/dev/null
# auth request, unknown holder: needs --birth
openssl req -new -key "$W/k.pem" -subj "/C=JP/CN=UNREGISTERED" -out "$W/auth.csr"
out=$(jpki-ca issue --dir "$CA" --now 2024-06-01 < "$W/auth.csr" 2>&1); rc=$?
check "an unknown holder without --birth is refused (exit 2)" test "$rc" = 2
check "the error names --birth" contains "$out" "--birth"
jpki-ca issue --dir "$CA" --now 2024-06-01 --birth 1990-07-15 < "$W/auth.csr" > "$W/auth.pem"
check "issue with --birth succeeds" test -s "$W/auth.pem"
out=$(openssl x509 -in "$W/auth.pem" -noout -issuer -enddate -startdate)
check "auth request -> auth CA" contains "$out" "JPKI for user authentication"
check "valid until the 5th birthday after issuance (23:59:59 JST)" contains "$out" "notAfter=Jul 15 14:59:59 2028 GMT"
check "valid from the issuance day (00:00 JST)" contains "$out" "notBefore=May 31 15:00:00 2024 GMT"
check "chains to the auth CA" openssl verify -attime "$(date -d 2025-01-01 +%s)" -CAfile "$CA/auth-ca.crt" "$W/auth.pem"

# sign request with the JPKI subjectAltName: birth from the request, kind inferred
openssl req -new -key "$W/k.pem" -subj "/C=JP/CN=SIGNHOLDER" -out "$W/sign.csr" \
    -addext "subjectAltName=otherName:1.2.392.200149.8.5.5.1;UTF8:番号 花子,otherName:1.2.392.200149.8.5.5.4;UTF8:19890331"
jpki-ca issue --dir "$CA" --now 2024-06-01 < "$W/sign.csr" > "$W/sign.pem"
out=$(openssl x509 -in "$W/sign.pem" -noout -issuer -enddate -ext subjectAltName)
check "SAN request -> sign CA" contains "$out" "JPKI for digital signature"
check "birth date taken from the SAN" contains "$out" "notAfter=Mar 31 14:59:59 2029 GMT"
check "the SAN is carried over" contains "$out" "1.2.392.200149.8.5.5.4"
openssl req -in "$W/sign.csr" -outform DER -out "$W/sign.der"
expect_rc "a DER request works too" 0 sh -c "jpki-ca issue --dir '$CA' --now 2024-06-01 < '$W/sign.der' > '$W/sign2.pem'"
s1=$(openssl x509 -in "$W/sign.pem" -noout -serial)
s2=$(openssl x509 -in "$W/sign2.pem" -noout -serial)
check "serial numbers are unique" test "$s1" != "$s2"
jpki-ca issue --dir "$CA" --kind auth --now 2024-06-01 < "$W/sign.csr" > "$W/asauth.pem"
out=$(openssl x509 -in "$W/asauth.pem" -noout -issuer -enddate -ext subjectAltName 2>&1)
check "--kind auth on a SAN request: auth CA" contains "$out" "JPKI for user authentication"
check "--kind auth: no personal data in the certificate" not_contains "$out" "5.5.4"
check "--kind auth: birth still taken from the request" contains "$out" "notAfter=Mar 31 14:59:59 2029 GMT"
expect_rc "--kind sign without a SAN is refused" 2 sh -c "jpki-ca issue --dir '$CA' --kind sign --birth 1990-01-01 < '$W/auth.csr' >/dev/null 2>&1"

# the holders registry written by jpki-card-sim --new: the card's expiry caps
jpki-card-sim --new --state "$W/i2.card" --persona ichiko --ca "$CA" --issuer-key "$W/issuer.key" >/dev/null
subj=$(tail -1 "$CA/holders" | cut -d' ' -f3-)
check "--new registered the sign holder with the municipality" contains "$subj" "C=JP, L=Mihon-shi, CN="
subj=$(tail -2 "$CA/holders" | head -1 | cut -d' ' -f3-)
check "--new registered the auth holder" contains "$subj" "C=JP, CN="
cn=${subj#C=JP, CN=}
openssl req -new -key "$W/k.pem" -subj "/C=JP/CN=$cn" -out "$W/renew.csr"
jpki-ca issue --dir "$CA" --now 2024-06-01 < "$W/renew.csr" > "$W/renew.pem"
out=$(openssl x509 -in "$W/renew.pem" -noout -enddate)
check "registry birth + card expiry cap (ichiko: card ends 2028-05-10)" contains "$out" "notAfter=May 10 14:59:59 2028 GMT"

# bad input
printf 'not a request' | jpki-ca issue --dir "$CA" --birth 1990-01-01 > /dev/null 2> "$W/err"; rc=$?
check "garbage on stdin: exit 2" test "$rc" = 2
check "garbage on stdin: one-line error" test "$(wc -l < "$W/err")" = 1
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[-1]^=1; open(sys.argv[2],'wb').write(d)" \
    "$W/sign.der" "$W/forged.der"
jpki-ca issue --dir "$CA" < "$W/forged.der" > /dev/null 2> "$W/err"; rc=$?
check "a request whose self-signature fails is refused" test "$rc" = 2
check "and the error says so" contains "$(cat "$W/err")" "self-signature"
cat "$W/sign.csr" "$W/auth.csr" > "$W/two.csr"
expect_rc "two requests on stdin are refused" 2 sh -c "jpki-ca issue --dir '$CA' < '$W/two.csr' >/dev/null 2>&1"
cat "$W/sign.der" "$W/sign.der" > "$W/two.der"
expect_rc "trailing bytes after a DER request are refused" 2 sh -c "jpki-ca issue --dir '$CA' < '$W/two.der' >/dev/null 2>&1"
expect_rc "a bad --now is a usage error" 2 sh -c "jpki-ca issue --dir '$CA' --now 2024-13-01 < '$W/auth.csr' 2>/dev/null"
openssl genrsa -out "$W/small.pem" 1024 2>/dev/null
openssl req -new -key "$W/small.pem" -subj "/C=JP/CN=SMALL" -out "$W/small.csr"
expect_rc "a non-2048-bit key is refused" 1 sh -c "jpki-ca issue --dir '$CA' --birth 1990-01-01 < '$W/small.csr' 2>/dev/null"

# openssl ca on the same directory
cat > "$W/openssl.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
dir = $CA
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = $W
certificate = \$dir/auth-ca.crt
private_key = \$dir/auth-ca.key
default_md = sha256
default_days = 30
policy = any
[ any ]
countryName = optional
commonName = supplied
CNF
openssl ca -batch -config "$W/openssl.cnf" -in "$W/auth.csr" -out "$W/ossl.pem" >/dev/null 2>&1
check "openssl ca issues from the same directory" openssl verify -CAfile "$CA/auth-ca.crt" "$W/ossl.pem"
finish
