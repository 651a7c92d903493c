"""js: tests/js/*.js through ./evloop in both loops and both backends (see
directives() in common.py for what a script may ask)."""
import concurrent.futures
import glob
import os

from sections.common import ROOT, LOOPS, BACKENDS, JOBS, record, directives, js_case, wanted


def run_scripts(binary, section, pattern):
    """Every script matching `pattern` through `binary`, in both loops and both
    backends (the asan and security sections run it too)."""
    scripts = sorted(glob.glob(os.path.join(ROOT, pattern)))
    jobs = []
    for path in scripts:
        for loop_name, flags in LOOPS:
            for backend in BACKENDS:
                name = "%s [%s, %s]" % (os.path.relpath(path, ROOT), loop_name, backend)
                if not wanted(name):
                    continue
                if section == "asan" and directives(path)["skip_sanitizers"]:
                    continue  # a real-clock tolerance that sanitizer slowdowns break
                jobs.append((name, path, flags, backend))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        futs = [(j[0], ex.submit(js_case, binary, j[1], j[2], j[3])) for j in jobs]
        for name, fut in futs:
            ok, detail = fut.result()
            record(section, name, ok, detail)


def main(tmp):
    run_scripts("./evloop", "js", "tests/js/*.js")
