"""Shared by every section of tests/run.py: the run's options and results,
running a command, the JS script directives and runner (js_case), and the
child processes of the socket and reliability sections (Server, Child)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DUKTAPE_DIR = os.environ.get("DUKTAPE_DIR", "duktape")
LOOPS = [("ecma", []), ("cpp", ["-c"])]
BACKENDS = ["epoll", "poll"]
JOBS = max(2, os.cpu_count() or 2)

results = []  # (section, name, ok, detail), in the order recorded


class Settings:
    """The run's options (tests/run.py sets them from the command line)."""
    verbose = False      # -v: print every check, not only failures
    filter_text = ""     # --filter: only the checks whose name holds it


settings = Settings()


def wanted(name):
    """Whether --filter lets the check `name` run."""
    return not settings.filter_text or settings.filter_text in name


def record(section, name, ok, detail=""):
    results.append((section, name, ok, detail))
    if not ok or settings.verbose:
        print("%s %s: %s" % ("PASS" if ok else "FAIL", section, name))
        if detail and not ok:
            print("    " + detail.strip().replace("\n", "\n    ")[:3000])
    sys.stdout.flush()


def run(cmd, timeout=120, env=None, stdin=None):
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=timeout, env=env, stdin=stdin)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return None, out, "timed out after %ss" % timeout


def use_sanitizer_exit_codes():
    """ASan and UBSan exit with 86 on a report (the asan and security
    sections): a sanitizer report never passes for a script's own expected
    exit status (several scripts expect 1). Set for the rest of the run."""
    os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=86"
    os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=86"


# Figures of the reliability sections (valgrind, soak, limits, pool) are
# printed as "INFO section: ..." lines (on a pass too) and are in each
# check's detail.
def info(section, text):
    print("INFO %s: %s" % (section, text))
    sys.stdout.flush()


# ---- JS scripts: directives and one run ----
def directives(path):
    """// expect-exit: N, // expect-stderr: text, // args: a b, // timeout: s"""
    d = {"exit": 0, "stderr": [], "args": [], "timeout": 60, "stdin": None, "flags": [],
         "skip_sanitizers": False, "skip_pool": None}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*//\s*(expect-exit|expect-stderr|args|timeout|stdin|flags|sanitizers|pool):\s*(.*)", line)
            if not m:
                continue
            key, val = m.group(1), m.group(2).strip()
            if key == "expect-exit":
                d["exit"] = int(val)
            elif key == "expect-stderr":
                d["stderr"].append(val)
            elif key == "args":
                d["args"] = val.split()
            elif key == "timeout":
                d["timeout"] = float(val)
            elif key == "stdin":
                d["stdin"] = val
            elif key == "flags":
                d["flags"] = val.split()
            elif key == "sanitizers":
                d["skip_sanitizers"] = val.startswith("skip")
            elif key == "pool" and re.match(r"skip\b", val):
                # '// pool: skip REASON': does not fit in the pool section's 1 MiB
                d["skip_pool"] = val[4:].strip() or "marked '// pool: skip'"
    return d


def js_case(binary, path, loop_flags, backend, prefix=(), timeout_scale=1, min_timeout=0):
    d = directives(path)
    expected_path = os.path.splitext(path)[0] + ".out"
    stdin = None
    if d["stdin"] == "devnull":
        stdin = subprocess.DEVNULL
    elif d["stdin"]:
        stdin = open(os.path.join(ROOT, d["stdin"]), "rb")
    rc, out, err = run(list(prefix) + [binary] + loop_flags + ["--backend=" + backend] + d["flags"] +
                       [os.path.relpath(path, ROOT)] + d["args"],
                       timeout=max(min_timeout, d["timeout"] * timeout_scale), stdin=stdin)
    problems = []
    if rc != d["exit"]:
        problems.append("exit status %s, expected %s" % (rc, d["exit"]))
    for s in d["stderr"]:
        if s not in err:
            problems.append("stderr lacks %r" % s)
    if not d["stderr"] and err.strip() and d["exit"] == 0:
        problems.append("unexpected stderr")
    if re.search(r"ERROR: \w+Sanitizer|runtime error:|SUMMARY: \w+Sanitizer", err):
        problems.append("sanitizer report")
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            want = f.read()
        if out != want:
            problems.append("stdout differs from %s" % os.path.relpath(expected_path, ROOT))
    elif "FAIL" in out or ("ok" not in out.split()):
        problems.append("stdout has FAIL or no 'ok' line")
    return not problems, "; ".join(problems) + "\n--- stdout:\n" + out[-2000:] + "\n--- stderr:\n" + err[-2000:]


