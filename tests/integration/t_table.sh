# Human output that fits (issue 12): jpki-status' table and
# jpki-expiry-check's report lines measured by DISPLAY width with Python's
# unicodedata (tests/integration/table-check.py), not by our C table:
# a card whose authentication certificate names 番号 花子 of 架空県 and
# whose signature certificate has a DN of about 250 columns.  Every line
# fits 100 columns (the width when not on a terminal) or the terminal's
# width; labelled values and folded continuation lines start at the same
# display column; a folded DN joins back to the record's exact text; the
# holder's name and address from the signature certificate's otherNames
# are in the table and the records.  Colour: only on a terminal (auto),
# never with NO_COLOR (unless --color=always), TERM=dumb, in JSON or CBOR.
W=$JPKI_WORK
TC="/usr/bin/python3 $JPKI_SRC/tests/integration/table-check.py"
. tests/integration/renew-helpers.sh

# ---- the width table itself, against Python's Unicode data ----
pyver=$(/usr/bin/python3 -c 'import unicodedata; print(unicodedata.unidata_version)')
$TC widths > "$W/py.widths"
if [ "$pyver" = "$(jpki-test-width --unicode-version)" ]; then
    cut -d' ' -f1 "$W/py.widths" | jpki-test-width --codepoints > "$W/c.widths"
    check "display width of every assigned code point = Python's (Unicode $pyver)" \
        cmp -s "$W/c.widths" "$W/py.widths"
else # another Unicode version: the CJK, kana and combining blocks still agree
    grep -E '^(30[0-9A-F]{2}|4E[0-9A-F]{2}|FF[0-5][0-9A-F]|3[0-9A-F]{2}) ' "$W/py.widths" > "$W/py.some"
    cut -d' ' -f1 "$W/py.some" | jpki-test-width --codepoints > "$W/c.some"
    check "display widths of CJK, kana, fullwidth, combining = Python's" cmp -s "$W/c.some" "$W/py.some"
fi

