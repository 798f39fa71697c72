# jpki-tools: libjpki, the jpki-* commands, man pages and tests.
# Sources are discovered, so adding a file needs no edit here:
#   lib/*.c                 -> libjpki (static + shared)
#   cmd/common/*.c          -> build/libcmdcommon.a (CLI glue shared by commands)
#   cmd/NAME/main.c         -> binary NAME; other cmd/NAME/*.c -> build/cmd/NAME/libNAME.a
#   tests/unit/test_*.c     -> cmocka unit tests (tests/unit/support/*.c linked in)
#   tests/tools/*.c         -> build/tests/tools/NAME, on PATH in integration tests
#   tests/fuzz/fuzz_*.c     -> libFuzzer targets (make fuzz)
#   man/*.[157]             -> installed man pages

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

VERSION := 0.1.0
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
ALL_CFLAGS = $(CPPFLAGS_BASE) $(PKG_CFLAGS) $(WARN) $(OPT) $(SAN) $(CFLAGS)
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
SIM_A := $(B)/cmd/jpki-card-sim/libjpki-card-sim.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SUPPORT_SRC := $(wildcard tests/unit/support/*.c)
SUPPORT_OBJ := $(SUPPORT_SRC:%.c=$(B)/%.o)

TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRC:tests/tools/%.c=$(B)/tests/tools/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

MANS := $(wildcard man/*.1 man/*.5 man/*.7)

.PHONY: fuzz-targets all deps check check-unit check-integration check-asan check-valgrind demo \
        install uninstall clean fuzz fuzz-long bench
.SECONDARY:

all: $(LIB_A) $(LIB_SO) $(BINS) $(B)/libjpki.pc

deps:
	@tools/ensure-deps.sh

# Objects: one rule for everything; -fPIC so the same objects make the .so.
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# Library objects export only what include/jpki marks JPKI_API.
$(LIB_OBJ): ALL_CFLAGS += -fvisibility=hidden

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

# Per-command helper archive: every .c of cmd/NAME except main.c.
define CMD_RULES
$(1)_EXTRA_SRC := $$(filter-out cmd/$(1)/main.c,$$(wildcard cmd/$(1)/*.c))
$(B)/cmd/$(1)/lib$(1).a: $$($(1)_EXTRA_SRC:%.c=$(B)/%.o)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^ $$(if $$^,,&& ar rcs $$@)
$(B)/bin/$(1): $(B)/cmd/$(1)/main.o $(B)/cmd/$(1)/lib$(1).a $(COMMON_A) $(LIB_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $(DEP_LIBS)
endef
$(foreach c,$(CMDS),$(eval $(call CMD_RULES,$(c))))

$(B)/libjpki.pc: tools/libjpki.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' $< > $@

TEST_DEPS := $(SUPPORT_OBJ) $(if $(wildcard cmd/jpki-card-sim/main.c),$(SIM_A)) $(COMMON_A) $(LIB_A)

# Test-only programs used by integration tests (linked like the commands).
$(B)/tests/tools/%: tests/tools/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icmd -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(TEST_DEPS) $(DEP_LIBS)

# libFuzzer targets; built by `make fuzz` in build-fuzz with clang and
# SAN=-fsanitize=fuzzer-no-link,address,undefined (see tools/fuzz.sh).
$(B)/fuzz/%: tests/fuzz/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -Icmd -fsanitize=fuzzer,address,undefined -o $@ $^ $(DEP_LIBS)

fuzz-targets: $(FUZZ_BINS)

# Unit tests link the simulator's card engine in-process (no PC/SC).  -MMD:
# a test also rebuilds when a header or an included source changes.
$(B)/tests/%: tests/unit/%.c $(TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -Icmd -MMD -MP -MF $@.d -MT $@ $(ALL_LDFLAGS) -o $@ $< $(TEST_DEPS) -lcmocka $(DEP_LIBS)

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

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/jpki $(DESTDIR)$(PKGDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
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
	for m in $(MANS); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	    install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(CMDS))
	rm -f $(DESTDIR)$(LIBDIR)/libjpki.*
	rm -rf $(DESTDIR)$(INCDIR)/jpki
	rm -f $(DESTDIR)$(PKGDIR)/libjpki.pc

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
