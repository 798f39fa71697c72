# Helpers shared by the t_variant_*.sh tests (sourced; not a test itself).
# $variants: every card variant of jpki-card-sim --list-variants (NAME or
# NAME<TAB>description per line, default first).  A simulator without
# --list-variants is one implicit variant "contact" (the "# variants:" line
# says so), until every branch's simulator has the option.
if variants=$(jpki-card-sim --list-variants 2>/dev/null | cut -f1) && [ -n "$variants" ]; then
    echo "# variants: $(echo $variants)"
    variant_opt() { echo --variant "$1"; }
else
    variants=contact
    echo "# variants: contact (implicit: jpki-card-sim has no --list-variants)"
    variant_opt() { :; }
fi

# variant_card VARIANT STATE: a new hanako card of that variant.
variant_card() {
    make_ca
    # shellcheck disable=SC2046 # variant_opt prints zero or two words
    jpki-card-sim --new --state "$2" --persona hanako --ca "$JPKI_WORK/ca" $(variant_opt "$1") \
        --issuer-key "$JPKI_WORK/issuer.key" >/dev/null
}
