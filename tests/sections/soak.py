"""soak: ~60 s (SOAK_SECONDS) of tests/soak/soak-server.js and -client.js on
loopback with timers churning, both loops at once (docs/RELIABILITY.md)."""
import concurrent.futures
import os
import re
import time

from sections.common import LOOPS, record, info, Server, rss_kib, fd_count, Child, last_line, kv, stop_pair, wanted


SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
SOAK_WARMUP = float(os.environ.get("SOAK_WARMUP", "20"))   # s; see docs/RELIABILITY.md (the ECMAScript loop's RSS still climbs to its plateau until ~20 s)
SOAK_CONNS = 32


def soak_one(loop_name, flags):
    """One soak run: tests/soak/soak-server.js against tests/soak/soak-client.js."""
    name = "soak %.0f s: server RSS within 10%% after warm-up, fds back to the start [%s]" % (SOAK_SECONDS, loop_name)
    problems, figures, figures_detail = [], "", ""
    srv = Server(flags, "tests/soak/soak-server.js", [])
    cli = None
    try:
        if not srv.wait_listening():
            return name, False, "the soak server is not listening\n" + srv.detail(), ""
        time.sleep(0.3)
        pid = srv.p.pid
        fds_start = fd_count(pid)
        cpu0 = srv.cpu_seconds()
        t0 = time.time()
        cli = Child(flags, "tests/soak/soak-client.js", [srv.port, SOAK_SECONDS, SOAK_CONNS])
        samples = []   # (t, server RSS, client RSS), one a second
        while cli.p.poll() is None and time.time() - t0 < SOAK_SECONDS + 30:
            samples.append((time.time() - t0, rss_kib(pid), rss_kib(cli.p.pid)))
            time.sleep(1.0)
        # RSS "after warm-up" and "at the end": each the mean of five samples
        # a second apart (around SOAK_WARMUP, and the last five while the
        # clients still run). One sample swings by a few percent with the
        # requests in flight; a leak is a trend, which the means keep.
        def mean5(chosen):
            if len(chosen) < 3:
                return None
            return tuple(sum(c[k] for c in chosen) / float(len(chosen)) for k in range(3))
        warmup = min(SOAK_WARMUP, SOAK_SECONDS / 3.0)   # a short run (SOAK_SECONDS=20) still has both points
        warm = mean5([c for c in samples if c[0] >= warmup - 2][:5])
        end = mean5([c for c in samples if c[0] <= SOAK_SECONDS - 0.5][-5:])
        cpu = srv.cpu_seconds() - cpu0
        wall = time.time() - t0
        rc = cli.finish(30)
        client_stats = kv(last_line(cli.lines, "total "))
        if rc != 0 or "ok" not in cli.lines:
            problems.append("client: exit %s\n%s" % (rc, cli.detail()))
        # the server closes its side of every connection, then its fds are back
        deadline = time.time() + 10
        while fd_count(pid) != fds_start and time.time() < deadline:
            time.sleep(0.1)
        fds_end = fd_count(pid)
        time.sleep(1.2)   # one more stats line after the last close
        server_stats = kv(last_line(srv.lines, "stats "))
        if fds_end != fds_start:
            problems.append("the server has %d fds open at the end, %d at the start" % (fds_end, fds_start))
        if server_stats.get("errors", 1) != 0 or server_stats.get("open", 1) != 0:
            problems.append("server stats at the end: %s" % last_line(srv.lines, "stats "))
        if warm is None or end is None or end[0] < warm[0]:
            problems.append("no RSS samples at %.0f s and at the end (%d samples)" % (warmup, len(samples)))
            growth = client_growth = 0.0
        else:
            growth = (end[1] - warm[1]) * 100.0 / warm[1]
            client_growth = (end[2] - warm[2]) * 100.0 / warm[2]
            if abs(growth) >= 10:
                problems.append("server RSS %d KiB at %.0f s, %d KiB at %.0f s: %+.1f%%"
                                % (warm[1], warm[0], end[1], end[0], growth))
        srv_rss = [s[1] for s in samples if s[0] >= warmup and s[1] > 0] or [0]
        stats_secs = max(1.0, float(sum(1 for l in list(srv.lines) if l.startswith("stats "))))   # one a second
        series = " ".join("%d" % c[1] for c in samples[::5])
        figures = ("server RSS %d KiB at %.0f s, %d KiB at %.0f s (%+.1f%%; min %d, max %d after warm-up); "
                   "client RSS %d -> %d KiB (%+.1f%%); server fds %d at the start, %d at the end; "
                   "%d connections, %d requests, %.0f MB echoed; timers created %.0f/s, cleared %.0f/s, "
                   "fired %.0f/s; server CPU %.0f%%"
                   % (warm[1] if warm else -1, warm[0] if warm else 0, end[1] if end else -1, end[0] if end else 0,
                      growth, min(srv_rss), max(srv_rss), warm[2] if warm else -1, end[2] if end else -1,
                      client_growth, fds_start, fds_end, client_stats.get("connections", 0),
                      client_stats.get("requests", 0), client_stats.get("bytes", 0) / 1e6,
                      server_stats.get("created", 0) / stats_secs, server_stats.get("cleared", 0) / stats_secs,
                      server_stats.get("fired", 0) / stats_secs, cpu * 100.0 / wall))
        figures_detail = "server RSS every 5 s (KiB): " + series
    except Exception as e:   # a harness error is a failure, not a crash of the runner
        problems.append("%s: %s" % (type(e).__name__, e))
    finally:
        stop_pair(srv, cli, problems)
    detail = figures + "\n" + figures_detail + "\n" + "\n".join(problems) + "\n" + srv.detail()
    return name, not problems, detail, figures


def main(tmp):
    """About SOAK_SECONDS (60) of a server and 32 client connections on
    loopback, per loop, both loops at once (one server and one client
    process each, 2 cores), with timers churning in the server."""
    jobs = [(n, f) for n, f in LOOPS if wanted(n)]
    with concurrent.futures.ThreadPoolExecutor(max(1, len(jobs))) as ex:
        for name, ok, detail, figures in ex.map(lambda j: soak_one(*j), jobs):
            record("soak", name, ok, detail)
            loop_name = name[name.rindex("[") + 1:-1]
            info("soak", "[%s] %s" % (loop_name, figures or "no figures"))
            series = re.search(r"server RSS every 5 s \(KiB\): .*", detail)
            if series:
                info("soak", "[%s] %s" % (loop_name, series.group(0)))
