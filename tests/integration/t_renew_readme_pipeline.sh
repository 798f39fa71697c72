# Issue 16's done-when: the README's headline pipeline, exactly as printed
#   jpki-status --all --cbor --pin-map pins.map | jpki-expiry-check --filter --within 60d \
#       | jpki-renew --batch --journal renew.journal --pin-map pins.map \
#                    --issuer-key-file issuer.key --ca-cmd 'jpki-ca issue --dir ca'
# on the three sample cards in three readers, today (their certificates,
# issued on the personas' documented dates, are expired).  Afterwards no
# certificate is expired or due within 60 days -- the signature
# certificates read with their passwords -- and a rerun renews nothing:
# the test CA's issuance log (DIR/issued) is unchanged.  No PIN try spent.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 2
three_sample_cards
cd "$W" || exit 1
pins_file pins.map "$H 1234 ABC123" "$T 1234 ABC123" "$I 1234 ABC123" > /dev/null
issued() { wc -l < ca/issued; }
readme_pipeline() {
    jpki-status --all --cbor --pin-map pins.map | jpki-expiry-check --filter --within 60d \
        | jpki-renew --batch --journal renew.journal --pin-map pins.map \
                     --issuer-key-file issuer.key --ca-cmd 'jpki-ca issue --dir ca'
}
# each reader's sign certificate, read with the password, and auth certificate
check_valid() { # WHEN
    local r
    for r in 0 1 2; do
        rm -f "sign.$r.pem" "auth.$r.pem"
        cert_pem $r 02 "sign.$r.pem" ABC123
        check "$1: reader $r: signature certificate (read with the password) not due within 60 days" \
            openssl x509 -in "sign.$r.pem" -noout -checkend $((60 * 86400))
        cert_pem $r 01 "auth.$r.pem"
        check "$1: reader $r: auth certificate not due within 60 days" \
            openssl x509 -in "auth.$r.pem" -noout -checkend $((60 * 86400))
    done
}
jpki-status --all --cbor --pin-map pins.map 2>/dev/null | jpki-expiry-check --within 60d > /dev/null 2>&1
check "before: the sample cards' certificates are expired (expiry-check exit 2)" test $? = 2
before=$(issued)
out=$(readme_pipeline 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "the README pipeline exits 0" test "$rc" = 0
check "three cards renewed" contains "$out" "3 cards: 3 renewed, 0 skipped, 0 failed"
for s in $H $T $I; do
    check "$s: both certificates renewed" \
        test "$(printf '%s\n' "$out" | grep "^$s " | grep -c 'renewed: auth sign')" = 1
done
check "the CA issued six certificates" test "$(issued)" = $((before + 6))
check "six different keys" test "$(tail -n 6 ca/issued | awk '{print $3}' | sort -u | wc -l)" = 6
jpki-status --all --cbor --pin-map pins.map 2>/dev/null | jpki-expiry-check --within 60d > /dev/null 2>&1
check "after: jpki-expiry-check finds nothing due within 60 days (exit 0)" test $? = 0
check_valid after
after=$(issued)
out=$(readme_pipeline 2>&1); rc=$?
printf '%s\n' "$out" | sed 's/^/# rerun: /'
check "a rerun exits 0" test "$rc" = 0
check "a rerun renews nothing" not_contains "$out" "] renewed"
check "a rerun asks the CA for nothing (issuance log unchanged)" test "$(issued)" = "$after"
check_valid rerun
for r in 0 1 2; do
    check "reader $r: no PIN try spent (3 5)" test "$(tries $r)" = "3 5"
done
finish
