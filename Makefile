# evloop build. `make demo` builds ./evloop and runs a demo; `make test` builds
# and runs every test (ends with "N passed, M failed"). Both install missing
# dependencies first (make deps).

DUKTAPE_DIR ?= duktape
DUKTAPE_SYSTEM := /usr/share/duktape
CXX ?= g++
CC ?= gcc
PYTHON ?= python3
OPT ?= -O2
WARN := -Wall -Wextra -Wpedantic -Werror
CXXFLAGS_BASE := -std=c++11 $(WARN) -isystem $(DUKTAPE_DIR) -I.
BUILD := build
DUK_SOURCES := $(DUKTAPE_DIR)/duktape.c $(DUKTAPE_DIR)/duktape.h $(DUKTAPE_DIR)/duk_config.h
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# Every file and folder under src/ (a folder's time changes when a part is
# added, removed or renamed).
SRC_PARTS := $(shell find src)

.PHONY: all deps test-deps demo test test-asan test-configs test-reliability header check-header check-parts bench bench-net bench-net-profile fuzz fuzz-build clean

all: evloop

# ---- dependencies: Debian's duktape-dev and doctest-dev ----
# clang++ is needed by the test's compile matrix, curl by the HTTP example's
# tests, valgrind by the 'valgrind' section, cmake by the 'cmake' section
# (test-deps).
PACKAGES := duktape-dev doctest-dev clang curl valgrind cmake
deps: $(DUK_SOURCES) /usr/include/doctest/doctest.h
test-deps: deps /usr/bin/clang++ /usr/bin/curl /usr/bin/valgrind /usr/bin/cmake

/usr/include/doctest/doctest.h $(DUKTAPE_SYSTEM)/duktape.c /usr/bin/clang++ /usr/bin/curl /usr/bin/valgrind /usr/bin/cmake:
	@if [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y $(PACKAGES) >/dev/null \
	  || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y $(PACKAGES) >/dev/null; }; \
	else \
	  echo "evloop needs the Debian packages $(PACKAGES). Run:"; \
	  echo "  sudo apt-get install -y $(PACKAGES)"; exit 1; \
	fi

ifeq ($(DUKTAPE_DIR),duktape)
duktape/%: | $(DUKTAPE_SYSTEM)/duktape.c
	cp $(DUKTAPE_SYSTEM)/$* $@
endif

# ---- the header ----
# evloop.hpp is generated from src/ (and committed): remade when a part changed.
# The feature table src/features.json also writes src/api/features.hpp,
# src/bind/bindings.hpp and the option lists of src/manual.hpp and README.md.
# LINES=1 (`make header LINES=1`, or with any target that remakes it) writes
# it with #line directives, so compiler errors, gdb and sanitizer reports name
# src/ parts and lines; for local builds only (`make header` writes the
# committed form again; check-header tells them apart).
evloop.hpp: $(SRC_PARTS) tools/amalgamate.py tools/features.py tools/slots.py
	$(PYTHON) tools/amalgamate.py $(if $(LINES),--lines)

header:
	$(PYTHON) tools/amalgamate.py $(if $(LINES),--lines)

check-header:
	@$(PYTHON) tools/amalgamate.py --check

# Each C++ part of src/ compiled on its own (tools/check_parts.py): a part
# #includes the parts it uses. Exits 1, naming the parts that do not.
check-parts: $(DUK_SOURCES)
	@$(PYTHON) tools/check_parts.py --cxx $(CXX) --duktape $(DUKTAPE_DIR)

# ---- Duktape, compiled once as C ----
$(BUILD)/duktape.o: $(DUK_SOURCES)
	@mkdir -p $(BUILD)
	$(CC) $(OPT) -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

$(BUILD)/asan/duktape.o: $(DUK_SOURCES)
	@mkdir -p $(BUILD)/asan
	$(CC) -O1 -g $(SAN) -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

# ---- programs ----
evloop: examples/evloop-cli.cpp examples/pool_allocator.hpp evloop.hpp $(BUILD)/duktape.o
	$(CXX) $(OPT) $(CXXFLAGS_BASE) examples/evloop-cli.cpp $(BUILD)/duktape.o -lm -o $@

$(BUILD)/asan/evloop: examples/evloop-cli.cpp examples/pool_allocator.hpp evloop.hpp $(BUILD)/asan/duktape.o
	$(CXX) -O1 -g $(SAN) $(CXXFLAGS_BASE) examples/evloop-cli.cpp $(BUILD)/asan/duktape.o -lm -o $@

# For valgrind (tests/run.py, section 'valgrind'): plain -O1 -g, no sanitizers,
# Duktape built the same way.
$(BUILD)/valgrind/duktape.o: $(DUK_SOURCES)
	@mkdir -p $(BUILD)/valgrind
	$(CC) -O1 -g -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

