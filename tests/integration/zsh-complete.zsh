#!/usr/bin/zsh -f
# For t_completion (not a test itself): run the zsh completion function
# _jpki (autoloaded from DIR, as compinit would) for the command line
# WORD... with the cursor on the last word, and print what it offers, one
# word a line.  compadd, compset, _files and _message are stand-ins that
# record instead of drawing a menu: a non-interactive zsh has no
# completion widgets, and the function's own logic is what is tested.
dir=$1; shift
typeset -ga offered
compadd() {
    local -a w
    while (( $# )); do
        case $1 in
        -a) shift; w+=(${(P)1}) ;;
        --) shift; w+=("$@"); break ;;
        -*) ;;
        *) w+=("$1") ;;
        esac
        shift
    done
    offered+=(${(M)w:#${PREFIX}*})
}
compset() { [[ $1 == -P ]] && PREFIX=${PREFIX#*=}; return 0 }
_files() { offered+=('<files>') }
_message() { offered+=("<message:$1>") }
fpath=($dir $fpath)
autoload -Uz _jpki
words=("$@")
CURRENT=$#
PREFIX=${words[CURRENT]}
_jpki
print -rl -- $offered
