#!/usr/bin/env python3
"""Runs every evloop test and ends with the line 'N passed, M failed'.

Sections (each check counts as one test):
  header    the committed evloop.hpp equals the generator's output
  compile   the header under g++/clang++, C++11..20, -fno-exceptions -fno-rtti,
            the poll-only backend, two translation units linked together
  unit      doctest unit tests (build/unit), one count per test case
  js        tests/js/*.js through ./evloop in both loops and both backends
  examples  examples/*.js golden outputs (tests/golden/*.out), both loops
  cli       ./evloop as a program: --help, --version, bad options, a script
            from stdin, SIGINT/SIGTERM exit codes, a quiet stderr
  asan      unit tests and the JS suite again under ASan + UBSan

Usage: tests/run.py [--only SECTION[,SECTION]] [--filter TEXT] [-v]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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
         "skip_sanitizers": False}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*//\s*(expect-exit|expect-stderr|args|timeout|stdin|flags|sanitizers):\s*(.*)", line)
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
    return d


def js_case(binary, path, loop_flags, backend):
    d = directives(path)
    expected_path = os.path.splitext(path)[0] + ".out"
    stdin = None
    if d["stdin"] == "devnull":
        stdin = subprocess.DEVNULL
    elif d["stdin"]:
        stdin = open(os.path.join(ROOT, d["stdin"]), "rb")
    rc, out, err = run([binary] + loop_flags + ["--backend=" + backend] + d["flags"] +
                       [os.path.relpath(path, ROOT)] + d["args"], timeout=d["timeout"], stdin=stdin)
    problems = []
    if rc != d["exit"]:
        problems.append("exit status %s, expected %s" % (rc, d["exit"]))
    for s in d["stderr"]:
        if s not in err:
            problems.append("stderr lacks %r" % s)
    if not d["stderr"] and err.strip() and d["exit"] == 0:
        problems.append("unexpected stderr")
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
                jobs.append(("%s [%s, %s]" % (script, loop_name, backend), golden,
                             ["./evloop"] + flags + ["--backend=" + backend, "--virtual-clock", script]))
    jobs.append(("build/embed runs", None, ["build/embed"]))
    def one(job):
        rc, out, err = run(job[2])
        if job[1] is None:
            return job[0], rc == 0, out + err
        with open(job[1]) as f:
            want = f.read()
        return job[0], rc == 0 and out == want, "exit %s\n--- got:\n%s\n--- want:\n%s\n%s" % (rc, out, want, err)
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail in ex.map(one, jobs):
            record("examples", name, ok, detail)


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
    tmp = tempfile.mkdtemp(prefix="evloop-test-")
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
        if want("cli"):
            section_cli()
        if want("asan"):
            os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
            os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
            section_unit("build/asan/unit", "asan")
            section_js("build/asan/evloop", "asan", "tests/js/*.js")
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
