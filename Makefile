# jpki-tools: libjpki, the jpki-* commands, man pages and tests.
# Sources are discovered, so adding a file needs no edit here:
#   lib/*.c                 -> libjpki (static + shared)
#   cmd/common/*.c          -> build/libcmdcommon.a (CLI glue shared by commands)
#   tests/unit/test_*.c     -> cmocka unit tests (tests/unit/support/*.c linked in)
#   tests/tools/*.c         -> build/tests/tools/NAME, on PATH in integration tests
#   tests/fuzz/fuzz_*.c     -> libFuzzer targets (make fuzz)
#   cmd/testkit/*.h         -> headers the test kit sees of libjpki's internals (no code)
#   lib/tests/test_*.c, fuzz_*.c -> white-box tests of libjpki's internals
#   man/*.[157]             -> installed man pages
#   man/ja/*.1              -> installed Japanese man pages (share/man/ja/man1)
#   po/LANG.po              -> $(B)/locale/LANG/LC_MESSAGES/jpki-tools.mo (make pot: po/jpki-tools.pot)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
LOCALEDIR ?= $(PREFIX)/share/locale
PKGDIR ?= $(LIBDIR)/pkgconfig
# Debian's places for completions (bash-completion loads completions/NAME
# on the first TAB after NAME; zsh's compinit reads vendor-completions/_NAME).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
DESTDIR ?=

# The one version number: JPKI_VERSION in include/jpki/jpki.h (what every
# binary's --version prints and the library's soname/pkg-config carry).
VERSION := $(shell sed -n 's/^\#define JPKI_VERSION "\(.*\)"$$/\1/p' include/jpki/jpki.h)
SOVERSION := 0

CC ?= cc
B ?= build
OPT ?= -O2 -g
SAN ?=
CPPFLAGS_BASE := -Iinclude -Icmd/common -D_DEFAULT_SOURCE -D_GNU_SOURCE
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2
PKG_CFLAGS := $(shell pkg-config --cflags libpcsclite libcbor 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libpcsclite libcbor 2>/dev/null)
DEP_LIBS := $(PKG_LIBS) -lmbedx509 -lmbedcrypto -lpthread
ALL_CFLAGS = $(CPPFLAGS_BASE) $(ROOM_INC) $(PKG_CFLAGS) $(WARN) $(OPT) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB_A := $(B)/libjpki.a
LIB_SO := $(B)/libjpki.so.$(VERSION)

COMMON_SRC := $(wildcard cmd/common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o)
COMMON_A := $(B)/libcmdcommon.a

CMDS := $(patsubst cmd/%/main.c,%,$(wildcard cmd/*/main.c))
BINS := $(CMDS:%=$(B)/bin/%)
SCRIPTS := $(wildcard cmd/*.sh)

# Rooms: the product commands, and the test kit (virtual card + test CA)
# that is built and tested here but installed only by `make install-testkit`.
TESTKIT_CMDS := $(filter jpki-card-sim jpki-ca,$(CMDS))
PRODUCT_CMDS := $(filter-out $(TESTKIT_CMDS),$(CMDS))
# The test kit's libraries, each with its declared interface header:
#   libjpki-card-sim.a  cmd/jpki-card-sim/engine.h, sim_state.h (its persisted
#                       state, for white-box tests; sim.h stays private)
#   libjpki-ca.a        cmd/jpki-ca/testca.h, profile_ext.h (testca.c, csr.c)
#   (no archive)        cmd/testkit/x509_crt.h (libjpki's internal
#                       certificate parser, linked from libjpki.a)
#   libjpki-apdu.a      cmd/jpki-apdu/run.h
# tests/integration/t_layout.sh holds tests/ to these (keep its list in step).
SIM_A := $(B)/cmd/jpki-card-sim/libjpki-card-sim.a
TESTCA_A := $(B)/cmd/jpki-ca/libjpki-ca.a
APDU_A := $(B)/cmd/jpki-apdu/libjpki-apdu.a
# Which folders, besides include/ and cmd/common/, a room's code may see.
$(B)/cmd/jpki-card-sim/%.o: ROOM_INC := -Icmd/jpki-ca -Icmd/testkit
$(B)/cmd/jpki-ca/%.o: ROOM_INC := -Icmd/testkit
jpki-card-sim_LINK := $(TESTCA_A)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SUPPORT_SRC := $(wildcard tests/unit/support/*.c)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(B)/%.o)

TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRC:tests/tools/%.c=$(B)/tests/tools/%)

# White-box tests of libjpki's internals live in lib/tests/, the one place
# besides lib/ that may include lib's private headers (tests/ may not).
LIB_UNIT_SRC := $(wildcard lib/tests/test_*.c)
UNIT_BINS += $(LIB_UNIT_SRC:lib/tests/%.c=$(B)/lib-tests/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c lib/tests/fuzz_*.c)
FUZZ_BINS := $(patsubst %.c,$(B)/fuzz/%,$(notdir $(FUZZ_SRC)))

MANS := $(wildcard man/*.1 man/*.5 man/*.7)
# Japanese pages: written in man/ja/, laid out for groff by tools/man-ja-breaks.sh.
MANS_JA := $(patsubst man/ja/%,$(B)/man/ja/%,$(wildcard man/ja/*.1))

# Translations (GNU gettext, one text domain; see include/private/i18n.h).
# POTFILES: every C source that can hold a message; the keywords say which
# calls take a translatable literal (the last three translate it themselves).
TEXTDOMAIN := jpki-tools
PO_FILES := $(wildcard po/*.po)
PO_LANGS := $(PO_FILES:po/%.po=%)
MO_FILES := $(PO_LANGS:%=$(B)/locale/%/LC_MESSAGES/$(TEXTDOMAIN).mo)
# The test kit (jpki-card-sim, jpki-ca, cmd/testkit) stays English.
POT_SRC = $(sort $(filter-out cmd/jpki-card-sim/% cmd/jpki-ca/% cmd/testkit/%,\
    $(wildcard lib/*.c cmd/*/*.c cmd/common/*.h cmd/*/*.h)))
