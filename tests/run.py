#!/usr/bin/env python3
"""Runs every evloop test and ends with the line 'N passed, M failed'.

Sections (each check counts as one test):
  header    the committed evloop.hpp equals the generator's output
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

Usage: tests/run.py [--only SECTION[,SECTION]] [--filter TEXT] [-v]
"""
import argparse
import concurrent.futures
import glob
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DUKTAPE_DIR = os.environ.get("DUKTAPE_DIR", "duktape")
LOOPS = [("ecma", []), ("cpp", ["-c"])]
BACKENDS = ["epoll", "poll"]
JOBS = max(2, os.cpu_count() or 2)

results = []  # (section, name, ok, detail)
verbose = False


def record(section, name, ok, detail=""):
    results.append((section, name, ok, detail))
    if not ok or verbose:
        print("%s %s: %s" % ("PASS" if ok else "FAIL", section, name))
        if detail and not ok:
            print("    " + detail.strip().replace("\n", "\n    ")[:3000])
    sys.stdout.flush()


def run(cmd, timeout=120, env=None, stdin=None):
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout, env=env, stdin=stdin)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out, "timed out after %ss" % timeout


# ---- header ----
def section_header():
    rc, out, err = run([sys.executable, "tools/amalgamate.py", "--check"])
    record("header", "evloop.hpp matches tools/amalgamate.py output", rc == 0, out + err)
    # The JS compactor keeps what is code (strings, regular expressions,
    # division) and the line count, drops comments, indentation and the
    # blanks that no two tokens need (it keeps `a- -b`, `c+ ++d`, `1 .x`).
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import amalgamate
    sample = ("/* head\n * more */\nvar a = '//x', b = \"/*y*/\"; // note\n"
              "    var r = /[/]\\//g, d = a.length / 2 / 1; /* c */ x(/a*/.test(b));\n"
              "\treturn /re/i;\n"
              "if (typeof x === 'y' && a - -b > c + ++d && 1 .toFixed && $a in o) { return 's p'; } "
              "else { e = f instanceof G; }\n")
    want = ("\n\nvar a='//x',b=\"/*y*/\";\n"
            "var r= /[/]\\//g,d=a.length / 2 / 1; x(/a*/.test(b));\nreturn /re/i;\n"
            "if(typeof x==='y'&&a- -b>c+ ++d&&1 .toFixed&&$a in o){return's p';}else{e=f instanceof G;}\n")
    got = amalgamate.js_compact(sample)
    record("header", "tools/amalgamate.py js_compact on a sample", got == want, "got %r\nwant %r" % (got, want))


# ---- compile matrix ----
COMPILE_TU = r'''
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"
#if !defined(EVLOOP_IMPLEMENTATION_DONE)
#error "the implementation did not compile in"
#endif
int evloop_compile_probe() {
  duk_context* ctx = duk_create_heap_default();
  evloop::Loop* loop = evloop::Loop::create(ctx);
  int rc = loop ? loop->run() : 1;
  if (loop) loop->destroy();
  duk_destroy_heap(ctx);
  return rc;
}
'''
SECOND_TU = r'''
#include "evloop.hpp"
#include "evloop.hpp"
static void tick(evloop::Loop& l, evloop::TimerId, void*) { l.request_exit(7); }
int evloop_compile_probe();
int main() {
  duk_context* ctx = duk_create_heap_default();
  evloop::Loop* loop = evloop::Loop::create(ctx);
  loop->add_timer(1, 0, tick, nullptr);
  int rc = loop->run();
  loop->destroy();
  duk_destroy_heap(ctx);
  return (rc == 7 && evloop_compile_probe() == 0) ? 0 : 1;
}
'''


def section_compile(tmp):
    tu = os.path.join(tmp, "impl.cpp")
    with open(tu, "w") as f:
        f.write(COMPILE_TU)
    second = os.path.join(tmp, "main.cpp")
    with open(second, "w") as f:
        f.write(SECOND_TU)
    base = ["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-isystem", DUKTAPE_DIR, "-I."]
    jobs = []
    for cxx in ("g++", "clang++"):
        if not shutil.which(cxx):
            record("compile", cxx + " (not installed)", False, cxx + " not found")
            continue
        for std in ("c++11", "c++14", "c++17", "c++20"):
            for extra, label in (([], ""), (["-fno-exceptions", "-fno-rtti"], " -fno-exceptions -fno-rtti"),
                                 (["-DEVLOOP_BACKEND_POLL"], " EVLOOP_BACKEND_POLL")):
                name = "%s -std=%s%s" % (cxx, std, label)
                jobs.append((name, [cxx, "-std=" + std, "-fsyntax-only"] + base + extra + [tu]))
        # Two TUs linked together: catches ODR and missing-definition mistakes.
        out = os.path.join(tmp, "two_tu_" + cxx.replace("+", "p"))
        jobs.append(("%s two TUs link and run" % cxx,
                     [cxx, "-std=c++17", "-O0"] + base + [tu, second, "build/duktape.o", "-lm", "-o", out],
                     out))
    # The manual's embedding example, taken from the header's doc block.
    example = os.path.join(tmp, "manual_example.cpp")
    with open(os.path.join(ROOT, "evloop.hpp")) as f:
        text = f.read()
    m = re.search(r"\* 4\. EMBEDDING EXAMPLE\n(.*?)\n \* -{10}", text, re.S)
    with open(example, "w") as f:
        f.write("#include <stdio.h>\n")
        f.write("\n".join(line[5:] for line in (m.group(1).split("\n") if m else [])) + "\n")
    jobs.append(("the manual's embedding example compiles and runs",
                 ["g++", "-std=c++11", "-O0"] + base + [example, "build/duktape.o", "-lm", "-o", example + ".bin"],
                 example + ".bin"))
    def one(job):
        rc, o, e = run(job[1], timeout=300)
        if rc == 0 and len(job) > 2:
            rc, o2, e2 = run([job[2]], timeout=30)
            o, e = o + o2, e + e2
        return job[0], rc == 0, o + e
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail in ex.map(one, jobs):
            record("compile", name, ok, detail)


# ---- doctest ----
def section_unit(binary, section):
    if not os.path.exists(binary):
        record(section, binary, False, "not built")
        return
    rc, out, err = run([binary, "--reporters=console", "--no-colors", "--duration=false"], timeout=600)
    m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed", out + err)
    if not m:
        record(section, "doctest run", False, out[-3000:] + err[-3000:])
        return
    passed, failed = int(m.group(2)), int(m.group(3))
    failures = re.findall(r"TEST CASE:\s*(.*)", out)
    for i in range(passed):
        results.append((section, "doctest case %d" % i, True, ""))
    if verbose:
        print("PASS %s: %d doctest cases" % (section, passed))
    for i in range(failed):
        record(section, failures[i] if i < len(failures) else "doctest case", False, out[-4000:])
    if rc != 0 and failed == 0:
        record(section, "doctest exit status", False, "exit %s\n%s" % (rc, err[-3000:]))


# ---- JS conformance ----
def directives(path):
    """// expect-exit: N, // expect-stderr: text, // args: a b, // timeout: s"""
    d = {"exit": 0, "stderr": [], "args": [], "timeout": 60, "stdin": None, "flags": [],
         "skip_sanitizers": False, "skip_pool": None}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*//\s*(expect-exit|expect-stderr|args|timeout|stdin|flags|sanitizers|pool):\s*(.*)", line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if key == "expect-exit":
                d["exit"] = int(val)
            elif key == "expect-stderr":
                d["stderr"].append(val)
            elif key == "args":
                d["args"] = val.split()
            elif key == "timeout":
                d["timeout"] = float(val)
            elif key == "stdin":
                d["stdin"] = val
            elif key == "flags":
                d["flags"] = val.split()
            elif key == "sanitizers":
                d["skip_sanitizers"] = val.startswith("skip")
            elif key == "pool" and re.match(r"skip\b", val):
                # '// pool: skip REASON': does not fit in the pool section's 1 MiB
                d["skip_pool"] = val[4:].strip() or "marked '// pool: skip'"
    return d


def js_case(binary, path, loop_flags, backend, prefix=(), timeout_scale=1, min_timeout=0):
    d = directives(path)
    expected_path = os.path.splitext(path)[0] + ".out"
    stdin = None
    if d["stdin"] == "devnull":
        stdin = subprocess.DEVNULL
    elif d["stdin"]:
        stdin = open(os.path.join(ROOT, d["stdin"]), "rb")
    rc, out, err = run(list(prefix) + [binary] + loop_flags + ["--backend=" + backend] + d["flags"] +
                       [os.path.relpath(path, ROOT)] + d["args"],
                       timeout=max(min_timeout, d["timeout"] * timeout_scale), stdin=stdin)
    problems = []
    if rc != d["exit"]:
        problems.append("exit status %s, expected %s" % (rc, d["exit"]))
    for s in d["stderr"]:
        if s not in err:
            problems.append("stderr lacks %r" % s)
    if not d["stderr"] and err.strip() and d["exit"] == 0:
        problems.append("unexpected stderr")
    if re.search(r"ERROR: \w+Sanitizer|runtime error:|SUMMARY: \w+Sanitizer", err):
        problems.append("sanitizer report")
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            want = f.read()
        if out != want:
            problems.append("stdout differs from %s" % os.path.relpath(expected_path, ROOT))
    elif "FAIL" in out or ("ok" not in out.split()):
        problems.append("stdout has FAIL or no 'ok' line")
    return not problems, "; ".join(problems) + "\n--- stdout:\n" + out[-2000:] + "\n--- stderr:\n" + err[-2000:]


