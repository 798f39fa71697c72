# libjpki on the real PC/SC stack (pcscd + vsmartcard-vpcd + jpki-card-sim),
# driven through tests/tools/jpki-test-readcert: reader listing and choice;
# reading certificates; PIN counters and VERIFY through pcscd; traces without
# PINs; transactions keeping a second process out; distinct errors for an
# empty reader, an unknown or ambiguous reader, a card pulled mid-read, a
# card reset by another program and a stopped pcscd.
#
# One vpcd entry (readers 0 and 1) on purpose: ifd-vpcd keeps its per-slot
# state in a table indexed by (Lun & 0xFFFF), so with two entries reader
# "A 00 01" aliases "A 00 00" (same card, and pcscd powering one resets the
# other's card state).

pcscd_start 1
readers=$(jpki-test-readcert --list)
echo "$readers" | sed 's/^/# /'
check "two vpcd readers listed" test "$(printf '%s\n' "$readers" | grep -c 'JPKI Test Reader')" = 2
check "readers indexed from 0" contains "$readers" "0: JPKI Test Reader A"

# ---- no card anywhere ----
out=$(jpki-test-readcert -r 0 2>&1); rc=$?
check "empty reader exits 3" test "$rc" = 3
check "empty reader says no card" contains "$out" "no card"
check "error is one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
out=$(jpki-test-readcert 2>&1); rc=$?
check "no reader with a card exits 3" test "$rc" = 3
check "no card in any reader" contains "$out" "no card in any of the 2 readers"
out=$(jpki-test-readcert --reader "No Such Reader" 2>&1); rc=$?
check "unknown reader exits 3" test "$rc" = 3
check "unknown reader named" contains "$out" "'No Such Reader': no such reader"
out=$(jpki-test-readcert -r 9 2>&1); rc=$?
check "reader index out of range exits 3" test "$rc" = 3
check "reader index out of range explained" contains "$out" "no such reader index (2 readers)"
out=$(jpki-test-readcert -r "Reader A" 2>&1); rc=$?
check "ambiguous reader is a usage error" test "$rc" = 2
check "ambiguous reader explained" contains "$out" "ambiguous"

