# The bash completion (tools/completion/jpki.bash): options parsed from the
# programs' --help, --cert kinds, PIN names, subcommands, personas, and
# reader names from PC/SC (jpki-apdu --list-readers) with the space in
# them quoted; the dispatcher `jpki COMMAND` completes like jpki-COMMAND.
# Every built binary is registered and completes; the completions' lists of
# options that take a value are compared with every binary's --help both
# ways, so they cannot drift.  The zsh completion (tools/completion/_jpki)
# runs under zsh with recording stand-ins for compadd (zsh-complete.zsh).
pcscd_start 1
make_card hanako "$JPKI_WORK/hanako.card"
sim_start hanako 0 "$JPKI_WORK/hanako.card"
comp=${JPKI_SRC:?}/tools/completion/jpki.bash
check "the completion script exists" test -f "$comp"
# shellcheck source=/dev/null
source "$comp"
check "it registers every binary" test "$(complete -p $(ls "$JPKI_BUILD/bin") | wc -l)" = "$(ls "$JPKI_BUILD/bin" | wc -l)"

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
check "--color WHEN" test "$(comp jpki-status --color '')" = "auto always never"
check "--color=WHEN (bash splits at '=')" test "$(comp jpki-expiry-check --color = al)" = "always"
check "--color= with nothing after it yet" test "$(comp jpki-status --color =)" = "auto always never"
check "card variants from jpki-card-sim" contains "$(comp jpki-card-sim --variant contact)" "contact-ext"
check "jpki-expiry-check --ce completes to --cert" test "$(comp jpki-expiry-check --ce)" = "--cert"

# ---- every binary, and lists that cannot drift from --help ----
zc=${comp%/*}/_jpki
# help_opts BIN: the options its --help lists; value_opts BIN: those that
# take a value ("--now DATE", "-c, --cert KIND", "--to face|pin").
help_opts() { "$1" --help 2>/dev/null | grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]*//' | sort -u; }
value_opts() {
    "$1" --help 2>/dev/null |
        sed -nE 's/^ +((-[A-Za-z]), )?(--[a-z][a-z0-9-]*)[ =]([A-Z][A-Z]*|[a-z]+(\|[a-z]+)+)( {2,}.*)?$/\2 \3/p' |
        tr ' ' '\n' | sed '/^$/d' | sort -u
}
zsh_takes_value() { zsh -f -c "$(sed -n '/^_jpki_takes_value() {/,/^}/p' "$zc"); _jpki_takes_value \"\$1\"" _ "$1"; }
all_value_opts=
for b in "$JPKI_BUILD"/bin/*; do
    n=${b##*/}
    check "$n: bash completion registered" complete -p "$n" >/dev/null 2>&1
    check "$n --hel completes to --help" test "$(comp "$n" --hel)" = "--help"
    check "$n --vers completes to --version" test "$(comp "$n" --vers)" = "--version"
    if [ "$n" != jpki ]; then
        want=$(help_opts "$b" | tr '\n' ' '); got=$(comp "$n" - | tr ' ' '\n' | sort -u | tr '\n' ' ')
        check "$n: '-' offers exactly the options of its --help" test "$got" = "$want"
    fi
    missing_b= missing_z=
    for o in $(value_opts "$b"); do
        all_value_opts+=" $o"
        _jpki_takes_value "$o" || missing_b+=" $o"
        command -v zsh >/dev/null && { zsh_takes_value "$o" || missing_z+=" $o"; }
    done
    check "$n: bash knows every option that takes a value${missing_b:+ (missing:$missing_b)}" test -z "$missing_b"
    check "$n: zsh knows every option that takes a value${missing_z:+ (missing:$missing_z)}" test -z "$missing_z"
