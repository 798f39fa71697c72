# jpki-renew for the holder, through pcscd and the virtual cards: both
# certificates renewed, chained to the CA, seen by OpenSC with the new
# serial and validity; the pipe request | jpki-ca | install; openssl ca as
# the CA; bad input refused before any PIN try is spent.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
make_card hanako "$W/h.card"
make_card taro "$W/t.card"
make_card ichiko "$W/i.card"
sim_start h 0 "$W/h.card"
sim_start t 1 "$W/t.card"
sim_start i 2 "$W/i.card"

expect_rc "--help exits 0" 0 sh -c "jpki-renew --help >/dev/null"
out=$(jpki-renew --version)
check "--version names the tool" contains "$out" "jpki-renew (jpki-tools) 0."
out=$(jpki-renew --help)
check "--help lists the modes" contains "$out" "jpki-renew install"

# Expected end of validity: the 5th birthday after today (JST), or the card's
# expiry if earlier; 23:59:59 JST is 14:59:59 UTC the same day.
valid_until() { # BIRTH(YYYYMMDD) CARD_EXPIRY(YYYYMMDD) -> YYYY-MM-DD
    local today y md b
    today=$(TZ=Asia/Tokyo date +%Y%m%d); y=${today:0:4}; md=${1:4:4}
    if [ "$md" \> "${today:4:4}" ]; then b=$((y + 4))$md; else b=$((y + 5))$md; fi
    [ "$2" \< "$b" ] && b=$2
    echo "${b:0:4}-${b:4:2}-${b:6:2}"
}
end_day() { date -u -d "$(cert_end "$1")" +%Y-%m-%d; }

