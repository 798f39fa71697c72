# Japanese names kept exactly (issue 12): a holder whose subject is
# L=架空県, CN=番号 花子 in UTF8String goes through jpki-ca (its holders
# holders lookup and the issued certificate) and jpki-expiry-check's report
# lines without turning into question marks, and an RDN value with RFC
# 4514 specials comes out escaped.  The sample cards' subjects are opaque
# ASCII serials, so on the card path the check is that nothing is damaged.
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

# through the card: jpki-status table and JSON keep the subject as issued
pcscd_start 1
make_card hanako "$W/hanako.card"
sim_start hanako 0 "$W/hanako.card"
json=$(jpki-status -r 0 --json --now 2025-01-01)
table=$(jpki-status -r 0 --table --now 2025-01-01)
auth=$(printf '%s\n' "$json" | sed -n 's/.*"kind":"auth","present":true,"subject":"\([^"]*\)".*/\1/p')
check "JSON: auth subject found" contains "$auth" "C=JP, CN="
check "JSON: auth subject is the one the test CA registered" grep -qF " $auth" "$CA/holders"
check "table: the same subject" contains "$table" "$auth"
finish
