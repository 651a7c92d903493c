"""compile: the header under g++/clang++, C++11..20, -fno-exceptions -fno-rtti,
the poll-only backend, two translation units linked together, and the
manual's embedding example."""
import concurrent.futures
import os
import re
import shutil

from sections.common import ROOT, DUKTAPE_DIR, JOBS, record, run


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


def main(tmp):
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
