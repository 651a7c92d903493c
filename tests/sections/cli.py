"""cli: ./evloop as a program: --help, --version, bad options, a script from
stdin, SIGINT/SIGTERM exit codes, a quiet stderr."""
import concurrent.futures
import os
import signal
import subprocess
import tempfile
import time

from sections.common import ROOT, LOOPS, BACKENDS, JOBS, record, run, wanted


CLI_LONG_RUNNING = "setInterval(function () {}, 1000);\n"


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
    jobs = []
    for loop_name, flags in LOOPS:
        jobs.append(("stdin", loop_name, flags, None))
        jobs.append(("quiet", loop_name, flags, None))
        for backend in BACKENDS:
            for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
                jobs.append(("signal", loop_name, flags + ["--backend=" + backend], (sig, code)))

    def one(job):
        kind, loop_name, flags, extra = job
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
