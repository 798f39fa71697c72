# The CA command never gets hold of a secret: a CA command that scans its
# own open file descriptors (/proc/self/fd, re-opening each) and its
# environment finds neither the signature password nor the issuer key,
# whether they came by descriptor or through a batch's PIN map.
. tests/integration/renew-helpers.sh
W=$JPKI_WORK
pcscd_start 1
H=900000000000001
make_card hanako "$W/h.card"
sim_start h 0 "$W/h.card"
PW=ABC123
KEYHEX=$(tr -d ' \n' < "$W/issuer.key" | head -c 24)
check "issuer key pattern taken" test -n "$KEYHEX"
cat > "$W/scan-ca.sh" <<EOF
#!/bin/sh
# every descriptor but 0-2 (our pipes), re-opened by path; then the env
for f in /proc/\$\$/fd/*; do
    n=\${f##*/}
    case \$n in 0|1|2) continue;; esac
    target=\$(readlink \$f)
    echo "fd \$n -> \$target" >> "$W/fds.log"
    [ "\$target" = "$W/scan-ca.sh" ] && continue # the shell reading this script
    if timeout 2 cat "\$f" 2>/dev/null | grep -q -e '$PW' -e '$KEYHEX'; then echo "LEAK fd \$n" >> "$W/leak.log"; fi
done
env | grep -q -e '$PW' -e '$KEYHEX' && echo "LEAK env" >> "$W/leak.log"
echo ran >> "$W/ran.log"
exec jpki-ca issue --dir "$W/ca" --kind "\$JPKI_CERT_KIND"
EOF
chmod +x "$W/scan-ca.sh"
PF=$(pins_file h.pins 1234 $PW)
jpki-renew -r 0 --pin-fd 3 --issuer-key-fd 4 --ca-cmd "$W/scan-ca.sh" 3<"$PF" 4<"$W/issuer.key" >/dev/null 2>"$W/err"; rc=$?
sed 's/^/# /' "$W/err" "$W/fds.log" "$W/leak.log" 2>/dev/null
check "renewal through the scanning CA: exit 0" test "$rc" = 0
check "the CA ran (twice: auth, sign)" test "$(wc -l < "$W/ran.log")" = 2
check "no password or key on any descriptor or in the environment (--pin-fd, --issuer-key-fd)" test ! -e "$W/leak.log"
rm -f "$W/leak.log" "$W/fds.log" "$W/ran.log"
make_card hanako "$W/h2.card"
sim_stop h; wait_card 0 absent; sleep 1
sim_start h 0 "$W/h2.card"
jpki-status -r 0 --cbor > "$W/rec.cbor" 2>/dev/null
MAP=$(pins_file pins.map "$H 1234 $PW")
jpki-renew --batch --journal "$W/b.j" --pin-map-fd 5 --issuer-key-fd 4 --ca-cmd "$W/scan-ca.sh" \
    5<"$MAP" 4<"$W/issuer.key" < "$W/rec.cbor" >/dev/null 2>"$W/err"; rc=$?
sed 's/^/# /' "$W/err" "$W/leak.log" 2>/dev/null
check "batch through the scanning CA: exit 0" test "$rc" = 0
check "the CA ran" test -s "$W/ran.log"
check "no password or key reachable from the CA (batch, --pin-map-fd)" test ! -e "$W/leak.log"
finish
