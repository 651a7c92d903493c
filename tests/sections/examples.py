"""examples: examples/*.js golden outputs (tests/golden/*.out) in both loops;
build/embed's exact output; every code block of the README's embedding
guide is taken from examples/embed.cpp or examples/cmake."""
import concurrent.futures
import glob
import os
import re

from sections.common import ROOT, LOOPS, BACKENDS, JOBS, record, run


def main(tmp):
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
