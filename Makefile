# bgpd: one non-recursive Makefile.
#
# Sources are found by directory, so adding a file to a module needs no edit
# here. Objects go under $(BUILD) so a normal, a sanitizer and a fuzzing build
# can sit side by side:
#   make                 build/bgpd
#   make asan            build-asan/bgpd (ASan + UBSan, clang)
#   make unit            build and run the C unit tests
#   make check           install packages if missing, build, run every test
#   make demo            the main job: speakers + BIRD in namespaces
#   make fuzz            build the libFuzzer targets (clang)
#   make check-deps      the one-way module dependency rule
#   make image-chroot    the Containerfile's stages in debootstrap chroots

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION ?= 0.1.0

PKGS    := libevent libcurl jansson libnl-3.0 libnl-route-3.0 libmicrohttpd yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
           -Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare
SAN     ?=
CFLAGS  += $(OPT) $(WARN) $(SAN) -std=gnu11 -D_GNU_SOURCE -MMD -MP
CPPFLAGS += -I. $(PKG_CFLAGS) -DBGPD_VERSION='"$(VERSION)"'
LDLIBS  += $(PKG_LIBS) -lm

BGP_SRC     := $(wildcard bgp/*.c)
FIB_SRC     := $(wildcard fib/*.c)
KUBE_SRC    := $(wildcard kube/*.c)
METRICS_SRC := $(wildcard metrics/*.c)
LIB_SRC     := $(BGP_SRC) $(FIB_SRC) $(KUBE_SRC) $(METRICS_SRC)
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:%.c=$(BUILD)/%)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all asan unit check demo fuzz check-deps clean install deps bench \
	image-chroot

all: $(BUILD)/bgpd

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libbgpd.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bgpd: $(BUILD)/main.o $(BUILD)/libbgpd.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test is one file linked against the library; cmocka drives it.
$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libbgpd.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libbgpd.a $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do $$t || fail=1; done; exit $$fail

asan:
	$(MAKE) BUILD=build-asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		build-asan/bgpd $(UNIT_SRC:%.c=build-asan/%)

# libFuzzer targets link the library built with the fuzzer's instrumentation.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g" SAN="$(FUZZ_FLAGS)" \
		$(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/fuzz/%)

build-fuzz/fuzz/%: tests/fuzz/%.c build-fuzz/libbgpd.a
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $< \
		build-fuzz/libbgpd.a $(LDLIBS)

deps:
	@sh .ci/install-deps

check: deps
	@sh tests/run-all

demo: deps all
	@sh examples/demo/run

bench: all
	@sh bench/run

# Root and the Debian mirror; no container engine (manifests/image/README.md).
image-chroot:
	@sh manifests/image/chroot-build

# bgp/ includes nothing of ours outside bgp/; fib/ and kube/ only bgp/'s
# public headers; nothing includes metrics/ or main.c.
check-deps:
	@! grep -nE '#include *"(\.\./)?(kube|fib|metrics)/' bgp/*.[ch]
	@! grep -nE '#include *"(\.\./)?(kube|metrics)/' fib/*.[ch]
	@! grep -nE '#include *"(\.\./)?(fib|metrics)/' kube/*.[ch]
	@! grep -nE '#include *"(\.\./)?metrics/' $(BGP_SRC) $(FIB_SRC) $(KUBE_SRC)
	@echo "check-deps: ok"

# The unit's ExecStart follows PREFIX; the --help text stands in for a
# man page.
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR  ?= $(PREFIX)/share/doc/bgpd
install: $(BUILD)/bgpd
	install -D -m 0755 $(BUILD)/bgpd $(DESTDIR)$(PREFIX)/sbin/bgpd
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	sed 's#/usr/local/sbin/bgpd#$(PREFIX)/sbin/bgpd#' \
		manifests/systemd/bgpd.service >$(DESTDIR)$(UNITDIR)/bgpd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/bgpd.service
	$(BUILD)/bgpd --help >$(DESTDIR)$(DOCDIR)/bgpd.txt
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(BUILD)/main.d
