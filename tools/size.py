#!/usr/bin/env python3
"""Code size, memory and start-up time of evloop (`make size`; Python 3 standard library only).

Usage: tools/size.py [--runs N] [--timers N] [--connections N]

Prints markdown tables (and writes them to build/size/size.md):

  code size  A translation unit holding only `#define EVLOOP_IMPLEMENTATION` and
             `#include "evloop.hpp"`, compiled at -Os -ffunction-sections
             -fdata-sections, measured as an object file with size(1). Every
             public function has external linkage, so the object holds the whole
             API (checked with nm: each evloop::Loop method is defined), and
             nothing a program might call is dead-stripped. The configurations
             are the test matrix's (tests/configs/matrix.json, which tests/run.py
             reads too) plus the full build and "timers + C++ loop only";
             Duktape (duktape.c at -Os) for scale. On x86-64 (g++)
             and 32-bit ARM (arm-linux-gnueabihf-g++ -mthumb; Debian's default
             -march=armv7-a+fp, hard float); Cortex-M4 bare metal
             (arm-none-eabi-g++ -mthumb -mcpu=cortex-m4, newlib) for the
             configurations that compile there. Embedded JS: the size of the
             source arrays of the JS parts of src/features.json
             (kEcma{Loop,Timers,Errors,Watch,Stream}Source, kNetSource).
  symbols    the 25 largest symbols of the "timers + C++ loop only" object
             (nm --size-sort -C), each with the src/ part it comes from (its
             line in evloop.hpp, from an -Os -g build, inside that part's
             "Begin file" banners), and the total per src/ part.
  memory     build/size/ram (written from RAM_PROBE below, linked with
             build/duktape.o): the Duktape heap through a counting allocator
             (evloop's own memory goes through the same allocator: the default
             Allocator is duk_alloc_raw) after the CLI's start-up with an empty
             script, per pending timer and per idle connection, both loops.
  start-up   the median wall time of N runs (default 200) of an empty script:
             ./evloop, ./evloop -c, the CLI at -Os, and Duktape's original
             examples/eventloop when its source is in build/orig-eventloop/
             (see PROVENANCE.txt there; never committed), all interleaved.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "size")
DUKTAPE_DIR = os.environ.get("DUKTAPE_DIR", "duktape")
ORIG_DIR = os.path.join(ROOT, "build", "orig-eventloop")
ORIG_SOURCES = ["main.c", "c_eventloop.c", "poll.c", "socket.c", "fileio.c"]
ORIG_JS = ["c_eventloop.js", "ecma_eventloop.js"]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import features  # noqa: E402  (the feature table, src/features.json)
FEATURE_ROWS = features.load(ROOT)
JS_SYMBOLS = features.js_symbols(FEATURE_ROWS)  # every embedded JS part belongs to a feature
ECMA_LOOP_OFF = next(r["no"] for r in FEATURE_ROWS if r["name"] == "ecma")
JOBS = 2
TIMERS_CPP_ONLY = "timers + C++ loop only"
TIMERS_ONLY_CONFIG = "timers-only"  # its name in tests/configs/matrix.json
# A small device's build flags (the design card's -fno-exceptions -fno-rtti,
# and no unwind tables: ARM builds have none, x86-64 emits .eh_frame unless told)
SMALL_FLAGS = ["-fno-exceptions", "-fno-rtti", "-fno-asynchronous-unwind-tables"]

# The targets (issue 5, "Small devices").
TARGET_TIMERS_CPP_TEXT = 12 * 1024     # text, -Os, x86-64
TARGET_FULL_TEXT_DATA = 64 * 1024      # text + data, -Os, x86-64
TARGET_BYTES_PER_TIMER = 64            # native bytes per pending timer, C++ loop


class Arch:
    def __init__(self, key, title, cxx, cc, size, nm, flags, shim=False):
        self.key, self.title, self.cxx, self.cc = key, title, cxx, cc
        self.size, self.nm, self.flags, self.shim = size, nm, flags, shim

    def available(self):
        return all(shutil.which(t) for t in (self.cxx, self.cc, self.size, self.nm))


ARCHES = [
    Arch("x86-64", "x86-64 (g++ -Os)", "g++", "gcc", "size", "nm", []),
    Arch("arm", "32-bit ARM (arm-linux-gnueabihf-g++ -Os -mthumb)", "arm-linux-gnueabihf-g++",
         "arm-linux-gnueabihf-gcc", "arm-linux-gnueabihf-size", "arm-linux-gnueabihf-nm", ["-mthumb"]),
    # newlib has no clock_gettime/CLOCK_MONOTONIC: a shim header points
    # EVLOOP_MONOTONIC_NS at a board clock (Options::clock can replace it at run time).
    Arch("m4", "Cortex-M4 bare metal (arm-none-eabi-g++ -Os -mthumb -mcpu=cortex-m4)", "arm-none-eabi-g++",
         "arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm", ["-mthumb", "-mcpu=cortex-m4"], shim=True),
]

CLOCK_SHIM = """/* build/size: newlib (arm-none-eabi) has no CLOCK_MONOTONIC or clock_gettime:
 * the board's clock through EVLOOP_MONOTONIC_NS. */
