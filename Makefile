# memhp - Linux memory hotplug with memmap_on_memory, in user space.
#
#   make            library + tools (build/)
#   make demo       the main job (see README)
#   make check      everything: deps, unit tests, oracle conformance,
#                   then all of it again under ASan+UBSan
#   make bench      the benchmarks (build/bench.json); bench-smoke: seconds
#   make install    PREFIX=/usr/local DESTDIR=

CC      ?= cc
BUILD   ?= build
SAN     ?=
PREFIX  ?= /usr/local
CFLAGS_BASE := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
               -pthread -fPIC -Iinclude -Ilib
ifeq ($(SAN),asan)
  CFLAGS_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1
endif
ifeq ($(SAN),tsan)
  CFLAGS_SAN := -fsanitize=thread -O1
endif
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS_SAN) $(CFLAGS)
LDFLAGS_ALL := -pthread $(CFLAGS_SAN) $(LDFLAGS)

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
TOOL_COMMON := $(BUILD)/tools/scenario.o $(BUILD)/tools/json.o $(BUILD)/tools/ctl.o \
	       $(BUILD)/tools/plan.o $(BUILD)/tools/demo.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all lib tools tests check check-unit check-oracle check-asan deps demo clean install \
	bench bench-smoke

all: lib tools

lib: $(BUILD)/libmemhp.a
tools: $(BUILD)/memhpctl $(BUILD)/memhpd

$(BUILD)/lib/%.o: lib/%.c lib/internal.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/tools/%.o: tools/%.c tools/*.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libmemhp.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/memhpctl: $(BUILD)/tools/memhpctl.o $(TOOL_COMMON) $(BUILD)/libmemhp.a
	$(CC) $^ -o $@ $(LDFLAGS_ALL)

FUSE_CFLAGS = $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS = $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)

$(BUILD)/tools/memhpd.o: tools/memhpd.c tools/*.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(FUSE_CFLAGS) -c $< -o $@

$(BUILD)/memhpd: $(BUILD)/tools/memhpd.o $(BUILD)/libmemhp.a
	$(CC) $^ -o $@ $(LDFLAGS_ALL) $(FUSE_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(BUILD)/libmemhp.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL) -lcmocka

tests: $(UNIT_BINS)

$(BUILD)/memhp-bench: bench/bench.c include/memhp/memhp.h $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL) -ldl

# every figure a ratio against a baseline of the same run (README, Benchmarks)
bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/memhp-bench
	$(BUILD)/memhp-bench --json $(BUILD)/bench.json

bench-smoke: all $(BUILD)/memhp-bench
	$(BUILD)/memhp-bench --smoke --json $(BUILD)/bench-smoke.json

deps:
	@scripts/install-deps.sh

# One pass of every test against one build ($(BUILD), $(SAN)); PASS=unit
# runs the unit tests only.
check-pass: all tests $(BUILD)/memhp-bench
	@scripts/run-tests.sh $(BUILD) $(PASS)

# Everything, then everything again under ASan+UBSan, then the unit tests
# (the concurrent ones are what it is for) under ThreadSanitizer.
check: deps
	@$(MAKE) --no-print-directory check-pass BUILD=build
	@$(MAKE) --no-print-directory check-pass BUILD=build-asan SAN=asan
	@$(MAKE) --no-print-directory check-pass BUILD=build-tsan SAN=tsan PASS=unit
	@scripts/summary.sh build build-asan build-tsan

demo: deps all
	@scripts/demo.sh $(BUILD)

# PREFIX and DESTDIR as usual; the .pc file says PREFIX
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/memhp $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/memhpctl $(BUILD)/memhpd $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/libmemhp.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/memhp/memhp.h $(DESTDIR)$(PREFIX)/include/memhp/
	sed 's|@PREFIX@|$(PREFIX)|' memhp.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/memhp.pc
	install -m 0644 man/libmemhp.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 0644 man/memhpd.8 man/memhpctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf build build-asan build-tsan
