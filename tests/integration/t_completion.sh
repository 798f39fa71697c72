# The bash completion (tools/completion/jpki.bash): options parsed from the
# programs' --help, --cert kinds, PIN names, subcommands, personas, and
# reader names from PC/SC (jpki-apdu --list-readers) with the space in
# them quoted; the dispatcher `jpki COMMAND` completes like jpki-COMMAND.
pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
sim_start hanako 0 "$JPKI_WORK/hanako.card"
comp=${JPKI_SRC:?}/tools/completion/jpki.bash
check "the completion script exists" test -f "$comp"
# shellcheck source=/dev/null
source "$comp"
check "it registers every product binary" test "$(complete -p jpki jpki-status jpki-expiry-check \
    jpki-renew jpki-reset-pin jpki-face-auth-switch jpki-apdu jpki-card-sim jpki-ca | wc -l)" = 9

# comp WORD...: COMPREPLY for the last word, space-separated
comp() {
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _jpki_complete
    echo "${COMPREPLY[*]}"
}
check "options from --help" test "$(comp jpki-status --j)" = "--json"
check "every --help option, none made up" test "$(comp jpki-status --ver)" = "--verify-sign-pin --version"
check "short options too" contains "$(comp jpki-apdu -)" "-k"
check "--cert kinds" test "$(comp jpki-expiry-check --cert '')" = "auth sign both"
check "jpki-status --export kinds" test "$(comp jpki-status --export "")" = "auth sign auth-ca sign-ca"
check "PIN names" test "$(comp jpki-reset-pin --yes '')" = "auth sign cardinfo registry"
check "PIN name after an option value" test "$(comp jpki-reset-pin --pin-fd 3 c)" = "cardinfo"
check "no PIN name as a second operand" test "$(comp jpki-reset-pin sign '')" = ""
check "jpki-ca subcommands" test "$(comp jpki-ca i)" = "init issue"
check "jpki-ca --kind" test "$(comp jpki-ca issue --kind s)" = "sign"
check "face-auth-switch --to" test "$(comp jpki-face-auth-switch --to '')" = "face pin"
check "personas from jpki-card-sim" test "$(comp jpki-card-sim --persona '')" = "hanako taro ichiko"
out=$(comp jpki-status -r JPKI)
check "readers from PC/SC, quoted" contains "$out" 'JPKI\ Test\ Reader\ A\ 00\ 00'
comp jpki-status -r JPKI >/dev/null # in this shell, to count COMPREPLY
check "one completion per reader" test "${#COMPREPLY[@]}" = "$(jpki-apdu --list-readers | wc -l)"
check "readers: no match, nothing" test "$(comp jpki-status --reader Nope)" = ""
check "dispatcher commands" contains "$(comp jpki '')" "expiry-check face-auth-switch renew reset-pin status"
check "jpki COMMAND completes like jpki-COMMAND" test "$(comp jpki reset-pin r)" = "registry"
check "jpki COMMAND options" test "$(comp jpki renew --ca-t)" = "--ca-timeout"
check "jpki help COMMAND" test "$(comp jpki help exp)" = "expiry-check"
check "a value after --now is not completed" test "$(comp jpki-status --now '')" = ""
# the zsh completion (zsh is not a build dependency: only its header here)
zc=${comp%/*}/_jpki
check "zsh completion names the binaries" test "$(head -1 "$zc")" = \
    "#compdef jpki jpki-status jpki-expiry-check jpki-renew jpki-reset-pin jpki-face-auth-switch jpki-apdu jpki-card-sim jpki-ca"
finish