# ---- a card in reader 1 (A 00 01); reader 0 stays empty ----
make_card hanako "$JPKI_WORK/h.card"
sim_start h 1 "$JPKI_WORK/h.card"
out=$(jpki-test-readcert -r 1 -o "$JPKI_WORK/auth.der" 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "auth cert read through pcscd" test "$rc" = 0
check "auth cert subject printed" contains "$out" "subject: C=JP, CN="
check "auth cert notAfter printed (UTC)" contains "$out" "not_after: 2025-03-31T14:59:59Z"
end=$(openssl x509 -inform DER -in "$JPKI_WORK/auth.der" -noout -enddate 2>&1)
check "openssl agrees on the bytes read" contains "$end" "Mar 31 14:59:59 2025 GMT"
size=$(stat -c %s "$JPKI_WORK/auth.der")
check "byte count matches the file" contains "$out" "bytes: $size"

out=$(jpki-test-readcert 2>&1)
check "default reader is the first with a card" contains "$out" "reader: JPKI Test Reader A 00 01"
out=$(jpki-test-readcert -r "A 00 01" 2>&1)
check "unique substring picks the reader" contains "$out" "reader: JPKI Test Reader A 00 01"
out=$(jpki-test-readcert -r "JPKI Test Reader A 00 01" 2>&1)
check "exact name picks the reader" contains "$out" "kind: auth"
out=$(JPKI_READER=1 jpki-test-readcert 2>&1)
check "JPKI_READER chooses the reader" contains "$out" "reader: JPKI Test Reader A 00 01"
out=$(jpki-test-readcert -r 1 -k auth-ca 2>&1)
check "auth CA cert read" contains "$out" "O=JPKI, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems"

# ---- PINs through pcscd ----
out=$(jpki-test-readcert -r 1 -k sign 2>&1); rc=$?
check "sign cert without the password exits 5" test "$rc" = 5
check "sign cert refusal explained" contains "$out" "only after the sign password"
out=$(jpki-test-readcert -r 1 -k sign --pin-fd 3 3<<<"ABC123" 2>&1); rc=$?
check "sign cert read after the password from an fd" test "$rc" = 0
check "sign cert carries the persona's name" contains "$out" "name: 番号 花子"
out=$(jpki-test-readcert -r 1 -k sign 2>&1); rc=$?
check "a verified password does not outlive its process" test "$rc" = 5
out=$(jpki-test-readcert -r 1 --pin-status 2>&1)
check "PIN counters read" contains "$out" "auth: 3
sign: 5
cardinfo: 3
registry: 3"
out=$(jpki-test-readcert -r 1 -k sign --pin-fd 3 3<<<"ABC999" 2>&1); rc=$?
check "wrong sign password exits 4" test "$rc" = 4
check "wrong password says tries left" contains "$out" "4 tries left"
out=$(jpki-test-readcert -r 1 -k sign --pin-fd 3 3<<<"abc" 2>&1); rc=$?
check "malformed password exits 4" test "$rc" = 4
out=$(jpki-test-readcert -r 1 --pin-status 2>&1)
check "status read and malformed password spent no try" contains "$out" "sign: 4"
jpki-test-readcert -r 1 -k sign --pin-fd 3 3<<<"ABC123" >/dev/null 2>&1
out=$(jpki-test-readcert -r 1 --pin-status 2>&1)
check "right password restores the tries" contains "$out" "sign: 5"

# ---- traces ----
err=$(jpki-test-readcert -r 1 -k sign --trace --pin-fd 3 3<<<"ABC123" 2>&1 >/dev/null)
check "trace shows the reads" contains "$err" "READ BINARY"
check "trace shows the transaction" contains "$err" "transaction begin"
check "trace shows the connection" contains "$err" "connected, ATR 3BC5FF8131FB458073C6010000"
check "trace redacts the password" contains "$err" "with PIN (6 bytes, redacted)"
check "password bytes are not in the trace" not_contains "$err" "414243313233"
err=$(JPKI_TRACE=1 jpki-test-readcert -r 1 2>&1 >/dev/null)
check "JPKI_TRACE=1 traces too" contains "$err" "SELECT"

# ---- a second process waits for the first one's transaction ----
# (as long as $JPKI_BUSY_WAIT allows; by default it gives up after 1 s
# with "reader busy", see t_counter_cards)
jpki-test-readcert -r 1 --hold-ms 2000 > "$JPKI_WORK/a.out" 2>&1 &
a=$!
n=0; until grep -q holding "$JPKI_WORK/a.out" 2>/dev/null || [ $n -gt 100 ]; do sleep 0.05; n=$((n + 1)); done
JPKI_BUSY_WAIT=10 jpki-test-readcert -r 1 -k auth-ca --trace > "$JPKI_WORK/b.out" 2> "$JPKI_WORK/b.err" &
b=$!
# pcscd keeps the second process waiting (in SCardConnect or
# SCardBeginTransaction) until the first one ends its transaction.
sleep 0.7
check "second process is still waiting while the first holds the card" kill -0 "$b"
check "second process sent nothing meanwhile" not_contains "$(cat "$JPKI_WORK/b.err")" "SELECT"
check "first process was still holding" not_contains "$(cat "$JPKI_WORK/a.out")" "released"
wait "$a"; arc=$?
wait "$b"; brc=$?
check "first process finished" test "$arc" = 0
check "second process finished after it" test "$brc" = 0
check "first process read its own file, not the other's" contains "$(cat "$JPKI_WORK/a.out")" "bytes: $size"
check "second process read the CA cert" contains "$(cat "$JPKI_WORK/b.out")" "O=JPKI, OU=JPKI for user authentication, OU=Japan Agency for Local Authority Information Systems"

# ---- a card reset by another program between two transactions ----
jpki-test-readcert -r 1 --pause-ms 1500 > "$JPKI_WORK/p.out" 2>&1 &
p=$!
n=0; until grep -q paused "$JPKI_WORK/p.out" 2>/dev/null || [ $n -gt 100 ]; do sleep 0.05; n=$((n + 1)); done
expect_rc "another program resets the card" 0 jpki-test-readcert -r 1 --reset
wait "$p"; prc=$?
check "reset is reported, not retried silently" test "$prc" = 1
check "reset explained" contains "$(cat "$JPKI_WORK/p.out")" "reset by another program"
expect_rc "after the reset the card reads again" 0 jpki-test-readcert -r 1

# ---- card pulled in the middle of a read ----
sim_stop h
wait_card 1 absent
sim_start h 1 "$JPKI_WORK/h.card" --remove-after 4
out=$(jpki-test-readcert -r 1 2>&1); rc=$?
check "card pulled mid-read exits 3" test "$rc" = 3
check "card pulled mid-read says removed" contains "$out" "removed"

# ---- pcscd gone ----
pcscd_stop
out=$(jpki-test-readcert -r 1 2>&1); rc=$?
check "stopped pcscd exits 3" test "$rc" = 3
check "stopped pcscd named" contains "$out" "pcscd) is not running"
out=$(jpki-test-readcert --list 2>&1); rc=$?
check "listing without pcscd exits 3" test "$rc" = 3

finish