# ---- hanako, both certificates, PINs from a private file ----
cert_pem 0 01 "$W/h-auth-old.pem"
cert_pem 0 02 "$W/h-sign-old.pem" ABC123
P=$(pins_file h.pins 1234 ABC123)
out=$(jpki-renew -r 0 --pin-file "$P" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "holder renewal of both certificates exits 0" test "$rc" = 0
check "auth reported renewed" contains "$out" "auth: renewed"
check "sign reported renewed" contains "$out" "sign: renewed"
cert_pem 0 01 "$W/h-auth.pem"
cert_pem 0 02 "$W/h-sign.pem" ABC123
cert_pem 0 03 "$W/h-authca.pem"
cert_pem 0 04 "$W/h-signca.pem"
check "auth certificate replaced" test "$(cert_serial "$W/h-auth.pem")" != "$(cert_serial "$W/h-auth-old.pem")"
check "sign certificate replaced" test "$(cert_serial "$W/h-sign.pem")" != "$(cert_serial "$W/h-sign-old.pem")"
check "openssl verify: new auth cert chains to the card's auth CA" \
    openssl verify -CAfile "$W/h-authca.pem" "$W/h-auth.pem"
check "openssl verify: new sign cert chains to the card's sign CA" \
    openssl verify -CAfile "$W/h-signca.pem" "$W/h-sign.pem"
check "not the other CA" not_contains "$(openssl verify -CAfile "$W/h-signca.pem" "$W/h-auth.pem" 2>&1)" ": OK"
check "auth subject kept" test "$(openssl x509 -in "$W/h-auth.pem" -noout -subject)" = \
    "$(openssl x509 -in "$W/h-auth-old.pem" -noout -subject)"
check "sign subject kept" test "$(openssl x509 -in "$W/h-sign.pem" -noout -subject)" = \
    "$(openssl x509 -in "$W/h-sign-old.pem" -noout -subject)"
san_new=$(openssl x509 -in "$W/h-sign.pem" -noout -ext subjectAltName 2>&1)
san_old=$(openssl x509 -in "$W/h-sign-old.pem" -noout -ext subjectAltName 2>&1)
check "holder's subjectAltName carried into the new sign cert" test "$san_new" = "$san_old"
check "subjectAltName has the JPKI otherNames" contains "$san_new" "1.2.392.200149.8.5.5"
want=$(valid_until 19890331 20300331)
check "auth valid until the JPKI rule's day ($want)" test "$(end_day "$W/h-auth.pem")" = "$want"
check "sign valid until the JPKI rule's day ($want)" test "$(end_day "$W/h-sign.pem")" = "$want"
check "the key pair is new" test "$(openssl x509 -in "$W/h-auth.pem" -noout -pubkey)" != \
    "$(openssl x509 -in "$W/h-auth-old.pem" -noout -pubkey)"
list=$(pkcs15-tool -r 0 --list-certificates 2>&1)
s=$(cert_serial "$W/h-auth.pem" | tr 'A-F' 'a-f')
check "pkcs15-tool lists the new auth serial" contains "$list" "Encoded serial : 02 01 $s"
check "PIN counters untouched (3 5)" test "$(tries 0)" = "3 5"

# OpenSC signs with the new auth key and openssl checks it with the new cert.
printf 'renewed\n' > "$W/data"
JPKI_T_PIN=1234 pkcs11-tool --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --slot-index 0 \
    --login --pin env:JPKI_T_PIN --sign --id 01 -m SHA256-RSA-PKCS --input-file "$W/data" \
    --output-file "$W/data.sig" >/dev/null 2>&1
openssl x509 -in "$W/h-auth.pem" -noout -pubkey > "$W/h-auth.pub"
check "the card signs with the new key" \
    openssl dgst -sha256 -verify "$W/h-auth.pub" -signature "$W/data.sig" "$W/data"

# ---- taro: request | CA | install, one certificate at a time ----
cert_pem 1 01 "$W/t-auth-old.pem"
AP=$(pins_file t.auth 1234)
SP=$(pins_file t.sign ABC123)
jpki-renew request -r 1 --cert auth --pin-file "$AP" "${IKEY[@]}" > "$W/t-auth.csr" 2> "$W/req.err"; rc=$?
check "request exits 0" test "$rc" = 0
check "request says the key is pending (stderr)" contains "$(cat "$W/req.err")" "pending"
check "stdout is one PEM request" test "$(grep -c 'BEGIN CERTIFICATE REQUEST' "$W/t-auth.csr")" = 1
out=$(openssl req -in "$W/t-auth.csr" -noout -verify 2>&1)
check "openssl req -verify accepts the card-signed CSR" contains "$out" "verify OK"
check "CSR subject is the old certificate's" test \
    "$(openssl req -in "$W/t-auth.csr" -noout -subject | sed 's/^subject=//')" = \
    "$(openssl x509 -in "$W/t-auth-old.pem" -noout -subject | sed 's/^subject=//')"
out=$(jpki-renew install -r 1 --cert auth --pin-file "$AP" "${IKEY[@]}" < "$W/t-auth-old.pem" 2>&1); rc=$?
check "install of a certificate for another key fails (exit 7, still pending)" test "$rc" = 7
check "and says why" contains "$out" "pending key"
jpki-ca issue --dir "$W/ca" --kind auth < "$W/t-auth.csr" > "$W/t-auth.pem"
out=$(jpki-renew install -r 1 --cert auth --pin-file "$AP" "${IKEY[@]}" < "$W/t-auth.pem" 2>&1); rc=$?
check "install exits 0" test "$rc" = 0
check "install reports it" contains "$out" "auth: installed"
cert_pem 1 01 "$W/t-auth-card.pem"
check "the card holds the issued certificate" cmp -s <(openssl x509 -in "$W/t-auth.pem" -outform DER) \
    <(openssl x509 -in "$W/t-auth-card.pem" -outform DER)
out=$(jpki-renew install -r 1 --cert auth --pin-file "$AP" "${IKEY[@]}" < "$W/t-auth.pem" 2>&1); rc=$?
check "a second install finds nothing pending (exit 1)" test "$rc" = 1
check "and says so" contains "$out" "nothing to install"

# the sign certificate as one pipe
jpki-renew request -r 1 --cert sign --pin-file "$SP" "${IKEY[@]}" 2>/dev/null |
    jpki-ca issue --dir "$W/ca" --kind sign 2>/dev/null |
    jpki-renew install -r 1 --cert sign --pin-file "$SP" "${IKEY[@]}" > "$W/pipe.out" 2>&1
check "request | jpki-ca issue | install succeeds" test "${PIPESTATUS[*]}" = "0 0 0"
check "the pipe installed the sign cert" contains "$(cat "$W/pipe.out")" "sign: installed"
cert_pem 1 02 "$W/t-sign.pem" ABC123
cert_pem 1 04 "$W/t-signca.pem"
check "openssl verify: taro's new sign cert" openssl verify -CAfile "$W/t-signca.pem" "$W/t-sign.pem"
check "taro's counters untouched (3 5)" test "$(tries 1)" = "3 5"

# ---- ichiko: openssl ca as the CA, over the same CA directory ----
mkdir -p "$W/ca/newcerts"
cat > "$W/ossl.cnf" <<EOF
[ ca ]
default_ca = jpki_auth
[ jpki_auth ]
dir = $W/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/auth-ca.crt
private_key = \$dir/auth-ca.key
serial = \$dir/serial
default_md = sha256
default_days = 365
unique_subject = no
policy = anything
copy_extensions = copy
[ anything ]
countryName = optional
commonName = optional
EOF
cert_pem 2 01 "$W/i-auth-old.pem"
IP=$(pins_file i.pins 1234)
out=$(jpki-renew -r 2 --cert auth --pin-file "$IP" "${IKEY[@]}" \
    --ca-cmd "openssl ca -config $W/ossl.cnf -batch -notext -preserveDN -in /dev/stdin -out /dev/stdout" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "renewal with openssl ca as the CA exits 0" test "$rc" = 0
cert_pem 2 01 "$W/i-auth.pem"
cert_pem 2 03 "$W/i-authca.pem"
check "openssl verify: the openssl-ca certificate" openssl verify -CAfile "$W/i-authca.pem" "$W/i-auth.pem"
check "openssl ca recorded it in its database" test -s "$W/ca/index.txt"
check "ichiko's auth cert replaced" test "$(cert_serial "$W/i-auth.pem")" != "$(cert_serial "$W/i-auth-old.pem")"

# ---- the holder at a terminal: PINs typed without echo ----
cert_pem 2 01 "$W/i-auth-before-tty.pem"
# type the PIN only once the prompt is there (echo is off by then)
mkfifo "$W/tty.in"
script -qec "jpki-renew -r 2 --cert auth ${IKEY[*]} --ca-cmd '$RENEW_CA'" /dev/null \
    < "$W/tty.in" > "$W/tty.out" 2>&1 &
spid=$!
exec 7> "$W/tty.in"
n=0; until grep -q "PIN (4 digits)" "$W/tty.out" || [ $n -gt 300 ]; do sleep 0.1; n=$((n + 1)); done
printf '1234\r' >&7
wait "$spid"
exec 7>&-
out=$(cat "$W/tty.out")
echo "$out" | tr '\r\033' '|~' | sed 's/^/# /'
check "on a terminal the PIN is asked for" contains "$out" "Authentication PIN (4 digits): "
check "and renewed" contains "$out" "auth: renewed"
check "the PIN is not echoed" not_contains "$out" "1234"
cert_pem 2 01 "$W/i-auth-after-tty.pem"
check "the terminal renewal replaced the certificate" \
    test "$(cert_serial "$W/i-auth-after-tty.pem")" != "$(cert_serial "$W/i-auth-before-tty.pem")"

# ---- refusals: nothing reaches a PIN counter ----
GP="$W/group.pins"; printf '1234\n' > "$GP"; chmod 640 "$GP"
out=$(jpki-renew -r 2 --cert auth --pin-file "$GP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "group-readable PIN file refused (exit 2)" test "$rc" = 2
check "with a chmod hint" contains "$out" "chmod 600"
check "error is one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
BP=$(pins_file bad.pins 12a4)
out=$(jpki-renew -r 2 --cert auth --pin-file "$BP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "malformed PIN refused (exit 4)" test "$rc" = 4
out=$(jpki-renew -r 2 --pin-file "$IP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "both certificates but one PIN line: exit 2 before any VERIFY" test "$rc" = 2
check "says which PIN is missing" contains "$out" "no sign PIN in the PIN file"
expect_rc "no issuer key: exit 5 (README: issuer key missing or rejected)" 5 jpki-renew -r 2 --pin-file "$IP" --ca-cmd "$RENEW_CA"
expect_rc "renew without a CA is a usage error" 2 jpki-renew -r 2 --pin-file "$IP" "${IKEY[@]}"
expect_rc "unknown mode is a usage error" 2 jpki-renew rebuild "${IKEY[@]}"
expect_rc "--cert with a bad value is a usage error" 2 jpki-renew --cert all "${IKEY[@]}" --ca-cmd true
( umask 077; printf '00112233445566778899aabbccddeeff\n' > "$W/wrong.key" )
out=$(jpki-renew -r 2 --cert auth --pin-file "$IP" --issuer-key-file "$W/wrong.key" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "a wrong issuer key is refused by the card (exit 5)" test "$rc" = 5
check "and named" contains "$out" "issuer"
check "ichiko's counters untouched by all that (3 5)" test "$(tries 2)" = "3 5"

WP=$(pins_file wrong.pins 9999)
out=$(jpki-renew -r 2 --cert auth --pin-file "$WP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "a wrong PIN stops the holder's renewal (exit 4)" test "$rc" = 4
check "with the tries left" contains "$out" "wrong auth PIN (2 tries left)"
check "exactly one try spent (2 5)" test "$(tries 2)" = "2 5"
check "nothing pending after a wrong PIN" contains \
    "$(jpki-renew resume -r 2 "${IKEY[@]}" 2>&1)" "nothing to resume"
finish