XGETTEXT_KEYWORDS := --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=input_errorf:2 --keyword=error_reword:2 --keyword=error_set_pin:5 --keyword=error_reword_pin:4 --flag=error_reword_pin:4:c-format --flag=error_set_pin:5:c-format --flag=error_reword:2:c-format --flag=input_errorf:2:c-format --keyword=jpki_error_set:3 --keyword=jpki_error_prefix:2 \
    --keyword=cli_errorf:2 --flag=jpki_error_set:3:c-format --flag=jpki_error_prefix:2:c-format \
    --flag=cli_errorf:2:c-format
XGETTEXT_FLAGS := --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: --no-location --sort-output \
    --package-name=jpki-tools --package-version=$(VERSION) --msgid-bugs-address=jpki-tools $(XGETTEXT_KEYWORDS)

.PHONY: fuzz-targets all deps check check-unit check-integration check-asan check-valgrind demo \
        pot pot-fresh install install-testkit uninstall uninstall-testkit debian-symbols clean fuzz fuzz-long bench
.SECONDARY:

all: $(LIB_A) $(LIB_SO) $(BINS) $(B)/libjpki.pc $(B)/cmd/testkit/x509_crt.checked $(MO_FILES) $(MANS_JA)

deps:
	@tools/ensure-deps.sh

# Objects: one rule for everything; -fPIC so the same objects make the .so.
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# Library objects export only what include/jpki marks JPKI_API.
$(LIB_OBJ): ALL_CFLAGS += -fvisibility=hidden

# Only the locale code needs to know where catalogs are installed.
$(B)/cmd/common/cli_locale.o: ALL_CFLAGS += -DLOCALEDIR='"$(LOCALEDIR)"'

# po/POTFILES and po/jpki-tools.pot from the sources (commit both); the
# catalogs are checked against a fresh one by t_i18n_complete.
pot:
	@mkdir -p po
	printf '%s\n' $(POT_SRC) > po/POTFILES
	xgettext $(XGETTEXT_FLAGS) --files-from=po/POTFILES -o po/$(TEXTDOMAIN).pot
	for l in $(PO_LANGS); do msgmerge -q --update --backup=none --no-location --sort-output \
	    po/$$l.po po/$(TEXTDOMAIN).pot && msgattrib --no-obsolete -o po/$$l.po po/$$l.po; done

# A template fresh from the sources into POT_OUT, po/ untouched: what
# t_i18n_complete checks po/*.po and po/jpki-tools.pot against.
pot-fresh:
	@test -n "$(POT_OUT)" || { echo "pot-fresh: set POT_OUT=FILE" >&2; exit 2; }
	@printf '%s\n' $(POT_SRC) > $(POT_OUT).files
	@xgettext $(XGETTEXT_FLAGS) --files-from=$(POT_OUT).files -o $(POT_OUT)

