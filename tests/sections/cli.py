"""cli: ./evloop as a program: --help, --version, bad options, a script from
stdin, SIGINT/SIGTERM exit codes (also with the heap full for good), a quiet
stderr."""
import concurrent.futures
import os
import signal
import subprocess
import tempfile
import time

from sections.common import ROOT, LOOPS, BACKENDS, JOBS, record, run, wanted


CLI_LONG_RUNNING = "setInterval(function () {}, 1000);\n"
# The heap full for good (references kept) under --pool, then a watcher whose
# callback cannot allocate on a ready stdin (never read, so it stays ready):
# every turn fails the same way. The loop backs off (issue 18: it retried at
# 100% CPU) and SIGTERM, whose pipe is ready with stdin, still ends it.
CLI_FULL_HEAP = r"""var keep = [];
EventLoop.watch(0, 1, function () { keep.push({a: 1}); });
setTimeout(function () {
    try { for (;;) { keep.push(new Buffer(1024)); } } catch (e) {}
    try { for (;;) { keep.push([1]); } } catch (e) {}
    try { for (;;) { keep.push({}); } } catch (e) {}
}, 1);
"""


def cpu_seconds(pid):
    """utime + stime of a running process, from /proc (None once it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def main(tmp):
    """./evloop as a program: options, exit codes, signals, stdin scripts."""
    binary = "./evloop"

    def record_cli(name, ok, detail):
        if wanted(name):
            record("cli", name, ok, detail)

    # --help: usage on stdout, exit 0
    rc, out, err = run([binary, "--help"], timeout=10)
    record_cli("--help exits 0 and prints usage", rc == 0 and "usage" in out.lower() and "evloop" in out,
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # --version: names evloop, exit 0
    rc, out, err = run([binary, "--version"], timeout=10)
    record_cli("--version exits 0 and prints 'evloop'", rc == 0 and out.startswith("evloop"),
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # an unknown option: exit 2, a message on stderr, nothing run
    rc, out, err = run([binary, "--no-such-option", "tests/js/timers-order.js"], timeout=10)
    record_cli("an unknown option exits 2", rc == 2 and "--no-such-option" in err and "ok" not in out.split(),
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
    # a script that cannot be read: exit 1, the path on stderr
    rc, out, err = run([binary, "tests/js/no-such-script.js"], timeout=10)
    record_cli("a missing script exits 1 and names it", rc == 1 and "no-such-script.js" in err,
               "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))

    fd, script = tempfile.mkstemp(prefix="evloop-cli-", suffix=".js")
    with os.fdopen(fd, "w") as f:
        f.write(CLI_LONG_RUNNING)
    clean = "setTimeout(function () { print('clean', process.argv.length); }, 1);\n"
    full_script = os.path.join(tmp, "cli-full-heap.js")
    with open(full_script, "w") as f:
        f.write(CLI_FULL_HEAP)
    jobs = []
    # The ECMAScript loop only: its turn itself is JS and fails with the heap
    # (the C++ loop's callbacks fail, its turn goes on; its collections still
    # took 0.17 s of a 0.25 s window under the full suite's load)
    jobs.append(("full-heap", "ecma", [], None))
    for loop_name, flags in LOOPS:
        jobs.append(("stdin", loop_name, flags, None))
        jobs.append(("quiet", loop_name, flags, None))
        for backend in BACKENDS:
            for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
                jobs.append(("signal", loop_name, flags + ["--backend=" + backend], (sig, code)))

    def full_heap(loop_name, flags):
        name = "a full heap (--pool) fails every turn: the loop backs off, SIGTERM ends it with 143 [%s]" % loop_name
        errfile = tempfile.TemporaryFile()  # a pipe nobody reads could fill with reports and block the loop
        p = subprocess.Popen([binary] + flags + ["--pool=1048576", full_script], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=errfile)
        time.sleep(1.0)  # the heap fills (~0.4 s of CPU)
        early = p.poll()
        used, window = None, 0.25
        if early is None:
            p.stdin.write(b"x")  # stdin ready for good: the watcher's callback runs out each turn
            p.stdin.flush()
            time.sleep(0.05)
            before = cpu_seconds(p.pid)
            time.sleep(window)
            after = cpu_seconds(p.pid)
            if before is not None and after is not None:
                used = after - before
            p.send_signal(signal.SIGTERM)
        sent = time.time()
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            return name, False, "still running 10 s after SIGTERM"
        took = time.time() - sent
        errfile.seek(0)
        err = errfile.read().decode("utf-8", "replace")
        errfile.close()
        detail = "exit %s%s, %.2f s after SIGTERM, CPU over %.2f s of failing turns: %s\n--- stderr (end):\n%s" % (
            p.returncode, " (ended before the signal was sent)" if early is not None else "", took, window,
            "%.2f s" % used if used is not None else "?", err[-600:])
        # a spin takes the whole window; backing off (1 ms doubling to 100 ms) a few collections
        return name, early is None and p.returncode == 143 and took < 1.0 and used is not None and used < window / 2, detail

    def one(job):
        kind, loop_name, flags, extra = job
        if kind == "full-heap":
            return full_heap(loop_name, flags)
        if kind == "stdin":
            # the script from stdin with '-'
            try:
                p = subprocess.run([binary] + flags + ["-"], cwd=ROOT, input=clean.encode(),
                                   capture_output=True, timeout=10)
                rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
            except subprocess.TimeoutExpired:
                rc, out, err = None, "", "timed out"
            return ("a script from stdin ('-') runs [%s]" % loop_name,
                    rc == 0 and out == "clean 2\n" and err == "",
                    "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
        if kind == "quiet":
            # a clean run writes nothing to stderr; -v does report the loop
            rc, out, err = run([binary] + flags + ["tests/js/timers-order.js"], timeout=30)
            rc2, out2, err2 = run([binary, "-v"] + flags + ["tests/js/timers-order.js"], timeout=30)
            return ("no stderr output without -v on a clean run [%s]" % loop_name,
                    rc == 0 and err == "" and "ok" in out.split() and rc2 == 0 and err2.strip() != "",
                    "without -v: exit %s, stderr %r\nwith -v: exit %s, stderr %r" % (rc, err, rc2, err2))
        sig, code = extra
        name = "%s ends a running script with exit %d [%s, %s]" % (
            signal.Signals(sig).name, code, loop_name, flags[-1][len("--backend="):])
        p = subprocess.Popen([binary] + flags + [script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        time.sleep(0.3)
        early = p.poll()
        if early is None:
            p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return name, False, "still running 10 s after the signal"
        detail = "exit %s%s\n--- stderr:\n%s" % (
            p.returncode, " (ended before the signal was sent)" if early is not None else "",
            err.decode("utf-8", "replace"))
        return name, early is None and p.returncode == code, detail

    try:
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for name, ok, detail in ex.map(one, jobs):
                record_cli(name, ok, detail)
    finally:
        os.unlink(script)
