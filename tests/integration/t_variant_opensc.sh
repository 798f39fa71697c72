# OpenSC on every card variant (tests/integration/variants.sh): the PKCS#15
# dump, pkcs11-tool's self test with login (no "ERR:" line), and signatures
# with both keys through the PKCS#11 module, verified by openssl against the
# certificates OpenSC read from the card.  PINs reach OpenSC as env:NAME.
export HOME="$JPKI_WORK" # no OpenSC file cache shared between variants
W=$JPKI_WORK
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
export JPKI_T_PIN=1234 JPKI_T_SIGNPW=ABC123
pcscd_start 1
. tests/integration/variants.sh
printf 'jpki-tools variant data\n' > "$W/data.txt"

for v in $variants; do
    variant_card "$v" "$W/$v.card"
    sim_start "$v" 0 "$W/$v.card"
    rm -rf "$W/.cache"

    out=$(pkcs15-tool -r 0 --dump 2>&1); rc=$?
    check "$v: pkcs15-tool --dump" test "$rc" = 0 -a -n "$(grep -F 'User Authentication Certificate' <<<"$out")"

    out=$(pkcs11-tool --module "$P11" --slot-index 0 --test --login --pin env:JPKI_T_PIN 2>&1); rc=$?
    grep -E 'ERR:' <<<"$out" | sed "s/^/# $v p11 test: /"
    check "$v: pkcs11-tool --test --login" test "$rc" = 0 -a -z "$(grep -E 'ERR:' <<<"$out")"

    pkcs15-tool -r 0 --read-certificate 01 -o "$W/$v.auth.pem" >/dev/null 2>&1
    pkcs11-tool --module "$P11" --slot-index 0 --login --pin env:JPKI_T_PIN --sign --id 01 \
        -m SHA256-RSA-PKCS --input-file "$W/data.txt" --output-file "$W/$v.auth.sig" \
        >"$W/$v.p11a.log" 2>&1
    openssl x509 -in "$W/$v.auth.pem" -noout -pubkey > "$W/$v.auth.pub" 2>/dev/null
    check "$v: auth signature verifies" openssl dgst -sha256 -verify "$W/$v.auth.pub" \
        -signature "$W/$v.auth.sig" "$W/data.txt"

    pkcs15-tool -r 0 --read-certificate 02 --verify-pin --auth-id 02 --pin env:JPKI_T_SIGNPW \
        -o "$W/$v.sign.pem" >/dev/null 2>&1
    pkcs11-tool --module "$P11" --slot-index 1 --login --pin env:JPKI_T_SIGNPW --sign --id 02 \
        -m SHA256-RSA-PKCS --input-file "$W/data.txt" --output-file "$W/$v.sign.sig" \
        >"$W/$v.p11s.log" 2>&1 || sed "s/^/# $v p11 sign: /" "$W/$v.p11s.log"
    openssl x509 -in "$W/$v.sign.pem" -noout -pubkey > "$W/$v.sign.pub" 2>/dev/null
    check "$v: sign signature verifies" openssl dgst -sha256 -verify "$W/$v.sign.pub" \
        -signature "$W/$v.sign.sig" "$W/data.txt"

    sim_stop "$v"
    wait_card 0 absent
done
finish