$(B)/man/ja/%.1: man/ja/%.1 tools/man-ja-breaks.sh
	@mkdir -p $(dir $@)
	tools/man-ja-breaks.sh $< > $@.tmp && mv $@.tmp $@

$(B)/locale/%/LC_MESSAGES/$(TEXTDOMAIN).mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ) lib/libjpki.map
	$(CC) -shared -Wl,-soname,libjpki.so.$(SOVERSION) -Wl,--version-script=lib/libjpki.map \
	    $(ALL_LDFLAGS) -o $@ $(LIB_OBJ) $(DEP_LIBS)
	ln -sf libjpki.so.$(VERSION) $(B)/libjpki.so.$(SOVERSION)
	ln -sf libjpki.so.$(VERSION) $(B)/libjpki.so

$(COMMON_A): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# cmd/testkit/x509_crt.h declares libjpki's internal x509 parser for the test
# kit: compiling the definitions with that header force-included fails the
# build if its prototypes drift from the library's.
$(B)/cmd/testkit/x509_crt.checked: lib/x509_parse.c lib/x509_parse.h cmd/testkit/x509_crt.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -include cmd/testkit/x509_crt.h -fsyntax-only $< && touch $@

# Per-command helper archive: every .c of cmd/NAME except main.c.
define CMD_RULES
$(1)_EXTRA_SRC := $$(filter-out cmd/$(1)/main.c,$$(wildcard cmd/$(1)/*.c))
$(B)/cmd/$(1)/lib$(1).a: $$($(1)_EXTRA_SRC:%.c=$(B)/%.o)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^ $$(if $$^,,&& ar rcs $$@)
$(B)/bin/$(1): $(B)/cmd/$(1)/main.o $(B)/cmd/$(1)/lib$(1).a $$($(1)_LINK) $(COMMON_A) $(LIB_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $(DEP_LIBS)
endef
$(foreach c,$(CMDS),$(eval $(call CMD_RULES,$(c))))

$(B)/libjpki.pc: tools/libjpki.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' $< > $@

TEST_DEPS := $(SUPPORT_OBJ) $(SIM_A) $(TESTCA_A) $(APDU_A) $(COMMON_A) $(LIB_A)
# Tests see the declared interfaces of the rooms they use, nothing else of cmd/.
TEST_INC := -Icmd/jpki-card-sim -Icmd/jpki-ca -Icmd/jpki-apdu -Icmd/testkit

# Test-only programs used by integration tests (linked like the commands).
$(B)/tests/tools/%: tests/tools/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_INC) -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(TEST_DEPS) $(DEP_LIBS)

# libFuzzer targets; built by `make fuzz` in build-fuzz with clang and
# SAN=-fsanitize=fuzzer-no-link,address,undefined (see tools/fuzz.sh).
$(B)/fuzz/%: tests/fuzz/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz $(TEST_INC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(DEP_LIBS)
$(B)/fuzz/%: lib/tests/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(DEP_LIBS)

fuzz-targets: $(FUZZ_BINS)

# Unit tests link the simulator's card engine in-process (no PC/SC).  -MMD:
# a test also rebuilds when a header or an included source changes.
$(B)/tests/%: tests/unit/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(TEST_INC) -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(TEST_DEPS) -lcmocka $(DEP_LIBS)

# lib's white-box unit tests: libjpki.a only (no test kit, no cmd/ headers).
$(B)/lib-tests/%: lib/tests/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(LIB_A) -lcmocka $(DEP_LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(TOOL_BINS)
	@JPKI_FUZZ_CORPUS=1 JPKI_CC="$(CC)" JPKI_SAN="$(SAN)" tools/run-checks.sh "$(B)" $(UNIT_BINS)

check-unit: all $(UNIT_BINS) $(TOOL_BINS)
	@tools/run-checks.sh --unit-only "$(B)" $(UNIT_BINS)

check-integration: all $(TOOL_BINS)
	@JPKI_CC="$(CC)" JPKI_SAN="$(SAN)" tools/run-checks.sh --integration-only "$(B)"

# Sanitizer build in its own tree; the whole suite runs against it.
check-asan: deps
	@$(MAKE) --no-print-directory B=build-asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

check-valgrind: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(TOOL_BINS)
	@JPKI_VALGRIND=1 tools/run-checks.sh "$(B)" $(UNIT_BINS)

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh "$(B)"

fuzz:
	@tools/fuzz.sh build

fuzz-long:
	@tools/fuzz.sh long

bench: all
	@for b in bench/*.sh; do [ -e "$$b" ] && bash "$$b" "$(B)"; done; true

# `make install` installs the product only; the test kit (virtual card and
# test CA, with their man pages) is `make install-testkit`.
PRODUCT_BINS := $(PRODUCT_CMDS:%=$(B)/bin/%)
TESTKIT_BINS := $(TESTKIT_CMDS:%=$(B)/bin/%)
TESTKIT_MANS := $(filter $(TESTKIT_CMDS:%=man/%.1),$(MANS))
PRODUCT_MANS := $(filter-out $(TESTKIT_MANS),$(MANS))
# install_mans PAGES / uninstall_mans PAGES: each page into man<section>.
install_mans = for m in $(1); do s=$${m\#\#*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
uninstall_mans = for m in $(1); do s=$${m\#\#*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m\#\#*/}; done
# Completions: one bash script and one zsh function serve every binary
# (tools/completion/jpki.bash, _jpki).  `make install`: completions/jpki and
# _jpki, the other product names as symlinks to them; `make
# install-testkit`: copies for the test kit's names, so that package stands
# on its own.
install_completions = install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR); \
	    for n in $(1); do \
	    if [ "$(2)" = link ] && [ $$n != jpki ]; then ln -sf jpki $(DESTDIR)$(BASHCOMPDIR)/$$n; \
	        ln -sf _jpki $(DESTDIR)$(ZSHCOMPDIR)/_$$n; \
	    else install -m 644 tools/completion/jpki.bash $(DESTDIR)$(BASHCOMPDIR)/$$n; \
	        install -m 644 tools/completion/_jpki $(DESTDIR)$(ZSHCOMPDIR)/_$$n; fi; done
