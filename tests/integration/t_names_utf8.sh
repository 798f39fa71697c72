# Japanese names kept exactly (issue 12): a holder whose subject is
# L=架空県, CN=番号 花子 in UTF8String goes through jpki-ca (its
# holders lookup and the issued certificate) and jpki-expiry-check's report
# lines without turning into question marks, and an RDN value with RFC
# 4514 specials comes out escaped.  On the card path (jpki-renew with
# openssl ca giving the new certificate that subject) jpki-status's table,
# JSON and CBOR show it exactly.
W=$JPKI_WORK
make_ca
CA=$W/ca
openssl genrsa -out "$W/k.pem" 2048 2>/dev/null
openssl req -new -utf8 -key "$W/k.pem" -subj "/C=JP/L=架空県/CN=番号 花子" -out "$W/jp.csr"
check "openssl wrote the request" test -s "$W/jp.csr"
jpki-ca issue --dir "$CA" --kind auth --now 2024-06-01 --birth 1990-07-15 < "$W/jp.csr" > "$W/jp.pem"
check "jpki-ca issues for a Japanese subject" test -s "$W/jp.pem"
out=$(openssl x509 -in "$W/jp.pem" -noout -subject -nameopt utf8,sep_comma_plus_space)
check "the certificate carries it (openssl)" contains "$out" "L=架空県, CN=番号 花子"
check "in UTF8String (openssl -nameopt show_type)" contains \
    "$(openssl x509 -in "$W/jp.pem" -noout -subject -nameopt show_type,utf8,sep_comma_plus_space)" "UTF8STRING:番号 花子"

out=$(jpki-expiry-check --now 2025-01-01 < "$W/jp.pem"); rc=$?
check "expiry-check reads the certificate" test "$rc" = 0
check "expiry-check line has the name exactly" contains "$out" "certificate 1: C=JP, L=架空県, CN=番号 花子 (serial "
check "and no question marks" not_contains "$out" "?"
# jpki-ca looks holders up by the subject as printed: a registry line in
# exact UTF-8 is found (with '?' for every byte it never matched).
printf '%s\n' "1985-02-20 2030-12-31 C=JP, L=架空県, CN=番号 花子" >> "$CA/holders"
out=$(jpki-ca issue --dir "$CA" --kind auth --now 2024-06-01 < "$W/jp.csr" 2>&1 > "$W/jp2.pem"); rc=$?
check "jpki-ca finds the holder by the exact name (no --birth needed)" test "$rc" = 0
check "registry birth date used" contains "$(openssl x509 -in "$W/jp2.pem" -noout -enddate)" "notAfter=Feb 20 14:59:59 2029 GMT"

# RFC 4514 specials
openssl req -new -utf8 -key "$W/k.pem" -subj "/C=JP/O=Acme\, Inc.;<x>/CN= #1 " -out "$W/sp.csr"
jpki-ca issue --dir "$CA" --kind auth --now 2024-06-01 --birth 1990-07-15 < "$W/sp.csr" > "$W/sp.pem"
out=$(jpki-expiry-check --now 2025-01-01 < "$W/sp.pem")
check "specials, leading and trailing spaces escaped" contains "$out" 'certificate 1: C=JP, O=Acme\, Inc.\;\<x\>, CN=\ #1\  (serial'

# through the card: the sample cards' subjects are opaque ASCII, so renew
# hanako's authentication certificate with openssl ca as the CA, giving it
# the Japanese subject; jpki-status must then show it exactly.
. tests/integration/renew-helpers.sh
pcscd_start 1
make_card hanako "$W/hanako.card"
sim_start hanako 0 "$W/hanako.card"
mkdir -p "$W/ossl"; : > "$W/ossl/index.txt"; echo 01 > "$W/ossl/serial"
cat > "$W/ossl.cnf" <<EOC
[ ca ]
default_ca = testca
[ testca ]
dir = $W/ossl
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
certificate = $CA/auth-ca.crt
private_key = $CA/auth-ca.key
default_md = sha256
default_days = 365
unique_subject = no
policy = anything
copy_extensions = copy
[ anything ]
countryName = optional
localityName = optional
commonName = optional
EOC
P=$(pins_file h.pins 1234)
out=$(jpki-renew -r 0 --cert auth --pin-file "$P" "${IKEY[@]}" --ca-cmd \
    "openssl ca -config $W/ossl.cnf -batch -notext -utf8 -subj '/C=JP/L=架空県/CN=番号 花子' -in /dev/stdin -out /dev/stdout 2>/dev/null" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "renewal with a Japanese subject exits 0" test "$rc" = 0
json=$(jpki-status -r 0 --json --now 2025-01-01)
check "jpki-status --json: the name exactly" contains "$json" '"kind":"auth","present":true,"subject":"C=JP, L=架空県, CN=番号 花子"'
table=$(jpki-status -r 0 --table --now 2025-01-01)
check "jpki-status table: the name exactly" contains "$table" "C=JP, L=架空県, CN=番号 花子"
check "table: no question marks" not_contains "$table" "?"
jpki-status -r 0 --cbor --now 2025-01-01 > "$W/rec.cbor"
check "CBOR records carry the exact UTF-8 text" grep -aqF "C=JP, L=架空県, CN=番号 花子" "$W/rec.cbor"
check "and still read back (jpki-expiry-check)" jpki-expiry-check --now 2025-01-01 --cert auth < "$W/rec.cbor"
finish
