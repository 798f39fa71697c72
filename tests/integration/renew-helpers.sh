# Helpers shared by the t_renew_*.sh integration tests (sourced; not a test
# itself: run-checks.sh only runs t_*.sh).

# OpenSC must not answer from a file cache of the old certificates.
export HOME="$JPKI_WORK"

# The test CA as a --ca-cmd: $JPKI_CERT_KIND is expanded by the CA's shell.
RENEW_CA="jpki-ca issue --dir $JPKI_WORK/ca --kind \"\$JPKI_CERT_KIND\""
IKEY=(--issuer-key-file "$JPKI_WORK/issuer.key")

# The three sample cards, hanako, taro and ichiko, made fresh and in
# readers 0, 1 and 2 (sims h, t, i); H, T and I are their serials.
H=900000000000001; T=900000000000002; I=900000000000003
three_sample_cards() {
    local p
    for p in hanako taro ichiko; do make_card $p "$JPKI_WORK/$p.card"; done
    sim_start h 0 "$JPKI_WORK/hanako.card"
    sim_start t 1 "$JPKI_WORK/taro.card"
    sim_start i 2 "$JPKI_WORK/ichiko.card"
}

# pins_file NAME LINE... : a 0600 file with one PIN per line
pins_file() {
    local f="$JPKI_WORK/$1"; shift
    ( umask 077; printf '%s\n' "$@" > "$f" )
    echo "$f"
}

# tries IDX: "AUTH SIGN" retry counters as OpenSC reads them
tries() {
    pkcs15-tool -r "$1" --list-pins 2>/dev/null |
        awk '/Tries left/ { printf "%s%s", sep, $NF; sep = " " } END { print "" }'
}

# cert_pem IDX ID OUT [SIGNPW]: certificate ID (01 auth, 02 sign, 03/04 CAs)
# read by OpenSC; the sign certificate needs the password (via env).
cert_pem() {
    if [ -n "${4:-}" ]; then
        JPKI_T_PW=$4 pkcs15-tool -r "$1" --read-certificate "$2" --verify-pin --auth-id 02 \
            --pin env:JPKI_T_PW -o "$3" >/dev/null 2>&1
    else
        pkcs15-tool -r "$1" --read-certificate "$2" -o "$3" >/dev/null 2>&1
    fi
}

cert_serial() { openssl x509 -in "$1" -noout -serial 2>/dev/null | sed 's/^serial=//'; }
cert_end() { openssl x509 -in "$1" -noout -enddate 2>/dev/null | sed 's/^notAfter=//'; }

# has_pending IDX: does `jpki-renew resume` (no CA, no PINs needed for the
# answer) find nothing?  Prints the resume line.
journal_lines() { jpki-test-journal "$1" 2>&1; }