uninstall_completions = for n in $(1); do rm -f $(DESTDIR)$(BASHCOMPDIR)/$$n $(DESTDIR)$(ZSHCOMPDIR)/_$$n; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/jpki $(DESTDIR)$(PKGDIR)
	install -m 755 $(PRODUCT_BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libjpki.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libjpki.so.$(SOVERSION)
	ln -sf libjpki.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libjpki.so
	install -m 644 include/jpki/*.h $(DESTDIR)$(INCDIR)/jpki/
	# Written here, not copied from the build, so the PREFIX/LIBDIR given to
	# `make install` are the ones in the installed file.
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' tools/libjpki.pc.in > $(DESTDIR)$(PKGDIR)/libjpki.pc
	chmod 644 $(DESTDIR)$(PKGDIR)/libjpki.pc
	$(call install_mans,$(PRODUCT_MANS))
	$(call install_completions,jpki $(filter-out jpki,$(PRODUCT_CMDS)),link)
	install -d $(DESTDIR)$(MANDIR)/ja/man1
	$(if $(MANS_JA),install -m 644 $(MANS_JA) $(DESTDIR)$(MANDIR)/ja/man1/)
	for l in $(PO_LANGS); do install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; \
	    install -m 644 $(B)/locale/$$l/LC_MESSAGES/$(TEXTDOMAIN).mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/; done

install-testkit: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(TESTKIT_BINS) $(DESTDIR)$(BINDIR)/
	$(call install_mans,$(TESTKIT_MANS))
	$(call install_completions,$(TESTKIT_CMDS),copy)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PRODUCT_CMDS))
	rm -f $(DESTDIR)$(LIBDIR)/libjpki.a $(DESTDIR)$(LIBDIR)/libjpki.so*
	rm -rf $(DESTDIR)$(INCDIR)/jpki
	rm -f $(DESTDIR)$(PKGDIR)/libjpki.pc
	$(call uninstall_mans,$(PRODUCT_MANS))
	$(call uninstall_completions,$(PRODUCT_CMDS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/ja/man1/,$(notdir $(MANS_JA)))
	for l in $(PO_LANGS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/$(TEXTDOMAIN).mo; done

uninstall-testkit:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TESTKIT_CMDS))
	$(call uninstall_mans,$(TESTKIT_MANS))
	$(call uninstall_completions,$(TESTKIT_CMDS))

# Regenerate debian/libjpki0.symbols from the shared library just built
# (after the library's exports change; see debian/README.source).  From an
# empty template, so symbols that are gone leave no #MISSING lines behind.
debian-symbols: $(LIB_SO)
	dpkg-gensymbols -q -plibjpki0 -v$(VERSION) -e$(LIB_SO) -I/dev/null -O$(B)/libjpki0.symbols
	sed '1a * Build-Depends-Package: libjpki-dev' $(B)/libjpki0.symbols > debian/libjpki0.symbols

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
