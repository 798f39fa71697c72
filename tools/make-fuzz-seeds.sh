#!/bin/bash
# Regenerate the seed corpora of the fuzz targets that need generated seeds
# (tests/fuzz/corpus/NAME/).  The results are committed; rerun after a
# change of the card protocol or of a target's input format.
#   fuzz_hostile_card  transcripts of every operation against the virtual
#                      card's engine (the target's own JPKI_FUZZ_RECORD mode)
#   fuzz_sim_apdu      APDU scripts: select, PIN queries/verify, reads, sign
#   fuzz_secret_files  PIN file / issuer key file texts
# Other seeds (written by hand by the targets' authors, regression inputs
# regress-*) are never touched here.
set -euo pipefail
cd "$(dirname "$0")/.."
C=tests/fuzz/corpus
make --no-print-directory all >/dev/null
tools/fuzz.sh build

# ---- fuzz_hostile_card ----
mkdir -p $C/fuzz_hostile_card
rm -f $C/fuzz_hostile_card/op-*
JPKI_FUZZ_RECORD=$C/fuzz_hostile_card build-fuzz/fuzz/fuzz_hostile_card

# ---- fuzz_sim_apdu: records of len(1) + APDU; len 0 = power cycle ----
# apdus HEX...: one record per argument
apdus() {
    local a
    for a in "$@"; do
        a=${a// /}
        printf "\\x$(printf %02x $((${#a} / 2)))"
        printf '%s' "$a" | xxd -r -p
    done
}
SEL_JPKI="00A4040C0AD392F000260100000001"
SEL_CI="00A4040C0AD3921000310001010408"
SEL_COMMON="00A4040C0AD3921000310001010100"
DI="3031300d060960864801650304020105000420$(printf '%064x' 7)"
S=$C/fuzz_sim_apdu
mkdir -p $S
apdus "$SEL_JPKI" "00A4020C02000A" "00B0000004" "00B0000000" "00B0010000" > $S/read-auth-cert-chunks
apdus "$SEL_JPKI" "00A4020C020018" "00200080" "00A4020C02001B" "00200080" > $S/pin-counters
apdus "$SEL_JPKI" "00A4020C020018" "002000800431323334" "00A4020C020017" \
      "802A0080$(printf %02x $((${#DI} / 2)))${DI}00" > $S/verify-sign
apdus "$SEL_JPKI" "00A4020C02001B" "0020008006393939393939" "00200080" > $S/wrong-sign-pw
apdus "$SEL_JPKI" "00A4020C020018" "002000800431323334" "002401800439383736" "" "00200080" \
      > $S/change-pin-reset
apdus "$SEL_JPKI" "00CADF3000" "0084000008" "00820000180000000000000000$(printf '%032x' 0)" \
      "00470080 00" > $S/issuer-denied
apdus "$SEL_CI" "00A4020C020011" "002000800435363738" "00A4020C020002" "00B0000000" \
      > $S/cardinfo-basic4
apdus "$SEL_COMMON" "00A4020C020001" "00B000001C" "00A4020C023F00" > $S/common-record
apdus "$SEL_JPKI" "00A4020C020001" "00B0000004" "00A4020C020006" "00B0000000" "00C0000000" \
      > $S/sign-cert-locked

# ---- fuzz_secret_files ----
F=$C/fuzz_secret_files
mkdir -p $F
printf '1234\n' > $F/pin4
printf 'ABC123\n5678\n2580\n1234' > $F/pins-per-line
printf '# issuer key\n\n00112233445566778899aabbccddeeff\n' > $F/issuer-key
printf '00112233445566778899AABBCCDDEEFF  \r\n' > $F/issuer-key-crlf
printf 'abc\x00def\n' > $F/nul-byte
ls -l $C/fuzz_hostile_card $S $F | awk 'NF > 5 { s += $5 } END { print "seed bytes:", s }'
