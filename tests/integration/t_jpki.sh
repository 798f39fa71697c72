# The jpki front door: `jpki CMD ARGS` runs jpki-CMD (the one next to the
# jpki binary before the ones on PATH), passes arguments and exit status
# through, lists commands with their descriptions, refuses unknown names.
W=$JPKI_WORK
real=$JPKI_BUILD/bin/jpki   # the binary itself, not a valgrind wrapper: the test is about lookup
mkdir -p "$W/bin" "$W/path"
cp "$real" "$W/bin/jpki"
printf '#!/bin/sh\necho "near $(basename "$0") $*"\nexit 7\n' > "$W/bin/jpki-hello"
printf '#!/bin/sh\necho "far $*"\n' > "$W/path/jpki-hello"
printf '#!/bin/sh\necho "only-in-path $*"\n' > "$W/path/jpki-only"
printf '#!/bin/sh\necho "not executable"\n' > "$W/path/jpki-noexec"
chmod 755 "$W/bin/jpki-hello" "$W/path/jpki-hello" "$W/path/jpki-only"
chmod 644 "$W/path/jpki-noexec"
J() { PATH="$W/path:$PATH" "$W/bin/jpki" "$@"; }

out=$(J hello a 'b c'); rc=$?
check "command next to jpki wins over PATH" test "$out" = "near jpki-hello a b c"
check "exit status passed through" test "$rc" = 7
out=$(J only x); rc=$?
check "PATH is searched next" test "$out" = "only-in-path x"
check "PATH command exit status" test "$rc" = 0
out=$(J apdu --version)
check "real command found on PATH" contains "$out" "jpki-apdu (jpki-tools) 0.1.0"

out=$(J noexec 2>&1); rc=$?
check "non-executable file is not a command (exit 2)" test "$rc" = 2
check "unknown command message" contains "$out" "'noexec' is not a jpki command (see 'jpki help')"
check "unknown command is one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
expect_rc "path-like name refused" 2 J ../path/jpki-only
expect_rc "option before the command refused" 2 J --reader 0 status
expect_rc "no command is a usage error" 2 J
expect_rc "--help exits 0" 0 J --help
check "--version" contains "$(J --version)" "jpki (jpki-tools) 0.1.0"

out=$(J help); rc=$?
check "help exits 0" test "$rc" = 0
check "help lists commands next to jpki" contains "$out" "  hello "
check "help lists commands on PATH" contains "$out" "  only "
# (from the real binary: jpki-apdu next to it has its manual page in the tree)
check "help lists jpki-apdu with its description" \
    contains "$("$real" help)" "  apdu                   send APDUs to a smart card"
not_contains "$out" "noexec" && ok "help skips non-executables" || nok "help skips non-executables"
out=$("$real" help apdu 2>&1); rc=$?
check "help CMD shows the manual page" contains "$out" "JPKI-APDU(1)"
check "help CMD exits 0" test "$rc" = 0
out=$(J help only)
check "help CMD without a manual runs --help" test "$out" = "only-in-path --help"
expect_rc "help of an unknown command exits 2" 2 J help nosuch

finish