#include <stdint.h>
extern "C" int64_t board_monotonic_ns(void);
#define EVLOOP_MONOTONIC_NS() board_monotonic_ns()
"""

OPT = ["-Os", "-ffunction-sections", "-fdata-sections"]
CXXFLAGS = ["-std=c++11", "-isystem", DUKTAPE_DIR, "-I."]


def sh(cmd, cwd=ROOT, timeout=600, env=None):
    """(exit code, stdout + stderr) of a command."""
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=timeout, env=env)
    return p.returncode, p.stdout


def rel(path):
    return os.path.relpath(path, ROOT)


def kib(n):
    return "%.1f KiB" % (n / 1024.0)


# ---- configurations: the test matrix's (tests/configs/matrix.json) ----

def load_test_configs():
    """[(name, defines)] of the configurations tests/run.py's configs section
    builds and tests: read from tests/configs/matrix.json, the one list both
    use."""
    with open(os.path.join(ROOT, "tests", "configs", "matrix.json")) as f:
        matrix = json.load(f)
    return [(c["name"], c["defines"]) for c in matrix["configs"]["list"]]


def size_configs():
    """[(label, file name, defines)]: the full build, each configuration of
    the test matrix in its order, and the issue's "timers + C++ loop only"
    (the timers-only configuration there)."""
    configs = load_test_configs()
    by_name = dict(configs)
    if TIMERS_ONLY_CONFIG not in by_name:
        raise SystemExit("tests/configs/matrix.json no longer lists the %r configuration" % TIMERS_ONLY_CONFIG)
    out = [("full", "full", [])]
    out += [(name, name, defines) for name, defines in configs if name != TIMERS_ONLY_CONFIG]
    out.append((TIMERS_CPP_ONLY, "timers-cpp-only", by_name[TIMERS_ONLY_CONFIG]))
    return out


# ---- building ----

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def compile_object(arch, defines, out, extra=()):
    """The implementation TU for `arch` with `defines`: (ok, compiler output)."""
    tu = os.path.join(OUT, "impl.cpp")
    cmd = [arch.cxx] + CXXFLAGS + OPT + arch.flags + list(extra) + ["-D" + d for d in defines]
    if arch.shim:
        cmd += ["-include", os.path.join(OUT, "clock_shim.h")]
    rc, text = sh(cmd + ["-c", tu, "-o", out])
    return rc == 0, " ".join(cmd) + "\n" + text


def compile_duktape(arch):
    """duktape.c at -Os for `arch`, cached in build/size/<arch>/duktape.o."""
    out = os.path.join(OUT, arch.key, "duktape.o")
    src = os.path.join(ROOT, DUKTAPE_DIR, "duktape.c")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return True, ""
    rc, text = sh([arch.cc, "-std=c99", "-w"] + OPT + arch.flags + ["-c", src, "-o", out])
    return rc == 0, text


def berkeley(arch, obj):
    """(text, data, bss) as size(1) counts them."""
    rc, out = sh([arch.size, obj])
    fields = out.splitlines()[1].split()
    return int(fields[0]), int(fields[1]), int(fields[2])


def sections(arch, obj):
    """{section name: bytes} (size -A)."""
    rc, out = sh([arch.size, "-A", obj])
    result = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            result[parts[0]] = result.get(parts[0], 0) + int(parts[1])
    return result


def js_bytes(secs):
    return sum(n for name, n in secs.items() if name.startswith(".rodata") and
               any(s in name for s in JS_SYMBOLS))


def unwind_bytes(secs):
    return sum(n for name, n in secs.items() if name in (".eh_frame", ".ARM.exidx", ".ARM.extab") or
               name.startswith(".ARM.exidx.") or name.startswith(".ARM.extab."))


def writable_bytes(secs):
    """Mutable static data: .data and .bss sections (not .data.rel.ro, which
    holds constant tables of pointers that the loader relocates)."""
    return sum(n for name, n in secs.items() if
               (name == ".data" or name.startswith(".data.") or name == ".bss" or name.startswith(".bss."))
               and not name.startswith(".data.rel.ro"))


def public_methods():
    """The public methods of evloop::Loop, from src/api/api.hpp."""
    with open(os.path.join(ROOT, "src", "api", "api.hpp")) as f:
        text = f.read()
    body = text[text.index("class Loop {"):]
    body = body[:body.index(" protected:")]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return sorted(set(re.findall(r"^\s+(?:static\s+)?[\w:*&<> ]+?[ *&](\w+)\(", body, re.M)))


def missing_public_methods(arch, obj):
    rc, out = sh([arch.nm, "-C", "--defined-only", obj])
    return [m for m in public_methods() if "evloop::Loop::%s(" % m not in out]


def build_all(arches, configs):
    """Compiles every object (two at a time). Returns {(arch, file): result}."""
    write(os.path.join(OUT, "impl.cpp"),
          "/* build/size: written by tools/size.py. The whole implementation, nothing else. */\n"
          "#define EVLOOP_IMPLEMENTATION\n#include \"evloop.hpp\"\n")
    write(os.path.join(OUT, "clock_shim.h"), CLOCK_SHIM)
    jobs = []
    for arch in arches:
        os.makedirs(os.path.join(OUT, arch.key), exist_ok=True)
        if not arch.shim:
            jobs.append((arch, "duktape", None))
        for label, name, defines in configs:
            jobs.append((arch, name, defines))
    # the symbol breakdown: the same object with line information
    jobs.append((arches[0], "timers-cpp-only.g", configs[-1][2]))
    # ... and with a small device's flags, as the full build with its JS deflated
    jobs.append((arches[0], "timers-cpp-only.small", configs[-1][2]))
    jobs.append((arches[0], "compressed-js.small", ["EVLOOP_COMPRESSED_JS"]))

    def one(job):
        arch, name, defines = job
        if defines is None:
            ok, text = compile_duktape(arch)
            return job, ok, text
        extra = ["-g"] if name.endswith(".g") else SMALL_FLAGS if name.endswith(".small") else []
        ok, text = compile_object(arch, defines, os.path.join(OUT, arch.key, name + ".o"), extra)
        return job, ok, text
    results = {}
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for (arch, name, _), ok, text in ex.map(one, jobs):
            results[(arch.key, name)] = (ok, text)
    return results


# ---- code size ----

def code_size(arches, configs, built):
    """{(arch, file): figures} for every object that compiled."""
    figures = {}
    for arch in arches:
        for label, name, defines in configs + [("Duktape", "duktape", None)]:
            obj = os.path.join(OUT, arch.key, name + ".o")
            ok = built.get((arch.key, name), (False, ""))[0]
            if not ok:
                continue
            text, data, bss = berkeley(arch, obj)
            secs = sections(arch, obj)
            figures[(arch.key, name)] = {
                "text": text, "data": data, "bss": bss, "js": js_bytes(secs), "unwind": unwind_bytes(secs),
                "writable": writable_bytes(secs),
                "missing": missing_public_methods(arch, obj) if defines is not None else []}
    return figures


def code_size_tables(arches, configs, built, figures):
    lines = []
    main = [a for a in arches if not a.shim]
    head = "| configuration | defines |"
    rule = "|---|---|"
    for arch in main:
        short = arch.key
        head += " %s text | data | bss | text+data |" % short
        rule += "--:|--:|--:|--:|"
    head += " embedded JS |"
    rule += "--:|"
    lines += [head, rule]
    for label, name, defines in configs + [("Duktape (duktape.c, for scale)", "duktape", None)]:
        row = "| %s | %s |" % (label, "`%s`" % " ".join(d.replace("EVLOOP_", "") for d in defines)
                                if defines else "—" if defines is not None else "`-std=c99`")
        for arch in main:
            f = figures.get((arch.key, name))
            if f:
                row += " %d | %d | %d | %d |" % (f["text"], f["data"], f["bss"], f["text"] + f["data"])
            else:
                row += " — | — | — | — |"
        f = figures.get((main[0].key, name))
        row += " %s |" % (("%d" % f["js"]) if f and defines is not None else "—")
        lines.append(row)
    lines.append("")
    lines.append("Bytes. Defines without their `EVLOOP_` prefix. text includes .rodata (the embedded JS "
                 "and strings) and the unwind tables (.eh_frame on x86-64: %s of the %s build's text)." % (
                     _fmt(figures.get((main[0].key, "timers-cpp-only")), "unwind"), TIMERS_CPP_ONLY))
    bare = [a for a in arches if a.shim]
    for arch in bare:
        lines.append("")
        lines.append("%s, with a clock shim (newlib has no `clock_gettime`/`CLOCK_MONOTONIC`):" % arch.title)
        lines.append("")
        lines.append("| configuration | text | data | bss | text+data |")
        lines.append("|---|--:|--:|--:|--:|")
        failed = []
        for label, name, defines in configs:
            f = figures.get((arch.key, name))
            if f:
                lines.append("| %s | %d | %d | %d | %d |" % (label, f["text"], f["data"], f["bss"],
                                                            f["text"] + f["data"]))
            else:
                failed.append((label, first_error(built.get((arch.key, name), (False, ""))[1])))
        if failed:
            lines.append("")
            lines.append("Not compiled for %s: %s." % (arch.key, "; ".join(
                "%s (%s)" % (label, err) for label, err in failed)))
    return lines


def _fmt(f, key):
    return "%d bytes" % f[key] if f else "?"


def first_error(text):
    for line in text.splitlines():
        m = re.search(r"(?:fatal )?error: (.*)", line)
        if m:
            return m.group(1).strip()
    return "see the compiler output"


def js_share_lines(figures, arch_key):
    full = figures.get((arch_key, "full"))
    if not full:
        return []
    total = full["text"] + full["data"]
    secs = sections(ARCHES[0], os.path.join(OUT, arch_key, "full.o"))
    parts = []
    for sym in JS_SYMBOLS:
        n = sum(v for k, v in secs.items() if sym in k)
        parts.append("`%s` %d" % (sym, n))
    return ["Embedded JS in the full build (%s): %d of %d bytes of text+data (%.0f%%): %s. Without it the "
            "full build's text+data would be %d bytes." % (arch_key, full["js"], total, 100.0 * full["js"] / total,
                                                           ", ".join(parts), total - full["js"])]


# ---- symbols of the timers + C++ loop only build ----

def header_parts():
    """[(first line, src part)] of evloop.hpp, from its Begin file banners."""
    parts = []
    with open(os.path.join(ROOT, "evloop.hpp")) as f:
        for number, line in enumerate(f, 1):
            m = re.match(r"/\* =+ Begin file (src/\S+) =+ \*/", line)
            if m:
                parts.append((number, m.group(1)))
    return parts


def part_of(line, parts):
    found = "evloop.hpp (outside the parts)"
    for first, name in parts:
        if line >= first:
            found = name
    return found


def symbol_lines(arch, g_obj, top=25):
    """The largest symbols of the object, each with its src/ part; and the
    total per part."""
    rc, out = sh([arch.nm, "--size-sort", "-S", "-C", "-l", "--defined-only", g_obj])
    parts = header_parts()
    symbols = []
    for line in out.splitlines():
        m = re.match(r"[0-9a-f]+ ([0-9a-f]+) (\w) (.*?)(?:\t(\S+):(\d+))?$", line)
        if not m:
            continue
        size, kind, name, path, number = int(m.group(1), 16), m.group(2), m.group(3), m.group(4), m.group(5)
        if path and os.path.basename(path) == "evloop.hpp":
            where = part_of(int(number), parts)
        elif path:
            where = rel(path) if path.startswith(ROOT) else path
        else:
            where = "(no line information)"
        symbols.append((size, kind, name, where))
    symbols.sort(key=lambda s: -s[0])
    total = sum(s[0] for s in symbols)
    lines = ["| # | bytes | kind | symbol | src |", "|--:|--:|:-:|---|---|"]
    for i, (size, kind, name, where) in enumerate(symbols[:top], 1):
        lines.append("| %d | %d | %s | `%s` | %s |" % (i, size, kind, name, where))
    shown = sum(s[0] for s in symbols[:top])
    lines.append("")
    lines.append("The %d largest: %d of the %d bytes in %d symbols (text and data symbols; the unwind tables "
                 "and string literals are not symbols)." % (top, shown, total, len(symbols)))
    per_part = {}
    for size, kind, name, where in symbols:
        entry = per_part.setdefault(where, [0, 0, 0])
        entry[0] += size
        entry[1] += 1
    for size, kind, name, where in symbols[:top]:
        per_part[where][2] += size
    lines.append("")
    lines.append("| src/ part | bytes (all symbols) | symbols | of it in the %d largest |" % top)
    lines.append("|---|--:|--:|--:|")
    for where, (size, count, in_top) in sorted(per_part.items(), key=lambda kv: -kv[1][0]):
        lines.append("| %s | %d | %d | %d |" % (where, size, count, in_top))
    return lines


# ---- memory ----

RAM_PROBE = r"""/* build/size/ram.cpp: written by tools/size.py (make size). Memory of
 * evloop's loops, counted by the Duktape heap's allocator: evloop's own
 * memory goes through it too (the default Allocator is duk_alloc_raw), and
 * Stats::native_bytes tells which part is evloop's. Prints key=value lines. */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

