# memhp - Linux memory hotplug with memmap_on_memory, in user space.
#
#   make            library + tools (build/)
#   make demo       the main job (see README)
#   make check      everything: deps, unit tests, oracle conformance,
#                   then all of it again under ASan+UBSan
#   make bench      the benchmarks (build/bench.json); bench-smoke: seconds
#   make install    PREFIX=/usr/local DESTDIR= (tools, library, man pages, memhpd.service)

CC      ?= cc
BUILD   ?= build
SAN     ?=
PREFIX  ?= /usr/local
CFLAGS_BASE := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
               -pthread -fPIC -Iinclude -Ilib
ifeq ($(SAN),asan)
  CFLAGS_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1 \
		-DMEMHP_DEBUG
endif
# MEMHP_DEBUG: the lock rules checked where they are stated (lib/lockdep.h)
ifeq ($(SAN),tsan)
  CFLAGS_SAN := -fsanitize=thread -O1 -DMEMHP_DEBUG
endif
# libFuzzer (clang): the library instrumented, the targets linked with it
ifeq ($(SAN),fuzz)
  CFLAGS_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -O1
endif
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS_SAN) $(CFLAGS)
LDFLAGS_ALL := -pthread $(CFLAGS_SAN) $(LDFLAGS)

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
TOOL_COMMON := $(BUILD)/tools/scenario.o $(BUILD)/tools/scenario_parse.o $(BUILD)/tools/scenario_target.o \
	       $(BUILD)/tools/scenario_snapshot.o $(BUILD)/tools/scenario_result.o $(BUILD)/tools/scenario_render.o $(BUILD)/tools/udev.o $(BUILD)/tools/udev_rules.o $(BUILD)/tools/json.o $(BUILD)/tools/ctl.o $(BUILD)/tools/ctl_protocol.o $(BUILD)/tools/mounts.o \
	       $(BUILD)/tools/plan.o $(BUILD)/tools/demo.o $(BUILD)/tools/preload_cmd.o
FUZZ_TARGETS := cmdline sysfs scenario ctl
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all lib tools tests check check-unit check-oracle check-asan deps demo clean install \
	bench bench-smoke bench-live check-long fuzz-targets check-tsan

all: lib tools

lib: $(BUILD)/libmemhp.a $(BUILD)/libmemhp.so
tools: $(BUILD)/memhpctl $(BUILD)/memhpd $(if $(SAN),,$(BUILD)/libmemhp-preload.so)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/tools/%.o: tools/%.c tools/*.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# The library exports its API and nothing else: the functions memhp.h
# declares.  libmemhp.a is one object with every other symbol made local
# (a program may have its own free_pages or add_memory), libmemhp.so the
# same through a version script.  The white-box unit tests link the
# objects as they are (libmemhp-internal.a).
$(BUILD)/memhp.syms: include/memhp/memhp.h
	@mkdir -p $(dir $@)
	grep -oE '\bmemhp_[a-z0-9_]+ *\(' $< | sed 's/ *($$//' | sort -u > $@

$(BUILD)/libmemhp.a: $(LIB_OBJS) $(BUILD)/memhp.syms
	@mkdir -p $(dir $@)
	$(LD) -r -o $(BUILD)/memhp.o $(LIB_OBJS)
	objcopy --keep-global-symbols=$(BUILD)/memhp.syms $(BUILD)/memhp.o
	rm -f $@ && ar rcs $@ $(BUILD)/memhp.o

$(BUILD)/libmemhp-internal.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/memhp.map: $(BUILD)/memhp.syms
	{ echo 'MEMHP_0.1 {'; echo 'global:'; sed 's/.*/\t&;/' $<; echo 'local: *;'; echo '};'; } > $@

$(BUILD)/libmemhp.so: $(LIB_OBJS) $(BUILD)/memhp.map
	$(CC) -shared -Wl,-soname,libmemhp.so.0 -Wl,--version-script=$(BUILD)/memhp.map $(LIB_OBJS) -o $@ \
		$(LDFLAGS_ALL)

$(BUILD)/memhpctl: $(BUILD)/tools/memhpctl.o $(TOOL_COMMON) $(BUILD)/libmemhp.a
	$(CC) $^ -o $@ $(LDFLAGS_ALL)

FUSE_CFLAGS = $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS = $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)