$(BUILD)/valgrind/evloop: examples/evloop-cli.cpp examples/pool_allocator.hpp evloop.hpp $(BUILD)/valgrind/duktape.o
	$(CXX) -O1 -g $(CXXFLAGS_BASE) examples/evloop-cli.cpp $(BUILD)/valgrind/duktape.o -lm -o $@

$(BUILD)/embed: examples/embed.cpp evloop.hpp $(BUILD)/duktape.o
	$(CXX) $(OPT) $(CXXFLAGS_BASE) examples/embed.cpp $(BUILD)/duktape.o -lm -lpthread -o $@

UNIT_SOURCES := $(wildcard tests/unit/*.cpp)
# The unit tests drive the syscall seam (tests/unit/test_faults.cpp).
UNIT_FLAGS := -DEVLOOP_FAULT_INJECTION
UNIT_HEADERS := $(wildcard tests/unit/*.hpp)
$(BUILD)/unit: $(UNIT_SOURCES) $(UNIT_HEADERS) evloop.hpp $(BUILD)/duktape.o /usr/include/doctest/doctest.h
	$(CXX) -O1 -g $(CXXFLAGS_BASE) $(UNIT_FLAGS) $(UNIT_SOURCES) $(BUILD)/duktape.o -lm -lpthread -o $@

$(BUILD)/asan/unit: $(UNIT_SOURCES) $(UNIT_HEADERS) evloop.hpp $(BUILD)/asan/duktape.o /usr/include/doctest/doctest.h
	$(CXX) -O1 -g $(SAN) $(CXXFLAGS_BASE) $(UNIT_FLAGS) $(UNIT_SOURCES) $(BUILD)/asan/duktape.o -lm -lpthread -o $@

$(BUILD)/bench-timers: bench/bench_timers.cpp evloop.hpp $(BUILD)/duktape.o
	$(CXX) $(OPT) $(CXXFLAGS_BASE) bench/bench_timers.cpp $(BUILD)/duktape.o -lm -o $@

# The network benchmark's C++ epoll echo server and load client (no Duktape).
$(BUILD)/net-epoll-echo: bench/net_epoll_echo.cpp
	@mkdir -p $(BUILD)
	$(CXX) $(OPT) -std=c++11 $(WARN) $< -o $@

$(BUILD)/net-load: bench/net_load.cpp
	@mkdir -p $(BUILD)
	$(CXX) $(OPT) -std=c++11 $(WARN) $< -o $@

# ---- entry points ----
demo: deps evloop
	./evloop examples/timer-test.js

test: test-deps evloop $(BUILD)/unit $(BUILD)/embed $(BUILD)/asan/evloop $(BUILD)/asan/unit $(BUILD)/valgrind/evloop fuzz-build
	@$(PYTHON) tests/run.py

# Timer benchmark (a few minutes): prints a table, writes bench/results.md and
# bench/timers-cost.svg. Uses node when it is on PATH. BENCH_REPEAT=n rounds.
# The sanitizer part alone (make test runs it too).
test-asan: test-deps $(BUILD)/asan/evloop $(BUILD)/asan/unit
	@$(PYTHON) tests/run.py --only asan

# The small-build configurations alone (make test runs them too): each built
# as build/configs/<name>/ and tested (tests/run.py, section configs; README).
test-configs: test-deps $(BUILD)/duktape.o
	@$(PYTHON) tests/run.py --only configs

# valgrind, soak and limits alone (make test runs them too; docs/RELIABILITY.md).
test-reliability: test-deps evloop $(BUILD)/valgrind/evloop
	@$(PYTHON) tests/run.py --only valgrind,soak,limits

bench: deps $(BUILD)/bench-timers evloop $(BUILD)/net-epoll-echo $(BUILD)/net-load
	@$(PYTHON) bench/run.py
	@$(PYTHON) bench/net_run.py

# Network benchmark (under 3 minutes): echo servers (both loops, Node.js, a C++ epoll
# server) under one C++ load client; prints a table, writes bench/net-results.md.
# BENCH_NET_REPEAT=n rounds (default 5). bench-net-profile: callgrind of one server's round trips
# (PROFILE=cpp|ecma|epoll, default cpp), writes bench/net-profile-$(PROFILE).txt.
bench-net: deps evloop $(BUILD)/net-epoll-echo $(BUILD)/net-load
	@$(PYTHON) bench/net_run.py

PROFILE ?= cpp
bench-net-profile: deps evloop $(BUILD)/net-epoll-echo $(BUILD)/net-load
	@$(PYTHON) bench/net_run.py --profile $(PROFILE)

# Size and memory (about a minute; README "Size and memory"): code size of every
# small-build configuration at -Os on x86-64, 32-bit ARM and Cortex-M4, memory per
# timer and per connection, start-up time; tools/size.py prints the tables and
# writes build/size/size.md. The cross compilers are Debian's (size-deps); when
# they cannot be installed, their columns are skipped with the reason.
SIZE_PACKAGES := g++-arm-linux-gnueabihf gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
.PHONY: size size-deps
size-deps:
	@if ! command -v arm-linux-gnueabihf-g++ >/dev/null || ! command -v arm-none-eabi-g++ >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "size: installing $(SIZE_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y $(SIZE_PACKAGES) >/dev/null 2>&1 \
	    || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $(SIZE_PACKAGES) >/dev/null 2>&1; } \
	    || echo "size: apt-get install $(SIZE_PACKAGES) failed: the ARM figures are skipped"; \
	  else \
	    echo "size: the ARM figures need the Debian packages $(SIZE_PACKAGES). Run:"; \
	    echo "  sudo apt-get install -y $(SIZE_PACKAGES)"; \
	    echo "size: going on without them"; \
	  fi; \
	fi

size: deps evloop $(BUILD)/duktape.o size-deps
	@$(PYTHON) tools/size.py

# ---- fuzzing (tests/fuzz, docs/RELIABILITY.md "Fuzzing") ----
# libFuzzer targets built with clang, -fsanitize=fuzzer,address,undefined
# (Duktape compiled with the same sanitizers and coverage). `make fuzz` runs
# each fuzzer for FUZZ_SECONDS (default 45) from its seeds in
# tests/fuzz/corpus/<name>; crashes land in build/fuzz/artifacts/<name>/
# (tests/fuzz/run_fuzz.py prints how to reproduce). A longer run:
# make fuzz FUZZ_SECONDS=3600 FUZZ_KEEP=1 (FUZZ_KEEP: new inputs are kept in
# build/fuzz/corpus/<name>, never the repository, and later runs start
# from them). `make test` runs 20 s of each (the 'fuzz' section of
# tests/run.py).
FUZZ_SECONDS ?= 45
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZERS := fuzz_js_api fuzz_net_bytes
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZERS))

# clang and its runtime (libFuzzer, sanitizers) from Debian's packages:
# installed with apt-get when `clang++ -fsanitize=fuzzer` cannot link.
FUZZ_PACKAGES := clang libclang-rt-dev
$(BUILD)/fuzz/toolchain.ok:
	@mkdir -p $(BUILD)/fuzz
	@printf '#include <stdint.h>\n#include <stddef.h>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' > $(BUILD)/fuzz/probe.cpp
	@if ! $(FUZZ_CXX) -fsanitize=fuzzer,address,undefined $(BUILD)/fuzz/probe.cpp -o $(BUILD)/fuzz/probe 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y $(FUZZ_PACKAGES) >/dev/null \
	    || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y $(FUZZ_PACKAGES) >/dev/null; }; \
	  else \
	    echo "the fuzzers need the Debian packages $(FUZZ_PACKAGES). Run:"; \
	    echo "  sudo apt-get install -y $(FUZZ_PACKAGES)"; exit 1; \
	  fi; \
	  $(FUZZ_CXX) -fsanitize=fuzzer,address,undefined $(BUILD)/fuzz/probe.cpp -o $(BUILD)/fuzz/probe \
	  || { echo "$(FUZZ_CXX) -fsanitize=fuzzer does not link"; exit 1; }; \
	fi
	@touch $@

# Duktape: the same sanitizers but two of clang's UBSan checks that flag
# Duktape's own deliberate idioms (GCC's -fsanitize=undefined, used by the
# asan build, has neither): pointer-overflow (arithmetic on the NULL property
# table of an empty object, duk_hobject_props.c DUK_HOBJECT_E_GET_KEY_BASE + 0)
# and float-cast-overflow ((duk_uint32_t) of a negative double, checked
# afterwards, in duk__tval_number_to_arr_idx). evloop's own code keeps both.
# Duktape gets edge coverage without comparison tracing (trace-cmp in the
# interpreter took a third of the time; the inputs are scripts made by a
# generator, not bytes Duktape compares).
DUK_FUZZ_NOSAN := -fno-sanitize=pointer-overflow,float-cast-overflow
DUK_FUZZ_COV := -fsanitize=fuzzer-no-link -fsanitize-coverage=0 -fsanitize-coverage=inline-8bit-counters,pc-table
$(BUILD)/fuzz/duktape.o: $(DUK_SOURCES) $(BUILD)/fuzz/toolchain.ok
	$(FUZZ_CC) -O1 -g $(DUK_FUZZ_COV) $(FUZZ_SAN) $(DUK_FUZZ_NOSAN) -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.cpp tests/fuzz/fuzz_common.hpp evloop.hpp $(BUILD)/fuzz/duktape.o
	$(FUZZ_CXX) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) $(CXXFLAGS_BASE) -DEVLOOP_FUZZ_ROOT='"$(CURDIR)"' \
	  $< $(BUILD)/fuzz/duktape.o -lm -lpthread -lrt -o $@

fuzz-build: deps $(FUZZ_BINS)

fuzz: fuzz-build
	@$(PYTHON) tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS) $(if $(FUZZ_KEEP),--keep-corpus)

clean:
	rm -rf $(BUILD) evloop