/* Live bytes as asked for (a header per block; malloc's own overhead is not counted). */
struct Counter {
  size_t live;
};
union Header {
  size_t size;
  std::max_align_t align;
};
void* count_alloc(void* user, duk_size_t n) {
  Header* h = static_cast<Header*>(malloc(sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  static_cast<Counter*>(user)->live += n;
  return h + 1;
}
void count_free(void* user, void* p) {
  if (!p) return;
  Header* h = static_cast<Header*>(p) - 1;
  static_cast<Counter*>(user)->live -= h->size;
  free(h);
}
void* count_realloc(void* user, void* p, duk_size_t n) {
  if (!p) return count_alloc(user, n);
  if (n == 0) {
    count_free(user, p);
    return nullptr;
  }
  Header* h = static_cast<Header*>(p) - 1;
  size_t was = h->size;
  Header* g = static_cast<Header*>(realloc(h, sizeof(Header) + n));
  if (!g) return nullptr;
  g->size = n;
  static_cast<Counter*>(user)->live += n - was;
  return g + 1;
}

const char* mode_name(evloop::Mode m) { return m == evloop::Mode::Ecma ? "ecma" : "cpp"; }

/* A heap and its loop after the CLI's start-up (examples/evloop-cli.cpp):
 * create, argv, install(kBindAll), an empty script, run(). */
struct Heap {
  Counter counter;
  duk_context* ctx;
  evloop::Loop* loop;
  size_t bare; /* the heap before evloop */
  explicit Heap(evloop::Mode mode) : counter(), ctx(nullptr), loop(nullptr), bare(0) {
    ctx = duk_create_heap(count_alloc, count_realloc, count_free, &counter, nullptr);
    bare = bytes();
    evloop::Options o;
    o.mode = mode;
    loop = evloop::Loop::create(ctx, o);
    if (!loop) {
      fprintf(stderr, "Loop::create failed: %s\n", strerror(errno));
      exit(1);
    }
    const char* argv[] = {"evloop", "empty.js"};
    loop->set_argv(2, argv);
    if (!loop->install(evloop::kBindAll)) exit(1);
    duk_push_string(ctx, "empty.js");
    duk_compile_lstring_filename(ctx, 0, "", 0);
    duk_call(ctx, 0);
    duk_pop(ctx);
    loop->run();
  }
  ~Heap() {
    loop->destroy();
    duk_destroy_heap(ctx);
  }
  size_t bytes() {
    duk_gc(ctx, 0);
    duk_gc(ctx, 0); /* the second pass runs what the first one's finalizers freed */
    return counter.live;
  }
  size_t native() { return loop->stats().native_bytes; }
  std::string eval(const std::string& src) {
    std::string out;
    if (duk_peval_string(ctx, src.c_str()) != 0) out = std::string("ERROR: ") + duk_safe_to_string(ctx, -1);
    else out = duk_safe_to_string(ctx, -1);
    duk_pop(ctx);
    return out;
  }
};

void startup(evloop::Mode mode) {
  Heap h(mode);
  printf("startup mode=%s duktape_bare=%zu heap=%zu native=%zu\n", mode_name(mode), h.bare, h.bytes(), h.native());
}

/* The rest needs the full build (both loops, net). */
#if defined(EVLOOP_HAVE_ECMA_LOOP) && defined(EVLOOP_HAVE_NET)
void noop_timer(evloop::Loop&, evloop::TimerId, void*) {}

/* Native timers (Loop::add_timer): bytes per pending timer as the tables
 * grow (1.25x): the lowest and highest ratio from 1,000 timers on, and at n. */
void native_timers(evloop::Mode mode, int n) {
  Heap h(mode);
  size_t heap0 = h.bytes(), native0 = h.native();
  double low = 1e9, high = 0;
  for (int i = 1; i <= n; i++) {
    if (!h.loop->add_timer(1000000, 0, noop_timer, nullptr)) exit(1);
    if (i >= 1000) {
      double per = static_cast<double>(h.native() - native0) / i;
      if (per < low) low = per;
      if (per > high) high = per;
    }
  }
  printf("native_timers mode=%s n=%d native_per=%.1f native_min=%.1f native_max=%.1f heap_per=%.1f\n",
         mode_name(mode), n, static_cast<double>(h.native() - native0) / n, low, high,
         static_cast<double>(h.bytes() - heap0) / n);
}

/* JS timers: setTimeout with one shared callback, no extra arguments. */
void js_timers(evloop::Mode mode, int n) {
  Heap h(mode);
  h.eval("var f = function () {};");
  size_t heap0 = h.bytes(), native0 = h.native();
  std::string got = h.eval("for (var i = 0; i < " + std::to_string(n) + "; i++) setTimeout(f, 1000000); 'ok'");
  if (got != "ok") {
    fprintf(stderr, "%s\n", got.c_str());
    exit(1);
  }
  printf("js_timers mode=%s n=%d heap_per=%.1f native_per=%.1f\n", mode_name(mode), n,
         static_cast<double>(h.bytes() - heap0) / n, static_cast<double>(h.native() - native0) / n);
}

/* Idle connections: a net server in the loop, n plain client sockets
 * connected to it from C++ (they are not in the heap). One connection first,
 * so one-time allocations are not counted per connection. */
int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    fprintf(stderr, "connect: %s\n", strerror(errno));
    exit(1);
  }
  return fd;
}