$(BUILD)/tools/memhpd.o: tools/memhpd.c tools/*.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(FUSE_CFLAGS) -c $< -o $@

MEMHPD_OBJS := $(BUILD)/tools/ctl_server.o $(BUILD)/tools/mounts.o $(BUILD)/tools/lifecycle.o \
	       $(BUILD)/tools/explain.o $(BUILD)/tools/ctl.o $(BUILD)/tools/ctl_protocol.o

$(BUILD)/memhpd: $(BUILD)/tools/memhpd.o $(MEMHPD_OBJS) $(BUILD)/libmemhp.a
	$(CC) $^ -o $@ $(LDFLAGS_ALL) $(FUSE_LIBS)

# libmemhp-preload.so (preload/): a program's heap on memhp memory.
# memhp's own code in it - the library and memhpd's protocol server - is
# one object whose malloc family is glibc's own and whose mmap family is
# the system call: it never allocates from the program's allocator (whose
# locks the caller of our mmap may hold) and never meets its own
# interposed calls.  Its threads are marked so their mappings pass through.
PRELOAD_RENAMES := malloc=__libc_malloc calloc=__libc_calloc realloc=__libc_realloc free=__libc_free \
	strdup=memhp_preload_strdup getline=memhp_preload_getline __getdelim=memhp_preload_getdelim \
	mmap=memhp_sys_mmap munmap=memhp_sys_munmap madvise=memhp_sys_madvise \
	mremap=memhp_sys_mremap mprotect=memhp_sys_mprotect pthread_create=memhp_preload_pthread_create \
	fork=memhp_preload_real_fork

PRELOAD_TARGETS := $(BUILD)/libmemhp-preload.so $(BUILD)/tests/live/heap_user $(BUILD)/tests/live/pin_user \
		   $(BUILD)/tests/live/unmap_race $(BUILD)/tests/live/realloc_mmap $(BUILD)/tests/live/env_rebuild

$(BUILD)/preload/core.o: $(LIB_OBJS) $(MEMHPD_OBJS) Makefile
	@mkdir -p $(dir $@)
	$(LD) -r -o $@.tmp $(filter %.o,$^)
	objcopy $(addprefix --redefine-sym ,$(PRELOAD_RENAMES)) $@.tmp $@
	rm -f $@.tmp

$(BUILD)/preload/%.o: preload/%.c preload/*.h tools/*.h include/memhp/memhp.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itools -c $< -o $@

$(BUILD)/libmemhp-preload.so: $(BUILD)/preload/preload.o $(BUILD)/preload/machine.o $(BUILD)/preload/direct_io.o \
			      $(BUILD)/preload/core.o \
			      preload/preload.map
	$(CC) -shared -Wl,--version-script=preload/preload.map $(filter %.o,$^) -o $@ $(LDFLAGS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(BUILD)/libmemhp-internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libmemhp-internal.a -o $@ $(LDFLAGS_ALL) -lcmocka

# the scenario runner's result tree: a tools/ unit, its allocations wrapped
$(BUILD)/tests/test_scenario_result: tests/unit/test_scenario_result.c $(BUILD)/tools/scenario_result.o \
				     $(BUILD)/tools/json.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $^ -o $@ $(LDFLAGS_ALL) -Wl,--wrap=malloc,--wrap=calloc -lcmocka

# udev rules applied to uevents: a tools/ unit, the device's files faked
$(BUILD)/tests/test_udev_rules: tests/unit/test_udev_rules.c $(BUILD)/tools/udev_rules.o $(BUILD)/tools/udev.o \
				$(BUILD)/tools/ctl.o $(BUILD)/tools/ctl_protocol.o $(BUILD)/libmemhp.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $^ -o $@ $(LDFLAGS_ALL) -lcmocka

tests: $(UNIT_BINS)

# the programs the preload's integration test puts on memhp memory
$(BUILD)/tests/live/%: tests/live/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread $< -o $@

# exports its __libc_realloc, as a preloaded allocator does
$(BUILD)/tests/live/realloc_mmap: tests/live/realloc_mmap.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -rdynamic $< -o $@

# the fuzz targets: replayed over their corpora in make check (any
# compiler), fuzzed by libFuzzer in make check-long (SAN=fuzz CC=clang)
$(BUILD)/fuzz-replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(TOOL_COMMON) $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) -Itools tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(TOOL_COMMON) $(BUILD)/libmemhp.a \
		-o $@ $(LDFLAGS_ALL)

$(BUILD)/fuzz-%: tests/fuzz/fuzz_%.c $(TOOL_COMMON) $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) -Itools -fsanitize=fuzzer $< $(TOOL_COMMON) $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL)

# the control protocol's target links the protocol's objects (no FUSE)
$(BUILD)/fuzz-replay-ctl: tests/fuzz/fuzz_ctl.c tests/fuzz/replay.c $(MEMHPD_OBJS) $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) -Itools tests/fuzz/fuzz_ctl.c tests/fuzz/replay.c $(MEMHPD_OBJS) $(BUILD)/libmemhp.a \
		-o $@ $(LDFLAGS_ALL)

$(BUILD)/fuzz-ctl: tests/fuzz/fuzz_ctl.c $(MEMHPD_OBJS) $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) -Itools -fsanitize=fuzzer $< $(MEMHPD_OBJS) $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL)

fuzz-targets: $(addprefix $(BUILD)/fuzz-,$(FUZZ_TARGETS))

$(BUILD)/memhp-stress: stress/stress.c include/memhp/memhp.h $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL)

$(BUILD)/memhp-bench: bench/bench.c include/memhp/memhp.h $(BUILD)/libmemhp.a
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libmemhp.a -o $@ $(LDFLAGS_ALL) -ldl

# every figure a ratio against a baseline of the same run (README, Benchmarks)
bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/memhp-bench
	$(BUILD)/memhp-bench --json $(BUILD)/bench.json

# memcached and Redis serving while the DIMMs under their heap are removed
# (bench/live.py; Debian's binaries unpacked into $(BUILD)/live)
bench-live: deps all $(BUILD)/kvload
	python3 bench/live.py $(BUILD) build/live --json $(BUILD)/bench-live.json

$(BUILD)/kvload: bench/kvload.c
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $< -o $@

bench-smoke: all $(BUILD)/memhp-bench
	$(BUILD)/memhp-bench --smoke --json $(BUILD)/bench-smoke.json

deps:
	@scripts/install-deps.sh
	@scripts/install-live-deps.sh build/live > /dev/null

# One pass of every test against one build ($(BUILD), $(SAN)); PASS=unit
# runs the unit tests only.
check-pass: all tests $(BUILD)/memhp-bench $(BUILD)/memhp-stress \
	$(addprefix $(BUILD)/fuzz-replay-,$(FUZZ_TARGETS)) $(if $(SAN),,$(PRELOAD_TARGETS) $(BUILD)/kvload)
	@CORPUS=$(CORPUS) scripts/run-tests.sh $(BUILD) $(PASS)

# Everything, then everything again under ASan+UBSan and, side by side
# with it (each pass is mostly one thread; the machines have two cores),
# the unit tests (the concurrent ones are what it is for) under
# ThreadSanitizer.  The two sanitizer passes log to BUILD/check.log, shown
# when both are done.
check: deps
	@$(MAKE) --no-print-directory check-pass BUILD=build CORPUS=random
	@echo "== ASan+UBSan (all) and ThreadSanitizer (unit) passes, side by side"
	@$(MAKE) --no-print-directory -j2 check-asan check-tsan
	@scripts/summary.sh build build-asan build-tsan

check-asan check-tsan: check-%:
	@mkdir -p build-$*
	@$(MAKE) --no-print-directory -j1 check-pass BUILD=build-$* SAN=$* \
		$(if $(filter tsan,$*),PASS=unit) > build-$*/check.log 2>&1; \
		echo "---- build-$*/check.log"; cat build-$*/check.log

