# Issuing the signature certificate again on a card that has none (the
# signature password was reset, or a face-authentication card became a PIN
# card again), as jpki-reset-pin(1) and jpki-face-auth-switch(1) tell the
# user to do with `jpki-renew --cert sign`: the holder's name, sex, birth
# date and address come from the card-info application, behind its PIN.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/h.card"
make_card taro "$W/t.card"
sim_start h 0 "$W/h.card"
sim_start t 1 "$W/t.card"

# ---- signature password reset: key and certificate gone ----
cert_pem 0 02 "$W/h-sign-old.pem" ABC123
NEWPW=$(pins_file newpw NEWPW7)
jpki-reset-pin -r 0 sign --pin-file "$NEWPW" "${IKEY[@]}" --yes > /dev/null 2>&1
check "jpki-reset-pin removed the signature certificate" \
    contains "$(jpki-status -r 0 --json 2>&1)" '"kind":"sign","present":false' 
out=$(jpki-renew -r 0 --cert sign --pin-file "$NEWPW" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "without the card-info PIN: exit 2" test "$rc" = 2
check "says it is needed" contains "$out" "no cardinfo PIN in the PIN file"
check "no try spent on the way (3 5)" test "$(tries 0)" = "3 5"
P=$(pins_file reissue NEWPW7 5678)
out=$(jpki-renew -r 0 --cert sign --pin-file "$P" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "re-issue with the card-info PIN exits 0" test "$rc" = 0
check "reported" contains "$out" "sign: renewed"
cert_pem 0 02 "$W/h-sign.pem" NEWPW7
cert_pem 0 04 "$W/h-signca.pem"
check "the new signature certificate verifies" openssl verify -CAfile "$W/h-signca.pem" "$W/h-sign.pem"
check "it carries the same holder data as the one before the reset" \
    test "$(openssl x509 -in "$W/h-sign.pem" -noout -ext subjectAltName)" = \
         "$(openssl x509 -in "$W/h-sign-old.pem" -noout -ext subjectAltName)"
cert_pem 0 01 "$W/h-auth.pem"
check "its subject is the authentication certificate's (the old one is gone)" \
    test "$(openssl x509 -in "$W/h-sign.pem" -noout -subject)" = \
    "$(openssl x509 -in "$W/h-auth.pem" -noout -subject)"
WP=$(pins_file wrongci NEWPW7 0000)
jpki-reset-pin -r 0 sign --pin-file "$NEWPW" "${IKEY[@]}" --yes > /dev/null 2>&1
out=$(jpki-renew -r 0 --cert sign --proxy --pin-file "$WP" "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "a wrong card-info PIN from the form: exit 4, document inquiry" test "$rc" = 4
check "named" contains "$out" "cardinfo PIN from the inquiry-and-answer form does not match (2 tries left): document inquiry needed"

# ---- face-authentication card made a PIN card again ----
cert_pem 1 02 "$W/t-sign-old.pem" ABC123
jpki-face-auth-switch -r 1 --to face --yes "${IKEY[@]}" > /dev/null 2>&1
out=$(printf '1234\nABC123\n' | jpki-renew -r 1 --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
check "a face-authentication card is refused" test "$rc" != 0
check "with a reason" contains "$out" "face-authentication card"
NEW4=$(pins_file new4 4321 NEWSIGN9 8765 1357)
jpki-face-auth-switch -r 1 --to pin --yes --pin-file "$NEW4" "${IKEY[@]}" > /dev/null 2>&1
out=$(printf 'NEWSIGN9\n8765\n' | jpki-renew -r 1 --cert sign --pin-fd 0 "${IKEY[@]}" --ca-cmd "$RENEW_CA" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "signature certificate issued again after face mode" test "$rc" = 0
cert_pem 1 02 "$W/t-sign.pem" NEWSIGN9
cert_pem 1 04 "$W/t-signca.pem"
check "it verifies" openssl verify -CAfile "$W/t-signca.pem" "$W/t-sign.pem"
check "with taro's holder data" test "$(openssl x509 -in "$W/t-sign.pem" -noout -ext subjectAltName)" = \
    "$(openssl x509 -in "$W/t-sign-old.pem" -noout -ext subjectAltName)"
finish
