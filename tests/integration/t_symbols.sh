# libjpki.so's ABI is exactly what include/jpki declares with JPKI_API:
# every dynamic export is a jpki_ name, every export is declared in a public
# header, and every JPKI_API declaration is exported.  No card needed.
so="$JPKI_BUILD/libjpki.so"
check "libjpki.so exists" test -f "$so" || { finish; exit; }

# Defined dynamic symbols, minus the version node (type A, JPKI_0).
exported=$(nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u)
# The identifier right before '(' on each line that starts with JPKI_API.
declared=$(cat "$JPKI_SRC"/include/jpki/*.h | grep '^JPKI_API' |
           sed -n 's/^\([^(]*[^A-Za-z0-9_(]\)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\)(.*/\2/p' | sort -u)

check "some symbols are exported" test -n "$exported"
check "some functions are declared JPKI_API" test -n "$declared"

foreign=$(printf '%s\n' "$exported" | grep -v '^jpki_' | tr '\n' ' ')
check "every export has the jpki_ prefix${foreign:+ (not: $foreign)}" test -z "$foreign"

undeclared=$(comm -23 <(printf '%s\n' "$exported") <(printf '%s\n' "$declared") | tr '\n' ' ')
check "every export is declared JPKI_API${undeclared:+ (undeclared: $undeclared)}" test -z "$undeclared"

unexported=$(comm -13 <(printf '%s\n' "$exported") <(printf '%s\n' "$declared") | tr '\n' ' ')
check "every JPKI_API declaration is exported${unexported:+ (missing: $unexported)}" test -z "$unexported"

# The public headers name no mbedTLS type: keys cross the API as jpki_pubkey,
# so callers need not build against the same crypto library (issue 13).
# includes_mbedtls DIR prints the headers under DIR that include mbedtls/.
includes_mbedtls() { grep -l '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]mbedtls/' "$1"/*.h; }
leaks=$(includes_mbedtls "$JPKI_SRC/include/jpki" | tr '\n' ' ')
check "no public header includes mbedtls/${leaks:+ (does: $leaks)}" test -z "$leaks"
# The same check spots a header that does (so the one above can fail).
probe=$(mktemp -d)
printf '#include "jpki/error.h"\n  #  include <mbedtls/rsa.h>\n' >"$probe/leaky.h"
printf '/* mentions mbedtls/rsa.h in a comment only */\n' >"$probe/clean.h"
check "the mbedtls/ include check catches a leaky header" \
    test "$(includes_mbedtls "$probe")" = "$probe/leaky.h"
rm -rf "$probe"

# Nor do they name one at all (a forward-declared struct mbedtls_x509_crt in
# a prototype leaks the type as surely as an include does).
# mentions_mbedtls DIR prints the headers under DIR that name an mbedtls_ identifier.
mentions_mbedtls() { grep -l 'mbedtls_' "$1"/*.h; }
leaks=$(mentions_mbedtls "$JPKI_SRC/include/jpki" | tr '\n' ' ')
check "no public header names an mbedtls_ type or function${leaks:+ (does: $leaks)}" test -z "$leaks"
probe=$(mktemp -d)
printf 'struct mbedtls_x509_crt;\nint jpki_x(struct mbedtls_x509_crt *c);\n' >"$probe/leaky.h"
printf '/* parses with mbedTLS */\nint jpki_y(void);\n' >"$probe/clean.h"
check "the mbedtls_ name check catches a leaky header" \
    test "$(mentions_mbedtls "$probe")" = "$probe/leaky.h"
rm -rf "$probe"

# The card and transport handles are opaque: no public header defines them.
defs=$(grep -lE 'struct jpki_(card|transport)[[:space:]]*\{' "$JPKI_SRC"/include/jpki/*.h | tr '\n' ' ')
check "jpki_card and jpki_transport are opaque in the public headers${defs:+ (defined in: $defs)}" \
    test -z "$defs"

# The symbol version node the linker script gives the library.
check "exports carry the JPKI_0 version" sh -c "objdump -T '$so' | grep -q 'JPKI_0'"
finish
