# Public readers' ways of reading the card (tests/probes/reader_probe.py,
# python3-pyscard: 256-byte blocks with Le=00 and only 9000, the 17-byte My
# Number read, basic-4 in both length forms, the seven PIN counters, GET
# CHALLENGE with short Le) on every card variant.  The probe's own
# "ok"/"not ok" lines carry the variant's name.
W=$JPKI_WORK
pcscd_start 1
. tests/integration/variants.sh
export JPKI_PROBE_CARDINFO_PIN=5678
for v in $variants; do
    variant_card "$v" "$W/$v.card"
    sim_start "$v" 0 "$W/$v.card"
    for c in certs mynumber basic4 pins challenge; do
        # The probe's lines become this test's checks (finish counts them);
        # a probe that dies without a verdict line fails the check too.
        out=$(/usr/bin/python3 tests/probes/reader_probe.py 0 "$c" 2>&1); rc=$?
        while IFS= read -r line; do
            case "$line" in
                "ok - "*) ok "$v: ${line#ok - }" ;;
                "not ok - "*) nok "$v: ${line#not ok - }" ;;
                *) echo "# $v: $line" ;;
            esac
        done <<< "$out"
        check "$v: $c probe exits 0" test "$rc" = 0
    done
    sim_stop "$v"
    wait_card 0 absent
done
finish
