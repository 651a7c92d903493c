#!/usr/bin/env python3
"""Runs every evloop test and ends with the line 'N passed, M failed'.

Sections (each check counts as one test):
  header    the committed evloop.hpp equals the generator's output; each part
            of src/ compiles on its own (tools/check_parts.py)
  compile   the header under g++/clang++, C++11..20, -fno-exceptions -fno-rtti,
            the poll-only backend, two translation units linked together
  unit      doctest unit tests (build/unit), one count per test case
  js        tests/js/*.js through ./evloop in both loops and both backends
  examples  examples/*.js golden outputs (tests/golden/*.out), both loops;
            build/embed's exact output; every code block of the README's
            embedding guide is taken from examples/embed.cpp or examples/cmake
  cmake     examples/cmake configured and built out of tree (build/cmake) as
            a user's project would, its program run: exact output, exit 0
  cli       ./evloop as a program: --help, --version, bad options, a script
            from stdin, SIGINT/SIGTERM exit codes, a quiet stderr
  net       the socket examples against external peers, both loops and both
            backends: a Python client against examples/echo-server.js (bulk,
            concurrent, resets, half-close; the server's fd count does not
            grow), curl, raw HTTP and a little load (wrk too when installed)
            against examples/http-server.js, the seed server and client
            examples against each other, EMFILE under a 64-fd limit (no spin,
            serves again), no spin on paused sockets whose peers hung up
  configs   the small-build switches (EVLOOP_NO_*, EVLOOP_BACKEND_*,
            EVLOOP_MAX_*, EVLOOP_READ_BUFFER_SIZE): each configuration's
            CLI and probe built warning-free (build/configs/<name>/), the
            probe run, and the JS scripts that apply to the build ('needs'
            from a net-/socket-/fileio- name or '// needs:' lines) in its
            loops on its backend; more combinations compiled only
  pool      the JS suite with ./evloop --pool=1048576: Duktape's heap, and so
            all of evloop's memory, in one fixed 1 MiB block (both loops,
            the default backend; '// pool: skip REASON' skips a script that
            cannot fit, printed); tests/js/pool-exhaust-*.js must run out;
            the loop's native memory is in the pool, an uncaught 'alloc
            failed' is reported, too small a pool is an error, not a crash
  asan      unit tests and the JS suite again under ASan + UBSan
  security  tests/security/*.js: a hostile script per attack on the script
            boundary (docs/RELIABILITY.md), under ASan + UBSan, both loops
            and both backends; each asserts the attack fails with a clear
            error and the loop goes on
  valgrind  the JS suite once under valgrind memcheck (build/valgrind/evloop,
            -O1 -g), both loops, epoll: zero errors, zero definite leaks;
            '// valgrind: skip REASON' in a script skips it (printed)
  soak      ~60 s (SOAK_SECONDS) of tests/soak/soak-server.js and -client.js
            on loopback with timers churning, both loops at once: server RSS
            after warm-up (10 s) and at the end within 10%, fds back
  limits    10,000 concurrent connections (two processes; RLIMIT_NOFILE
            raised, skipped with the reason when it cannot be) and 1,000,000
            pending timers, both loops; bytes per connection and per timer
  fuzz      each libFuzzer target (tests/fuzz) for 20 s (FUZZ_CI_SECONDS),
            both at once, after its saved regression inputs: one check per
            fuzzer, its executions in the detail (tests/fuzz/run_fuzz.py)

Each section is a module of tests/sections/ (its main(tmp) runs it);
tests/sections/common.py holds what they share (record, run, the script
directives and js_case, the child processes). The configuration matrix of
the configs section is data: tests/configs/matrix.json, with the features
of src/features.json.

Usage: tests/run.py [--only SECTION[,SECTION]] [--filter TEXT] [-v]
"""
import argparse
import importlib
import os
import resource
import shutil
import sys
import tempfile

from sections import common

# The sections in the order they run (`--only` picks among them).
SECTIONS = ["header", "compile", "unit", "js", "examples", "cmake", "cli", "net", "configs", "pool", "asan",
            "security", "valgrind", "soak", "limits", "fuzz"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--filter", default="")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    common.settings.verbose = args.v
    common.settings.filter_text = args.filter
    only = set(s for s in args.only.split(",") if s)
    os.chdir(common.ROOT)
    # tests/js/net-many-clients.js holds 1000 sockets in one process
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096 if hard == resource.RLIM_INFINITY else min(4096, hard), hard))
    tmp = tempfile.mkdtemp(prefix="evloop-test-")
    # Scripts and fuzzers put their files under $TMPDIR: this run's directory,
    # removed at the end (FileIo has no unlink; they used to pile up in /tmp).
    os.environ["TMPDIR"] = tmp
    try:
        for name in SECTIONS:
            if not only or name in only:
                importlib.import_module("sections." + name).main(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = common.results
    passed = sum(1 for r in results if r[2])
    failed = len(results) - passed
    by_section = {}
    for r in results:
        s = by_section.setdefault(r[0], [0, 0])
        s[0 if r[2] else 1] += 1
    for name, (p, f) in by_section.items():
        print("  %-9s %d passed, %d failed" % (name, p, f))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