void accept_until(Heap& h, int want) {
  for (int i = 0; i < 20000; i++) {
    if (h.eval("conns.length") == std::to_string(want)) return;
    h.loop->run_once(10);
  }
  fprintf(stderr, "the server accepted %s of %d connections\n", h.eval("conns.length").c_str(), want);
  exit(1);
}

void connections(evloop::Mode mode, int n) {
  Heap h(mode);
  std::string got = h.eval(
      "var conns = []; var server = net.createServer(function (c) { conns.push(c); });"
      "server.listen(0, '127.0.0.1'); 'ok'");
  if (got != "ok") {
    fprintf(stderr, "%s\n", got.c_str());
    exit(1);
  }
  for (int i = 0; i < 3; i++) h.loop->run_once(0);
  int port = atoi(h.eval("server.address().port").c_str());
  std::vector<int> clients;
  clients.push_back(connect_to(port));
  accept_until(h, 1);
  size_t heap0 = h.bytes(), native0 = h.native();
  for (int i = 0; i < n; i++) clients.push_back(connect_to(port));
  accept_until(h, n + 1);
  for (int i = 0; i < 3; i++) h.loop->run_once(0);
  printf("connections mode=%s n=%d heap_per=%.1f native_per=%.1f\n", mode_name(mode), n,
         static_cast<double>(h.bytes() - heap0) / n, static_cast<double>(h.native() - native0) / n);
  for (size_t i = 0; i < clients.size(); i++) close(clients[i]);
}

#endif /* the full build */

}  // namespace

