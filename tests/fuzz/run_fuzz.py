#!/usr/bin/env python3
"""Runs the libFuzzer targets of tests/fuzz for a bounded time each.

  tests/fuzz/run_fuzz.py [--seconds N] [--only NAME[,NAME]] [--parallel] [--keep-corpus]

For each fuzzer (build/fuzz/<name>, built by `make fuzz-build`):
  1. every file in tests/fuzz/regressions/<name>/ runs once (inputs that
     once crashed or hung: they must pass now; a name with "huge-fds" or
     "check-stale" runs with EVLOOP_FUZZ_HUGE_FDS=1 / EVLOOP_FUZZ_CHECK_STALE=1,
     the switches it was found with). Inputs of findings still open wait in
     tests/fuzz/findings/ (docs/RELIABILITY.md) and move here with the fix;
  2. libFuzzer runs for N seconds from the seeds in tests/fuzz/corpus/<name>
     (read only: the repository keeps a handful); new inputs go to a
     temporary directory, deleted afterwards, so the run stays bounded (the
     seeds are all libFuzzer runs before it starts the clock's last
     check). With --keep-corpus (make fuzz FUZZ_KEEP=1) they go to
     build/fuzz/corpus/<name> and the next run starts from there too:
     for long runs (its first pass over that corpus adds to the time);
  3. a crash, sanitizer report, leak, timeout (a hang: -timeout=25) or
     out-of-memory (-rss_limit_mb=2560) fails the fuzzer; the input is saved
     in build/fuzz/artifacts/<name>/ and the log in build/fuzz/<name>.log.
Prints one line per fuzzer with its executions, and appends the figures to
build/fuzz/history.tsv (date, fuzzer, seconds, executions, result).

Reproduce a crash:  build/fuzz/<name> build/fuzz/artifacts/<name>/crash-...
  (fuzz_js_api: EVLOOP_FUZZ_DUMP=1 prints the generated script, which runs
  under ./evloop [-c] --virtual-clock; fuzz_net_bytes: EVLOOP_FUZZ_VERBOSE=1)
Used by `make fuzz` (FUZZ_SECONDS, default 45) and by the 'fuzz' section of
tests/run.py (20 s each).
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build", "fuzz")

# name -> extra libFuzzer options
FUZZERS = {
    "fuzz_js_api": ["-max_len=1024", "-len_control=0"],
    "fuzz_net_bytes": ["-max_len=4096", "-len_control=20", "-dict=" + os.path.join(ROOT, "tests/fuzz/net_bytes.dict")],
}

ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:allocator_may_return_null=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}


# Generator switches a saved input was found with, from its file name: the
# same bytes make another script without them.
NAME_ENV = {"huge-fds": "EVLOOP_FUZZ_HUGE_FDS", "check-stale": "EVLOOP_FUZZ_CHECK_STALE"}


def input_env(path, env):
    e = dict(env)
    for tag, var in NAME_ENV.items():
        if tag in os.path.basename(path):
            e[var] = "1"
    return e


def run_regressions(name, binary, env):
    """Each input of tests/fuzz/regressions/<name>/ once (with the switches
    its name asks for); returns (ok, detail, count)."""
    files = sorted(glob.glob(os.path.join(ROOT, "tests/fuzz/regressions", name, "*")))
    scratch = os.path.join(BUILD, "cwd")
    os.makedirs(scratch, exist_ok=True)
    for path in files:
        try:
            p = subprocess.run([binary, "-timeout=25", "-rss_limit_mb=2560", path], cwd=scratch,
                               env=input_env(path, env), capture_output=True, timeout=90)
        except subprocess.TimeoutExpired:
            return False, "%s timed out" % os.path.relpath(path, ROOT), len(files)
        if p.returncode != 0:
            out = (p.stdout + p.stderr).decode("utf-8", "replace")
            return False, "%s:\n%s" % (os.path.relpath(path, ROOT), out[-4000:]), len(files)
    return True, "", len(files)


def run_one(name, seconds, keep_corpus=False):
    """Returns a dict: name, ok, executions, seconds, exec_per_sec, new_units,
    corpus, peak_rss_mb, artifact, detail."""
    binary = os.path.join(BUILD, name)
    res = {"name": name, "ok": False, "executions": 0, "seconds": seconds, "exec_per_sec": 0,
           "new_units": 0, "corpus": 0, "peak_rss_mb": 0, "artifact": None, "detail": ""}
    if not os.path.exists(binary):
        res["detail"] = "%s is not built (make fuzz-build)" % os.path.relpath(binary, ROOT)
        return res
    env = dict(os.environ)
    env.update(ENV)
    ok, detail, count = run_regressions(name, binary, env)
    if not ok:
        res["detail"] = "a regression input fails again:\n" + detail
        return res
    res["regressions"] = count
    work = os.path.join(BUILD, "corpus", name) if keep_corpus else \
        tempfile.mkdtemp(prefix="corpus-%s-" % name, dir=BUILD)
    artifacts = os.path.join(BUILD, "artifacts", name) + "/"
    scratch = os.path.join(BUILD, "cwd")   # the working directory: nothing a script does lands in the repository
    for d in (work, artifacts, scratch):
        os.makedirs(d, exist_ok=True)
    seeds = os.path.join(ROOT, "tests/fuzz/corpus", name)
    os.makedirs(seeds, exist_ok=True)  # git keeps no empty directory
    log_path = os.path.join(BUILD, name + ".log")
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=25", "-rss_limit_mb=2560",
           "-print_final_stats=1", "-artifact_prefix=" + artifacts] + FUZZERS[name] + [work, seeds]
    start = time.time()
    try:
        with open(log_path, "wb") as log:
            p = subprocess.run(cmd, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT,
                               timeout=seconds + 120)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        rc = None
    res["seconds"] = round(time.time() - start)
    with open(log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")

    def stat(key):
        m = re.search(r"stat::%s:\s*(\d+)" % key, text)
        return int(m.group(1)) if m else 0
    res["executions"] = stat("number_of_executed_units")
    res["exec_per_sec"] = stat("average_exec_per_sec")
    res["new_units"] = stat("new_units_added")
    res["peak_rss_mb"] = stat("peak_rss_mb")
    if not res["executions"]:
        runs = re.findall(r"^#(\d+)\s", text, re.M)
        res["executions"] = int(runs[-1]) if runs else 0
    res["corpus"] = len(os.listdir(work)) + len(os.listdir(seeds))
    if not keep_corpus:
        shutil.rmtree(work, ignore_errors=True)
    m = re.search(r"Test unit written to (\S+)", text)
    res["artifact"] = m.group(1) if m else None
    if res["artifact"] and os.path.basename(res["artifact"]).startswith("slow-unit-"):
        res["slow_unit"] = res["artifact"]   # slower than 10 s, not a failure
        res["artifact"] = None
    failed = rc != 0 or "ERROR: libFuzzer" in text or "SUMMARY: " in text
    res["ok"] = not failed
    if failed:
        lines = [l for l in text.splitlines() if not l.startswith(("#", "INFO:", "\tNEW_FUNC"))]
        hint = ""
        if res["artifact"]:
            hint = "reproduce: build/fuzz/%s %s%s\n" % (name, os.path.relpath(res["artifact"], ROOT),
                                                     "  (EVLOOP_FUZZ_DUMP=1 prints the script)" if name == "fuzz_js_api"
                                                     else "  (EVLOOP_FUZZ_VERBOSE=1 prints the plan)")
        res["detail"] = "exit %s; log %s\n%s%s" % (rc, os.path.relpath(log_path, ROOT), hint, "\n".join(lines[-60:]))
    with open(os.path.join(BUILD, "history.tsv"), "a") as h:
        h.write("%s\t%s\t%d\t%d\t%s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), name, res["seconds"],
                                          res["executions"], "ok" if res["ok"] else "FAIL"))
    return res


def summary(res):
    s = "%s: %s, %d executions in %d s (%d/s), corpus %d (+%d new), peak RSS %d MB" % (
        res["name"], "ok" if res["ok"] else "FAILED", res["executions"], res["seconds"], res["exec_per_sec"],
        res["corpus"], res["new_units"], res["peak_rss_mb"])
    if res.get("regressions"):
        s += ", %d regression inputs pass" % res["regressions"]
    if res["artifact"]:
        s += "\n    input: %s" % os.path.relpath(res["artifact"], ROOT)
    if res.get("slow_unit"):
        s += "\n    slowest input (over 10 s, not a failure): %s" % os.path.relpath(res["slow_unit"], ROOT)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("--only", default="")
    ap.add_argument("--parallel", action="store_true", help="run the fuzzers at the same time")
    ap.add_argument("--keep-corpus", action="store_true", help="grow and reuse build/fuzz/corpus/<name>")
    args = ap.parse_args()
    names = [n for n in FUZZERS if not args.only or n in args.only.split(",")]
    if shutil.which("nproc") is None and args.parallel:
        args.parallel = False
    results = []
    if args.parallel:
        with concurrent.futures.ThreadPoolExecutor(len(names)) as ex:
            results = list(ex.map(lambda n: run_one(n, args.seconds, args.keep_corpus), names))
    else:
        for n in names:
            print("%s: fuzzing for %d s ..." % (n, args.seconds))
            sys.stdout.flush()
            results.append(run_one(n, args.seconds, args.keep_corpus))
    for r in results:
        print(summary(r))
        if not r["ok"]:
            print("    " + r["detail"].strip().replace("\n", "\n    ")[-6000:])
    bad = [r for r in results if not r["ok"]]
    print("fuzz: %d passed, %d failed (%d executions)" % (len(results) - len(bad), len(bad),
                                                          sum(r["executions"] for r in results)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
