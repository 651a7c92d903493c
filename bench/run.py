#!/usr/bin/env python3
"""evloop timer benchmark driver (`make bench`). Python 3 standard library only.

Runs build/bench-timers (bench/bench_timers.cpp) and, when `node` is on PATH,
bench/node_timers.js: one measurement per process, REPEAT times, interleaved
(the order of the contenders rotates each round), and reports medians.
Prints a table, and writes bench/results.md and bench/timers-cost.svg.

Nothing is asserted: the targets are printed next to the figures for
information. The exit status is 0 unless the harness itself is missing;
a measurement that crashes, hangs or fires the wrong number of timers is
reported in the table ("ERR") and in an "Errors" list.

Environment: BENCH_REPEAT (rounds, default 3); BENCH_TIMEOUT_SCALE (multiplies
the time after which a measurement counts as hung, see timeout_for; one that
hangs is not run again, nor at larger N); BENCH_NODE (the node command,
default `node`; empty: skip Node.js).
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HARNESS = os.path.join(ROOT, "build", "bench-timers")
SCRIPT = os.path.join(HERE, "timers.js")
NODE_DRIVER = os.path.join(HERE, "node_timers.js")
RESULTS_MD = os.path.join(HERE, "results.md")
PLOT_SVG = os.path.join(HERE, "timers-cost.svg")

REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "3")))
# Seconds before a measurement process counts as hung: generous (normal runs
# take well under a tenth of these, even on a loaded 2-core machine).
TIMEOUT_SCALE = float(os.environ.get("BENCH_TIMEOUT_SCALE", "1"))


def timeout_for(kind, n=0):
    base = {"cost": 30 + n * 150e-6, "chain": 60, "drift": 60, "mem": 60}[kind]
    return base * TIMEOUT_SCALE

NS = [1000, 10000, 100000, 1000000]
MEM_N = 100000

# Targets (information only) and the seed: reference figures of Duktape's
# original eventloop example, quoted, not measured here.
SEED = {
    "capacity": "refuses the 4097th timer (C loop)",
    "create64k": "~190 s to create 64k timers (ECMA loop, quadratic)",
    "fires": "~9k fires/s",
    "hops": "~900 hops/s",
    "drift": "~200 ms over 200 ticks",
    "drift_node": "Node: 14 ms",
}

errors = []  # (what, message)
skipped = set()  # measurements not run again: they hung once (or a smaller N did)


def label_n(n):
    return {1000: "1k", 10000: "10k", 100000: "100k", 1000000: "1M"}.get(n, str(n))


def parse_lines(out):
    """Merges the JSON lines a measurement printed (a partial line, flushed
    before a step that may hang, then the full one)."""
    if isinstance(out, bytes):
        out = out.decode("utf-8", "replace")
    merged = None
    for line in (out or "").splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict):
            merged = dict(merged or {}, **d)
            merged["partial"] = bool(d.get("partial"))  # only the last line says
    return merged


def run_one(cmd, what, timeout, key=None):
    """Runs one measurement process; returns its JSON dict, or None. A
    process that hangs is killed after `timeout` s: the figures of its
    partial line are kept (e.g. create cost when fire hung), the rest is ERR."""
    if key in skipped:
        return None
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, universal_newlines=True)
    except subprocess.TimeoutExpired as e:
        errors.append((what, "no result after %.0f s: hung (killed)" % timeout))
        if key is not None:
            skipped.add(key)
        d = parse_lines(e.stdout)
        if d:
            d.pop("errors", None)
        return d
    if p.returncode < 0:
        errors.append((what, "crashed with signal %d; stderr: %s" % (-p.returncode, p.stderr.strip()[-400:])))
        return None
    d = parse_lines(p.stdout)
    if d is None or d.get("partial"):
        errors.append((what, "exit %d, no complete result; stdout: %r; stderr: %s"
                       % (p.returncode, p.stdout[-300:], p.stderr.strip()[-400:])))
        return None
    if p.returncode != 0 or d.get("errors"):
        errors.append((what, "exit %d: %s" % (p.returncode, d.get("errors") or p.stderr.strip()[-400:])))
        return None
    return d


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


class Results:
    def __init__(self):
        self.samples = {}  # (bench, mode, n) -> [dict]

    def add(self, key, d):
        if d is not None:
            self.samples.setdefault(key, []).append(d)

    def median(self, key, field):
        vals = [d[field] for d in self.samples.get(key, []) if d.get(field) is not None]
        return statistics.median(vals) if vals else None

    def spread(self, key, field):
        vals = [d[field] for d in self.samples.get(key, []) if d.get(field) is not None]
        if len(vals) < 2 or min(vals) <= 0:
            return None
        return max(vals) / min(vals) - 1.0


def measure(node):
    r = Results()
    contenders = ["floor", "native", "ecma"] + (["node"] if node else [])
    chains = ["native", "ecma"] + (["node", "node-immediate"] if node else [])
    drifts = ["native", "ecma"] + (["node"] if node else [])
    started = time.time()
    for rep in range(REPEAT):
        t0 = time.time()
        sys.stderr.write("  round %d/%d: cost" % (rep + 1, REPEAT))
        sys.stderr.flush()
        for n in NS:
            for who in rotate(contenders, rep):
                what = "cost %s N=%s (round %d)" % (who, label_n(n), rep + 1)
                if who == "node":
                    cmd = [node, NODE_DRIVER, "cost", str(n)]
                else:
                    cmd = [HARNESS, "--script", SCRIPT, "cost", who, str(n)]
                r.add(("cost", who, n), run_one(cmd, what, timeout_for("cost", n), ("cost", who, n)))
                larger = [m for m in NS if m > n and ("cost", who, m) not in skipped]
                if ("cost", who, n) in skipped and larger:  # hung: a larger N would too
                    skipped.update(("cost", who, m) for m in larger)
                    errors.append(("cost %s N=%s" % (who, ", ".join(label_n(m) for m in larger)),
                                   "not run: the loop hung at N=%s" % label_n(n)))
            sys.stderr.write(" %s" % label_n(n))
            sys.stderr.flush()
        sys.stderr.write(", chain")
        sys.stderr.flush()
        for who in rotate(chains, rep):
            what = "chain %s (round %d)" % (who, rep + 1)
            if who == "node":
                cmd = [node, NODE_DRIVER, "chain"]
            elif who == "node-immediate":
                cmd = [node, NODE_DRIVER, "immediate"]
            else:
                cmd = [HARNESS, "--script", SCRIPT, "chain", who]
            r.add(("chain", who, 0), run_one(cmd, what, timeout_for("chain"), ("chain", who)))
        sys.stderr.write(", drift")
        sys.stderr.flush()
        for who in rotate(drifts, rep):
            what = "drift %s (round %d)" % (who, rep + 1)
            cmd = [node, NODE_DRIVER, "drift"] if who == "node" else [HARNESS, "--script", SCRIPT, "drift", who]
            r.add(("drift", who, 0), run_one(cmd, what, timeout_for("drift"), ("drift", who)))
        if rep == 0:  # memory figures are deterministic: once
            sys.stderr.write(", memory")
            for who in ["native", "ecma"]:
                cmd = [HARNESS, "--script", SCRIPT, "mem", who, str(MEM_N)]
                r.add(("mem", who, MEM_N), run_one(cmd, "mem %s N=%s" % (who, label_n(MEM_N)), timeout_for("mem")))
        sys.stderr.write("  (%.0f s)\n" % (time.time() - t0))
        sys.stderr.flush()
    return r, time.time() - started


# ---------------------------------------------------------------- formatting

def fmt_ns(v):
    if v is None:
        return "ERR"
    if v >= 100:
        return "{:,.0f}".format(v)
    return "%.1f" % v


def fmt_x(v):
    if v is None:
        return "ERR"
    return ("%.0fx" % v) if v >= 100 else ("%.1fx" % v if v >= 10 else "%.2fx" % v)


def fmt_rate(v):
    if v is None:
        return "ERR"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 1e3:
        return "%.0fk" % (v / 1e3)
    return "%.0f" % v


def fmt_ms(v):
    return "ERR" if v is None else "%.2f ms" % v


def ratio(a, b):
    return a / b if a is not None and b else None


def add(a, b):
    return a + b if a is not None and b is not None else None


def compare(value, limit, higher_is_better=False):
    """'within' / 'outside': information for the reader, never an exit status."""
    if value is None:
        return "-"
    ok = value >= limit if higher_is_better else value <= limit
    return "within" if ok else "outside"


def table(headers, rows, aligns=None):
    """Plain-text table; aligns: string of 'l'/'r' per column."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    aligns = aligns or ("l" + "r" * (len(headers) - 1))
    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, aligns):
            out.append(str(c).ljust(w) if a == "l" else str(c).rjust(w))
        return "  " + "  ".join(out).rstrip()
    sep = "  " + "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def md_table(headers, rows, aligns=None):
    aligns = aligns or ("l" + "r" * (len(headers) - 1))
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join(":---" if a == "l" else "---:" for a in aligns) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def environment(node):
    info = []
    try:
        with open(os.path.join(ROOT, "duktape", "duktape.h")) as f:
            for line in f:
                if line.startswith("#define DUK_VERSION "):
                    v = int(line.split()[2].rstrip("L"))
                    info.append("Duktape %d.%d.%d" % (v // 10000, v // 100 % 100, v % 100))
                    break
    except (OSError, ValueError):
        pass
    try:
        cxx = os.environ.get("CXX", "g++")
        info.append(subprocess.run([cxx, "--version"], stdout=subprocess.PIPE, universal_newlines=True)
                    .stdout.splitlines()[0] + " -O2")
    except (OSError, IndexError):
        pass
    if node:
        try:
            info.append("node " + subprocess.run([node, "--version"], stdout=subprocess.PIPE,
                                                 universal_newlines=True).stdout.strip())
        except OSError:
            pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info.append("%s, %d cpus" % (cpu, os.cpu_count() or 0))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               universal_newlines=True).stdout.strip()
        if head:
            info.append("commit %s%s" % (head, " + local changes" if dirty else ""))
    except OSError:
        pass
    return "; ".join(info)


def build_report(r, node, elapsed):
    """Returns (text, markdown, plot series)."""
    cost = {}
    for n in NS:
        row = {"floor": r.median(("cost", "floor", n), "floor_ns")}
        for who in ["native", "ecma", "node"]:
            c = r.median(("cost", who, n), "create_ns")
            f = r.median(("cost", who, n), "fire_ns")
            row[who] = (c, f, add(c, f))
        cost[n] = row
    nmax, nmin = NS[-1], NS[0]

    # ---- section 1: cost per timer
    h1 = ["N", "floor", "C++ create", "C++ fire", "C++ c+f", "C++/floor",
          "ECMA create", "ECMA fire", "ECMA c+f", "ECMA/floor", "ECMA/C++"]
    rows1 = []
    for n in NS:
        row = cost[n]
        nat, ecm = row["native"], row["ecma"]
        rows1.append([label_n(n), fmt_ns(row["floor"]),
                      fmt_ns(nat[0]), fmt_ns(nat[1]), fmt_ns(nat[2]), fmt_x(ratio(nat[2], row["floor"])),
                      fmt_ns(ecm[0]), fmt_ns(ecm[1]), fmt_ns(ecm[2]), fmt_x(ratio(ecm[2], row["floor"])),
                      fmt_x(ratio(ecm[2], nat[2]))])
    rows1.append(["1M/1k", "", "", "", fmt_x(ratio(cost[nmax]["native"][2], cost[nmin]["native"][2])), "",
                  "", "", fmt_x(ratio(cost[nmax]["ecma"][2], cost[nmin]["ecma"][2])), "", ""])
    h1n = ["N", "node create", "node fire", "node c+f", "node/C++ loop", "node/ECMA loop"]
    rows1n = []
    if node:
        for n in NS:
            nd = cost[n]["node"]
            rows1n.append([label_n(n), fmt_ns(nd[0]), fmt_ns(nd[1]), fmt_ns(nd[2]),
                           fmt_x(ratio(nd[2], cost[n]["native"][2])), fmt_x(ratio(nd[2], cost[n]["ecma"][2]))])
        rows1n.append(["1M/1k", "", "", fmt_x(ratio(cost[nmax]["node"][2], cost[nmin]["node"][2])), "", ""])

    # noise: the largest max/min - 1 among the cost samples
    spreads = []
    for n in NS:
        for who, fields in [("floor", ["floor_ns"]), ("native", ["create_ns", "fire_ns"]),
                            ("ecma", ["create_ns", "fire_ns"]), ("node", ["create_ns", "fire_ns"])]:
            for fld in fields:
                s = r.spread(("cost", who, n), fld)
                if s is not None:
                    name = {"floor": "floor", "native": "C++ loop", "ecma": "ECMA loop", "node": "node"}[who]
                    if who != "floor":
                        name += " " + fld.replace("_ns", "")
                    spreads.append((s, "%s N=%s" % (name, label_n(n))))
    spreads.sort(reverse=True)

    # ---- section 2: chain and drift
    chain = {w: r.median(("chain", w, 0), "hops_per_s") for w in ["native", "ecma", "node", "node-immediate"]}
    drift = {w: (r.median(("drift", w, 0), "drift_ms"), r.median(("drift", w, 0), "max_late_ms"),
                 r.median(("drift", w, 0), "cpu_ms"))
             for w in ["native", "ecma", "node"]}
    h2 = ["zero-delay chain (100k hops, real clock)", "hops/s", "target", "seed"]
    rows2 = [["C++ loop", fmt_rate(chain["native"]), ">= 500k", SEED["hops"]],
             ["ECMAScript loop", fmt_rate(chain["ecma"]), ">= 150k", SEED["hops"]]]
    if node:
        rows2 += [["node setTimeout(hop, 0) (1 ms clamp; 2 s window)", fmt_rate(chain["node"]), "", ""],
                  ["node setImmediate chain (for reference)", fmt_rate(chain["node-immediate"]), "", ""]]
    h3 = ["setInterval drift (200 x 10 ms, 2 ms busy)", "drift", "latest tick", "CPU used", "target", "seed"]
    def cpu_cell(v):
        return "ERR" if v is None else "%.0f ms" % v
    rows3 = [["C++ loop", fmt_ms(drift["native"][0]), fmt_ms(drift["native"][1]), cpu_cell(drift["native"][2]),
              "<= 5 ms", SEED["drift"]],
             ["ECMAScript loop", fmt_ms(drift["ecma"][0]), fmt_ms(drift["ecma"][1]), cpu_cell(drift["ecma"][2]),
              "<= 5 ms", SEED["drift"]]]
    if node:
        rows3.append(["node", fmt_ms(drift["node"][0]), fmt_ms(drift["node"][1]), cpu_cell(drift["node"][2]),
                      "", SEED["drift_node"]])

    # ---- section 3: memory
    mem = {w: r.samples.get(("mem", w, MEM_N), [None])[0] for w in ["native", "ecma"]}
    h4 = ["bytes per pending timer (N = 100k)", "native (loop)", "Duktape heap", "total",
          "heap peak in create", "kept after all fired"]
    rows4 = []
    for w, name in [("native", "C++ loop"), ("ecma", "ECMAScript loop")]:
        d = mem[w]
        if d is None:
            rows4.append([name, "ERR", "ERR", "ERR", "ERR", "ERR"])
            continue
        def b(v):
            return "ERR" if v is None else "%.1f" % v
        rows4.append([name, b(d.get("native_per_timer")), b(d.get("heap_per_timer")),
                      b(add(d.get("native_per_timer"), d.get("heap_per_timer"))), b(d.get("heap_peak_per_timer")),
                      b(add(d.get("native_retained_per_timer"), d.get("heap_retained_per_timer")))])

    # ---- section 4: targets and seed
    nat_max, ecm_max = cost[nmax]["native"], cost[nmax]["ecma"]
    x_floor = ratio(nat_max[2], cost[nmax]["floor"])
    g_nat = ratio(nat_max[2], cost[nmin]["native"][2])
    e_over_c = ratio(ecm_max[2], nat_max[2])
    fires_nat = 1e9 / nat_max[1] if nat_max[1] else None
    fires_ecm = 1e9 / ecm_max[1] if ecm_max[1] else None
    ecma_100k_create = cost[100000]["ecma"][0]
    pending_ok = all(r.samples.get(("cost", w, nmax)) for w in ["native", "ecma"])
    h5 = ["figure", "measured", "target", "vs target", "seed (not measured here)"]
    rows5 = [
        ["C++ loop create+fire at 1M / floor", fmt_x(x_floor), "<= 3x", compare(x_floor, 3), ""],
        ["C++ loop create+fire at 1M / at 1k", fmt_x(g_nat), "<= 2x", compare(g_nat, 2), ""],
        ["ECMA loop create+fire at 1M / C++ loop's", fmt_x(e_over_c), "<= 5x", compare(e_over_c, 5), ""],
        ["ECMA loop create+fire at 1M / at 1k", fmt_x(ratio(ecm_max[2], cost[nmin]["ecma"][2])), "", "", ""],
        ["1M pending timers created and all fired", "yes (both loops)" if pending_ok else "NO (see errors)",
         "", "", SEED["capacity"]],
        ["ECMA loop: time to create 100k timers",
         "%.2f s" % (ecma_100k_create * 1e5 / 1e9) if ecma_100k_create else "ERR", "", "", SEED["create64k"]],
        ["fires per second at 1M (C++ / ECMA loop)", "%s / %s" % (fmt_rate(fires_nat), fmt_rate(fires_ecm)),
         "", "", SEED["fires"]],
        ["zero-delay chain, C++ loop", fmt_rate(chain["native"]) + " hops/s", ">= 500k",
         compare(chain["native"], 5e5, True), SEED["hops"]],
        ["zero-delay chain, ECMA loop", fmt_rate(chain["ecma"]) + " hops/s", ">= 150k",
         compare(chain["ecma"], 1.5e5, True), SEED["hops"]],
        ["drift, C++ loop", fmt_ms(drift["native"][0]), "<= 5 ms", compare(drift["native"][0], 5), SEED["drift"]],
        ["drift, ECMA loop", fmt_ms(drift["ecma"][0]), "<= 5 ms", compare(drift["ecma"][0], 5), SEED["drift"]],
    ]
    if node:
        rows5.append(["drift, node", fmt_ms(drift["node"][0]), "", "", SEED["drift_node"]])

    env = environment(node)
    title = "evloop timer benchmark: median of %d interleaved runs (%.0f s)" % (REPEAT, elapsed)
    notes1 = [
        "ns per timer. create = the script loop `for (i < N) setTimeout(f, (i * 7919) % 1000)` / N;",
        "fire = loop->run() until all N fired / N, on evloop::VirtualClock (auto-advance: no sleeping;",
        "min(N, 1000) distinct deadlines, so one loop turn per timer at 1k, 1000 timers per turn at 1M).",
        "floor = the same loop calling an empty JS function g(f, delay), per call; c+f = create + fire.",
        "C++ = Mode::Native, ECMA = Mode::Ecma. Timed in C++ with CLOCK_MONOTONIC.",
    ]
    if node:
        notes1.append("node: the same script (bench/timers.js); fire timed between two sentinel timers after "
                      "sleeping until all are due.")
    else:
        notes1.append("node: not found on PATH, Node.js figures skipped.")
    noise = ("noise: largest max/min spread among the cost samples: %s" %
             ", ".join("%s %.0f%%" % (name, s * 100) for s, name in spreads[:3])) if spreads else ""
    shares = sorted(d["cpu_share"] for key, ds in r.samples.items() if key[0] == "cost"
                    for d in ds if d.get("cpu_share") is not None)
    if shares:
        noise += ("%sCPU share of the evloop cost runs (CPU time / wall time): median %.0f%%, lowest %.0f%%%s"
                  % (";\n   " if noise else "", statistics.median(shares) * 100, shares[0] * 100,
                     " (other load on the machine)" if shares[0] < 0.9 else ""))

    text = []
    text.append(title)
    text.append(env)
    text.append("")
    text.append("1. Cost per timer, create + fire, against N pending timers")
    text.extend("   " + l for l in notes1)
    text.append(table(h1, rows1))
    if node:
        text.append("")
        text.append(table(h1n, rows1n))
    if noise:
        text.append("   " + noise)
    text.append("")
    text.append("2. Zero-delay chain and setInterval drift (real clock)")
    text.append(table(h2, rows2, "lrrl"))
    text.append("")
    text.append(table(h3, rows3, "lrrrrl"))
    text.append("   drift = time of the 200th tick - time of the setInterval call - 2000 ms (EventLoop.now /")
    text.append("   performance.now); latest tick = the most any tick k ran after t0 + 10 k ms. CPU used: CPU")
    text.append("   time of the run; the callbacks' busy work is 400 ms, much more means the loop spins while")
    text.append("   it should sleep.")
    text.append("")
    text.append("3. Memory per pending timer, N = 100k")
    text.append(table(h4, rows4))
    text.append("   native = Stats::native_bytes growth (the loop's own C++ memory, through Options::allocator);")
    text.append("   Duktape heap = live-byte growth of the heap's counting allocator (after duk_gc); ECMA loop")
    text.append("   timers live in JS objects. 'kept' = what stays allocated once every timer has fired.")
    text.append("")
    text.append("4. Targets (information only, nothing is asserted) and the seed (Duktape's original")
    text.append("   eventloop example: reference figures quoted, not measured here)")
    text.append(table(h5, rows5, "lrrll"))
    if errors:
        text.append("")
        text.append("Errors (measurements left out of the medians):")
        for what, msg in errors:
            text.append("  - %s: %s" % (what, msg))
    text.append("")
    text.append("Wrote bench/results.md and bench/timers-cost.svg.")

    md = []
    md.append("# evloop timer benchmark")
    md.append("")
    md.append("Generated by `make bench` (bench/run.py): median of %d interleaved runs, %.0f s. %s."
              % (REPEAT, elapsed, env))
    md.append("Performance is measured, not asserted: targets are for information.")
    md.append("")
    md.append("## 1. Cost per timer (ns), create + fire, against N pending timers")
    md.append("")
    md.extend(notes1)
    md.append("")
    md.append(md_table(h1, rows1))
    md.append("")
    if node:
        md.append("Node.js, same script:")
        md.append("")
        md.append(md_table(h1n, rows1n))
        md.append("")
    if noise:
        md.append(noise[0].upper() + noise[1:].replace(";\n   ", "; ") + ".")
        md.append("")
    md.append("![cost per timer](timers-cost.svg)")
    md.append("")
    md.append("## 2. Zero-delay chain and setInterval drift (real clock)")
    md.append("")
    md.append(md_table(h2, rows2, "lrrl"))
    md.append("")
    md.append(md_table(h3, rows3, "lrrrrl"))
    md.append("")
    md.append("drift = time of the 200th tick - time of the setInterval call - 2000 ms; latest tick = the most "
              "any tick k ran after t0 + 10 k ms. CPU used = CPU time of the run: the callbacks' busy work is "
              "400 ms; much more means the loop spins while it should sleep.")
    md.append("")
    md.append("## 3. Memory per pending timer, N = 100k (bytes)")
    md.append("")
    md.append(md_table(h4, rows4))
    md.append("")
    md.append("native = growth of Stats::native_bytes (the loop's C++ memory); Duktape heap = growth of live "
              "bytes counted by the heap's allocator, after duk_gc. 'kept' = still allocated once all fired.")
    md.append("")
    md.append("## 4. Targets and seed")
    md.append("")
    md.append("Seed: reference figures of Duktape's original eventloop example, quoted, not measured here.")
    md.append("")
    md.append(md_table(h5, rows5, "lrrll"))
    md.append("")
    if errors:
        md.append("## Errors")
        md.append("")
        for what, msg in errors:
            md.append("- %s: %s" % (what, msg.replace("|", "\\|")))
        md.append("")

    series = [("C++ loop (create+fire)", "#1f77b4", [(n, cost[n]["native"][2]) for n in NS]),
              ("ECMAScript loop (create+fire)", "#d62728", [(n, cost[n]["ecma"][2]) for n in NS]),
              ("JS-call floor", "#555555", [(n, cost[n]["floor"]) for n in NS])]
    if node:
        series.append(("Node.js (create+fire)", "#2ca02c", [(n, cost[n]["node"][2]) for n in NS]))
    return "\n".join(text), "\n".join(md), series


# ---------------------------------------------------------------- SVG plot

def svg_plot(series, path):
    import math
    W, H = 760, 440
    left, right, top, bottom = 80, 270, 50, 60
    pw, ph = W - left - right, H - top - bottom
    xs = [n for _, _, pts in series for n, v in pts if v]
    ys = [v for _, _, pts in series for n, v in pts if v]
    if not ys:
        ys = [1, 10]
    x0, x1 = math.log10(min(NS)), math.log10(max(NS))
    y0 = math.floor(math.log10(min(ys)))
    y1 = math.ceil(math.log10(max(ys)))
    if y1 == y0:
        y1 += 1

    def px(n):
        return left + (math.log10(n) - x0) / (x1 - x0) * pw

    def py(v):
        return top + ph - (math.log10(v) - y0) / (y1 - y0) * ph

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="12">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="24" font-size="15" font-weight="bold">evloop: cost per timer (create + fire) '
           'against pending timers</text>' % left]
    # grid: decades on y (with 2x, 5x minor lines), N values on x
    for e in range(int(y0), int(y1) + 1):
        y = py(10 ** e)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#bbb"/>' % (left, y, left + pw, y))
        label = "{:,}".format(10 ** e) if e >= 0 else str(10 ** e)
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, label))
        if e < y1:
            for m in (2, 5):
                ym = py(m * 10 ** e)
                out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>' % (left, ym, left + pw, ym))
    for n in NS:
        x = px(n)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, top + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, top + ph + 18, label_n(n)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (left, top, pw, ph))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">N pending timers (log scale)</text>'
               % (left + pw / 2, H - 14))
    out.append('<text transform="translate(18,%.1f) rotate(-90)" text-anchor="middle">ns per timer '
               '(log scale)</text>' % (top + ph / 2))
    for i, (name, color, pts) in enumerate(series):
        good = [(n, v) for n, v in pts if v]
        if len(good) > 1:
            out.append('<polyline fill="none" stroke="%s" stroke-width="2.5" points="%s"/>'
                       % (color, " ".join("%.1f,%.1f" % (px(n), py(v)) for n, v in good)))
        for n, v in good:
            out.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s, N=%s: %.0f ns</title></circle>'
                       % (px(n), py(v), color, esc(name), label_n(n), v))
        ly = top + 10 + i * 22
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"/>'
                   % (left + pw + 16, ly, left + pw + 40, ly, color))
        out.append('<text x="%d" y="%d">%s</text>' % (left + pw + 46, ly + 4,
                                                      esc(name if good else name + ": no data")))
    ny = top + 10 + len(series) * 22 + 8
    for k, note in enumerate(["median of %d runs" % REPEAT, "delays (i * 7919) % 1000 ms",
                              "fire on a virtual clock"]):
        out.append('<text x="%d" y="%d" fill="#555">%s</text>' % (left + pw + 16, ny + 16 * k, esc(note)))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if not os.path.exists(HARNESS):
        sys.stderr.write("bench/run.py: %s is missing; run `make bench`\n" % HARNESS)
        return 2
    node_cmd = os.environ.get("BENCH_NODE", "node")
    node = shutil.which(node_cmd) if node_cmd else None
    sys.stderr.write("evloop timer benchmark: %d rounds, %s (a few minutes)\n"
                     % (REPEAT, "with node" if node else "node not found on PATH: Node.js figures skipped"))
    r, elapsed = measure(node)
    text, md, series = build_report(r, node, elapsed)
    print(text)
    with open(RESULTS_MD, "w") as f:
        f.write(md)
    svg_plot(series, PLOT_SVG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
