# bash completion for jpki-tools (jpki, jpki-status, jpki-expiry-check,
# jpki-renew, jpki-reset-pin, jpki-face-auth-switch, jpki-apdu and the test
# tools jpki-card-sim, jpki-ca).  Install as
# /usr/share/bash-completion/completions/<name> for each name (or one file
# plus symlinks).  Options come from the program's own --help when you
# press TAB, so they never drift from the program; readers come from PC/SC
# through `jpki-apdu --list-readers`.

# Long and short options a program lists in its --help.
_jpki_options()
{
    "$1" --help 2>/dev/null |
        grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]*//' | sort -u
}

# Reader names as PC/SC lists them ("N: NAME" lines), for -r/--reader.
_jpki_readers()
{
    jpki-apdu --list-readers 2>/dev/null | sed -n 's/^[0-9][0-9]*: //p'
}

# Subcommands of the dispatcher: the "  name   description" lines of `jpki help`.
_jpki_commands()
{
    jpki help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

# COMPREPLY from a word list (one word a line), keeping spaces inside words.
_jpki_words()
{
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_jpki_complete_prog()
{
    local prog=$1 cur=$2 prev=$3 npos=$4
    case $prev in
    -r | --reader)
        local IFS=$'\n' r
        COMPREPLY=()
        while IFS= read -r r; do
            [[ $r == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$r")")
        done < <(_jpki_readers)
        return ;;
    -c | --cert) _jpki_words $'auth\nsign\nboth' "$cur"; return ;;
    -k | --kind) _jpki_words $'auth\nsign' "$cur"; return ;;
    --export) _jpki_words $'auth\nsign\nauth-ca\nsign-ca' "$cur"; return ;;
    --to) _jpki_words $'face\npin' "$cur"; return ;;
    --persona)
        _jpki_words "$(jpki-card-sim --list-personas 2>/dev/null | awk '!/^#/ { print $1 }')" "$cur"
        return ;;
    --variant)
        _jpki_words "$(jpki-card-sim --list-variants 2>/dev/null | awk '!/^#/ { print $1 }')" "$cur"
        return ;;
    --color) _jpki_words $'auto\nalways\nnever' "$cur"; return ;;
    --pin-file | --issuer-key-file | --trace-file | --file | -f | --journal | --pin-map | \
        --state | -s | --issuer-key | --replay | --summary-json)
        [[ $prog == jpki-expiry-check && $prev == -f ]] || {
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return
        } ;;
    --dir | -d | --ca)
        COMPREPLY=($(compgen -d -- "$cur"))
        compopt -o filenames 2>/dev/null
        return ;;
    --pin-fd | --issuer-key-fd | --pin-map-fd | --now | -w | --within | --ca-cmd | \
        --ca-timeout | --port | -p | --host | --remove-after | --slow | --birth)
        COMPREPLY=()
        return ;;
    esac
    if [[ $cur == -* ]]; then
        _jpki_words "$(_jpki_options "$prog")" "$cur"
        return
    fi
    # the first word that is not an option
    if ((npos == 0)); then
        case $prog in
        jpki-reset-pin) _jpki_words $'auth\nsign\ncardinfo\nregistry' "$cur"; return ;;
        jpki-ca) _jpki_words $'init\nissue' "$cur"; return ;;
        jpki-renew) _jpki_words $'renew\nrequest\ninstall\nresume' "$cur"; return ;;
        esac
    fi
    COMPREPLY=()
}

_jpki_complete()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]##*/} first=1
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=VALUE: bash splits at '=' (COMP_WORDBREAKS): complete VALUE
    # as if it followed --opt.
    if [[ $cur == = && $prev == --* ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    if [[ $prog == jpki ]]; then
        if ((COMP_CWORD == 1)); then
            if [[ $cur == -* ]]; then
                _jpki_words $'--help\n--version' "$cur"
            else
                _jpki_words "$(_jpki_commands)"$'\nhelp' "$cur"
            fi
            return
        fi
        if [[ ${COMP_WORDS[1]} == help ]]; then
            ((COMP_CWORD == 2)) && _jpki_words "$(_jpki_commands)" "$cur"
            return
        fi
        prog=jpki-${COMP_WORDS[1]}
        first=2
    fi
    # count the words before cur that are not options or option values
    local i npos=0 w
    for ((i = first; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        [[ $w == -* ]] && continue
        ((i > first)) && [[ ${COMP_WORDS[i - 1]} == -* && ${COMP_WORDS[i - 1]} != *=* ]] &&
            _jpki_takes_value "${COMP_WORDS[i - 1]}" && continue
        npos=$((npos + 1))
    done
    _jpki_complete_prog "$prog" "$cur" "$prev" "$npos"
}

# Options that take a value (the word after them is not an operand).
_jpki_takes_value()
{
    # t_completion checks this list against every binary's help text, both ways.
    case $1 in
    -r | --reader | -c | --cert | -k | --kind | --export | --to | --persona | --pin-file | --issuer-key-file | \
        --trace-file | --file | -f | --journal | --pin-map | --state | -s | --issuer-key | --replay | \
        --dir | -d | --ca | --pin-fd | --issuer-key-fd | --pin-map-fd | --now | -w | --within | \
        --ca-cmd | --ca-timeout | --port | -p | --host | --remove-after | --slow | --birth | \
        --variant | --color | --summary-json | --hold-after | --serial) return 0 ;;
    esac
    return 1
}

complete -F _jpki_complete jpki jpki-status jpki-expiry-check jpki-renew jpki-reset-pin \
    jpki-face-auth-switch jpki-apdu jpki-card-sim jpki-ca
