#!/usr/bin/env python3
"""evloop network benchmark driver (`make bench-net`, also run by `make bench`).
Python 3 standard library only.

Echo servers, side by side in one run, each loaded by the same C++ client
(build/net-load, bench/net_load.cpp):
  epoll  the minimal C++ epoll echo server (build/net-epoll-echo, bench/net_epoll_echo.cpp):
         the practical limit, and the reference of every ratio;
  cpp    examples/echo-server.js on evloop's C++ loop (`./evloop -c`);
  ecma   the same script on evloop's ECMAScript loop (`./evloop`);
  node   the same script on Node.js (its `net` made a global by bench/node_net_shim.js),
         when node is on PATH.
For each: round trips per second with 64-byte messages over 1 and 64 connections, the
server's user CPU time per round trip (from /proc/PID/stat around a fixed number of round
trips), MiB/s of a 32 MiB stream echoed while the client writes and reads at once, and
memory per idle connection ((VmRSS with 1000 idle connections - VmRSS with 0) / 1000).
Each server runs REPEAT rounds (the order rotates each round); rates are medians, CPU per
round trip is pooled over the rounds (total ticks / total round trips: a tick is 10 ms).
Prints one table with ratios against the epoll server and writes bench/net-results.md.

Nothing is asserted: targets (issue 3) are printed for information. Exit status 0 unless
the harness itself is missing; a server that fails to start, dies, or echoes wrong bytes is
reported as ERR with the reason in an "Errors" list.

Environment: BENCH_NET_REPEAT (rounds, default 5); BENCH_NET_RT64 (timed round trips at 64
connections per round, default 250000); BENCH_NET_RT1 (at 1 connection, default 20000);
BENCH_NET_ONLY (comma list of epoll,cpp,ecma,node); BENCH_NET_SCRIPT (the evloop script,
default examples/echo-server.js); BENCH_NODE
(the node command, default `node`; empty: skip Node.js); BENCH_EVLOOP (the evloop binary,
default ./evloop).

Profile: `python3 bench/net_run.py --profile cpp|ecma|epoll [--rt N]` runs that server under
valgrind --tool=callgrind, zeroes the counters after a warmup, runs N round trips (default
20000) over 64 connections, dumps, and prints instructions per round trip with a
per-function breakdown (also written to bench/net-profile-WHO.txt).
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build")
EPOLL_SERVER = os.path.join(BUILD, "net-epoll-echo")
LOAD = os.path.join(BUILD, "net-load")
EVLOOP = os.path.abspath(os.environ.get("BENCH_EVLOOP") or os.path.join(ROOT, "evloop"))
RESULTS_MD = os.path.join(HERE, "net-results.md")
NODE_SHIM = os.path.join(HERE, "node_net_shim.js")
EXAMPLE_SCRIPT = os.path.join(ROOT, "examples", "echo-server.js")

REPEAT = max(1, int(os.environ.get("BENCH_NET_REPEAT", "5")))
RT64 = int(os.environ.get("BENCH_NET_RT64", "250000"))
RT1 = int(os.environ.get("BENCH_NET_RT1", "20000"))
WARMUP = 2000
IDLE = 1000
BULK = "32M"
BULK_STREAMS = 9
HOST = "127.0.0.1"

NAMES = {"epoll": "C++ epoll server", "cpp": "evloop C++ loop", "ecma": "evloop ECMAScript loop",
         "node": "Node.js net"}

errors = []  # (what, message)


def rel(path):
    return os.path.relpath(path, ROOT)


def evloop_script():
    s = os.environ.get("BENCH_NET_SCRIPT")
    if s:
        return os.path.abspath(s)
    return EXAMPLE_SCRIPT


def server_command(who, port, node):
    if who == "epoll":
        return [EPOLL_SERVER, str(port), HOST]
    if who == "cpp":
        return [EVLOOP, "-c", evloop_script(), str(port), HOST]
    if who == "ecma":
        return [EVLOOP, evloop_script(), str(port), HOST]
    if who == "node":  # the same script, with `net` and `print` as globals
        return [node, "-r", NODE_SHIM, evloop_script(), str(port), HOST]
    raise ValueError(who)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """One echo server process on a fresh port."""

    def __init__(self, who, node, wrap=None):
        self.who = who
        self.port = free_port()
        self.cmd = (wrap or []) + server_command(who, self.port, node)
        self.proc = None
        self.log = None

    def start(self, timeout=10.0):
        """Starts the server and waits until it accepts connections. Returns an
        error message, or None."""
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return "exited with status %s at start: %s" % (self.proc.returncode, self.output())
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return None
            except OSError:
                time.sleep(0.05)
        return "not listening on port %d after %.0f s: %s" % (self.port, timeout, self.output())

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def output(self, limit=400):
        if not self.log:
            return ""
        self.log.seek(0)
        out = self.log.read().decode("utf-8", "replace").strip()
        return out[-limit:] if out else "(no output)"

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def died(self):
        """A message when the server is gone, else None."""
        if self.alive():
            return None
        rc = self.proc.returncode
        how = "killed by signal %d" % -rc if rc < 0 else "exited with status %d" % rc
        return "server %s: %s" % (how, self.output())

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None


def parse_json(out):
    d = None
    for line in (out or "").splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict):
            d = v
    return d


def run_load(srv, args, what, timeout=120):
    """Runs net-load against srv; returns its JSON dict or None (error recorded)."""
    cmd = [LOAD, args[0], str(srv.port)] + [str(a) for a in args[1:]]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           universal_newlines=True)
    except subprocess.TimeoutExpired:
        errors.append((what, "load client killed after %d s (server hung?)" % timeout))
        return None
    d = parse_json(p.stdout)
    if p.returncode != 0 or d is None or "error" in d:
        msg = (d or {}).get("error") or ("exit %d: %s" % (p.returncode, p.stderr.strip()[-300:]))
        dead = srv.died()
        errors.append((what, msg + ("; " + dead if dead else "")))
        return None
    return d


def measure_idle(srv, what):
    """(RSS with IDLE idle connections - RSS with 0) / IDLE, in bytes, on a fresh server
    that has served one connection before (lazy initialisation is not per connection)."""
    if run_load(srv, ["rr", 1, 200, "--warmup", 0], what + " (first connection)") is None:
        return None
    time.sleep(0.3)
    rss0 = srv.rss_kb()
    p = subprocess.Popen([LOAD, "idle", str(srv.port), str(IDLE)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        line = p.stdout.readline()
        d = parse_json(line)
        if not d or "ready" not in d:
            rest, err = p.communicate(timeout=30)
            d = parse_json(line + rest)
            dead = srv.died()
            errors.append((what, ((d or {}).get("error") or "client exit %s: %s" % (p.returncode, err.strip()[-300:]))
                           + ("; " + dead if dead else "")))
            return None
        time.sleep(0.3)
        rss1 = srv.rss_kb()
        p.communicate("close\n", timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        errors.append((what, "idle client hung"))
        return None
    if rss0 is None or rss1 is None:
        errors.append((what, "no VmRSS for the server"))
        return None
    return {"rss0_kb": rss0, "rss1_kb": rss1, "bytes_per_conn": (rss1 - rss0) * 1024.0 / IDLE}


def rotate(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def measure(contenders, node):
    samples = {}  # (who, kind) -> [dict]
    started = time.time()
    for rep in range(REPEAT):
        t0 = time.time()
        sys.stderr.write("  round %d/%d:" % (rep + 1, REPEAT))
        for who in rotate(contenders, rep):
            sys.stderr.write(" %s" % who)
            sys.stderr.flush()
            tag = "%s (round %d)" % (NAMES[who], rep + 1)
            srv = Server(who, node)
            err = srv.start()
            if err:
                errors.append((tag, err))
                srv.stop()
                continue
            try:
                plan = [("idle", None),
                        ("rr1", ["rr", 1, RT1, "--warmup", WARMUP, "--pid", srv.pid]),
                        ("rr64", ["rr", 64, RT64, "--warmup", WARMUP, "--pid", srv.pid]),
                        ("bulk", ["bulk", BULK, "--streams", BULK_STREAMS, "--pid", srv.pid])]
                for kind, args in plan:
                    if not srv.alive():
                        errors.append(("%s %s" % (tag, kind), "not run: " + srv.died()))
                        continue
                    what = "%s %s" % (tag, kind)
                    d = measure_idle(srv, what) if kind == "idle" else run_load(srv, args, what)
                    if d is not None:
                        samples.setdefault((who, kind), []).append(d)
            finally:
                srv.stop()
        sys.stderr.write("  (%.0f s)\n" % (time.time() - t0))
        sys.stderr.flush()
    return samples, time.time() - started


# ---------------------------------------------------------------- figures

def median_of(samples, key, field):
    vals = [d[field] for d in samples.get(key, []) if d.get(field) is not None]
    return statistics.median(vals) if vals else None


def pooled_us(samples, key, field):
    """CPU us per round trip pooled over the rounds: total ticks / total round trips."""
    ds = [d for d in samples.get(key, []) if d.get(field) is not None and d.get(field, -1) >= 0]
    if not ds:
        return None, None
    rt = sum(d["rt"] for d in ds)
    if field == "run_ns":
        return sum(d["run_ns"] for d in ds) / 1e3 / rt, None
    clk = ds[0]["clk_tck"]
    ticks = sum(d[field] for d in ds)
    return ticks * 1e6 / clk / rt, 1e6 / clk / rt  # value, one tick's worth


def spread(samples, key, field):
    vals = [d[field] for d in samples.get(key, []) if d.get(field)]
    if len(vals) < 2:
        return None
    return max(vals) / min(vals) - 1.0


def figures(samples, who):
    f = {}
    f["rt1"] = median_of(samples, (who, "rr1"), "rt_per_s")
    f["rt64"] = median_of(samples, (who, "rr64"), "rt_per_s")
    f["user64"], f["tick64"] = pooled_us(samples, (who, "rr64"), "utime_ticks")
    f["sys64"], _ = pooled_us(samples, (who, "rr64"), "stime_ticks")
    f["run64"], _ = pooled_us(samples, (who, "rr64"), "run_ns")
    f["user1"], f["tick1"] = pooled_us(samples, (who, "rr1"), "utime_ticks")
    f["sys1"], _ = pooled_us(samples, (who, "rr1"), "stime_ticks")
    f["run1"], _ = pooled_us(samples, (who, "rr1"), "run_ns")
    f["bulk"] = median_of(samples, (who, "bulk"), "mib_per_s")
    bulk = samples.get((who, "bulk"), [])
    f["bulk_cpu_ms"] = (statistics.median([(d["utime_ticks"] + d["stime_ticks"]) * 1e3 / d["clk_tck"] / d["streams"]
                                           for d in bulk]) if bulk and "utime_ticks" in bulk[0] else None)
    f["mem"] = median_of(samples, (who, "idle"), "bytes_per_conn")
    f["rss0"] = median_of(samples, (who, "idle"), "rss0_kb")
    f["rss1"] = median_of(samples, (who, "idle"), "rss1_kb")
    f["n64"] = len(samples.get((who, "rr64"), []))
    return f


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_rate(v):
    if v is None:
        return "ERR"
    return "%.1fk" % (v / 1e3) if v < 1e5 else "%.0fk" % (v / 1e3)


def fmt_x(v):
    if v is None:
        return "-"
    return "%.0fx" % v if v >= 100 else ("%.1fx" % v if v >= 10 else "%.2fx" % v)


def fmt_us(v, nd=2):
    return "ERR" if v is None else "%.*f" % (nd, v)


def fmt_num(v, nd=0):
    if v is None:
        return "ERR"
    return "{:,.{nd}f}".format(v, nd=nd)


def compare(value, limit, higher_is_better=False):
    if value is None:
        return "-"
    ok = value >= limit if higher_is_better else value <= limit
    return "within" if ok else "outside"


def table(headers, rows, aligns=None):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    aligns = aligns or ("l" + "r" * (len(headers) - 1))

    def line(cells):
        return "  " + "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                                for c, w, a in zip(cells, widths, aligns)).rstrip()
    return "\n".join([line(headers), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def md_table(headers, rows, aligns=None):
    aligns = aligns or ("l" + "r" * (len(headers) - 1))
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join(":---" if a == "l" else "---:" for a in aligns) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def environment(node):
    info = []
    try:
        info.append(subprocess.run([os.environ.get("CXX", "g++"), "--version"], stdout=subprocess.PIPE,
                                   universal_newlines=True).stdout.splitlines()[0] + " -O2")
    except (OSError, IndexError):
        pass
    if node:
        try:
            info.append("node " + subprocess.run([node, "--version"], stdout=subprocess.PIPE,
                                                 universal_newlines=True).stdout.strip())
        except OSError:
            pass
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info.append("%s, %d cpus, Linux %s" % (cpu, os.cpu_count() or 0, os.uname().release))
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


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def build_report(samples, contenders, node, elapsed, load_before, load_after):
    figs = {who: figures(samples, who) for who in contenders}
    ref = figs.get("epoll", {})

    def vs(who, field):
        return fmt_x(ratio(figs[who][field], ref.get(field))) if who != "epoll" else "1"

    h = ["server", "rt/s 1 conn", "vs epoll", "rt/s 64 conns", "vs epoll", "user us/rt 64", "vs epoll",
         "bulk MiB/s", "vs epoll", "bytes/idle conn", "vs epoll"]
    rows = []
    for who in contenders:
        f = figs[who]
        mem_vs = vs(who, "mem") if (ref.get("mem") or 0) > 0 else "-"
        rows.append([NAMES[who], fmt_rate(f["rt1"]), vs(who, "rt1"), fmt_rate(f["rt64"]), vs(who, "rt64"),
                     fmt_us(f["user64"]), vs(who, "user64"), fmt_num(f["bulk"]), vs(who, "bulk"),
                     fmt_num(f["mem"]), mem_vs])

    hd = ["server", "user us/rt 1", "sys us/rt 1", "on-CPU us/rt 1", "user us/rt 64", "sys us/rt 64",
          "on-CPU us/rt 64", "1 tick = us/rt 64", "CPU ms per 32 MiB", "RSS 0 conns", "RSS 1000 conns"]
    rowsd = []
    for who in contenders:
        f = figs[who]
        rowsd.append([NAMES[who], fmt_us(f["user1"]), fmt_us(f["sys1"]), fmt_us(f["run1"]),
                      fmt_us(f["user64"]), fmt_us(f["sys64"]), fmt_us(f["run64"]), fmt_us(f["tick64"], 3),
                      fmt_num(f["bulk_cpu_ms"]),
                      "ERR" if f["rss0"] is None else "%.1f MiB" % (f["rss0"] / 1024.0),
                      "ERR" if f["rss1"] is None else "%.1f MiB" % (f["rss1"] / 1024.0)])

    node_user = figs.get("node", {}).get("user64")
    ht = ["target (issue 3)", "measured", "target", "vs target"]
    rowst = []
    for who, cpu_max, bulk_min in [("cpp", 1.0, 0.7), ("ecma", 2.0, 0.5)]:
        if who not in figs:
            continue
        f = figs[who]
        name = "C++ loop" if who == "cpp" else "ECMA loop"
        rowst.append(["%s: server user CPU per round trip, 64 conns" % name, fmt_us(f["user64"]) + " us",
                      "<= %.1f us" % cpu_max, compare(f["user64"], cpu_max)])
        if who == "cpp":
            r64 = ratio(f["rt64"], ref.get("rt64"))
            rowst.append(["C++ loop: round trips/s at 64 conns vs epoll", fmt_x(r64), ">= 0.9x",
                          compare(r64, 0.9, True)])
        rb = ratio(f["bulk"], ref.get("bulk"))
        rowst.append(["%s: bulk MiB/s vs epoll" % name, fmt_x(rb), ">= %.1fx" % bulk_min,
                      compare(rb, bulk_min, True)])
        if node_user is not None:
            rowst.append(["%s: user CPU per round trip vs Node.js" % name, fmt_x(ratio(f["user64"], node_user)),
                          "< 1x", "-" if f["user64"] is None else ("within" if f["user64"] < node_user else "outside")])

    spreads = []
    for who in contenders:
        for kind, field in [("rr64", "rt_per_s"), ("rr1", "rt_per_s"), ("bulk", "mib_per_s")]:
            s = spread(samples, (who, kind), field)
            if s is not None:
                spreads.append((s, "%s %s" % (NAMES[who], {"rr64": "rt/s 64", "rr1": "rt/s 1",
                                                          "bulk": "bulk"}[kind])))
    spreads.sort(reverse=True)

    script = rel(evloop_script())
    env = environment(node)
    notes = [
        "rt/s: round trips per second, 64-byte messages; each connection sends one, waits for the whole echo,",
        "  checks it, sends the next; %s timed round trips per round at 64 conns, %s at 1 (after %d untimed)."
        % ("{:,}".format(RT64), "{:,}".format(RT1), WARMUP),
        "user us/rt 64: the server's user CPU time (utime of /proc/PID/stat, all threads) over the timed round",
        "  trips at 64 conns, per round trip, pooled over the rounds (ticks of 10 ms: '1 tick' in the details).",
        "bulk: %s echoed over one connection while the client writes and reads at once (median of %d streams"
        % (BULK.replace("M", " MiB"), BULK_STREAMS),
        "  per round). bytes/idle conn: (VmRSS with %d idle connections - VmRSS with 0) / %d, each connection"
        % (IDLE, IDLE),
        "  having echoed one message. 'vs epoll': ratio to the C++ epoll server in the same run (for rt/s and",
        "  bulk higher is better, for CPU and memory lower is better).",
        "Servers on 127.0.0.1: %s; evloop (both loops) and Node.js run %s (Node.js with `node -r %s`)."
        % (rel(EPOLL_SERVER), script, rel(NODE_SHIM)),
        "Client: %s, single-threaded epoll: at 64 conns it may be the limit of the fastest servers." % rel(LOAD),
    ]
    noise = ("noise: largest max/min spread between rounds: %s" %
             ", ".join("%s %.0f%%" % (name, s * 100) for s, name in spreads[:3])) if spreads else ""
    noise += "%sload average before / after the run: %s / %s (the machine has %d cpus)" % (
        "; " if noise else "", load_before, load_after, os.cpu_count() or 0)

    title = "evloop network benchmark: %d rounds, servers interleaved (%.0f s)" % (REPEAT, elapsed)
    text = [title, env, ""]
    text.append(table(h, rows))
    text.extend("  " + n for n in notes)
    text.append("  " + noise)
    text.append("")
    text.append("Details: server CPU per round trip (us; user and sys from ticks, on-CPU from schedstat), "
                "bulk CPU, RSS")
    text.append(table(hd, rowsd))
    text.append("")
    text.append("Targets (information only, nothing is asserted)")
    text.append(table(ht, rowst, "lrrl"))
    if errors:
        text.append("")
        text.append("Errors (measurements left out):")
        text.extend("  - %s: %s" % (w, m) for w, m in errors)
    text.append("")
    text.append("Wrote bench/net-results.md.")

    md = ["# evloop network benchmark", "",
          "Generated by `make bench-net` (bench/net_run.py): %d rounds, servers interleaved, %.0f s. %s."
          % (REPEAT, elapsed, env),
          "Performance is measured, not asserted: targets are for information.", "",
          md_table(h, rows), ""]
    md += [n.strip() for n in notes]
    md += ["", noise[0].upper() + noise[1:] + ".", "",
           "## Details", "",
           "Server CPU per round trip in us: user and sys from /proc/PID/stat ticks, on-CPU (user + sys, precise) "
           "from /proc/PID/task/*/schedstat; CPU ms (user + sys) per 32 MiB stream; VmRSS.", "",
           md_table(hd, rowsd), "",
           "## Targets (issue 3)", "",
           md_table(ht, rowst, "lrrl"), ""]
    if errors:
        md += ["## Errors", ""] + ["- %s: %s" % (w, m.replace("|", "\\|")) for w, m in errors] + [""]
    return "\n".join(text), "\n".join(md)


# ---------------------------------------------------------------- callgrind profile

def parse_callgrind(path):
    """Reads a callgrind dump (one event, Ir). Returns (total, self, inclusive, calls), dicts
    keyed by (function, object): self = cost of the function's own lines; inclusive = self +
    the cost of its calls to other functions (callgrind_annotate 3.19 counts the calls of
    frames that were active when the counters were zeroed as self cost; this does not);
    calls = times called."""
    names = {}  # (kind, id) -> name; fn and cfn share ids, as do ob/cob
    self_cost, incl, calls = {}, {}, {}  # (function, object) -> Ir, or times called
    fn = ob = cob = cfn = None
    pending_call = False
    total = 0

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?$", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[(kind, m.group(1))] = m.group(2)
        return names.get((kind, m.group(1)), rest)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_call:  # the inclusive cost of one call site
                    if cfn != fn:
                        incl[fn] = incl.get(fn, 0) + cost
                    pending_call = False
                    cob = None
                else:
                    self_cost[fn] = self_cost.get(fn, 0) + cost
                    incl[fn] = incl.get(fn, 0) + cost
                    total += cost
                continue
            key, _, rest = line.partition("=")
            if key == "fn":
                fn = (name("fn", rest), os.path.basename(ob or ""))
            elif key == "cfn":
                cfn = (name("fn", rest), os.path.basename(cob or ob or ""))
            elif key == "ob":
                ob = name("ob", rest)
            elif key == "cob":
                cob = name("ob", rest)
            elif key == "calls":
                pending_call = True
                n = int(rest.split()[0])
                calls[cfn] = calls.get(cfn, 0) + n
            elif key in ("fl", "fi", "fe", "cfi", "cfl"):
                name("fl", rest)
    return total, self_cost, incl, calls


def cost_group(fn, obj):
    if fn.startswith("duk_") or fn.startswith("duk__"):
        return "Duktape (duk_*)"
    if "evloop::" in fn:
        return "evloop (evloop::*)"
    if obj.startswith("libc.so") or obj.startswith("ld-linux"):
        return "libc (syscall wrappers, malloc, memcpy...)"
    if obj.startswith("libstdc++") or fn.startswith("std::") or fn.startswith("operator "):
        return "C++ runtime (std::, operator new/delete)"
    return "other: " + (obj or "?")


def profile(who, rt, node, top=30):
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        sys.stderr.write("bench/net_run.py: --profile needs valgrind (callgrind_annotate, callgrind_control)\n")
        return 2
    outdir = os.path.join(BUILD, "callgrind")
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, "net-%s.out" % who)
    for f in os.listdir(outdir):
        if f.startswith("net-%s.out" % who):
            os.remove(os.path.join(outdir, f))
    srv = Server(who, node, wrap=["valgrind", "--tool=callgrind", "--callgrind-out-file=" + base])
    err = srv.start(timeout=120)
    if err:
        sys.stderr.write("server under callgrind: %s\n" % err)
        srv.stop()
        return 1
    try:
        p = subprocess.Popen([LOAD, "rr", str(srv.port), "64", str(rt), "--warmup", str(WARMUP), "--sync"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
        line = p.stdout.readline()
        if "warm" not in line:
            sys.stderr.write("load client: %s %s\n" % (line, p.communicate()[0]))
            return 1
        subprocess.run(["callgrind_control", "-z", str(srv.pid)], stdout=subprocess.DEVNULL, check=True)
        out = p.communicate("go\n", timeout=600)[0]
        d = parse_json(line + out)
        if not d or "error" in d:
            sys.stderr.write("load client: %s\n" % (line + out))
            return 1
        subprocess.run(["callgrind_control", "-d", str(srv.pid)], stdout=subprocess.DEVNULL, check=True)
    finally:
        srv.stop()
    dumps = sorted(f for f in os.listdir(outdir) if f.startswith("net-%s.out." % who))
    if not dumps:
        sys.stderr.write("no callgrind dump in %s\n" % outdir)
        return 1
    dump = os.path.join(outdir, dumps[0])

    total, self_cost, incl_cost, calls = parse_callgrind(dump)
    if not total:
        sys.stderr.write("no cost in %s\n" % dump)
        return 1

    def top_rows(costs):
        # the frames around main() only repeat the total
        ranked = [kv for kv in sorted(costs.items(), key=lambda kv: -kv[1])
                  if not re.match(r"\(below main\)|0x[0-9a-f]+$|__libc_start_main|main$", kv[0][0])][:top]
        return [["{:,.0f}".format(ir / rt), "%.1f" % (ir * 100.0 / total), "%.2f" % (calls.get(fn, 0) / float(rt)),
                 fn[0], fn[1]] for fn, ir in ranked]
    groups = {}
    for fn, ir in self_cost.items():
        g = cost_group(fn[0], fn[1])
        groups[g] = groups.get(g, 0) + ir
    lines = ["callgrind: %s serving %s round trips of 64 bytes over 64 connections (after %d untimed)"
             % (NAMES[who], "{:,}".format(rt), WARMUP),
             "server command: %s" % " ".join(rel(c) if c.startswith(ROOT) else c for c in srv.cmd),
             "dump: %s; %s" % (rel(dump), environment(None)),
             "",
             "instructions per round trip (whole server process, user space): %s" % "{:,.0f}".format(total / rt),
             "",
             "Self cost per round trip, top %d functions:" % top]
    h = ["Ir/rt", "%", "calls/rt", "function", "object"]
    lines.append(table(h, top_rows(self_cost), "rrrll"))
    lines += ["", "Inclusive cost per round trip (self + callees), top %d functions:" % top]
    lines.append(table(h, top_rows(incl_cost), "rrrll"))
    lines += ["", "Self cost per round trip by group:"]
    lines.append(table(["Ir/rt", "%", "group"],
                       [["{:,.0f}".format(ir / rt), "%.1f" % (ir * 100.0 / total), g]
                        for g, ir in sorted(groups.items(), key=lambda kv: -kv[1])], "rrl"))
    text = "\n".join(lines)
    print(text)
    path = os.path.join(HERE, "net-profile-%s.txt" % who)
    with open(path, "w") as f:
        f.write(text + "\n")
    print("\nWrote %s (full data: callgrind_annotate %s)." % (rel(path), rel(dump)))
    return 0


def main(argv):
    for exe in (EPOLL_SERVER, LOAD):
        if not os.path.exists(exe):
            sys.stderr.write("bench/net_run.py: %s is missing; run `make bench-net`\n" % exe)
            return 2
    node_cmd = os.environ.get("BENCH_NODE", "node")
    node = shutil.which(node_cmd) if node_cmd else None
    if len(argv) >= 2 and argv[0] == "--profile":
        rt = 20000
        if "--rt" in argv:
            rt = int(argv[argv.index("--rt") + 1])
        if argv[1] not in ("cpp", "ecma", "epoll"):
            sys.stderr.write("--profile cpp|ecma|epoll\n")
            return 2
        return profile(argv[1], rt, node)
    contenders = ["epoll", "cpp", "ecma"] + (["node"] if node else [])
    only = os.environ.get("BENCH_NET_ONLY")
    if only:
        contenders = [c for c in contenders if c in only.split(",")]
    if "epoll" not in contenders:
        contenders.insert(0, "epoll")  # the reference of every ratio
    if any(c in contenders for c in ("cpp", "ecma")) and not os.path.exists(EVLOOP):
        sys.stderr.write("bench/net_run.py: ./evloop is missing; run `make bench-net`\n")
        return 2
    sys.stderr.write("evloop network benchmark: %d rounds of %s (about %d s)\n"
                     % (REPEAT, ", ".join(contenders), 5 * len(contenders) * REPEAT))
    if not node:
        sys.stderr.write("  node not found on PATH: Node.js figures skipped\n")
    load_before = loadavg()
    samples, elapsed = measure(contenders, node)
    text, md = build_report(samples, contenders, node, elapsed, load_before, loadavg())
    print(text)
    with open(RESULTS_MD, "w") as f:
        f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
