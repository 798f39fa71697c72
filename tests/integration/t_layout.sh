# The rooms' walls, as the sources show them (issue 13): no test includes a
# .c file or reaches into another folder's private headers.  Code under
# tests/ sees the public API (jpki/*.h), the shared CLI glue (cmd/common),
# the declared interface headers of the test-kit rooms listed below, and
# helper headers of its own folder.  White-box tests of libjpki's internals
# live in lib/tests/ and see lib/ only.  No card needed.

# The rooms' declared interfaces (the Makefile's "test kit's libraries").
ROOM_INTERFACES="cmd/jpki-card-sim/engine.h cmd/jpki-card-sim/sim_state.h
cmd/jpki-ca/testca.h cmd/jpki-ca/profile_ext.h cmd/jpki-apdu/run.h
cmd/testkit/x509_crt.h"

# layout_violations ROOT: one line "FILE: #include ..." per include under
# ROOT/tests and ROOT/lib/tests that breaks the rules above.
layout_violations() {
    local root=$1 f dir inc name
    while IFS= read -r f; do
        dir=$(dirname "$f")
        while IFS= read -r inc; do
            name=$(printf '%s\n' "$inc" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p')
            [ -n "$name" ] || continue
            case $name in
            *.c) echo "$f: $inc (a .c file)"; continue ;;
            jpki/*) continue ;;
            esac
            case $f in
            "$root"/lib/tests/*)
                # lib's own white-box tests: lib's headers, nothing of cmd/.
                case $name in
                ../*/*) echo "$f: $inc (outside lib/)" ;;
                ../*) [ -f "$root/lib/${name#../}" ] || echo "$f: $inc (not a lib/ header)" ;;
                *) [ -f "$dir/$name" ] || echo "$f: $inc (not lib/tests' own)" ;;
                esac
                continue ;;
            esac
            case $name in
            *_internal.h) echo "$f: $inc (a private header)"; continue ;;
            */*) echo "$f: $inc (a path into another folder)"; continue ;;
            esac
            [ -f "$dir/$name" ] && continue               # the folder's own helper
            [ -f "$root/cmd/common/$name" ] && continue   # shared CLI glue
            case " $(echo $ROOM_INTERFACES) " in
            *"/$name "*) continue ;;
            esac
            echo "$f: $inc (not a declared room interface)"
        done < <(grep -h '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
    done < <(find "$root/tests" "$root/lib/tests" -name '*.[ch]' 2>/dev/null | sort)
}

bad=$(layout_violations "$JPKI_SRC")
check "tests include only public, shared, room-interface and own headers${bad:+:
$bad}" test -z "$bad"

# Every declared interface exists (a renamed header must update the list).
missing=""
for h in $ROOM_INTERFACES; do [ -f "$JPKI_SRC/$h" ] || missing="$missing $h"; done
check "every declared room interface exists${missing:+ (missing:$missing)}" test -z "$missing"

# The same scan catches each kind of breach (so the checks above can fail).
probe=$(mktemp -d)
mkdir -p "$probe/tests/unit" "$probe/lib/tests" "$probe/cmd/common" "$probe/cmd/jpki-card-sim"
touch "$probe/lib/card_internal.h" "$probe/lib/dn_format.h" "$probe/tests/unit/helper.h" \
      "$probe/cmd/common/cli.h" "$probe/cmd/jpki-card-sim/engine.h" "$probe/cmd/jpki-card-sim/sim.h"
cat >"$probe/tests/unit/test_ok.c" <<'EOF'
#include "jpki/card.h"
#include "helper.h"
#include "cli.h"
#include "engine.h"
EOF
printf '#include "../../cmd/jpki-card-sim/state.c"\n' >"$probe/tests/unit/test_c.c"
printf '#include "../../lib/card_internal.h"\n' >"$probe/tests/unit/test_internal.c"
printf '#include "../../lib/dn_format.h"\n' >"$probe/tests/unit/test_path.c"
printf '#  include "sim.h"\n' >"$probe/tests/unit/test_room.c"
printf '#include "../dn_format.h"\n#include "../card_internal.h"\n' >"$probe/lib/tests/test_lib_ok.c"
printf '#include "../../cmd/common/cli.h"\n' >"$probe/lib/tests/test_lib_out.c"
got=$(layout_violations "$probe" | sed "s|$probe/||; s|: .*(|: (|")
want="lib/tests/test_lib_out.c: (outside lib/)
tests/unit/test_c.c: (a .c file)
tests/unit/test_internal.c: (a private header)
tests/unit/test_path.c: (a path into another folder)
tests/unit/test_room.c: (not a declared room interface)"
check "the layout scan flags each planted breach, and only those" test "$got" = "$want"
rm -rf "$probe"
finish