# the long run: a million stress operations under ASan+UBSan and more
# under TSan, a minute of libFuzzer per target; ends with a table
check-long: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=asan all build-asan/memhp-stress
	@$(MAKE) --no-print-directory BUILD=build-tsan SAN=tsan all build-tsan/memhp-stress
	@$(MAKE) --no-print-directory BUILD=build-fuzz SAN=fuzz CC=clang lib fuzz-targets
	@scripts/check-long.sh

demo: deps all
	@scripts/demo.sh $(BUILD)

# PREFIX and DESTDIR as usual; the .pc file says PREFIX
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/memhp $(DESTDIR)$(PREFIX)/share/man/man3 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(BUILD)/memhpctl $(BUILD)/memhpd $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/libmemhp.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(BUILD)/libmemhp.so $(DESTDIR)$(PREFIX)/lib/libmemhp.so.0
	install -m 0755 $(BUILD)/libmemhp-preload.so $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmemhp.so.0 $(DESTDIR)$(PREFIX)/lib/libmemhp.so
	install -m 0644 include/memhp/memhp.h $(DESTDIR)$(PREFIX)/include/memhp/
	sed 's|@PREFIX@|$(PREFIX)|' memhp.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/memhp.pc
	install -m 0644 man/libmemhp.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 0644 man/memhpd.8 man/memhpctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed 's|@PREFIX@|$(PREFIX)|g' systemd/memhpd.service.in > $(DESTDIR)$(PREFIX)/lib/systemd/system/memhpd.service

clean:
	rm -rf build build-asan build-tsan build-fuzz
