"""limits: 10,000 concurrent connections and 1,000,000 pending timers, both
loops; bytes per connection and per timer (docs/RELIABILITY.md)."""
import concurrent.futures
import os
import resource
import time

from sections.common import LOOPS, JOBS, record, run, info, Server, rss_kib, fd_count, Child, last_line, kv, stop_pair, wanted


LIMIT_CONNECTIONS = int(os.environ.get("LIMIT_CONNECTIONS", "10000"))
LIMIT_TIMERS = int(os.environ.get("LIMIT_TIMERS", "1000000"))


def raise_fd_limit(need):
    """Raises RLIMIT_NOFILE's soft limit (and, as root, the hard limit) in a
    child; returns a preexec_fn, or (None, reason) when need is out of reach."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= need:
        target = (hard if hard != resource.RLIM_INFINITY else max(soft, need), hard)
    else:
        try:
            with open("/proc/sys/fs/nr_open") as f:
                nr_open = int(f.read())
        except (OSError, ValueError):
            nr_open = 0
        if os.geteuid() != 0 or nr_open < need:
            return None, ("RLIMIT_NOFILE hard limit %d < %d fds needed per process, and it cannot be raised "
                          "(%s)" % (hard, need, "not root" if os.geteuid() != 0 else "fs.nr_open %d" % nr_open))
        target = (need, need)   # root (CAP_SYS_RESOURCE) may raise the hard limit
    return (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, target)), None


def limits_connections(loop_name, flags, preexec):
    """LIMIT_CONNECTIONS connections between two processes of one loop:
    examples/echo-server.js and tests/soak/limits-client.js."""
    n = LIMIT_CONNECTIONS
    name = "%d concurrent connections, fds back after [%s]" % (n, loop_name)
    problems, figures = [], ""
    srv = Server(flags, "examples/echo-server.js", ["127.0.0.1"], preexec_fn=preexec)
    cli = None
    try:
        if not srv.wait_listening():
            return name, False, "the echo server is not listening\n" + srv.detail(), ""
        time.sleep(0.3)
        pid = srv.p.pid
        fds0, rss0 = fd_count(pid), rss_kib(pid)
        r, w = os.pipe()
        try:
            cli = Child(flags, "tests/soak/limits-client.js", [srv.port, n], stdin=r, preexec_fn=preexec)
        finally:
            os.close(r)
        held = cli.wait_line("held ", 240)
        if not held:
            os.close(w)
            cli.finish(10)
            problems.append("the client never held %d connections\n%s" % (n, cli.detail()))
        else:
            time.sleep(0.3)
            fds1, rss1 = fd_count(pid), rss_kib(pid)
            c = kv(held)
            os.write(w, b"end\n")
            os.close(w)
            rc = cli.finish(120)
            if rc != 0 or "ok" not in cli.lines:
                problems.append("client: exit %s\n%s" % (rc, cli.detail()))
            if fds1 != fds0 + n:
                problems.append("the server had %d fds open while holding %d connections, %d before" % (fds1, n, fds0))
            deadline = time.time() + 15
            while fd_count(pid) != fds0 and time.time() < deadline:
                time.sleep(0.1)
            fds2 = fd_count(pid)
            if fds2 != fds0:
                problems.append("the server has %d fds open after the connections closed, %d before" % (fds2, fds0))
            closed = kv(last_line(cli.lines, "closed "))
            figures = ("%d connections held in %.1f s, closed in %.1f s; server: RSS +%d KiB, %.0f bytes per "
                       "connection, fds %d -> %d -> %d; client: RSS +%d KiB, %.0f bytes per connection"
                       % (n, c.get("connect_ms", 0) / 1000.0, closed.get("close_ms", 0) / 1000.0, rss1 - rss0,
                          (rss1 - rss0) * 1024.0 / n, fds0, fds1, fds2,
                          c.get("rss_held_kib", 0) - c.get("rss_before_kib", 0), c.get("bytes_per_connection", 0)))
    except Exception as e:
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        stop_pair(srv, cli, problems)
    return name, not problems, figures + "\n" + "\n".join(problems) + "\n" + srv.detail(), figures


def limits_timers(loop_name, flags):
    n = LIMIT_TIMERS
    name = "%d pending timers [%s]" % (n, loop_name)
    rc, out, err = run(["./evloop"] + flags + ["tests/soak/limits-timers.js", str(n)], timeout=180)
    line = ([l for l in out.splitlines() if l.startswith("timers ")] or [""])[0]
    t = kv(line)
    figures = ""
    if line:
        figures = ("%d timers pending: RSS +%d KiB, %.1f bytes per timer; created in %.2f s, half cleared in %.2f s"
                   % (n, t.get("rss_pending_kib", 0) - t.get("rss_before_kib", 0), t.get("bytes_per_timer", 0),
                      t.get("create_ms", 0) / 1000.0, t.get("clear_half_ms", 0) / 1000.0))
    ok = rc == 0 and "ok" in out.split() and not err.strip()
    return name, ok, "%s\nexit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (figures, rc, out[-2000:], err[-2000:]), figures


def main(tmp):
    """LIMIT_CONNECTIONS (10,000) concurrent connections and LIMIT_TIMERS
    (1,000,000) pending timers in each loop, with memory per connection and
    per timer (RSS deltas)."""
    need = LIMIT_CONNECTIONS + 100   # per process: the server and the client are two
    preexec, why = raise_fd_limit(need)
    jobs = []
    for loop_name, flags in LOOPS:
        if not wanted(loop_name):
            continue
        if preexec:
            jobs.append(lambda l=loop_name, f=flags: limits_connections(l, f, preexec))
        else:
            info("limits", "SKIP %d concurrent connections [%s]: %s" % (LIMIT_CONNECTIONS, loop_name, why))
        jobs.append(lambda l=loop_name, f=flags: limits_timers(l, f))
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail, figures in ex.map(lambda j: j(), jobs):
            record("limits", name, ok, detail)
            info("limits", "[%s] %s" % (name[name.rindex("[") + 1:-1], figures or "no figures"))
