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
SRC_PARTS := $(wildcard src/*)

.PHONY: all deps test-deps demo test test-asan header check-header bench bench-net bench-net-profile clean

all: evloop

# ---- dependencies: Debian's duktape-dev and doctest-dev ----
# clang++ is needed by the test's compile matrix, curl by the HTTP example's
# tests (test-deps).
PACKAGES := duktape-dev doctest-dev clang curl
deps: $(DUK_SOURCES) /usr/include/doctest/doctest.h
test-deps: deps /usr/bin/clang++ /usr/bin/curl

/usr/include/doctest/doctest.h $(DUKTAPE_SYSTEM)/duktape.c /usr/bin/clang++ /usr/bin/curl:
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
header:
	$(PYTHON) tools/amalgamate.py

check-header:
	@$(PYTHON) tools/amalgamate.py --check

# ---- Duktape, compiled once as C ----
$(BUILD)/duktape.o: $(DUK_SOURCES)
	@mkdir -p $(BUILD)
	$(CC) $(OPT) -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

$(BUILD)/asan/duktape.o: $(DUK_SOURCES)
	@mkdir -p $(BUILD)/asan
	$(CC) -O1 -g $(SAN) -std=c99 -w -c $(DUKTAPE_DIR)/duktape.c -o $@

# ---- programs ----
evloop: examples/evloop-cli.cpp evloop.hpp $(BUILD)/duktape.o
	$(CXX) $(OPT) $(CXXFLAGS_BASE) examples/evloop-cli.cpp $(BUILD)/duktape.o -lm -o $@

$(BUILD)/asan/evloop: examples/evloop-cli.cpp evloop.hpp $(BUILD)/asan/duktape.o
	$(CXX) -O1 -g $(SAN) $(CXXFLAGS_BASE) examples/evloop-cli.cpp $(BUILD)/asan/duktape.o -lm -o $@

$(BUILD)/embed: examples/embed.cpp evloop.hpp $(BUILD)/duktape.o
	$(CXX) $(OPT) $(CXXFLAGS_BASE) examples/embed.cpp $(BUILD)/duktape.o -lm -o $@

UNIT_SOURCES := $(wildcard tests/unit/*.cpp)
UNIT_HEADERS := $(wildcard tests/unit/*.hpp)
$(BUILD)/unit: $(UNIT_SOURCES) $(UNIT_HEADERS) evloop.hpp $(BUILD)/duktape.o /usr/include/doctest/doctest.h
	$(CXX) -O1 -g $(CXXFLAGS_BASE) $(UNIT_SOURCES) $(BUILD)/duktape.o -lm -lpthread -o $@

$(BUILD)/asan/unit: $(UNIT_SOURCES) $(UNIT_HEADERS) evloop.hpp $(BUILD)/asan/duktape.o /usr/include/doctest/doctest.h
	$(CXX) -O1 -g $(SAN) $(CXXFLAGS_BASE) $(UNIT_SOURCES) $(BUILD)/asan/duktape.o -lm -lpthread -o $@

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

test: test-deps evloop $(BUILD)/unit $(BUILD)/embed $(BUILD)/asan/evloop $(BUILD)/asan/unit
	@$(PYTHON) tests/run.py

# Timer benchmark (a few minutes): prints a table, writes bench/results.md and
# bench/timers-cost.svg. Uses node when it is on PATH. BENCH_REPEAT=n rounds.
# The sanitizer part alone (make test runs it too).
test-asan: test-deps $(BUILD)/asan/evloop $(BUILD)/asan/unit
	@$(PYTHON) tests/run.py --only asan

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

clean:
	rm -rf $(BUILD) evloop