# ---- a card with a Japanese subject and a very long DN ----
make_ca
CA=$W/ca
pcscd_start 1
make_card hanako "$W/hanako.card"
sim_start hanako 0 "$W/hanako.card"
# each value within X.520's 64 characters, together about 250 columns
LONGDN='/C=JP/O=Japan Agency for Local Authority Information Systems/OU=JPKI for digital signature/OU=Prefectural Office of 架空県 Civic Affairs/OU=見本市役所 市民課 住民記録係 証明書発行窓口/OU=Counter 3, second floor/L=架空県見本市試験町/CN=番号 花子 Signature Certificate'
mkdir -p "$W/ossl"; : > "$W/ossl/index.txt"; echo 01 > "$W/ossl/serial"
ossl_cnf() { # KIND: openssl ca as the test CA for auth or sign
    cat <<EOC
[ ca ]
default_ca = testca
[ testca ]
dir = $W/ossl
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
certificate = $CA/$1-ca.crt
private_key = $CA/$1-ca.key
default_md = sha256
default_days = 365
unique_subject = no
policy = anything
copy_extensions = copy
[ anything ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
localityName = optional
commonName = optional
EOC
}
ossl_cnf auth > "$W/auth.cnf"; ossl_cnf sign > "$W/sign.cnf"
out=$(jpki-renew -r 0 --cert auth --pin-file "$(pins_file a.pin 1234)" "${IKEY[@]}" --ca-cmd \
    "openssl ca -config $W/auth.cnf -batch -notext -utf8 -subj '/C=JP/L=架空県/CN=番号 花子' -in /dev/stdin -out /dev/stdout 2>/dev/null" 2>&1); rc=$?
check "auth renewed with L=架空県, CN=番号 花子" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'
out=$(jpki-renew -r 0 --cert sign --pin-file "$(pins_file s.pin ABC123)" "${IKEY[@]}" --ca-cmd \
    "openssl ca -config $W/sign.cnf -batch -notext -utf8 -subj '$LONGDN' -in /dev/stdin -out /dev/stdout 2>/dev/null" 2>&1); rc=$?
check "sign renewed with a very long DN" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | sed 's/^/# /'

json=$(echo ABC123 | jpki-status -r 0 --pin-fd 0 --json)
subj_auth=$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print([c["subject"] for c in r["certs"] if c["kind"]=="auth"][0])' <<<"$json")
subj_sign=$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print([c["subject"] for c in r["certs"] if c["kind"]=="sign"][0])' <<<"$json")
check "the auth subject as issued" test "$subj_auth" = "C=JP, L=架空県, CN=番号 花子"
check "the sign subject is longer than 180 columns" test "$(printf '%s' "$subj_sign" | wc -m)" -gt 180

# ---- records carry the holder ----
check "JSON: holder name from the signature certificate" contains "$json" '"name":"番号 花子"'
check "JSON: holder address" contains "$json" '"address":"架空県見本市試験町一丁目2番3号"'
check "only in the sign entry" test "$(grep -o '"name":' <<<"$json" | wc -l)" = 1
echo ABC123 | jpki-status -r 0 --pin-fd 0 --cbor > "$W/rec.cbor"
check "CBOR carries the holder" grep -aqF "架空県見本市試験町一丁目2番3号" "$W/rec.cbor"
passed=$(printf '%s\n' "$json" | jpki-expiry-check --cert sign --filter --now 2099-01-01 2>/dev/null)
check "decode + encode keeps name and address" contains "$passed" '"name":"番号 花子","address":"架空県見本市試験町一丁目2番3号"'
plain=$(jpki-status -r 0 --json)
check "without the password: no holder in the record" not_contains "$plain" '"name":'

# ---- the table: fits 100 columns, aligned by display width ----
table=$(echo ABC123 | jpki-status -r 0 --pin-fd 0 --table)
echo "$table" | sed 's/^/# /'
fields=$($TC status 100 <<<"$table"); rc=$?
check "table: every line <= 100 display columns, values and continuations aligned" test "$rc" = 0
check "table: holder name" contains "$fields" "holder=番号 花子"
check "table: holder address" contains "$fields" "address=架空県見本市試験町一丁目2番3号"
check "table: the Japanese subject exactly" contains "$fields" "subject=C=JP, L=架空県, CN=番号 花子"
check "table: the long DN, folded at RDN boundaries, joins back exactly" contains "$fields" "subject=$subj_sign"
check "table: the long DN is folded (continuation lines)" \
    test "$(grep -c '^                     OU=' <<<"$table")" -ge 2
check "table: no RDN is cut inside (each DN line starts an attribute)" \
    test -z "$(sed -n '/^            subject  C=JP, O=Japan/,/^            issuer/p' <<<"$table" | grep -Ev '^ {12}subject  |^ {21}[A-Z]+=|^ {12}issuer')"
table0=$(jpki-status -r 0 --table)
check "table without the password: no holder lines" not_contains "$table0" "holder"
$TC status 100 <<<"$table0" >/dev/null
check "table without the password fits too" test $? = 0
# planted fault: the same table unfolded would not fit (the check can fail)
wide=$(printf '  %-13s%s\n' subject "$subj_sign")
$TC lines 100 <<<"$wide" >/dev/null 2>&1
check "the checker refuses a 180-column line" test $? = 1

# ---- on a terminal: its width, colour ----
export TERM=xterm
unset NO_COLOR
out=$($TC pty 72 jpki-status -r 0 --table); rc=$?
check "on a 72-column terminal: exit 0" test "$rc" = 0
check "auto colour on a terminal: valid in green" contains "$out" $'\e[32mvalid\e[0m'
stripped=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")
$TC status 72 <<<"$stripped" >/dev/null
check "on a 72-column terminal every line fits 72" test $? = 0
out=$(NO_COLOR=1 $TC pty 100 jpki-status -r 0)
check "NO_COLOR: no colour on a terminal" not_contains "$out" $'\e['
check "NO_COLOR: still the table on a terminal" contains "$out" "applications"
out=$(NO_COLOR=1 $TC pty 100 jpki-status -r 0 --color=always)
check "--color=always beats NO_COLOR" contains "$out" $'\e[32m'
out=$(NO_COLOR= $TC pty 100 jpki-status -r 0)
check "an empty NO_COLOR does not disable colour" contains "$out" $'\e[32m'
out=$(TERM=dumb $TC pty 100 jpki-status -r 0)
check "TERM=dumb: no colour" not_contains "$out" $'\e['
out=$($TC pty 100 jpki-status -r 0 --color=never)
check "--color=never: no colour" not_contains "$out" $'\e['
out=$($TC pty 100 jpki-status -r 0 --json --color=always)
check "JSON is never coloured, even with --color=always" not_contains "$out" $'\e['
check "... and is still JSON" contains "$out" '{"record":"jpki-card-status"'
jpki-status -r 0 --cbor --color=always > "$W/c.cbor"
check "CBOR is never coloured" test "$(grep -c $'\e\[' "$W/c.cbor")" = 0
out=$(jpki-status -r 0 --table)
check "auto: no colour into a pipe" not_contains "$out" $'\e['
out=$(jpki-status -r 0 --table --color=always)
check "--color=always colours into a pipe" contains "$out" $'\e[32mvalid\e[0m'
expect_rc "--color=sometimes: usage error" 2 jpki-status --color=sometimes
err=$(jpki-status --color=sometimes 2>&1)
check "--color: one-line error" test "$(printf '%s\n' "$err" | wc -l)" = 1
# a PIN with tries used: yellow (one wrong signature password)
echo WRONG9 | jpki-test-readcert -r 0 --kind sign --pin-fd 0 >/dev/null 2>&1
out=$(jpki-status -r 0 --table --color=always)
check "some tries used: yellow" contains "$out" $'\e[33mok (some tries used)\e[0m'
check "untouched PINs: green ok" contains "$out" $'\e[32mok\e[0m'

# ---- jpki-expiry-check: report lines fit, colour ----
echo ABC123 | jpki-status -r 0 --pin-fd 0 --json --der | /usr/bin/python3 -c '
import base64, json, sys, textwrap
r = json.loads(sys.stdin.read())
der = [c["der"] for c in r["certs"] if c["kind"] == "sign"][0]
print("-----BEGIN CERTIFICATE-----\n" + "\n".join(textwrap.wrap(der, 64)) + "\n-----END CERTIFICATE-----")' > "$W/sign.pem"
out=$(jpki-expiry-check --now 2025-01-01 < "$W/sign.pem"); rc=$?
echo "$out" | sed 's/^/# /'
check "expiry-check reads the long-DN certificate" test "$rc" = 0
$TC lines 100 <<<"$out" >/dev/null
check "expiry-check: every line <= 100 display columns" test $? = 0
check "expiry-check: the line is folded under the text column" grep -q '^         [^ ]' <<<"$out"
check "expiry-check: unfolded, the subject is exact" contains "$($TC unfold <<<"$out")" "$subj_sign (serial"
out=$(printf '%s\n' "$json" | jpki-expiry-check --now 2025-01-01 --color=always --cert auth)
check "expiry-check --color=always: ok in green" contains "$out" $'\e[32mok\e[0m'
out=$(printf '%s\n' "$json" | jpki-expiry-check --now 2099-01-01 --color=always --cert auth)
check "expiry-check: expired in red" contains "$out" $'\e[31mexpired\e[0m'
out=$(printf '%s\n' "$json" | jpki-expiry-check --now 2025-01-01)
check "expiry-check auto into a pipe: no colour" not_contains "$out" $'\e['
out=$(printf '%s\n' "$json" | jpki-expiry-check --filter --now 2099-01-01 --color=always 2>/dev/null)
check "expiry-check --filter: records never coloured" not_contains "$out" $'\e['
check "... and still records" contains "$out" '"record":"jpki-card-status"'
out=$($TC pty 100 jpki-expiry-check -r 0 --now 2025-01-01 --cert auth)
check "expiry-check on a terminal: coloured (auto)" contains "$out" $'\e[32mok\e[0m'
out=$(NO_COLOR=1 $TC pty 100 jpki-expiry-check -r 0 --now 2025-01-01 --cert auth)
check "expiry-check NO_COLOR: plain" not_contains "$out" $'\e['
expect_rc "expiry-check --color=bad: exit 3 (its usage code)" 3 jpki-expiry-check --color=bad
finish
