# Every card variant (jpki-card-sim --list-variants) behind the real pcscd:
# the ATR a PC/SC client sees is the one pcsc-tools lists for the My Number
# Card, ATR_analysis (pcsc-tools) names it one, and the interface rules of
# the variant hold as python3-pyscard sees them (tests/probes/sim_probe.py,
# no jpki-tools code on the client side).
probe="/usr/bin/python3 $JPKI_SRC/tests/probes/sim_probe.py"
# ATR_analysis would try to download a newer list into ~/.cache: keep it in
# the test's directory (the network namespace has no route anyway).
export HOME="$JPKI_WORK/home" XDG_CACHE_HOME="$JPKI_WORK/home/.cache"
mkdir -p "$XDG_CACHE_HOME"

# The ATRs of pcsc-tools' smartcard_list.txt for the My Number Card.
expected_atr() {
    case $1 in
    contact)        echo "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00" ;;
    contact-ext)    echo "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B" ;;
    contact-f5-d1)  echo "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6" ;;
    contact-f5-b3)  echo "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15" ;;
    contactless)    echo "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F" ;;
    contactless-41) echo "3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B" ;;
    *)              echo "unknown" ;;
    esac
}

SEL_JPKI="00A4040C0AD392F000260100000001"
variants=$(jpki-card-sim --list-variants | cut -f1)
check "--list-variants lists the default 'contact' first" test "$(printf '%s\n' "$variants" | head -1)" = contact
check "--list-variants lists six variants" test "$(printf '%s\n' "$variants" | wc -l)" = 6
expect_rc "--variant outside --new is a usage error" 2 jpki-card-sim --state x --port 1 --variant contact
make_ca
expect_rc "an unknown variant is refused" 2 jpki-card-sim --new --state "$JPKI_WORK/bad.card" \
    --persona hanako --ca "$JPKI_WORK/ca" --issuer-key "$JPKI_WORK/issuer.key" --variant juki
check "no state file for the unknown variant" test ! -e "$JPKI_WORK/bad.card"

pcscd_start 1
for v in $variants; do
    jpki-card-sim --new --state "$JPKI_WORK/$v.card" --persona hanako --ca "$JPKI_WORK/ca" \
        --issuer-key "$JPKI_WORK/issuer.key" --variant "$v" >/dev/null
    sim_start "$v" 0 "$JPKI_WORK/$v.card"
    # READ BINARY of the auth certificate EF: 4 bytes, past the end, extended.
    out=$($probe 0 "$SEL_JPKI" 00A4020C02000A 00B0000004 00B007FD10 00B0080010 \
        00B00000000000 0084000010 FFCA000000 2>&1)
    atr=$(printf '%s\n' "$out" | sed -n 's/^atr //p')
    check "$v: the ATR is pcsc-tools' My Number Card ATR" test "$atr" = "$(expected_atr "$v")"
    analysis=$(ATR_analysis "$atr" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | sed -n '/Possibly identified/,$p')
    check "$v: ATR_analysis names a My Number Card" \
        grep -qE "My Number Card|Individual Number Card|JPKI|ID card issued by Japan" <<< "$analysis"
    check "$v: ATR_analysis finds the checksum correct" \
        contains "$(ATR_analysis "$atr" 2>&1)" "correct checksum"
    # diagnostics: the status words and lengths (no data)
    printf '%s\n' "$out" | awk '{ print "# " $1, $2, $3, $4 }'
    sws=$(printf '%s\n' "$out" | awk '$1 == "sw" { printf "%s ", $2 }')
    lens=$(printf '%s\n' "$out" | awk '$1 == "sw" { printf "%s ", $4 }')
    check "$v: SELECT JPKI and the auth cert EF" test "$(echo "$sws" | cut -d' ' -f1-2)" = "9000 9000"
    check "$v: a read running past the end answers the rest with 9000" \
        test "$(echo "$sws" | cut -d' ' -f4)/$(echo "$lens" | cut -d' ' -f4)" = "9000/3"
    check "$v: an offset beyond the end answers 6B00" test "$(echo "$sws" | cut -d' ' -f5)" = 6B00
    ext="$(echo "$sws" | cut -d' ' -f6)/$(echo "$lens" | cut -d' ' -f6)"
    if [ "$v" = contact-ext ]; then
        check "$v: extended READ BINARY (Le 0000) answers the whole EF" test "$ext" = "9000/2048"
    else
        check "$v: an extended APDU answers 6700" test "$ext" = "6700/0"
    fi
    check "$v: GET CHALLENGE for 16 bytes" \
        test "$(echo "$sws" | cut -d' ' -f7)/$(echo "$lens" | cut -d' ' -f7)" = "9000/16"
    uid="$(echo "$sws" | cut -d' ' -f8)/$(echo "$lens" | cut -d' ' -f8)"
    case $v in
    contactless*) check "$v: the reader's FF CA answers a 4-byte PUPI" test "$uid" = "9000/4" ;;
    *)            check "$v: FF CA is no command of a contact card" test "$uid" = "6E00/0" ;;
    esac
    # The seven PINs public readers ask about answer the no-data VERIFY.
    pins=$($probe 0 "$SEL_JPKI" 00A4020C020018 00200080 00A4020C02001B 00200080 2>&1)
    check "$v: JPKI auth and sign PIN counters (63C3, 63C5)" \
        test "$(printf '%s\n' "$pins" | awk '$1 == "sw" { printf "%s ", $2 }')" = "9000 9000 63C3 9000 63C5 "
    # OpenSC (its jpki driver claims the card by SELECT of the JPKI AID)
    # still lists the authentication certificate.
    certs=$(pkcs15-tool -r 0 --list-certificates 2>&1)
    check "$v: OpenSC lists the authentication certificate" \
        contains "$certs" "User Authentication Certificate"
    sim_stop "$v"
    wait_card 0 absent
done

finish