def section_js(binary, section, pattern):
    scripts = sorted(glob.glob(os.path.join(ROOT, pattern)))
    jobs = []
    for path in scripts:
        for loop_name, flags in LOOPS:
            for backend in BACKENDS:
                name = "%s [%s, %s]" % (os.path.relpath(path, ROOT), loop_name, backend)
                if filter_text and filter_text not in name:
                    continue
                if section == "asan" and directives(path)["skip_sanitizers"]:
                    continue  # a real-clock tolerance that sanitizer slowdowns break
                jobs.append((name, path, flags, backend))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        futs = [(j[0], ex.submit(js_case, binary, j[1], j[2], j[3])) for j in jobs]
        for name, fut in futs:
            ok, detail = fut.result()
            record(section, name, ok, detail)


def section_examples():
    """Example scripts on the virtual clock: exact, instant golden outputs."""
    jobs = []
    for golden in sorted(glob.glob(os.path.join(ROOT, "tests/golden/*.out"))):
        base = os.path.basename(golden)[:-4]
        script = os.path.join("examples", base + ".js")
        for loop_name, flags in LOOPS:
            for backend in BACKENDS:
                with open(golden) as f:
                    want = f.read()
                jobs.append(("%s [%s, %s]" % (script, loop_name, backend), want,
                             ["./evloop"] + flags + ["--backend=" + backend, "--virtual-clock", script]))
    jobs.append(("build/embed prints each step, in order", EMBED_OUTPUT, ["build/embed"]))
    def one(job):
        rc, out, err = run(job[2])
        want = job[1]
        return job[0], rc == 0 and out == want, "exit %s\n--- got:\n%s\n--- want:\n%s\n%s" % (rc, out, want, err)
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail in ex.map(one, jobs):
            record("examples", name, ok, detail)
    ok, detail = guide_quotes()
    record("examples", "README's embedding guide quotes examples/ as they are", ok, detail)


# examples/embed.cpp: each line follows from the one before or from deadline
# order, so the real clock gives this exact output, under load too.
EMBED_OUTPUT = """host error hook: Error: no handler yet
EventLoop.onerror: handled in JS
host tick 1
host tick 2
host tick 3
host read sensor: 42
script got 42
script done
callbacks run: 8, errors: 2 (1 to the host hook)
loop memory blocks left: 0
"""
GUIDE_SOURCES = ["examples/embed.cpp", "examples/cmake/CMakeLists.txt",
                 "examples/cmake/evloop/CMakeLists.txt", "examples/cmake/main.cpp"]


def guide_quotes():
    """(ok, detail): each cpp/cmake block of README.md's "Embedding evloop in a
    host program" has its lines, in order, in one of GUIDE_SOURCES (so the
    guide cannot drift from code that is compiled and run)."""
    with open(os.path.join(ROOT, "README.md")) as f:
        m = re.search(r"^## Embedding evloop in a host program\n(.*?)(?=^## |\Z)", f.read(), re.S | re.M)
    if not m:
        return False, "README.md has no section '## Embedding evloop in a host program'"
    sources = []
    for path in GUIDE_SOURCES:
        with open(os.path.join(ROOT, path)) as f:
            sources.append([line.strip() for line in f])
    def found_in(lines, source):
        it = iter(source)
        return all(line in it for line in lines)  # a subsequence: lines in order
    blocks = re.findall(r"^```(?:cpp|cmake)\n(.*?)^```", m.group(1), re.S | re.M)
    problems = ["not in %s:\n%s" % (", ".join(GUIDE_SOURCES), b) for b in blocks
                if not any(found_in([l.strip() for l in b.split("\n") if l.strip()], src) for src in sources)]
    return bool(blocks) and not problems, "\n".join(problems) or "no cpp or cmake blocks"


# ---- cmake: examples/cmake built as a user's project would build it ----
CMAKE_HELLO_OUTPUT = "hello from a timer: 42\n"


