"""unit: the doctest unit tests (build/unit), one count per test case."""
import os
import re

from sections.common import results, record, run, settings


def run_doctest(binary, section):
    """Runs a doctest binary; one result per test case, under `section`."""
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
    if settings.verbose:
        print("PASS %s: %d doctest cases" % (section, passed))
    for i in range(failed):
        record(section, failures[i] if i < len(failures) else "doctest case", False, out[-4000:])
    if rc != 0 and failed == 0:
        record(section, "doctest exit status", False, "exit %s\n%s" % (rc, err[-3000:]))


def main(tmp):
    run_doctest("build/unit", "unit")