done
# and the other way round: no option in the lists that no binary has
listed=$(sed -n '/^_jpki_takes_value()/,/^}/p' "$comp" | grep -oE '(^| )--?[a-z][a-z0-9-]*' | tr -d ' ' | sort -u)
zlisted=$(sed -n '/^_jpki_takes_value() {/,/^}/p' "$zc" | grep -oE '(^|[ |])--?[a-z][a-z0-9-]*' | tr -d ' |' | sort -u)
stale=$(comm -23 <(printf '%s\n' "$listed") <(printf '%s\n' $all_value_opts | sort -u) | tr '\n' ' ')
check "bash list: every option that takes a value exists in some --help${stale:+ (stale: $stale)}" test -z "$stale"
check "bash and zsh list the same options that take a value" test "$listed" = "$zlisted"
# a planted fault: an option that takes a value but is in neither list
check "the drift check can fail (a made-up --frobnicate FILE)" \
    test -n "$(_jpki_takes_value --frobnicate || echo missing)"

# ---- zsh: the same function, run by zsh (tests/integration/zsh-complete.zsh) ----
check "zsh is installed (tools/ensure-deps.sh)" command -v zsh
check "zsh completion: syntax (zsh -n)" zsh -n "$zc"
check "zsh completion names every binary" test "$(head -1 "$zc" | tr ' ' '\n' | sed 1d | sort | tr '\n' ' ')" = \
    "$(ls "$JPKI_BUILD"/bin | sort | tr '\n' ' ')"
Z() { zsh -f "$JPKI_SRC/tests/integration/zsh-complete.zsh" "${zc%/*}" "$@" | tr '\n' ' ' | sed 's/ $//'; }
check "zsh: jpki-expiry-check --ce -> --cert" test "$(Z jpki-expiry-check --ce)" = "--cert"
check "zsh: options from --help" test "$(Z jpki-status --ver)" = "--verify-sign-pin --version"
check "zsh: --cert kinds" test "$(Z jpki-expiry-check --cert '')" = "auth sign both"
check "zsh: --color values" test "$(Z jpki-status --color '')" = "auto always never"
check "zsh: --color=al" test "$(Z jpki-status --color=al)" = "always"
check "zsh: PIN names" test "$(Z jpki-reset-pin --yes '')" = "auth sign cardinfo registry"
check "zsh: jpki COMMAND like jpki-COMMAND" test "$(Z jpki reset-pin r)" = "registry"
check "zsh: dispatcher commands" contains "$(Z jpki '')" "expiry-check face-auth-switch renew reset-pin status"
check "zsh: readers from the running pcscd" contains "$(Z jpki-status -r JPKI)" "JPKI Test Reader A 00 00"
check "zsh: no value completed after --now" test "$(Z jpki-status --now '')" = "<message:value>"
for b in "$JPKI_BUILD"/bin/*; do
    n=${b##*/}
    check "zsh: $n --hel -> --help" test "$(Z "$n" --hel)" = "--help"
done
# and as a user gets it: an interactive zsh on a pty, compinit, a TAB typed
ZI() { TMPDIR=$JPKI_WORK zsh -f "$JPKI_SRC/tests/integration/zsh-zpty.zsh" "${zc%/*}" "$1" "$JPKI_WORK/zcompdump"; }
check "zsh, interactive: jpki-expiry-check --ce<TAB> -> --cert" test "$(ZI 'jpki-expiry-check --ce')" = "jpki-expiry-check --cert"
check "zsh, interactive: a PIN name" test "$(ZI 'jpki-reset-pin --yes cardi')" = "jpki-reset-pin --yes cardinfo"
check "zsh, interactive: --color=al<TAB>" test "$(ZI 'jpki-status --color=al')" = "jpki-status --color=always"
check "zsh, interactive: jpki res<TAB>" test "$(ZI 'jpki res')" = "jpki reset-pin"
check "zsh, interactive: reader names from the running pcscd, quoted" \
    contains "$(ZI 'jpki-status -r JPKI')" 'jpki-status -r JPKI\ Test\ Reader\ A\ 00\ 0'
finish
