# Helpers shared by the t_variant_*.sh tests (sourced; not a test itself).
# $variants: every card variant of jpki-card-sim --list-variants (NAME or
# NAME<TAB>description per line, default first).  No list is a failure of
# the test, never a smaller matrix.
variants=$(jpki-card-sim --list-variants | cut -f1)
if [ -z "$variants" ]; then
    nok "jpki-card-sim --list-variants lists no variant"; finish; exit 1
fi
echo "# variants: $(echo $variants)"
variant_opt() { echo --variant "$1"; }

# variant_card VARIANT STATE: a new hanako card of that variant.
variant_card() {
    make_ca
    # shellcheck disable=SC2046 # variant_opt prints zero or two words
    jpki-card-sim --new --state "$2" --persona hanako --ca "$JPKI_WORK/ca" $(variant_opt "$1") \
        --issuer-key "$JPKI_WORK/issuer.key" >/dev/null
}
