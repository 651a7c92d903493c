"""fuzz: each libFuzzer target (tests/fuzz) for 20 s (FUZZ_CI_SECONDS), after
its saved regression inputs (tests/fuzz/run_fuzz.py does the work)."""
import concurrent.futures
import os
import sys

from sections.common import ROOT, record, wanted


# ---- fuzz: the libFuzzer targets of tests/fuzz (docs/RELIABILITY.md, "Fuzzing") ----
def main(tmp):
    """A short bounded run of each fuzzer, both at once; tests/fuzz/run_fuzz.py
    does the work (`make fuzz` runs the same, longer)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import run_fuzz
    seconds = int(os.environ.get("FUZZ_CI_SECONDS", "20"))
    names = [n for n in run_fuzz.FUZZERS if wanted(n)]
    with concurrent.futures.ThreadPoolExecutor(max(1, len(names))) as ex:
        for res in ex.map(lambda n: run_fuzz.run_one(n, seconds), names):
            line = run_fuzz.summary(res)
            print("INFO fuzz: " + line)
            record("fuzz", "%s for %d s" % (res["name"], seconds), res["ok"], line + "\n" + res["detail"])
    sys.stdout.flush()
