#!/usr/bin/env python3
"""Runs the libFuzzer targets of tests/fuzz for a bounded time each.

  tests/fuzz/run_fuzz.py [--seconds N] [--only NAME[,NAME]] [--parallel]

For each fuzzer (build/fuzz/<name>, built by `make fuzz-build`):
  1. every file in tests/fuzz/regressions/<name>/ runs once (inputs that
     once crashed or hung: they must pass now);
  2. libFuzzer runs for N seconds from the corpus tests/fuzz/corpus/<name>
     (read only) plus build/fuzz/corpus/<name> (where new inputs go, so the
     repository's corpus stays a handful of seeds);
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


def run_regressions(name, binary, env):
    """Each saved input once; returns (ok, detail)."""
    files = sorted(glob.glob(os.path.join(ROOT, "tests/fuzz/regressions", name, "*")))
    if not files:
        return True, "", 0
    try:
        scratch = os.path.join(BUILD, "cwd")
        os.makedirs(scratch, exist_ok=True)
        p = subprocess.run([binary, "-timeout=25", "-rss_limit_mb=2560"] + files, cwd=scratch, env=env,
                           capture_output=True, timeout=60 + 30 * len(files))
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        return p.returncode == 0, out[-4000:], len(files)
    except subprocess.TimeoutExpired:
        return False, "the regression inputs timed out", len(files)


def run_one(name, seconds):
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
    work = os.path.join(BUILD, "corpus", name)
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
    m = re.search(r"Test unit written to (\S+)", text)
    res["artifact"] = m.group(1) if m else None
    failed = rc != 0 or "ERROR: libFuzzer" in text or "SUMMARY: " in text
    res["ok"] = not failed
    if failed:
        lines = [l for l in text.splitlines() if not l.startswith(("#", "INFO:", "\tNEW_FUNC"))]
        res["detail"] = "exit %s; log %s\n%s" % (rc, os.path.relpath(log_path, ROOT), "\n".join(lines[-60:]))
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
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("--only", default="")
    ap.add_argument("--parallel", action="store_true", help="run the fuzzers at the same time")
    args = ap.parse_args()
    names = [n for n in FUZZERS if not args.only or n in args.only.split(",")]
    if shutil.which("nproc") is None and args.parallel:
        args.parallel = False
    results = []
    if args.parallel:
        with concurrent.futures.ThreadPoolExecutor(len(names)) as ex:
            results = list(ex.map(lambda n: run_one(n, args.seconds), names))
    else:
        for n in names:
            print("%s: fuzzing for %d s ..." % (n, args.seconds))
            sys.stdout.flush()
            results.append(run_one(n, args.seconds))
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
