# libjpki on the real PC/SC stack (pcscd + vsmartcard-vpcd): reader listing
# and choice, distinct errors for an empty reader, an unknown or ambiguous
# reader and a stopped pcscd.  Driven through tests/tools/jpki-test-readcert.

pcscd_start 2
readers=$(jpki-test-readcert --list)
echo "$readers" | sed 's/^/# /'
check "four vpcd readers listed" test "$(printf '%s\n' "$readers" | grep -c 'JPKI Test Reader')" = 4
check "readers indexed from 0" contains "$readers" "0: JPKI Test Reader A"

out=$(jpki-test-readcert -r 1 2>&1); rc=$?
check "empty reader exits 3" test "$rc" = 3
check "empty reader says no card" contains "$out" "no card"
check "error is one line" test "$(printf '%s\n' "$out" | wc -l)" = 1

out=$(jpki-test-readcert 2>&1); rc=$?
check "no reader with a card exits 3" test "$rc" = 3
check "no card in any reader" contains "$out" "no card in any of the 4 readers"

out=$(jpki-test-readcert --reader "No Such Reader" 2>&1); rc=$?
check "unknown reader exits 3" test "$rc" = 3
check "unknown reader named" contains "$out" "'No Such Reader': no such reader"
expect_rc "reader index out of range exits 3" 3 jpki-test-readcert -r 9

out=$(jpki-test-readcert -r "Reader A" 2>&1); rc=$?
check "ambiguous reader is a usage error" test "$rc" = 2
check "ambiguous reader explained" contains "$out" "ambiguous"

pcscd_stop
out=$(jpki-test-readcert -r 0 2>&1); rc=$?
check "stopped pcscd exits 3" test "$rc" = 3
check "stopped pcscd named" contains "$out" "pcscd) is not running"
out=$(jpki-test-readcert --list 2>&1); rc=$?
check "listing without pcscd exits 3" test "$rc" = 3

finish