def section_cmake():
    """Configures examples/cmake out of tree in build/cmake (evloop through
    add_subdirectory, Duktape from DUKTAPE_DIR), builds it warning-free and
    runs its program."""
    if not shutil.which("cmake"):
        record("cmake", "cmake is installed", False, "cmake not found on PATH (make test-deps installs it)")
        return
    build = os.path.join("build", "cmake")
    steps = [("configure: cmake -S examples/cmake -B build/cmake",
              ["cmake", "-S", "examples/cmake", "-B", build, "-DDUKTAPE_DIR=" + os.path.abspath(DUKTAPE_DIR),
               "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"]),
             ("build: cmake --build build/cmake", ["cmake", "--build", build, "--parallel", str(JOBS)])]
    for name, cmd in steps:
        rc, out, err = run(cmd, timeout=600)
        record("cmake", name, rc == 0, "exit %s\n%s\n%s" % (rc, out[-3000:], err[-3000:]))
        if rc != 0:
            return
    rc, out, err = run([os.path.join(build, "hello")], timeout=30)
    record("cmake", "build/cmake/hello prints %r and exits 0" % CMAKE_HELLO_OUTPUT.strip(),
           rc == 0 and out == CMAKE_HELLO_OUTPUT and not err,
           "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))


# ---- the command line program ----
CLI_LONG_RUNNING = "setInterval(function () {}, 1000);\n"


def section_cli():
    """./evloop as a program: options, exit codes, signals, stdin scripts."""
    binary = "./evloop"

    def record_cli(name, ok, detail):
        if not filter_text or filter_text in name:
            record("cli", name, ok, detail)

    # --help: usage on stdout, exit 0
    rc, out, err = run([binary, "--help"], timeout=10)
    record_cli("--help exits 0 and prints usage", rc == 0 and "usage" in out.lower() and "evloop" in out,
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # --version: names evloop, exit 0
    rc, out, err = run([binary, "--version"], timeout=10)
    record_cli("--version exits 0 and prints 'evloop'", rc == 0 and out.startswith("evloop"),
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # an unknown option: exit 2, a message on stderr, nothing run
    rc, out, err = run([binary, "--no-such-option", "tests/js/timers-order.js"], timeout=10)
    record_cli("an unknown option exits 2", rc == 2 and "--no-such-option" in err and "ok" not in out.split(),
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # a script that cannot be read: exit 1, the path on stderr
    rc, out, err = run([binary, "tests/js/no-such-script.js"], timeout=10)
    record_cli("a missing script exits 1 and names it", rc == 1 and "no-such-script.js" in err,
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))

    fd, script = tempfile.mkstemp(prefix="evloop-cli-", suffix=".js")
    with os.fdopen(fd, "w") as f:
        f.write(CLI_LONG_RUNNING)
    clean = "setTimeout(function () { print('clean', process.argv.length); }, 1);\n"
    jobs = []
    for loop_name, flags in LOOPS:
        jobs.append(("stdin", loop_name, flags, None))
        jobs.append(("quiet", loop_name, flags, None))
        for backend in BACKENDS:
            for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
                jobs.append(("signal", loop_name, flags + ["--backend=" + backend], (sig, code)))

    def one(job):
        kind, loop_name, flags, extra = job
        if kind == "stdin":
            # the script from stdin with '-'
            try:
                p = subprocess.run([binary] + flags + ["-"], cwd=ROOT, input=clean.encode(),
                                   capture_output=True, timeout=10)
                rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
            except subprocess.TimeoutExpired:
                rc, out, err = None, "", "timed out"
            return ("a script from stdin ('-') runs [%s]" % loop_name,
                    rc == 0 and out == "clean 2\n" and err == "",
                    "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
        if kind == "quiet":
            # a clean run writes nothing to stderr; -v does report the loop
            rc, out, err = run([binary] + flags + ["tests/js/timers-order.js"], timeout=30)
            rc2, out2, err2 = run([binary, "-v"] + flags + ["tests/js/timers-order.js"], timeout=30)
            return ("no stderr output without -v on a clean run [%s]" % loop_name,
                    rc == 0 and err == "" and "ok" in out.split() and rc2 == 0 and err2.strip() != "",
                    "without -v: exit %s, stderr %r\nwith -v: exit %s, stderr %r" % (rc, err, rc2, err2))
        sig, code = extra
        name = "%s ends a running script with exit %d [%s, %s]" % (
            signal.Signals(sig).name, code, loop_name, flags[-1][len("--backend="):])
        p = subprocess.Popen([binary] + flags + [script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(0.3)
        early = p.poll()
        if early is None:
            p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return name, False, "still running 10 s after the signal"
        detail = "exit %s%s\n--- stderr:\n%s" % (
            p.returncode, " (ended before the signal was sent)" if early is not None else "",
            err.decode("utf-8", "replace"))
        return name, early is None and p.returncode == code, detail

    try:
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for name, ok, detail in ex.map(one, jobs):
                record_cli(name, ok, detail)
    finally:
        os.unlink(script)


# ---- sockets: the examples against external peers ----
# Servers print "listening on PORT" (port 0 picks a free one); print() is
# fully buffered on a pipe, so they run under `stdbuf -oL` when it exists,
# else on a port picked here (a small race with other programs).
STDBUF = shutil.which("stdbuf")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A server example under ./evloop, stdout and stderr collected by threads."""

    def __init__(self, flags, script, args, port_arg=True, preexec_fn=None):
        self.port = None
        self.lines = []
        self.err = []
        if port_arg:
            self.port = 0 if STDBUF else free_port()
            args = [str(self.port)] + args
        cmd = ["./evloop"] + flags + [script] + args
        if STDBUF:
            cmd = [STDBUF, "-oL"] + cmd
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  preexec_fn=preexec_fn)
        self.listening = threading.Event()
        self.readers = [threading.Thread(target=self._read_out, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.readers:
            t.start()

    def _read_out(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = re.match(r"listening on (?:\S+:)?(\d+)$", line)
            if m:
                if not self.port:
                    self.port = int(m.group(1))
                self.listening.set()

    def _read_err(self):
        for raw in self.p.stderr:
            self.err.append(raw.decode("utf-8", "replace"))

    def wait_listening(self, timeout=10):
        """True once the server accepts connections."""
        deadline = time.time() + timeout
        if STDBUF and self.port == 0:
            return self.listening.wait(timeout) and self.port
        while time.time() < deadline and self.p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.p.pid))
        except OSError:
            return -1

    def cpu_seconds(self):
        """user + system CPU time of the server so far"""
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))

    def stop(self):
        """SIGTERM; returns a problem text or ''"""
        problems = []
        if self.p.poll() is not None:
            problems.append("the server died with status %s" % self.p.returncode)
        else:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                problems.append("still running 10 s after SIGTERM")
            if self.p.returncode != 143:
                problems.append("exit status %s after SIGTERM, want 143" % self.p.returncode)
        for t in self.readers:
            t.join(5)
        if "".join(self.err).strip():
            problems.append("stderr: " + "".join(self.err)[-1500:])
        return "; ".join(problems)

    def detail(self):
        return "%s\n--- stdout:\n%s\n--- stderr:\n%s" % (" ".join(self.cmd), "\n".join(self.lines[-30:]),
                                                          "".join(self.err)[-2000:])


def recv_exactly(s, n, timeout=10):
    s.settimeout(timeout)
    chunks, got = [], 0
    while got < n:
        d = s.recv(min(1 << 20, n - got))
        if not d:
            break
        chunks.append(d)
        got += len(d)
    return b"".join(chunks)


def echo_checks(srv):
    """A Python client against examples/echo-server.js; returns a list of problems."""
    problems = []
    port = srv.port
    time.sleep(0.05)
    fds_before = srv.fds()
    # 1. 8 MiB written by one thread while this one reads: byte-exact
    data = random.Random(7).getrandbits(8 * 8 * 1024 * 1024).to_bytes(8 * 1024 * 1024, "little")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        t = threading.Thread(target=s.sendall, args=(data,))
        t.start()
        back = recv_exactly(s, len(data), timeout=30)
        t.join()
        if back != data:
            problems.append("8 MiB echo: %d bytes back, %s" % (len(back), "equal" if back == data[:len(back)] else "differing"))
    # 2. 50 concurrent connections, each its own message, in two pieces
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(50)]
    for i, s in enumerate(socks):
        s.sendall(b"hello %d, " % i)
    for i, s in enumerate(socks):
        s.sendall(b"bye %d\n" % i)
    for i, s in enumerate(socks):
        want = b"hello %d, bye %d\n" % (i, i)
        got = recv_exactly(s, len(want))
        if got != want:
            problems.append("connection %d got %r, want %r" % (i, got, want))
            break
    for s in socks:
        s.close()
    # 3. resets: SO_LINGER 0 closes with unread echo data on the server side
    for i in range(20):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"x" * 100000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    # 4. half-close: the client's FIN, the echo still arrives, then the server's FIN
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"half-close")
        s.shutdown(socket.SHUT_WR)
        got = recv_exactly(s, 1 << 20)
        if got != b"half-close":
            problems.append("half-close: got %r" % got)
    # the server is still serving and holds no more fds than before
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"still there")
        if recv_exactly(s, 11) != b"still there":
            problems.append("no echo after the resets")
    deadline = time.time() + 5
    while srv.fds() != fds_before and time.time() < deadline:
        time.sleep(0.05)
    if srv.fds() != fds_before:
        problems.append("the server has %d fds open, %d before the connections" % (srv.fds(), fds_before))
    return problems


def http_exchange(port, payload, pieces=1, delay=0.0, timeout=10):
    """Sends payload (in pieces), returns everything read until the server closes or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    step = max(1, (len(payload) + pieces - 1) // pieces)
    for i in range(0, len(payload), step):
        s.sendall(payload[i:i + step])
        if delay:
            time.sleep(delay)
    out, closed = b"", False
    s.settimeout(1.0)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            closed = True
            break
        out += d
    s.close()
    return out, closed


def http_checks(srv):
    """curl and raw requests against examples/http-server.js; returns problems."""
    problems = []
    port = srv.port
    base = "http://127.0.0.1:%d" % port
    if shutil.which("curl"):
        # keep-alive: two URLs on one connection
        rc, out, err = run(["curl", "-sv", "--max-time", "10", base + "/", base + "/hello/evloop"], timeout=20)
        if rc != 0 or out != "Hello from evloop!\nHello, evloop!\n":
            problems.append("curl two URLs: exit %s, body %r" % (rc, out))
        if err.count("Connected to") != 1 or "Re-using existing connection" not in err:
            problems.append("curl two URLs did not reuse one connection:\n" + err[-1500:])
        # POST with a body, HEAD, 404
        rc, out, err = run(["curl", "-s", "--max-time", "10", "--data-binary", "posted body", base + "/echo"], timeout=20)
        if rc != 0 or out != "posted body":
            problems.append("curl POST /echo: exit %s, body %r" % (rc, out))
        rc, out, err = run(["curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", base + "/nope"], timeout=20)
        if out != "404":
            problems.append("curl /nope: status %r, want 404" % out)
        # Connection: close is honoured (the server closes; curl does not reuse)
        rc, out, err = run(["curl", "-sv", "--max-time", "10", "-H", "Connection: close", base + "/", base + "/"], timeout=20)
        if rc != 0 or out != "Hello from evloop!\n" * 2 or err.count("Connected to") != 2 or "< Connection: close" not in err:
            problems.append("curl with Connection: close: exit %s, body %r\n%s" % (rc, out, err[-1500:]))
    else:
        problems.append("curl is not installed")
    get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    ok_head = b"HTTP/1.1 200 OK\r\n"
    # a malformed request: 400, then the server closes
    out, closed = http_exchange(port, b"GARBAGE\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 ") or not closed:
        problems.append("malformed request: %r (closed %s)" % (out[:200], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 ") or not closed:
        problems.append("malformed header line: %r (closed %s)" % (out[:200], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 "):
        problems.append("HTTP/1.1 without Host: %r" % out[:200])
    out, closed = http_exchange(port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 "):
        problems.append("bad Content-Length: %r" % out[:200])
    # pipelined: three requests in one send, answered in order, the connection stays open
    body = b"0123456789"
    pipe = get + b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n" + body + b"GET /hello/pipe HTTP/1.1\r\nHost: x\r\n\r\n"
    out, closed = http_exchange(port, pipe)
    if out.count(ok_head) != 3 or closed or not out.endswith(b"Hello, pipe!\n") or b"\r\n\r\n0123456789HTTP/1.1" not in out:
        problems.append("pipelined requests: %r (closed %s)" % (out[-600:], closed))
    # split across reads: one byte at a time, body included
    out, closed = http_exchange(port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsplit", pieces=200, delay=0.002)
    if not out.startswith(ok_head) or not out.endswith(b"\r\n\r\nsplit") or closed:
        problems.append("a request split across reads: %r (closed %s)" % (out[-300:], closed))
    # Connection: close and HTTP/1.0 end the connection after the response
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get)
    if out.count(ok_head) != 1 or not closed or b"Connection: close\r\n" not in out:
        problems.append("Connection: close: %r (closed %s)" % (out[-400:], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    if not out.startswith(ok_head) or not closed:
        problems.append("HTTP/1.0: %r (closed %s)" % (out[-400:], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    if not out.startswith(ok_head) or closed:
        problems.append("HTTP/1.0 keep-alive: %r (closed %s)" % (out[-400:], closed))
    # a little load: 16 keep-alive connections at once, 50 batches of 4 pipelined requests each
    def client(i):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            want = b"Hello, c%d!\n" % i
            for _ in range(50):
                s.sendall((b"GET /hello/c%d HTTP/1.1\r\nHost: x\r\n\r\n" % i) * 4)
                got = b""
                while got.count(want) < 4:
                    d = s.recv(65536)
                    if not d:
                        return "connection %d closed early" % i
                    got += d
                if got.count(ok_head) != 4:
                    return "connection %d: %r" % (i, got[-300:])
        return None
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        errors = [e for e in ex.map(client, range(16)) if e]
    if errors:
        problems.append("load: " + "; ".join(errors[:3]))
    if shutil.which("wrk"):
        rc, out, err = run(["wrk", "-t1", "-c32", "-d1s", "http://127.0.0.1:%d/" % port], timeout=30)
        m = re.search(r"(\d+) requests in", out)
        if rc != 0 or not m or int(m.group(1)) < 100 or "Socket errors" in out or "Non-2xx" in out:
            problems.append("wrk: exit %s\n%s%s" % (rc, out, err))
    return problems


def emfile_checks(srv, clients=100):
    """The echo server under a 64-fd limit: accept hits EMFILE; the loop must
    not spin, must keep its listener, and must serve again once fds free up."""
    problems = []
    port = srv.port
    socks = []
    for _ in range(clients):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except OSError as e:
            problems.append("connect %d failed: %s" % (len(socks), e))
            s.close()
            break
        socks.append(s)
    time.sleep(0.5)
    # the connections the server did accept are served meanwhile
    try:
        socks[0].sendall(b"first")
        if recv_exactly(socks[0], 5, timeout=5) != b"first":
            problems.append("the first connection got no echo while accept fails with EMFILE")
    except OSError as e:
        problems.append("the first connection: %s" % e)
    cpu0, t0 = srv.cpu_seconds(), time.time()
    time.sleep(1.5)
    cpu = srv.cpu_seconds() - cpu0
    wall = time.time() - t0
    if cpu > 0.25 * wall:
        problems.append("the server used %.2f s CPU in %.2f s while out of fds (spinning)" % (cpu, wall))
    if srv.p.poll() is not None:
        problems.append("the server exited (%s) while out of fds" % srv.p.returncode)
        return problems
    # free fds: the pending connections and new ones get served
    for s in socks[:70]:
        s.close()
    try:
        last = socks[-1]
        last.sendall(b"late")
        if recv_exactly(last, 4, timeout=5) != b"late":
            problems.append("a connection pending during EMFILE got no echo after fds were freed")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"after")
            if recv_exactly(s, 5, timeout=5) != b"after":
                problems.append("a new connection got no echo after fds were freed")
    except OSError as e:
        problems.append("after fds were freed: %s" % e)
    for s in socks[70:]:
        s.close()
    return problems


# A server that pauses every connection it accepts and never reads: its
# peers hang up (FIN, RST) or stay idle; the loop must sleep, not spin on
# the hung-up fds (epoll reports HUP/ERR even without interest; poll
# reports them for any fd in its set).
PAUSED_SERVER = r"""
var server = net.createServer(function (c) { c.pause(); c.on('error', function () { }); });
server.listen(Number(process.argv[2]), '127.0.0.1', function () { print('listening on ' + server.address().port); });
"""


def spin_checks(srv):
    """Paused sockets whose peers hung up must not make the loop spin."""
    problems = []
    port = srv.port
    fin = socket.create_connection(("127.0.0.1", port), timeout=5)
    fin.sendall(b"unread data")
    fin.close()
    rst = socket.create_connection(("127.0.0.1", port), timeout=5)
    rst.sendall(b"unread data")
    rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    rst.close()
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    time.sleep(0.3)
    cpu0, t0 = srv.cpu_seconds(), time.time()
    time.sleep(1.5)
    cpu, wall = srv.cpu_seconds() - cpu0, time.time() - t0
    if cpu > 0.2 * wall:
        problems.append("the server used %.2f s CPU in %.2f s with paused hung-up connections (spinning)" % (cpu, wall))
    idle.close()
    return problems


def section_net():
    """The socket examples against external peers, both loops and both backends."""
    def want(name):
        return not filter_text or filter_text in name

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    fd, paused_script = tempfile.mkstemp(prefix="evloop-net-paused-", suffix=".js")
    with os.fdopen(fd, "w") as f:
        f.write(PAUSED_SERVER)

    jobs = []
    for loop_name, flags in LOOPS:
        for backend in BACKENDS:
            f = flags + ["--backend=" + backend]
            tag = "[%s, %s]" % (loop_name, backend)
            jobs.append(("a Python client against examples/echo-server.js " + tag,
                         f, "examples/echo-server.js", ["127.0.0.1"], echo_checks, None))
            jobs.append(("curl and raw HTTP against examples/http-server.js " + tag,
                         f, "examples/http-server.js", ["127.0.0.1"], http_checks, None))
            jobs.append(("examples/echo-server.js under a 64-fd limit (EMFILE) " + tag,
                         f, "examples/echo-server.js", ["127.0.0.1"], emfile_checks, low_fd_limit))
            jobs.append(("no busy loop on paused sockets whose peers hung up " + tag,
                         f, paused_script, [], spin_checks, None))
    for server_name, sflags in LOOPS:
        for client_name, cflags in LOOPS:
            jobs.append(("examples/client-socket-test.js [%s] against examples/server-socket-test.js [%s]"
                         % (client_name, server_name), sflags, cflags, None, None, None))
    jobs = [j for j in jobs if want(j[0])]

    def one(job):
        name, flags, script, args, checks, preexec = job
        if checks is None:
            return seed_pair(name, flags, script)
        srv = Server(flags, script, args, preexec_fn=preexec)
        try:
            if not srv.wait_listening():
                srv.stop()
                return name, False, "not listening\n" + srv.detail()
            problems = checks(srv)
        except Exception as e:  # a socket error is a failure, not a crash of the runner
            problems = ["%s: %s" % (type(e).__name__, e)]
        stopped = srv.stop()
        if stopped:
            problems.append(stopped)
        return name, not problems, "\n".join(problems) + "\n" + srv.detail()

    def seed_pair(name, sflags, cflags):
        port = free_port()
        srv = Server(sflags, "examples/server-socket-test.js", [str(port), "127.0.0.1"], port_arg=False)
        srv.port = port
        problems = []
        if not srv.wait_listening():
            problems.append("the server example is not listening")
        else:
            rc, out, err = run(["./evloop"] + cflags + ["examples/client-socket-test.js", "127.0.0.1", str(port)],
                               timeout=20)
            if rc != 0 or "USER-AGENT: CLIENT-SOCKET-TEST.JS" not in out or err.strip():
                problems.append("client: exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
            time.sleep(0.1)
            if STDBUF and not any("read data on fd" in line for line in srv.lines):
                problems.append("the server example printed no 'read data' line")
        stopped = srv.stop()
        if stopped:
            problems.append(stopped)
        return name, not problems, "\n".join(problems) + "\n" + srv.detail()

    try:
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for name, ok, detail in ex.map(one, jobs):
                record("net", name, ok, detail)
    finally:
        os.unlink(paused_script)


# ---- reliability: valgrind, soak, limits (docs/RELIABILITY.md) ----
# Figures from these sections are printed as "INFO section: ..." lines (on a
# pass too) and are in each check's detail.
VALGRIND_BIN = "build/valgrind/evloop"   # -O1 -g, Duktape too, no sanitizers
VALGRIND_BACKEND = os.environ.get("VALGRIND_BACKEND", "epoll")   # one backend is enough for CI
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite", "--num-callers=30"]


def info(section, text):
    print("INFO %s: %s" % (section, text))
    sys.stdout.flush()


def valgrind_skip(path):
    """'// valgrind: skip REASON' in a script: the reason, else None."""
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*//\s*valgrind:\s*skip\b\s*(.*)", line)
            if m:
                return m.group(1).strip() or "marked '// valgrind: skip'"
    return None


def section_valgrind(pattern="tests/js/*.js"):
    """The JS suite once under valgrind memcheck, both loops, one backend
    (VALGRIND_BACKEND, epoll): zero errors, zero definitely lost bytes per run."""
    if not shutil.which("valgrind"):
        record("valgrind", "valgrind is installed", False, "valgrind not found (make test-deps installs it)")
        return
    if not os.path.exists(VALGRIND_BIN):
        record("valgrind", VALGRIND_BIN, False, "not built (make %s)" % VALGRIND_BIN)
        return
    logdir = tempfile.mkdtemp(prefix="evloop-valgrind-")
    jobs = []
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        rel = os.path.relpath(path, ROOT)
        reason = valgrind_skip(path)
        for loop_name, flags in LOOPS:
            name = "%s [%s, %s]" % (rel, loop_name, VALGRIND_BACKEND)
            if filter_text and filter_text not in name:
                continue
            if reason:
                info("valgrind", "SKIP %s: %s" % (name, reason))
                continue
            log = os.path.join(logdir, "%s.%s.log" % (os.path.basename(path), loop_name))
            jobs.append((name, path, flags, log))
    totals = {"runs": 0, "errors": 0, "definite": 0, "possible": 0, "allocs": 0, "bytes": 0}
    lock = threading.Lock()

    def one(job):
        name, path, flags, log = job
        ok, detail = js_case(VALGRIND_BIN, path, flags, VALGRIND_BACKEND,
                             prefix=VALGRIND + ["--log-file=" + log], timeout_scale=3, min_timeout=120)
        try:
            with open(log) as f:
                text = f.read()
        except OSError:
            text = ""
        errors = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
        definite = re.search(r"definitely lost: ([\d,]+) bytes", text)
        possible = re.search(r"possibly lost: ([\d,]+) bytes", text)
        usage = re.search(r"total heap usage: ([\d,]+) allocs, [\d,]+ frees, ([\d,]+) bytes allocated", text)
        num = lambda m, g=1: int(m.group(g).replace(",", "")) if m else 0
        problems = []
        if not errors:
            problems.append("no valgrind summary in the log")
        elif num(errors):
            problems.append("valgrind: %d errors" % num(errors))
        if num(definite):
            problems.append("valgrind: %d bytes definitely lost" % num(definite))
        with lock:
            totals["runs"] += 1
            totals["errors"] += num(errors)
            totals["definite"] += num(definite)
            totals["possible"] += num(possible)
            totals["allocs"] += num(usage)
            totals["bytes"] += num(usage, 2)
        if problems:
            ok = False
            detail = "; ".join(problems) + "\n--- valgrind log:\n" + text[-6000:] + "\n" + detail
        return name, ok, detail

    t0 = time.time()
    try:
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for name, ok, detail in ex.map(one, jobs):
                record("valgrind", name, ok, detail)
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
    info("valgrind", "%d runs in %.0f s: %d errors, %d bytes definitely lost, %d bytes possibly lost; "
         "%d allocations, %.1f MB allocated in all" % (totals["runs"], time.time() - t0, totals["errors"],
                                                       totals["definite"], totals["possible"], totals["allocs"],
                                                       totals["bytes"] / 1e6))


def rss_kib(pid):
    """VmRSS of a process in KiB, or -1"""
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s*(\d+)\s*kB", f.read())
        return int(m.group(1)) if m else -1
    except OSError:
        return -1


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


class Child:
    """./evloop FLAGS SCRIPT ARGS with stdout lines and stderr collected by
    threads (line-buffered through stdbuf when it exists)."""

    def __init__(self, flags, script, args, stdin=None, preexec_fn=None):
        cmd = ["./evloop"] + flags + [script] + [str(a) for a in args]
        if STDBUF:
            cmd = [STDBUF, "-oL"] + cmd
        self.cmd = cmd
        self.lines, self.err = [], []
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=stdin, preexec_fn=preexec_fn)
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, self.lines), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.readers:
            t.start()

    @staticmethod
    def _read(stream, into):
        for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_line(self, prefix, timeout):
        """The first stdout line starting with prefix, or None (timeout or exit)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.p.poll() is not None:
                time.sleep(0.1)   # let the reader drain
                for line in list(self.lines):
                    if line.startswith(prefix):
                        return line
                return None
            time.sleep(0.02)
        return None

    def finish(self, timeout):
        """Waits for the exit; returns the exit status (None after a kill)."""
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            for t in self.readers:
                t.join(5)
        return self.p.returncode

    def detail(self):
        return "%s\n--- stdout:\n%s\n--- stderr:\n%s" % (" ".join(self.cmd), "\n".join(self.lines[-15:]),
                                                          "\n".join(self.err)[-2000:])


def last_line(lines, prefix):
    """The last of lines that starts with prefix, or ''"""
    for line in reversed(list(lines)):
        if line.startswith(prefix):
            return line
    return ""


def kv(line):
    """'word a=1 b=2.5' -> {'a': 1.0, 'b': 2.5}"""
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", line))


SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
SOAK_WARMUP = float(os.environ.get("SOAK_WARMUP", "20"))   # s; see docs/RELIABILITY.md (the ECMAScript loop's RSS still climbs to its plateau until ~20 s)
SOAK_CONNS = 32


def soak_one(loop_name, flags):
    """One soak run: tests/soak/soak-server.js against tests/soak/soak-client.js."""
    name = "soak %.0f s: server RSS within 10%% after warm-up, fds back to the start [%s]" % (SOAK_SECONDS, loop_name)
    problems, figures, figures_detail = [], "", ""
    srv = Server(flags, "tests/soak/soak-server.js", [])
    cli = None
    try:
        if not srv.wait_listening():
            return name, False, "the soak server is not listening\n" + srv.detail(), ""
        time.sleep(0.3)
        pid = srv.p.pid
        fds_start = fd_count(pid)
        cpu0 = srv.cpu_seconds()
        t0 = time.time()
        cli = Child(flags, "tests/soak/soak-client.js", [srv.port, SOAK_SECONDS, SOAK_CONNS])
        samples = []   # (t, server RSS, client RSS), one a second
        while cli.p.poll() is None and time.time() - t0 < SOAK_SECONDS + 30:
            samples.append((time.time() - t0, rss_kib(pid), rss_kib(cli.p.pid)))
            time.sleep(1.0)
        # RSS "after warm-up" and "at the end": each the mean of five samples
        # a second apart (around SOAK_WARMUP, and the last five while the
        # clients still run). One sample swings by a few percent with the
        # requests in flight; a leak is a trend, which the means keep.
        def mean5(chosen):
            if len(chosen) < 3:
                return None
            return tuple(sum(c[k] for c in chosen) / float(len(chosen)) for k in range(3))
        warmup = min(SOAK_WARMUP, SOAK_SECONDS / 3.0)   # a short run (SOAK_SECONDS=20) still has both points
        warm = mean5([c for c in samples if c[0] >= warmup - 2][:5])
        end = mean5([c for c in samples if c[0] <= SOAK_SECONDS - 0.5][-5:])
        cpu = srv.cpu_seconds() - cpu0
        wall = time.time() - t0
        rc = cli.finish(30)
        client_stats = kv(last_line(cli.lines, "total "))
        if rc != 0 or "ok" not in cli.lines:
            problems.append("client: exit %s\n%s" % (rc, cli.detail()))
        # the server closes its side of every connection, then its fds are back
        deadline = time.time() + 10
        while fd_count(pid) != fds_start and time.time() < deadline:
            time.sleep(0.1)
        fds_end = fd_count(pid)
        time.sleep(1.2)   # one more stats line after the last close
        server_stats = kv(last_line(srv.lines, "stats "))
        if fds_end != fds_start:
            problems.append("the server has %d fds open at the end, %d at the start" % (fds_end, fds_start))
        if server_stats.get("errors", 1) != 0 or server_stats.get("open", 1) != 0:
            problems.append("server stats at the end: %s" % last_line(srv.lines, "stats "))
        if warm is None or end is None or end[0] < warm[0]:
            problems.append("no RSS samples at %.0f s and at the end (%d samples)" % (warmup, len(samples)))
            growth = client_growth = 0.0
        else:
            growth = (end[1] - warm[1]) * 100.0 / warm[1]
            client_growth = (end[2] - warm[2]) * 100.0 / warm[2]
            if abs(growth) >= 10:
                problems.append("server RSS %d KiB at %.0f s, %d KiB at %.0f s: %+.1f%%"
                                % (warm[1], warm[0], end[1], end[0], growth))
        srv_rss = [s[1] for s in samples if s[0] >= warmup and s[1] > 0] or [0]
        stats_secs = max(1.0, float(sum(1 for l in list(srv.lines) if l.startswith("stats "))))   # one a second
        series = " ".join("%d" % c[1] for c in samples[::5])
        figures = ("server RSS %d KiB at %.0f s, %d KiB at %.0f s (%+.1f%%; min %d, max %d after warm-up); "
                   "client RSS %d -> %d KiB (%+.1f%%); server fds %d at the start, %d at the end; "
                   "%d connections, %d requests, %.0f MB echoed; timers created %.0f/s, cleared %.0f/s, "
                   "fired %.0f/s; server CPU %.0f%%"
                   % (warm[1] if warm else -1, warm[0] if warm else 0, end[1] if end else -1, end[0] if end else 0,
                      growth, min(srv_rss), max(srv_rss), warm[2] if warm else -1, end[2] if end else -1,
                      client_growth, fds_start, fds_end, client_stats.get("connections", 0),
                      client_stats.get("requests", 0), client_stats.get("bytes", 0) / 1e6,
                      server_stats.get("created", 0) / stats_secs, server_stats.get("cleared", 0) / stats_secs,
                      server_stats.get("fired", 0) / stats_secs, cpu * 100.0 / wall))
        figures_detail = "server RSS every 5 s (KiB): " + series
    except Exception as e:   # a harness error is a failure, not a crash of the runner
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        stop_pair(srv, cli, problems)
    detail = figures + "\n" + figures_detail + "\n" + "\n".join(problems) + "\n" + srv.detail()
    return name, not problems, detail, figures


def stop_pair(srv, cli, problems):
    """Ends a soak or limits run: kills the client if it still runs, stops
    the server and adds what went wrong to `problems`."""
    if cli is not None and cli.p.poll() is None:
        cli.p.kill()
        cli.finish(5)
    stopped = srv.stop()
    if stopped:
        problems.append("server: " + stopped)


def section_soak():
    """About SOAK_SECONDS (60) of a server and 32 client connections on
    loopback, per loop, both loops at once (one server and one client
    process each, 2 cores), with timers churning in the server."""
    jobs = [(n, f) for n, f in LOOPS if not filter_text or filter_text in n]
    with concurrent.futures.ThreadPoolExecutor(max(1, len(jobs))) as ex:
        for name, ok, detail, figures in ex.map(lambda j: soak_one(*j), jobs):
            record("soak", name, ok, detail)
            loop_name = name[name.rindex("[") + 1:-1]
            info("soak", "[%s] %s" % (loop_name, figures or "no figures"))
            series = re.search(r"server RSS every 5 s \(KiB\): .*", detail)
            if series:
                info("soak", "[%s] %s" % (loop_name, series.group(0)))


LIMIT_CONNECTIONS = int(os.environ.get("LIMIT_CONNECTIONS", "10000"))
LIMIT_TIMERS = int(os.environ.get("LIMIT_TIMERS", "1000000"))


def raise_fd_limit(need):
    """Raises RLIMIT_NOFILE's soft limit (and, as root, the hard limit) in a
    child; returns a preexec_fn, or (None, reason) when need is out of reach."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= need:
        target = (hard if hard != resource.RLIM_INFINITY else max(soft, need), hard)
    else:
        try:
            with open("/proc/sys/fs/nr_open") as f:
                nr_open = int(f.read())
        except (OSError, ValueError):
            nr_open = 0
        if os.geteuid() != 0 or nr_open < need:
            return None, ("RLIMIT_NOFILE hard limit %d < %d fds needed per process, and it cannot be raised "
                          "(%s)" % (hard, need, "not root" if os.geteuid() != 0 else "fs.nr_open %d" % nr_open))
        target = (need, need)   # root (CAP_SYS_RESOURCE) may raise the hard limit
    return (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, target)), None


def limits_connections(loop_name, flags, preexec):
    """LIMIT_CONNECTIONS connections between two processes of one loop:
    examples/echo-server.js and tests/soak/limits-client.js."""
    n = LIMIT_CONNECTIONS
    name = "%d concurrent connections, fds back after [%s]" % (n, loop_name)
    problems, figures = [], ""
    srv = Server(flags, "examples/echo-server.js", ["127.0.0.1"], preexec_fn=preexec)
    cli = None
    try:
        if not srv.wait_listening():
            return name, False, "the echo server is not listening\n" + srv.detail(), ""
        time.sleep(0.3)
        pid = srv.p.pid
        fds0, rss0 = fd_count(pid), rss_kib(pid)
        r, w = os.pipe()
        try:
            cli = Child(flags, "tests/soak/limits-client.js", [srv.port, n], stdin=r, preexec_fn=preexec)
        finally:
            os.close(r)
        held = cli.wait_line("held ", 240)
        if not held:
            os.close(w)
            cli.finish(10)
            problems.append("the client never held %d connections\n%s" % (n, cli.detail()))
        else:
            time.sleep(0.3)
            fds1, rss1 = fd_count(pid), rss_kib(pid)
            c = kv(held)
            os.write(w, b"end\n")
            os.close(w)
            rc = cli.finish(120)
            if rc != 0 or "ok" not in cli.lines:
                problems.append("client: exit %s\n%s" % (rc, cli.detail()))
            if fds1 != fds0 + n:
                problems.append("the server had %d fds open while holding %d connections, %d before" % (fds1, n, fds0))
            deadline = time.time() + 15
            while fd_count(pid) != fds0 and time.time() < deadline:
                time.sleep(0.1)
            fds2 = fd_count(pid)
            if fds2 != fds0:
                problems.append("the server has %d fds open after the connections closed, %d before" % (fds2, fds0))
            closed = kv(last_line(cli.lines, "closed "))
            figures = ("%d connections held in %.1f s, closed in %.1f s; server: RSS +%d KiB, %.0f bytes per "
                       "connection, fds %d -> %d -> %d; client: RSS +%d KiB, %.0f bytes per connection"
                       % (n, c.get("connect_ms", 0) / 1000.0, closed.get("close_ms", 0) / 1000.0, rss1 - rss0,
                          (rss1 - rss0) * 1024.0 / n, fds0, fds1, fds2,
                          c.get("rss_held_kib", 0) - c.get("rss_before_kib", 0), c.get("bytes_per_connection", 0)))
    except Exception as e:
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        stop_pair(srv, cli, problems)
    return name, not problems, figures + "\n" + "\n".join(problems) + "\n" + srv.detail(), figures


def limits_timers(loop_name, flags):
    n = LIMIT_TIMERS
    name = "%d pending timers [%s]" % (n, loop_name)
    rc, out, err = run(["./evloop"] + flags + ["tests/soak/limits-timers.js", str(n)], timeout=180)
    line = ([l for l in out.splitlines() if l.startswith("timers ")] or [""])[0]
    t = kv(line)
    figures = ""
    if line:
        figures = ("%d timers pending: RSS +%d KiB, %.1f bytes per timer; created in %.2f s, half cleared in %.2f s"
                   % (n, t.get("rss_pending_kib", 0) - t.get("rss_before_kib", 0), t.get("bytes_per_timer", 0),
                      t.get("create_ms", 0) / 1000.0, t.get("clear_half_ms", 0) / 1000.0))
    ok = rc == 0 and "ok" in out.split() and not err.strip()
    return name, ok, "%s\nexit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (figures, rc, out[-2000:], err[-2000:]), figures


def section_limits():
    """LIMIT_CONNECTIONS (10,000) concurrent connections and LIMIT_TIMERS
    (1,000,000) pending timers in each loop, with memory per connection and
    per timer (RSS deltas)."""
    need = LIMIT_CONNECTIONS + 100   # per process: the server and the client are two
    preexec, why = raise_fd_limit(need)
    jobs = []
    for loop_name, flags in LOOPS:
        if filter_text and filter_text not in loop_name:
            continue
        if preexec:
            jobs.append(lambda l=loop_name, f=flags: limits_connections(l, f, preexec))
        else:
            info("limits", "SKIP %d concurrent connections [%s]: %s" % (LIMIT_CONNECTIONS, loop_name, why))
        jobs.append(lambda l=loop_name, f=flags: limits_timers(l, f))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail, figures in ex.map(lambda j: j(), jobs):
            record("limits", name, ok, detail)
            info("limits", "[%s] %s" % (name[name.rindex("[") + 1:-1], figures or "no figures"))


# ---- configs: the small-build switches ----
# Each configuration is built as build/configs/<name>/evloop (the CLI) and
# .../probe (tests/configs/probe.cpp: bindings, left-out features, backend,
# fixed capacities) with -Wall -Wextra -Wpedantic -Werror -std=c++11 against
# the shared build/duktape.o, checked with clang++ too, and runs the JS
# scripts that apply to it (tests/js and tests/configs), in the loops it has,
# on its own backend only (epoll unless it picks one), not under sanitizers.
# (name, defines, loops, scripts): loops "both" (those the build has) or
# "cpp" where the other loop adds nothing the js section does not test
# already; scripts "all" (that apply) or "sockets" (those that need them).
CONFIGS = [
    ("poll", ["EVLOOP_BACKEND_POLL"], "cpp", "all"),  # the js section runs --backend=poll in both loops
    ("select", ["EVLOOP_BACKEND_SELECT"], "both", "all"),
    ("no-sockets", ["EVLOOP_NO_SOCKETS"], "both", "all"),
    ("no-net", ["EVLOOP_NO_NET"], "both", "all"),
    ("no-fileio", ["EVLOOP_NO_FILEIO"], "cpp", "all"),
    ("no-ecma-loop", ["EVLOOP_NO_ECMA_LOOP"], "cpp", "all"),
    ("fixed", ["EVLOOP_MAX_TIMERS=4096", "EVLOOP_MAX_FDS=256"], "both", "all"),
    ("small-reads", ["EVLOOP_READ_BUFFER_SIZE=1024"], "both", "sockets"),
    # the smallest device build: timers and the C++ loop on select(), fixed tables
    ("minimal", ["EVLOOP_NO_SOCKETS", "EVLOOP_NO_FILEIO", "EVLOOP_NO_ECMA_LOOP", "EVLOOP_BACKEND_SELECT",
                 "EVLOOP_MAX_TIMERS=256", "EVLOOP_MAX_FDS=32"], "cpp", "all"),
    ("no-poll-cli", ["EVLOOP_NO_POLL", "EVLOOP_NO_CLI"], "both", "all"),
    # issue 5's "timers + C++ loop only" (make size measures it): the timer
    # bindings, EventLoop without fd watchers, the C++ loop and its C++ API
    ("timers-only", ["EVLOOP_NO_SOCKETS", "EVLOOP_NO_FILEIO", "EVLOOP_NO_ECMA_LOOP", "EVLOOP_NO_POLL",
                     "EVLOOP_NO_CLI", "EVLOOP_BACKEND_POLL"], "cpp", "all"),
    # the embedded JS deflated (src/inflate.hpp): every script, both loops
    ("compressed-js", ["EVLOOP_COMPRESSED_JS"], "both", "all"),
]
# Further combinations, compiled only (g++ and clang++, the CLI and the probe;
# an item starting with '-' is a compiler flag, not a define).
CONFIG_COMBINATIONS = [
    ["-std=c++20", "EVLOOP_NO_SOCKETS", "EVLOOP_NO_FILEIO", "EVLOOP_NO_ECMA_LOOP", "EVLOOP_BACKEND_SELECT",
     "EVLOOP_MAX_TIMERS=256", "EVLOOP_MAX_FDS=32"],
    ["-std=c++20", "EVLOOP_NO_NET", "EVLOOP_BACKEND_SELECT", "EVLOOP_MAX_FDS=100"],
    ["EVLOOP_NO_NET", "EVLOOP_NO_ECMA_LOOP"],
    ["EVLOOP_NO_NET", "EVLOOP_NO_FILEIO", "EVLOOP_BACKEND_POLL"],
    ["EVLOOP_NO_SOCKETS", "EVLOOP_NO_NET", "EVLOOP_BACKEND_POLL"],
    ["EVLOOP_NO_SOCKETS", "EVLOOP_NO_FILEIO", "EVLOOP_NO_ECMA_LOOP"],
    ["EVLOOP_NO_SOCKETS", "EVLOOP_NO_FILEIO", "EVLOOP_NO_ECMA_LOOP", "EVLOOP_NO_POLL", "EVLOOP_NO_CLI"],
    ["-std=c++20", "EVLOOP_NO_POLL", "EVLOOP_BACKEND_SELECT", "EVLOOP_NO_NET"],
    ["EVLOOP_COMPRESSED_JS", "EVLOOP_NO_NET"],
    ["-std=c++20", "EVLOOP_COMPRESSED_JS", "EVLOOP_NO_SOCKETS", "EVLOOP_NO_CLI"],
    ["EVLOOP_NO_ECMA_LOOP", "EVLOOP_BACKEND_SELECT", "EVLOOP_MAX_FDS=64"],
    ["EVLOOP_NO_NET", "EVLOOP_BACKEND_SELECT", "EVLOOP_MAX_TIMERS=16", "EVLOOP_NO_THREADS"],
    ["EVLOOP_NO_FILEIO", "EVLOOP_BACKEND_POLL", "EVLOOP_MAX_TIMERS=1", "EVLOOP_MAX_FDS=2000000"],
    # a board clock instead of clock_gettime (here clock(), which <ctime> declares)
    ["EVLOOP_NO_SOCKETS", "EVLOOP_BACKEND_SELECT", "EVLOOP_MONOTONIC_NS()=(::clock() * 1000)"],
]
SELECT_FD_SETSIZE = 1024  # glibc's
# Text found only in a feature's code or embedded JS: a build without the
# feature must not hold it (the generator emits each part under its #if).
FEATURE_MARKERS = [
    # (features, a string of the code, whether it is embedded JS: the JS
    # carries no comments; an EVLOOP_COMPRESSED_JS build holds it deflated)
    ("ecma", b"EventLoop.watch: events must be a mask of Poll.POLL* bits", True),  # ecma_loop.js
    ("ecma sockets", b"evloop stream engine: unexpected POLL* values", True),      # ecma_stream.js
    ("sockets", b"EventLoop.setReader: onData must be a function", True),        # net.js, seed part
    ("sockets", b"Socket.createServerSocket", False),                            # bind_socket.hpp
    ("net", b"function EventEmitter()", True),                                   # net.js, net layer
    ("fileio", b"FileIo.writefile: data must be a string or a buffer", False),  # bind_fileio.hpp
    ("poll", b"Poll.poll: set must be an object", False),                        # bind_poll.hpp
]


def config_traits(defines):
    """What a build with these defines has: features, backend, limits."""
    d = dict(x.split("=", 1) if "=" in x else (x, "1") for x in defines)
    features = {"sockets", "net", "fileio", "ecma", "poll", "cli"}
    if "EVLOOP_NO_SOCKETS" in d:
        features -= {"sockets", "net"}
    for macro, feature in (("EVLOOP_NO_NET", "net"), ("EVLOOP_NO_FILEIO", "fileio"), ("EVLOOP_NO_ECMA_LOOP", "ecma"),
                           ("EVLOOP_NO_POLL", "poll"), ("EVLOOP_NO_CLI", "cli")):
        if macro in d:
            features.discard(feature)
    backend = "select" if "EVLOOP_BACKEND_SELECT" in d else "poll" if "EVLOOP_BACKEND_POLL" in d else "epoll"
    fd_limit = int(d["EVLOOP_MAX_FDS"]) if "EVLOOP_MAX_FDS" in d else None
    if backend == "select":
        fd_limit = min(fd_limit or SELECT_FD_SETSIZE, SELECT_FD_SETSIZE)
    max_timers = int(d["EVLOOP_MAX_TIMERS"]) if "EVLOOP_MAX_TIMERS" in d else None
    read_buffer = int(d.get("EVLOOP_READ_BUFFER_SIZE", 65536))
    return {"features": features, "backend": backend, "fd_limit": fd_limit, "max_timers": max_timers,
            "read_buffer": read_buffer}


def script_needs(path):
    """What a script needs from the build: by the first word of its name
    (net-*: net, socket-*: sockets, fileio*: fileio), what it uses (Poll or
    EventLoop.watch/unwatch: poll; process: cli) and its '// needs:'
    lines: sockets, net, fileio, ecma, poll, cli, timers:N (N timers pending at once),
    fds:N (fd numbers up to N), read-buffer:N (EVLOOP_READ_BUFFER_SIZE at
    least N), max-timers (a build with EVLOOP_MAX_TIMERS), fd-limit (a build
    with EVLOOP_MAX_FDS or select())."""
    word = re.split(r"[-.]", os.path.basename(path))[0]
    needs = set()
    feature = {"net": "net", "socket": "sockets", "fileio": "fileio"}.get(word)
    if feature:
        needs.add(feature)
    with open(path) as f:
        text = f.read()
    if re.search(r"\bPoll\b|\bEventLoop\.(un)?watch\b", text):
        needs.add("poll")
    if re.search(r"\bprocess\b", text):
        needs.add("cli")
    for m in re.finditer(r"^\s*//\s*needs:\s*(.*)$", text, re.M):
        needs.update(m.group(1).split())
    if "net" in needs:
        needs.add("sockets")
    return needs


def unmet_needs(needs, traits):
    """The needs a build does not meet (empty: the script applies)."""
    unmet = []
    for n in sorted(needs):
        kind, _, value = n.partition(":")
        if kind in ("sockets", "net", "fileio", "ecma", "poll", "cli"):
            ok = kind in traits["features"]
        elif kind == "timers":
            ok = traits["max_timers"] is None or traits["max_timers"] >= int(value)
        elif kind == "fds":
            ok = traits["fd_limit"] is None or traits["fd_limit"] >= int(value)
        elif kind == "read-buffer":
            ok = traits["read_buffer"] >= int(value)
        elif kind == "max-timers":
            ok = traits["max_timers"] is not None
        elif kind == "fd-limit":
            ok = traits["fd_limit"] is not None
        else:
            raise SystemExit("unknown '// needs: %s'" % n)
        if not ok:
            unmet.append(n)
    return unmet


def section_configs():
    """Every small-build configuration: builds, probe, the JS that applies."""
    base = ["-std=c++11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-isystem", DUKTAPE_DIR, "-I."]
    t0 = time.time()
    builds = []  # (label, command, output or None)
    for name, defines, _, _ in CONFIGS:
        flags = ["-D" + x for x in defines]
        out = os.path.join("build/configs", name)
        os.makedirs(os.path.join(ROOT, out), exist_ok=True)
        builds.append(("%s: evloop (g++ -O2)" % name, ["g++", "-O2"] + base + flags +
                       ["examples/evloop-cli.cpp", "build/duktape.o", "-lm", "-o", out + "/evloop"]))
        builds.append(("%s: probe (g++ -O1)" % name, ["g++", "-O1"] + base + flags +
                       ["tests/configs/probe.cpp", "build/duktape.o", "-lm", "-o", out + "/probe"]))
    run_defines = [c[1] for c in CONFIGS]
    for defines in run_defines + CONFIG_COMBINATIONS:
        label = " ".join(defines)
        flags = [x if x.startswith("-") else "-D" + x for x in defines]
        for cxx in ("g++", "clang++"):
            if cxx == "g++" and defines in run_defines:
                continue  # built above
            builds.append(("%s -fsyntax-only %s: evloop and probe" % (cxx, label),
                           [cxx, "-fsyntax-only"] + base + flags + ["examples/evloop-cli.cpp", "tests/configs/probe.cpp"]))

    def build(job):
        label, cmd = job
        rc, o, e = run(cmd, timeout=300)
        return label, rc == 0, " ".join(cmd) + "\n" + o + e
    built = set()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for label, ok, detail in ex.map(build, builds):
            record("configs", "compiles without warnings: " + label, ok, detail)
            if ok:
                built.add(label)
    t_built = time.time()

    scripts = sorted(glob.glob(os.path.join(ROOT, "tests/js/*.js")) + glob.glob(os.path.join(ROOT, "tests/configs/*.js")))
    needs = dict((p, script_needs(p)) for p in scripts)
    jobs = []  # (config, kind, name, args)
    for name, defines, loop_choice, scope in CONFIGS:
        traits = config_traits(defines)
        binary = os.path.join("build/configs", name, "evloop")
        if "%s: probe (g++ -O1)" % name in built:
            jobs.append((name, "probe", "%s: tests/configs/probe.cpp" % name,
                         [os.path.join("build/configs", name, "probe"), traits["backend"]]))
        if "%s: evloop (g++ -O2)" % name not in built:
            continue
        loops = [l for l in LOOPS if l[0] == "cpp" or ("ecma" in traits["features"] and loop_choice == "both")]
        skipped = 0
        for path in scripts:
            if unmet_needs(needs[path], traits) or (scope == "sockets" and "sockets" not in needs[path]):
                skipped += 1
                continue
            for loop_name, flags in loops:
                label = "%s: %s [%s, %s]" % (name, os.path.relpath(path, ROOT), loop_name, traits["backend"])
                if not filter_text or filter_text in label:
                    jobs.append((name, "js", label, (binary, path, flags, traits["backend"])))
        if verbose:
            print("INFO configs: %s runs %d of %d scripts (%s loop%s)" % (
                name, len(scripts) - skipped, len(scripts), "/".join(l[0] for l in loops), "s" * (len(loops) > 1)))

    # The CLI: the loop it runs by default, and --backend takes only the build's backends.
    cli_checks = {
        "no-ecma-loop": [(["-v", "tests/js/timers-order.js"], 0, "C++ loop, epoll backend"),
                         (["-c", "-v", "tests/js/timers-order.js"], 0, "C++ loop, epoll backend"),
                         (["--help"], 0, "the only loop of this build")],
        "select": [(["-v", "tests/js/timers-order.js"], 0, "ECMAScript loop, select backend"),
                   (["-c", "-v", "--backend=select", "tests/js/timers-order.js"], 0, "C++ loop, select backend"),
                   (["--backend=epoll", "tests/js/timers-order.js"], 2, "unknown backend 'epoll' (this build has select)")],
        "poll": [(["-c", "-v", "tests/js/timers-order.js"], 0, "C++ loop, poll backend"),
                 (["--backend=epoll", "tests/js/timers-order.js"], 2, "unknown backend 'epoll'")],
        "minimal": [(["-v", "tests/js/timers-order.js"], 0, "C++ loop, select backend")],
        "timers-only": [(["-v", "tests/js/timers-order.js"], 0, "C++ loop, poll backend")],
    }
    for name, checks in sorted(cli_checks.items()):
        if "%s: evloop (g++ -O2)" % name in built:
            for args, code, text in checks:
                jobs.append((name, "cli", "%s: evloop %s exits %d, says %r" % (name, " ".join(args), code, text),
                             ([os.path.join("build/configs", name, "evloop")] + args, code, text)))
    for name, defines, _, _ in CONFIGS:
        if "%s: evloop (g++ -O2)" % name in built:
            traits = config_traits(defines)
            jobs.append((name, "markers", "%s: the binary holds the code and JS of its features only" % name,
                         (os.path.join(ROOT, "build/configs", name, "evloop"), traits["features"],
                          "EVLOOP_COMPRESSED_JS" in defines)))

    def one(job):
        config, kind, label, args = job
        if kind == "markers":
            with open(args[0], "rb") as f:
                data = f.read()
            problems = []
            for features, marker, embedded_js in FEATURE_MARKERS:
                if embedded_js and args[2]:
                    continue  # deflated: not in the binary as text
                want = all(x in args[1] for x in features.split())
                if (marker in data) != want:
                    problems.append("%r is %s (features: %s)" % (marker, "missing" if want else "present",
                                                                  " ".join(sorted(args[1]))))
            return label, not problems, "\n".join(problems)
        if kind == "cli":
            cmd, code, text = args
            rc, o, e = run(cmd, timeout=30)
            return label, rc == code and text in o + e, "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, o, e)
        if kind == "probe":
            rc, o, e = run(args, timeout=120)
            return label, rc == 0 and "ok" in o.split() and "FAIL" not in o, "exit %s\n%s%s" % (rc, o, e)
        ok, detail = js_case(*args)
        return label, ok, detail
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for label, ok, detail in ex.map(one, jobs):
            record("configs", label, ok, detail)
    print("INFO configs: %d configurations run, %d more compiled only, %d checks in %.0f s (builds %.0f s)" % (
        len(CONFIGS), len(CONFIG_COMBINATIONS), len(builds) + len(jobs), time.time() - t0, t_built - t0))
    sys.stdout.flush()


# ---- pool: Duktape's heap, and so all of evloop's memory, in a fixed pool ----
POOL_BYTES = 1048576
# -v at exit (examples/evloop-cli.cpp): the pool's peak, and what Loop::destroy gave back
POOL_STATS = re.compile(r"pool of \d+ bytes: peak (\d+) in use .*?, (\d+) requests refused .*?"
                        r"Loop::destroy returned (\d+) bytes to it \(the loop's native memory: (\d+) bytes\)")
# one echo over loopback: the loop's 64 KiB read buffer is native memory
POOL_ECHO_JS = r"""var server = net.createServer(function (c) { c.on('data', function (d) { c.end(d); }); });
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1', function () { c.end('ping'); });
    c.on('data', function (d) { print(String(d)); });
    c.on('close', function () { server.close(); });
});
"""
# a callback runs out with no handler: the default report, then the loop goes on
POOL_UNCAUGHT_JS = r"""setTimeout(function () {
    var keep = [];
    for (var i = 0; i < 8192; i++) { keep.push(new Buffer(1024)); }
}, 1);
setTimeout(function () { print('ok'); }, 20);
"""
# too small a pool: fails at start-up, or when net.js loads on first use
POOL_NEEDS_NET_JS = r"""if (typeof net !== 'object') { throw new Error('no net'); }
print('loaded');
"""


def section_pool(tmp):
    """The JS suite with ./evloop --pool=1048576 (examples/pool_allocator.hpp):
    both loops on the default backend; '// pool: skip REASON' skips a script
    that cannot fit by design; EVLOOP_TEST_POOL=1 makes tests/js/pool-exhaust-*
    require running out. Then: the loop's native memory is in the pool, the
    start-up peak (INFO), an uncaught 'alloc failed', pools too small to start."""
    binary, backend, pool = "./evloop", BACKENDS[0], "--pool=%d" % POOL_BYTES
    rc, out, err = run([binary, "--help"], timeout=10)
    if "--pool" not in out:
        record("pool", "%s has --pool" % binary, False, "not in --help (make evloop)\n" + out + err)
        return
    jobs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/js/*.js"))):
        rel = os.path.relpath(path, ROOT)
        reason = directives(path)["skip_pool"]
        if reason and (not filter_text or filter_text in rel):
            info("pool", "SKIP %s: %s" % (rel, reason))
        for loop_name, flags in LOOPS:
            name = "%s [%s, %s, 1 MiB pool]" % (rel, loop_name, backend)
            if not reason and (not filter_text or filter_text in name):
                jobs.append(("js", name, (path, flags)))
    scripts = {}
    for key, text in (("empty", ""), ("echo", POOL_ECHO_JS), ("uncaught", POOL_UNCAUGHT_JS),
                      ("needs-net", POOL_NEEDS_NET_JS)):
        scripts[key] = os.path.join(tmp, "pool-%s.js" % key)
        with open(scripts[key], "w") as f:
            f.write(text)
    for loop_name, flags in LOOPS:
        jobs.append(("native", "the loop's native memory (its 64 KiB read buffer) is in the pool [%s]" % loop_name,
                     flags))
        jobs.append(("startup", "start-up peak with an empty script [%s]" % loop_name, flags))
        jobs.append(("uncaught", "an uncaught 'alloc failed' in a callback is reported, the loop goes on [%s]"
                     % loop_name, flags))
        for size in ("192K", "256K"):
            jobs.append(("small", "--pool=%s, too small to start or to load net: exit 1 and the error on stderr [%s]"
                         % (size, loop_name), flags + ["--pool=" + size]))
    jobs.append(("badsize", "--pool=12x exits 2 and names the value", []))
    jobs = [j for j in jobs if j[0] == "js" or not filter_text or filter_text in j[1]]

    def one(job):
        kind, name, arg = job
        if kind == "js":
            ok, detail = js_case(binary, arg[0], arg[1] + [pool], backend, prefix=["env", "EVLOOP_TEST_POOL=1"])
            return name, ok, detail, None
        if kind == "badsize":
            rc, out, err = run([binary, "--pool=12x", "tests/js/timers-order.js"], timeout=10)
            return name, rc == 2 and "12x" in err, "exit %s\n%s%s" % (rc, out, err), None
        if kind == "small":
            rc, out, err = run([binary] + arg + [scripts["needs-net"]], timeout=30)
            return name, rc == 1 and err.strip() != "", "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err), None
        script = scripts[{"native": "echo", "startup": "empty", "uncaught": "uncaught"}[kind]]
        rc, out, err = run([binary] + arg + ["-v", pool, "--backend=" + backend, script], timeout=30)
        detail = "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err)
        m = POOL_STATS.search(err)
        if kind == "uncaught":
            return name, rc == 1 and out == "ok\n" and "Error: alloc failed" in err, detail, None
        if not m:
            return name, False, "no pool statistics on stderr\n" + detail, None
        peak, refused, returned, native = (int(x) for x in m.groups())
        if kind == "native":
            # Loop::destroy frees the read buffer: the pool gets it back
            return name, rc == 0 and out == "ping\n" and native >= 65536 and returned >= native, detail, None
        return name, rc == 0 and refused == 0, detail, "start-up peak %d bytes of %d (%s loop)" % (
            peak, POOL_BYTES, "ECMAScript" if "-c" not in arg else "C++")

    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail, note in ex.map(one, jobs):
            record("pool", name, ok, detail)
            if note and ok:
                info("pool", note)
    info("pool", "%d checks in %.0f s" % (len(jobs), time.time() - t0))


# ---- fuzz: the libFuzzer targets of tests/fuzz (docs/RELIABILITY.md, "Fuzzing") ----
def section_fuzz():
    """A short bounded run of each fuzzer, both at once; tests/fuzz/run_fuzz.py
    does the work (`make fuzz` runs the same, longer)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import run_fuzz
    seconds = int(os.environ.get("FUZZ_CI_SECONDS", "20"))
    names = [n for n in run_fuzz.FUZZERS if not filter_text or filter_text in n]
    with concurrent.futures.ThreadPoolExecutor(max(1, len(names))) as ex:
        for res in ex.map(lambda n: run_fuzz.run_one(n, seconds), names):
            line = run_fuzz.summary(res)
            print("INFO fuzz: " + line)
            record("fuzz", "%s for %d s" % (res["name"], seconds), res["ok"], line + "\n" + res["detail"])
    sys.stdout.flush()


def main():
    global verbose, filter_text
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--filter", default="")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    verbose = args.v
    filter_text = args.filter
    only = set(s for s in args.only.split(",") if s)
    want = lambda s: not only or s in only
    os.chdir(ROOT)
    # tests/js/net-many-clients.js holds 1000 sockets in one process
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096 if hard == resource.RLIM_INFINITY else min(4096, hard), hard))
    tmp = tempfile.mkdtemp(prefix="evloop-test-")
    # Scripts and fuzzers put their files under $TMPDIR: this run's directory,
    # removed at the end (FileIo has no unlink; they used to pile up in /tmp).
    os.environ["TMPDIR"] = tmp
    try:
        if want("header"):
            section_header()
        if want("compile"):
            section_compile(tmp)
        if want("unit"):
            section_unit("build/unit", "unit")
        if want("js"):
            section_js("./evloop", "js", "tests/js/*.js")
        if want("examples"):
            section_examples()
        if want("cmake"):
            section_cmake()
        if want("cli"):
            section_cli()
        if want("net"):
            section_net()
        if want("configs"):
            section_configs()
        if want("pool"):
            section_pool(tmp)
        if want("asan") or want("security"):
            # exitcode 86: a sanitizer report never passes for a script's own
            # expected exit status (several scripts expect 1)
            os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=86"
            os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=86"
        if want("asan"):
            section_unit("build/asan/unit", "asan")
            section_js("build/asan/evloop", "asan", "tests/js/*.js")
        if want("security"):
            section_js("build/asan/evloop", "security", "tests/security/*.js")
        if want("valgrind"):
            section_valgrind()
        if want("soak"):
            section_soak()
        if want("limits"):
            section_limits()
        if want("fuzz"):
            section_fuzz()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
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


filter_text = ""
if __name__ == "__main__":
    sys.exit(main())