/* ram [startup | all TIMERS CONNECTIONS] */
int main(int argc, char** argv) {
  bool all = argc > 1 && !strcmp(argv[1], "all");
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  startup(evloop::Mode::Ecma);
#endif
  startup(evloop::Mode::Native);
  if (!all) return 0;
#if defined(EVLOOP_HAVE_ECMA_LOOP) && defined(EVLOOP_HAVE_NET)
  int timers = argc > 2 ? atoi(argv[2]) : 100000;
  int conns = argc > 3 ? atoi(argv[3]) : 500;
  rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
  const evloop::Mode modes[] = {evloop::Mode::Ecma, evloop::Mode::Native};
  native_timers(evloop::Mode::Native, timers);
  for (int i = 0; i < 2; i++) js_timers(modes[i], timers);
  for (int i = 0; i < 2; i++) connections(modes[i], conns);
  return 0;
#else
  fprintf(stderr, "ram all: needs the full build\n");
  return 2;
#endif
}
"""

# The struct sizes behind the memory figures, read for any target from the
# symbol sizes of arrays (nm -S): no need to run the target's code.
SIZES_TU = """/* build/size/sizes.cpp: written by tools/size.py. */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"
namespace d = evloop::detail;
char sizeof_HeapEntry[sizeof(d::HeapEntry)];
char sizeof_TimerSlot[sizeof(d::TimerSlot)];
char sizeof_Watcher[sizeof(d::Watcher)];
char sizeof_Stream[sizeof(d::Stream)];
char sizeof_LoopImpl[sizeof(d::LoopImpl)];
"""

# For the original: its main.c compiled with -Dduk_create_heap=... and
# -Dduk_destroy_heap=..., so its heap goes through the same counting
# allocator and the live bytes are printed on stderr when it is destroyed.
ORIG_SHIM = r"""/* build/size/orig/heap_shim.c: written by tools/size.py. */
#include <stdio.h>
#include <stdlib.h>
#include "duktape.h"

static size_t live;
typedef union { size_t size; long double align; void* p; } header;
static void* c_alloc(void* u, duk_size_t n) {
  header* h = (header*) malloc(sizeof(header) + n);
  (void) u;
  if (!h) return NULL;
  h->size = n;
  live += n;
  return h + 1;
}
static void c_free(void* u, void* p) {
  header* h;
  (void) u;
  if (!p) return;
  h = (header*) p - 1;
  live -= h->size;
  free(h);
}
static void* c_realloc(void* u, void* p, duk_size_t n) {
  header* h;
  size_t was;
  if (!p) return c_alloc(u, n);
  if (n == 0) {
    c_free(u, p);
    return NULL;
  }
  h = (header*) p - 1;
  was = h->size;
  h = (header*) realloc(h, sizeof(header) + n);
  if (!h) return NULL;
  h->size = n;
  live += n - was;
  return h + 1;
}
duk_context* shim_create_heap(duk_alloc_function a, duk_realloc_function r, duk_free_function f, void* u,
                              duk_fatal_function fatal) {
  (void) a; (void) r; (void) f;
  return duk_create_heap(c_alloc, c_realloc, c_free, u, fatal);
}
void shim_destroy_heap(duk_context* ctx) {
  duk_gc(ctx, 0);
  duk_gc(ctx, 0);
  fprintf(stderr, "heap_bytes=%lu\n", (unsigned long) live);
  duk_destroy_heap(ctx);
}
"""


def kv(line):
    return dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)


def ram_figures(name, defines, args):
    """Builds build/size/ram[-name] from RAM_PROBE with `defines` (linked with
    build/duktape.o) and runs it: {kind: {mode: {key: value}}}, or (None, reason)."""
    src = os.path.join(OUT, "ram.cpp")
    binary = os.path.join(OUT, "ram" if name == "full" else "ram-" + name)
    write(src, RAM_PROBE)
    duk = os.path.join(ROOT, "build", "duktape.o")
    rc, out = sh(["g++", "-O2"] + CXXFLAGS + ["-D" + d for d in defines] + [src, duk, "-lm", "-o", binary])
    if rc != 0:
        return None, "%s does not compile:\n%s" % (rel(binary), out)
    cmd = [binary, "all", str(args.timers), str(args.connections)] if name == "full" else [binary, "startup"]
    # a fixed environment: process.env (kBindCli) is part of the heap
    rc, out = sh(cmd, timeout=300, env={"LC_ALL": "C"})
    if rc != 0:
        return None, "%s failed:\n%s" % (rel(binary), out)
    figures = {}
    for line in out.splitlines():
        if "=" in line:
            d = kv(line)
            figures.setdefault(line.split()[0], {})[d.get("mode", "")] = d
    return figures, None


def struct_sizes(arches):
    """{arch: {struct: bytes}}."""
    write(os.path.join(OUT, "sizes.cpp"), SIZES_TU)
    result = {}
    for arch in arches:
        if arch.shim:
            continue
        obj = os.path.join(OUT, arch.key, "sizes.o")
        rc, out = sh([arch.cxx] + CXXFLAGS + ["-Os"] + arch.flags + ["-c", os.path.join(OUT, "sizes.cpp"), "-o", obj])
        if rc != 0:
            continue
        rc, out = sh([arch.nm, "-S", "--defined-only", obj])
        sizes = {}
        for line in out.splitlines():
            m = re.match(r"[0-9a-f]+ ([0-9a-f]+) \w sizeof_(\w+)$", line)
            if m:
                sizes[m.group(2)] = int(m.group(1), 16)
        result[arch.key] = sizes
    return result


# ---- the original eventloop example ----

def build_original():
    """Duktape's examples/eventloop built at -Os and -O2 with the same Duktape
    objects as evloop's: {"binaries": {opt: path}, "objects": {opt: [path]}},
    or (None, reason)."""
    missing = [f for f in ORIG_SOURCES + ORIG_JS if not os.path.exists(os.path.join(ORIG_DIR, f))]
    if missing:
        return None, ("build/orig-eventloop/ lacks %s: copy Duktape's examples/eventloop (svaarala/duktape; "
                      "main.c, c_eventloop.c/.h/.js, ecma_eventloop.js, poll.c, socket.c, fileio.c) there "
                      "to compare (never into the repository)" % ", ".join(missing))
    out_dir = os.path.join(OUT, "orig")
    os.makedirs(out_dir, exist_ok=True)
    write(os.path.join(out_dir, "heap_shim.c"), ORIG_SHIM)
    dukobj = {"-Os": os.path.join(OUT, "x86-64", "duktape.o"), "-O2": os.path.join(ROOT, "build", "duktape.o")}
    result = {"binaries": {}, "objects": {}}
    for opt in ("-Os", "-O2"):
        objs = []
        for src in ORIG_SOURCES + ["heap_shim.c"]:
            path = os.path.join(out_dir if src == "heap_shim.c" else ORIG_DIR, src)
            obj = os.path.join(out_dir, "%s%s.o" % (src[:-2], opt))
            flags = [opt, "-w", "-isystem", os.path.join(ROOT, DUKTAPE_DIR)]
            if src == "main.c":
                flags += ["-Dduk_create_heap=shim_create_heap", "-Dduk_destroy_heap=shim_destroy_heap"]
            if opt == "-Os":
                flags += ["-ffunction-sections", "-fdata-sections"]
            rc, text = sh(["gcc"] + flags + ["-c", path, "-o", obj])
            if rc != 0:
                return None, "the original does not compile (%s):\n%s" % (src, text)
            objs.append(obj)
        binary = os.path.join(out_dir, "eventloop%s" % opt)
        rc, text = sh(["gcc"] + objs + [dukobj[opt], "-lm", "-o", binary])
        if rc != 0:
            return None, "the original does not link:\n" + text
        result["binaries"][opt] = binary
        result["objects"][opt] = objs[:-1]
    return result, None


def heap_of_original(binary, flag, empty):
    """The original's heap bytes when it destroys its heap (after its loop
    ended), from the shim's line on stderr."""
    p = subprocess.run([binary] + flag + [empty], cwd=ORIG_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       universal_newlines=True)
    m = re.search(r"heap_bytes=(\d+)", p.stderr)
    return int(m.group(1)) if m else None


