#!/usr/bin/env python3
"""Compiles each C++ part of src/ on its own (Python 3 standard library only).

Usage: tools/check_parts.py [-j N] [--cxx CXX] [--std c++11] [--duktape DIR] [PART ...]

A part must compile alone: a translation unit that includes only that part
(twice, so a missing `#pragma once` shows) builds with the project's
warnings (-Wall -Wextra -Wpedantic -Werror), duktape.h being the only thing
on the include path. So each part #includes (relative to itself) the parts
it uses, and tools/amalgamate.py can take the header's order from those
includes. PARTs are paths under src/ (default: every .hpp). Prints one line
per part that fails, with the compiler's first error lines, and exits 1 with
one sentence; exits 0 when every part compiles.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amalgamate import ROOT, SRC, files_under_src  # noqa: E402
WARN = ["-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def check(part, args):
    """(part, None) when it compiles alone, else (part, the compiler's first lines)."""
    tu_dir = os.path.join(ROOT, args.build, "parts")
    tu = os.path.join(tu_dir, part.replace("/", "__") + ".cpp")
    os.makedirs(tu_dir, exist_ok=True)
    path = os.path.join(SRC, part)
    with open(tu, "w", encoding="utf-8", newline="\n") as f:
        f.write("/* Written by tools/check_parts.py: src/%s alone, included twice. */\n" % part)
        f.write('#include "%s"\n#include "%s"\n' % (path, path))
    cmd = [args.cxx, "-std=" + args.std] + WARN + ["-isystem", os.path.join(ROOT, args.duktape),
                                                  "-fsyntax-only", tu]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True)
    if p.returncode == 0:
        return part, None
    out = (p.stdout + p.stderr).decode("utf-8", "replace").splitlines()
    return part, "\n".join("    " + line for line in out[:12])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="*", help="paths under src/ (default: every .hpp)")
    ap.add_argument("-j", type=int, default=2, help="compilers at once (default 2)")
    ap.add_argument("--cxx", default=os.environ.get("CXX") or "g++")
    ap.add_argument("--std", default="c++11")
    ap.add_argument("--duktape", default=os.environ.get("DUKTAPE_DIR") or "duktape",
                    help="the directory holding duktape.h (default duktape)")
    ap.add_argument("--build", default="build", help="where the translation units go (default build)")
    args = ap.parse_args()
    parts = args.parts or files_under_src(".hpp")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        results = list(pool.map(lambda p: check(p, args), parts))
    failed = [(p, out) for p, out in results if out is not None]
    for part, out in failed:
        print("FAIL src/%s\n%s" % (part, out))
    if failed:
        print("check-parts: %d of %d parts do not compile on their own (%s): each must #include "
              "the parts it uses." % (len(failed), len(parts), ", ".join("src/" + p for p, _ in failed)))
        return 1
    print("check-parts: all %d parts compile on their own (%s -std=%s)." % (len(parts), args.cxx, args.std))
    return 0


if __name__ == "__main__":
    sys.exit(main())
