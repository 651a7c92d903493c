"""valgrind: the JS suite once under valgrind memcheck, both loops, one
backend: zero errors, zero definite leaks (docs/RELIABILITY.md)."""
import concurrent.futures
import glob
import os
import re
import shutil
import tempfile
import threading
import time

from sections.common import ROOT, LOOPS, JOBS, record, info, js_case, wanted


VALGRIND_BIN = "build/valgrind/evloop"   # -O1 -g, Duktape too, no sanitizers
VALGRIND_BACKEND = os.environ.get("VALGRIND_BACKEND", "epoll")   # one backend is enough for CI
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite", "--num-callers=30"]


def valgrind_skip(path):
    """'// valgrind: skip REASON' in a script: the reason, else None."""
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*//\s*valgrind:\s*skip\b\s*(.*)", line)
            if m:
                return m.group(1).strip() or "marked '// valgrind: skip'"
    return None


def main(tmp, pattern="tests/js/*.js"):
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
            if not wanted(name):
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
