#!/usr/bin/zsh -f
# For t_completion (not a test itself): the zsh completion as a user gets
# it.  An interactive zsh on a pseudo-terminal (zsh/zpty) loads
# compinit with DIR on its fpath, gets LINE and a TAB typed, and what the
# line became is printed (terminal control sequences removed), e.g.
#   zsh-zpty.zsh tools/completion 'jpki-expiry-check --ce'  ->  jpki-expiry-check --cert
dir=$1 line=$2 dump=${3:-${TMPDIR:-/tmp}/zcompdump.$$}
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='> '; PATH=${(q)PATH}; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)dump}; bindkey -e; print RE''ADY"
out= chunk=
for i in {1..200}; do
    zpty -r -t z chunk && out+=$chunk
    [[ $out == *READY* ]] && break
    sleep 0.05
done
[[ $out == *READY* ]] || { print -u2 "zsh-zpty: the shell did not start"; exit 1 }
zpty -w -n z "$line"$'\t'
out=
for i in {1..40}; do # until the line stops changing
    sleep 0.1
    if zpty -r -t z chunk; then out+=$chunk; i=30; fi
done
zpty -d z
# the line as it stands after the last redraw (from the last time the
# command's name was drawn), without escape sequences
setopt extendedglob
out=${out//$'\e'\[[0-9;?]#[A-Za-z]/}
out=${out//$'\r'/}
cmd=${line%% *}
out=$cmd${out##*$cmd}
print -r -- ${out%% #}
