# A renewal recorded on the virtual card (--trace-file) plays back through the
# replay transport (--reader replay:FILE) with the same result and without the
# card: the host challenge of the issuer session comes from the recording, the
# CA hands back the certificates it issued during the recording.  The
# recording holds no PIN: the replay runs with other PINs of the same length.
W=$JPKI_WORK
pcscd_start 1
make_card hanako "$W/hanako.card"
sim_start A 0 "$W/hanako.card"
umask 077
printf '1234\nABC123\n' > "$W/pins"

jpki-renew --cert both --pin-file "$W/pins" --issuer-key-file "$W/issuer.key" \
    --ca-cmd "jpki-ca issue --dir $W/ca | tee $W/issued-\$JPKI_CERT_KIND.pem" \
    --trace-file "$W/renew.cbor" > "$W/live.out" 2> "$W/live.err"
check "recorded renewal exits 0" test $? = 0 || cat "$W/live.err"
check "live renewal renewed both" contains "$(cat "$W/live.out")" "sign: renewed"
check "the CA's certificates were kept" test -s "$W/issued-auth.pem" -a -s "$W/issued-sign.pem"
check "no password in the recording" not_contains "$(tr -c 'A-Z0-9' '.' < "$W/renew.cbor")" "ABC123"

sim_stop A
wait_card 0 absent
printf '9876\nZZZ999\n' > "$W/pins2"
replay() {
    jpki-renew --reader "replay:$W/renew.cbor" --cert both --pin-file "$W/pins2" "$@" \
        --ca-cmd "cat $W/issued-\$JPKI_CERT_KIND.pem"
}
replay --issuer-key-file "$W/issuer.key" > "$W/replay.out" 2> "$W/replay.err"
check "replayed renewal exits 0 without the card" test $? = 0 || cat "$W/replay.err"
check "replay prints what the live renewal printed" cmp -s "$W/live.out" "$W/replay.out"

# Another issuer key computes another MAC: the replay says where it parted.
printf '# wrong key\n00112233445566778899aabbccddeeff\n' > "$W/other.key"
out=$(replay --issuer-key-file "$W/other.key" 2>&1 >/dev/null); rc=$?
check "replay with another issuer key fails" test "$rc" != 0
check "and names the differing APDU" contains "$out" "differs from the recording"
finish