# ---- start-up time ----

def build_cli(name, opt, defines, duktape_object):
    """examples/evloop-cli.cpp built as build/size/x86-64/evloop-<name>."""
    binary = os.path.join(OUT, "x86-64", "evloop-" + name)
    rc, text = sh(["g++", opt] + CXXFLAGS + ["-D" + d for d in defines] +
                  ["examples/evloop-cli.cpp", duktape_object, "-lm", "-o", binary])
    return (binary, None) if rc == 0 else (None, text[-2000:])


def run_once_timed(cmd, cwd):
    """(exit status, wall ms, CPU ms of the child: user + system)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return -1, 0.0, 0.0
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000.0
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return p.returncode, wall, (usage.ru_utime + usage.ru_stime) * 1000.0


def startup_times(programs, runs):
    """{label: (median wall ms, fastest wall ms, median CPU ms)}: every program
    run `runs` times, interleaved (one run of each in turn), output
    discarded; None for a program whose first run fails."""
    samples = {}
    for label, cmd, cwd in programs:
        samples[label] = [] if run_once_timed(cmd, cwd)[0] == 0 else None
    for _ in range(runs):
        for label, cmd, cwd in programs:
            if samples[label] is not None:
                status, wall, cpu = run_once_timed(cmd, cwd)
                if status == 0:
                    samples[label].append((wall, cpu))
    result = {}
    for label, s in samples.items():
        result[label] = (statistics.median(w for w, c in s), min(w for w, c in s),
                         statistics.median(c for w, c in s)) if s else None
    return result


# ---- report ----

class Report:
    """Prints lines as they come and keeps them for build/size/size.md."""

    def __init__(self):
        self.lines = []

    def __call__(self, *lines):
        for line in lines:
            print(line)
            self.lines.append(line)
        sys.stdout.flush()

    def save(self, path):
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")


def report_code_size(emit, arches, configs):
    """Code size tables, the JS share, the code-size targets, the symbol
    breakdown. Returns the figures."""
    built = build_all(arches, configs)
    for (key, name), (ok, text) in sorted(built.items()):
        if not ok and not [a for a in arches if a.key == key and a.shim]:
            emit("FAIL compiling %s for %s:" % (name, key), text[-3000:])
    figures = code_size(arches, configs, built)
    x86 = ARCHES[0].key
    emit("## Code size (-Os)", "",
         "Method: the object file of a TU holding only `#define EVLOOP_IMPLEMENTATION` + `#include \"evloop.hpp\"`, "
         "compiled with -Os -ffunction-sections -fdata-sections, measured with size(1) (text = code, .rodata and "
         "unwind tables). Every public function has external linkage, so none is dropped: nm finds all %d "
         "evloop::Loop methods defined in each object. Compilers: %s." % (
             len(public_methods()), "; ".join(a.title for a in arches)), "")
    emit(*code_size_tables(arches, configs, built, figures))
    emit("")
    emit(*js_share_lines(figures, x86))
    missing = [(k, f["missing"]) for k, f in sorted(figures.items()) if f["missing"]]
    if missing:
        emit("", "WARNING: public methods missing from an object: %s" % missing)
    writable = [(k, f["writable"]) for k, f in sorted(figures.items()) if f["writable"] and k[1] != "duktape"]
    emit("", "Mutable static data (.data/.bss) in evloop's objects: %s." % (
        ", ".join("%s/%s %d bytes" % (k[0], k[1], n) for k, n in writable) if writable else
        "none in any configuration (data is .data.rel.ro: constant tables of function pointers)"))

    emit("", "## Targets (issue 5): code", "")
    tc, full = figures.get((x86, "timers-cpp-only")), figures.get((x86, "full"))
    small_obj = os.path.join(OUT, x86, "timers-cpp-only.small.o")
    small = berkeley(ARCHES[0], small_obj)[0] if built.get((x86, "timers-cpp-only.small"), (False,))[0] else None
    if tc:
        emit("- %s <= 12 KiB text (-Os, x86-64; `%s`): with a small device's flags (`%s`): %s; with "
             "the default flags: %s: %d bytes (%s), of it %d unwind tables." % (
                 TIMERS_CPP_ONLY, " ".join(d.replace("EVLOOP_", "") for d in [d for _, n, d in configs if n == "timers-cpp-only"][0]),
                 " ".join(SMALL_FLAGS),
                 ("%s: %d bytes (%s)" % ("met" if small <= TARGET_TIMERS_CPP_TEXT else "NOT met", small, kib(small)))
                 if small is not None else "not built",
                 "met" if tc["text"] <= TARGET_TIMERS_CPP_TEXT else "NOT met",
                 tc["text"], kib(tc["text"]), tc["unwind"]))
    if full:
        emit("- full build <= 64 KiB text+data: %s: %d bytes (%s), of it %d embedded JS." % (
            "met" if full["text"] + full["data"] <= TARGET_FULL_TEXT_DATA else "NOT met",
            full["text"] + full["data"], kib(full["text"] + full["data"]), full["js"]))
    packed = figures.get((x86, "compressed-js"))
    if packed:
        obj = os.path.join(OUT, x86, "compressed-js.small.o")
        small = sum(berkeley(ARCHES[0], obj)[:2]) if built.get((x86, "compressed-js.small"), (False,))[0] else None
        emit("- ... with its JS deflated (`COMPRESSED_JS`): %s: %d bytes (%s), of it %d embedded JS; with a "
             "small device's flags: %s." % (
                 "met" if packed["text"] + packed["data"] <= TARGET_FULL_TEXT_DATA else "NOT met",
                 packed["text"] + packed["data"], kib(packed["text"] + packed["data"]), packed["js"],
                 ("%s: %d bytes (%s)" % ("met" if small <= TARGET_FULL_TEXT_DATA else "NOT met", small, kib(small)))
                 if small is not None else "not built"))
    emit("- no static tables: %s." % ("met: bss 0 and no writable data in every configuration and target"
                                      if not writable else "NOT met (see above)"))

    g_obj = os.path.join(OUT, x86, "timers-cpp-only.g.o")
    if built.get((x86, "timers-cpp-only.g"), (False,))[0]:
        emit("", "## The 25 largest symbols of the %s build (x86-64, -Os)" % TIMERS_CPP_ONLY, "")
        emit(*symbol_lines(ARCHES[0], g_obj))
    return figures


def report_memory(emit, args, arches, configs, figures, orig, empty):
    emit("", "## Memory", "")
    ram, why = ram_figures("full", [], args)
    if ram is None:
        emit("SKIP memory: " + why)
        return
    small, small_why = ram_figures("timers-cpp-only", configs[-1][2], args)
    if small is None:
        emit("SKIP the %s start-up heap: %s" % (TIMERS_CPP_ONLY, small_why))
        small = {}
    orig_heap = {}
    if orig:
        for mode, flag in (("ecma", []), ("cpp", ["-c"])):
            orig_heap[mode] = heap_of_original(orig["binaries"]["-Os"], flag, empty)
    s, nt, jt, cn = (ram.get(k, {}) for k in ("startup", "native_timers", "js_timers", "connections"))
    emit("Method: build/size/ram (RAM_PROBE in tools/size.py, g++ -O2) counts what the Duktape heap's allocator "
         "hands out (the sizes asked for, without malloc's own overhead); evloop's memory goes through the same "
         "allocator (the default Allocator is duk_alloc_raw) and Stats::native_bytes says how much of it is "
         "evloop's. Start-up is the CLI's: Loop::create, install(kBindAll), an empty script, run(), then two "
         "duk_gc passes. Timers: %d pending (setTimeout with one shared function, or Loop::add_timer). "
         "Connections: %d idle connections accepted by a `net` server in the loop (the clients are plain "
         "sockets outside the heap; kernel socket buffers are not counted). The original's heap is counted "
         "by the same allocator (its main.c built with duk_create_heap/duk_destroy_heap redirected to a "
         "counting shim) when it destroys the heap after its loop ended. A bare Duktape heap "
         "(duk_create_heap alone) holds %s bytes." % (
             args.timers, args.connections, s.get("cpp", {}).get("duktape_bare", "?")), "")

    def cell(d, mode, key, fmt=None):
        v = d.get(mode, {}).get(key)
        if v is None:
            return "—"
        return fmt % float(v) if fmt else v
    full = figures.get((ARCHES[0].key, "full"))
    rows = ["| figure | ECMAScript loop (`./evloop`) | C++ loop (`./evloop -c`) | original, ECMAScript loop "
            "| original, C loop (`-c`) |", "|---|--:|--:|--:|--:|"]
    rows.append("| Duktape heap after start-up, empty script (bytes) | %s | %s | %s | %s |" % (
        cell(s, "ecma", "heap"), cell(s, "cpp", "heap"), orig_heap.get("ecma") or "—", orig_heap.get("cpp") or "—"))
    rows.append("| of which evloop's native memory | %s | %s | — | — |" % (
        cell(s, "ecma", "native"), cell(s, "cpp", "native")))
    st = small.get("startup", {})
    if st:
        rows.append("| the same, %s build (of which native) | — | %s (%s) | — | — |" % (
            TIMERS_CPP_ONLY, cell(st, "cpp", "heap"), cell(st, "cpp", "native")))
    rows.append("| per pending JS timer: heap bytes (of which native) | %s (%s) | %s (%s) | — | — |" % (
        cell(jt, "ecma", "heap_per", "%.1f"), cell(jt, "ecma", "native_per", "%.1f"),
        cell(jt, "cpp", "heap_per", "%.1f"), cell(jt, "cpp", "native_per", "%.1f")))
    rows.append("| per pending native timer (`add_timer`), native bytes: at %d timers; lowest–highest from 1,000 on "
                "| — | %s; %s–%s | — | — |" % (args.timers, cell(nt, "cpp", "native_per", "%.1f"),
                                             cell(nt, "cpp", "native_min", "%.1f"), cell(nt, "cpp", "native_max", "%.1f")))
    rows.append("| per idle `net` connection: heap bytes (of which native) | %s (%s) | %s (%s) | — | — |" % (
        cell(cn, "ecma", "heap_per", "%.0f"), cell(cn, "ecma", "native_per", "%.0f"),
        cell(cn, "cpp", "heap_per", "%.0f"), cell(cn, "cpp", "native_per", "%.0f")))
    if orig and full:
        ours = full["data"] + full["bss"]
        theirs = [berkeley(ARCHES[0], o) for o in orig["objects"]["-Os"]]
        theirs = sum(t[1] + t[2] for t in theirs)
        rows.append("| static data + bss of the loop's code (x86-64, -Os; evloop: the full build) | %d | %d | %d | %d |"
                    % (ours, ours, theirs, theirs))
    emit(*rows)
    sizes = struct_sizes(arches)
    if sizes:
        emit("", "Struct sizes in bytes (sizeof, per target): " + "; ".join(
            "%s: %s" % (k, ", ".join("%s %d" % (n, v) for n, v in sorted(d.items()))) for k, d in sizes.items())
            + ". A pending timer holds a TimerSlot; the timers of one duration form a list whose head has a "
              "HeapEntry (one per timer at worst, when no two share a duration); the tables grow 1.2x.")
    per = nt.get("cpp", {})
    if per:
        low, high = float(per.get("native_min", 0)), float(per.get("native_max", 0))
        arm = sizes.get("arm", {})
        arm_note = ""
        if arm.get("HeapEntry") and arm.get("TimerSlot"):
            exact = arm["HeapEntry"] + arm["TimerSlot"]
            arm_note = (" On 32-bit ARM (from sizeof), every timer heading a list of its own (the worst case): "
                        "%d at an exact fit, %.0f right after a growth." % (exact, exact * 1.2))
        emit("", "## Targets (issue 5): memory", "",
             "- <= 64 bytes of native memory per pending timer in the C++ loop: %s: %s bytes at %d timers, %s right "
             "after the tables grew (the worst case), %s at an exact fit (x86-64).%s" % (
                 "met" if high <= TARGET_BYTES_PER_TIMER else
                 "NOT met in the worst case" if low <= TARGET_BYTES_PER_TIMER else "NOT met",
                 per.get("native_per"), args.timers, per.get("native_max"), per.get("native_min"), arm_note))


def report_startup(emit, args, configs, orig, empty):
    emit("", "## Start-up time (empty script)", "")
    duk_os = os.path.join(OUT, "x86-64", "duktape.o")
    duk_o2 = os.path.join(ROOT, "build", "duktape.o")
    # a copy of ./evloop: a rebuild during the runs must not disturb them
    cli = os.path.join(OUT, "x86-64", "evloop-make")
    try:
        shutil.copy2(os.path.join(ROOT, "evloop"), cli)
        programs = [("./evloop (make: -O2)", [cli, empty], ROOT), ("./evloop -c", [cli, "-c", empty], ROOT)]
    except OSError as e:
        emit("SKIP ./evloop: %s" % e)
        programs = []
    extra = [("Os", "-Os", [], duk_os, "the CLI at -Os (Duktape -Os)", True)]
    for label, name, defines in configs:
        if name in ("no-sockets", "timers-cpp-only"):
            extra.append((name, "-O2", defines, duk_o2, "the CLI, %s build, -O2" % label, ECMA_LOOP_OFF
                          not in defines))
    for name, opt, defines, duk, label, both in extra:
        binary, why = build_cli(name, opt, defines, duk)
        if not binary:
            emit("SKIP %s: %s" % (label, why))
            continue
        if both:
            programs.append((label, [binary, empty], ROOT))
        programs.append((label + ", -c", [binary, "-c", empty], ROOT))
    if orig:
        for opt in ("-Os", "-O2"):
            programs += [("original %s, ECMAScript loop" % opt, [orig["binaries"][opt], empty], ORIG_DIR),
                         ("original %s, C loop (-c)" % opt, [orig["binaries"][opt], "-c", empty], ORIG_DIR)]
    programs.append(("/bin/true (starting a process)", [shutil.which("true") or "/bin/true"], ROOT))
    times = startup_times(programs, args.runs)
    emit("Method: wall time of fork+exec+exit from Python, median and fastest of %d runs per program, the "
         "programs interleaved, and the child's CPU time (user + system, from wait4), which a loaded "
         "machine disturbs less; x86-64, this machine. Duktape at -O2 is build/duktape.o, at -Os "
         "build/size/x86-64/duktape.o. The originals sleep at least 1 ms: their setTimeout clamps the "
         "0 ms timer that starts the script to 1 ms." % args.runs, "")
    emit("| program | median ms | fastest ms | CPU ms (median) | binary text | data | bss |",
         "|---|--:|--:|--:|--:|--:|--:|")
    for label, cmd, _ in programs:
        t = times.get(label)
        sz = berkeley(ARCHES[0], cmd[0]) if not label.startswith("/bin/true") else None
        emit("| %s | %s | %s | %s | %s | %s | %s |" % (
            label, "%.2f" % t[0] if t else "failed", "%.2f" % t[1] if t else "—", "%.2f" % t[2] if t else "—",
            sz[0] if sz else "—", sz[1] if sz else "—", sz[2] if sz else "—"))
    if orig:
        objs = [berkeley(ARCHES[0], o) for o in orig["objects"]["-Os"]]
        emit("", "The original's own code at -Os (x86-64; main.c, c_eventloop.c, poll.c, socket.c, fileio.c): "
             "text %d, data %d, bss %d bytes; its loops' JS is read from files at start-up (%s)." % (
                 sum(t[0] for t in objs), sum(t[1] for t in objs), sum(t[2] for t in objs),
                 ", ".join("%s %d bytes" % (f, os.path.getsize(os.path.join(ORIG_DIR, f))) for f in ORIG_JS)))
        ours = [times.get("./evloop (make: -O2)"), times.get("./evloop -c")]
        orig_c = times.get("original -O2, C loop (-c)")
        if all(ours) and orig_c:
            emit("", "## Targets (issue 5): start-up", "",
                 "- start-up no slower than the original's: %s: ./evloop %.2f ms, ./evloop -c %.2f ms; the original's "
                 "C loop (-O2, same Duktape object) %.2f ms." % (
                     "met" if max(t[0] for t in ours) <= orig_c[0] else "NOT met", ours[0][0], ours[1][0], orig_c[0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="start-up runs per program (median)")
    ap.add_argument("--timers", type=int, default=100000, help="pending timers for the memory figures")
    ap.add_argument("--connections", type=int, default=500, help="idle connections for the memory figures")
    args = ap.parse_args()
    os.chdir(ROOT)
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    emit = Report()
    arches = []
    for arch in ARCHES:
        if arch.available():
            arches.append(arch)
        else:
            emit("SKIP %s: %s not found (make size-deps installs Debian's cross compilers)" % (arch.title, arch.cxx))
    if not arches or arches[0] is not ARCHES[0]:
        emit("FAIL: no g++")
        return 1
    configs = size_configs()
    figures = report_code_size(emit, arches, configs)
    empty = os.path.join(OUT, "empty.js")
    write(empty, "")
    orig, orig_why = build_original()
    if orig_why:
        emit("", "SKIP the original eventloop example: " + orig_why)
    report_memory(emit, args, arches, configs, figures, orig, empty)
    report_startup(emit, args, configs, orig, empty)
    emit("", "(tools/size.py: %.0f s; also in build/size/size.md)" % (time.time() - t0))
    emit.save(os.path.join(OUT, "size.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