# ---- child processes: servers and clients (net, soak, limits) ----
# Servers print "listening on PORT" (port 0 picks a free one); print() is
# fully buffered on a pipe, so they run under `stdbuf -oL` when it exists,
# else on a port picked here (a small race with other programs).
STDBUF = shutil.which("stdbuf")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A server example under ./evloop, stdout and stderr collected by threads."""

    def __init__(self, flags, script, args, port_arg=True, preexec_fn=None):
        self.port = None
        self.lines = []
        self.err = []
        if port_arg:
            self.port = 0 if STDBUF else free_port()
            args = [str(self.port)] + args
        cmd = ["./evloop"] + flags + [script] + args
        if STDBUF:
            cmd = [STDBUF, "-oL"] + cmd
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  preexec_fn=preexec_fn)
        self.listening = threading.Event()
        self.readers = [threading.Thread(target=self._read_out, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.readers:
            t.start()

    def _read_out(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            m = re.match(r"listening on (?:\S+:)?(\d+)$", line)
            if m:
                if not self.port:
                    self.port = int(m.group(1))
                self.listening.set()

    def _read_err(self):
        for raw in self.p.stderr:
            self.err.append(raw.decode("utf-8", "replace"))

    def wait_listening(self, timeout=10):
        """True once the server accepts connections."""
        deadline = time.time() + timeout
        if STDBUF and self.port == 0:
            return self.listening.wait(timeout) and self.port
        while time.time() < deadline and self.p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.p.pid))
        except OSError:
            return -1

    def cpu_seconds(self):
        """user + system CPU time of the server so far"""
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))

    def stop(self):
        """SIGTERM; returns a problem text or ''"""
        problems = []
        if self.p.poll() is not None:
            problems.append("the server died with status %s" % self.p.returncode)
        else:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                problems.append("still running 10 s after SIGTERM")
            if self.p.returncode != 143:
                problems.append("exit status %s after SIGTERM, want 143" % self.p.returncode)
        for t in self.readers:
            t.join(5)
        if "".join(self.err).strip():
            problems.append("stderr: " + "".join(self.err)[-1500:])
        return "; ".join(problems)

    def detail(self):
        return "%s\n--- stdout:\n%s\n--- stderr:\n%s" % (" ".join(self.cmd), "\n".join(self.lines[-30:]),
                                                          "".join(self.err)[-2000:])


def rss_kib(pid):
    """VmRSS of a process in KiB, or -1"""
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"VmRSS:\s*(\d+)\s*kB", f.read())
        return int(m.group(1)) if m else -1
    except OSError:
        return -1


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


class Child:
    """./evloop FLAGS SCRIPT ARGS with stdout lines and stderr collected by
    threads (line-buffered through stdbuf when it exists)."""

    def __init__(self, flags, script, args, stdin=None, preexec_fn=None):
        cmd = ["./evloop"] + flags + [script] + [str(a) for a in args]
        if STDBUF:
            cmd = [STDBUF, "-oL"] + cmd
        self.cmd = cmd
        self.lines, self.err = [], []
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=stdin, preexec_fn=preexec_fn)
        self.readers = [threading.Thread(target=self._read, args=(self.p.stdout, self.lines), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        for t in self.readers:
            t.start()

    @staticmethod
    def _read(stream, into):
        for raw in stream:
            into.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_line(self, prefix, timeout):
        """The first stdout line starting with prefix, or None (timeout or exit)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.p.poll() is not None:
                time.sleep(0.1)   # let the reader drain
                for line in list(self.lines):
                    if line.startswith(prefix):
                        return line
                return None
            time.sleep(0.02)
        return None

    def finish(self, timeout):
        """Waits for the exit; returns the exit status (None after a kill)."""
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None
        finally:
            for t in self.readers:
                t.join(5)
        return self.p.returncode

    def detail(self):
        return "%s\n--- stdout:\n%s\n--- stderr:\n%s" % (" ".join(self.cmd), "\n".join(self.lines[-15:]),
                                                          "\n".join(self.err)[-2000:])


def last_line(lines, prefix):
    """The last of lines that starts with prefix, or ''"""
    for line in reversed(list(lines)):
        if line.startswith(prefix):
            return line
    return ""


def kv(line):
    """'word a=1 b=2.5' -> {'a': 1.0, 'b': 2.5}"""
    return dict((k, float(v)) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", line))


def stop_pair(srv, cli, problems):
    """Ends a soak or limits run: kills the client if it still runs, stops
    the server and adds what went wrong to `problems`."""
    if cli is not None and cli.p.poll() is None:
        cli.p.kill()
        cli.finish(5)
    stopped = srv.stop()
    if stopped:
        problems.append("server: " + stopped)
