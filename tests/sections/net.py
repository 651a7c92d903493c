"""net: the socket examples against external peers, both loops and both
backends (Python client, curl, raw HTTP, wrk, EMFILE, no spin)."""
import concurrent.futures
import os
import random
import re
import resource
import shutil
import socket
import tempfile
import threading
import time

from sections.common import LOOPS, BACKENDS, JOBS, record, run, STDBUF, free_port, Server, wanted


def recv_exactly(s, n, timeout=10):
    s.settimeout(timeout)
    chunks, got = [], 0
    while got < n:
        d = s.recv(min(1 << 20, n - got))
        if not d:
            break
        chunks.append(d)
        got += len(d)
    return b"".join(chunks)


def echo_checks(srv):
    """A Python client against examples/echo-server.js; returns a list of problems."""
    problems = []
    port = srv.port
    time.sleep(0.05)
    fds_before = srv.fds()
    # 1. 8 MiB written by one thread while this one reads: byte-exact
    data = random.Random(7).getrandbits(8 * 8 * 1024 * 1024).to_bytes(8 * 1024 * 1024, "little")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        t = threading.Thread(target=s.sendall, args=(data,))
        t.start()
        back = recv_exactly(s, len(data), timeout=30)
        t.join()
        if back != data:
            problems.append("8 MiB echo: %d bytes back, %s" % (len(back), "equal" if back == data[:len(back)] else "differing"))
    # 2. 50 concurrent connections, each its own message, in two pieces
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(50)]
    for i, s in enumerate(socks):
        s.sendall(b"hello %d, " % i)
    for i, s in enumerate(socks):
        s.sendall(b"bye %d\n" % i)
    for i, s in enumerate(socks):
        want = b"hello %d, bye %d\n" % (i, i)
        got = recv_exactly(s, len(want))
        if got != want:
            problems.append("connection %d got %r, want %r" % (i, got, want))
            break
    for s in socks:
        s.close()
    # 3. resets: SO_LINGER 0 closes with unread echo data on the server side
    for i in range(20):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"x" * 100000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    # 4. half-close: the client's FIN, the echo still arrives, then the server's FIN
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"half-close")
        s.shutdown(socket.SHUT_WR)
        got = recv_exactly(s, 1 << 20)
        if got != b"half-close":
            problems.append("half-close: got %r" % got)
    # the server is still serving and holds no more fds than before
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"still there")
        if recv_exactly(s, 11) != b"still there":
            problems.append("no echo after the resets")
    deadline = time.time() + 5
    while srv.fds() != fds_before and time.time() < deadline:
        time.sleep(0.05)
    if srv.fds() != fds_before:
        problems.append("the server has %d fds open, %d before the connections" % (srv.fds(), fds_before))
    return problems


def http_exchange(port, payload, pieces=1, delay=0.0, timeout=10):
    """Sends payload (in pieces), returns everything read until the server closes or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    step = max(1, (len(payload) + pieces - 1) // pieces)
    for i in range(0, len(payload), step):
        s.sendall(payload[i:i + step])
        if delay:
            time.sleep(delay)
    out, closed = b"", False
    s.settimeout(1.0)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            closed = True
            break
        out += d
    s.close()
    return out, closed


def http_checks(srv):
    """curl and raw requests against examples/http-server.js; returns problems."""
    problems = []
    port = srv.port
    base = "http://127.0.0.1:%d" % port
    if shutil.which("curl"):
        # keep-alive: two URLs on one connection
        rc, out, err = run(["curl", "-sv", "--max-time", "10", base + "/", base + "/hello/evloop"], timeout=20)
        if rc != 0 or out != "Hello from evloop!\nHello, evloop!\n":
            problems.append("curl two URLs: exit %s, body %r" % (rc, out))
        if err.count("Connected to") != 1 or "Re-using existing connection" not in err:
            problems.append("curl two URLs did not reuse one connection:\n" + err[-1500:])
        # POST with a body, HEAD, 404
        rc, out, err = run(["curl", "-s", "--max-time", "10", "--data-binary", "posted body", base + "/echo"], timeout=20)
        if rc != 0 or out != "posted body":
            problems.append("curl POST /echo: exit %s, body %r" % (rc, out))
        rc, out, err = run(["curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", base + "/nope"], timeout=20)
        if out != "404":
            problems.append("curl /nope: status %r, want 404" % out)
        # Connection: close is honoured (the server closes; curl does not reuse)
        rc, out, err = run(["curl", "-sv", "--max-time", "10", "-H", "Connection: close", base + "/", base + "/"], timeout=20)
        if rc != 0 or out != "Hello from evloop!\n" * 2 or err.count("Connected to") != 2 or "< Connection: close" not in err:
            problems.append("curl with Connection: close: exit %s, body %r\n%s" % (rc, out, err[-1500:]))
    else:
        problems.append("curl is not installed")
    get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    ok_head = b"HTTP/1.1 200 OK\r\n"
    # a malformed request: 400, then the server closes
    out, closed = http_exchange(port, b"GARBAGE\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 ") or not closed:
        problems.append("malformed request: %r (closed %s)" % (out[:200], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 ") or not closed:
        problems.append("malformed header line: %r (closed %s)" % (out[:200], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 "):
        problems.append("HTTP/1.1 without Host: %r" % out[:200])
    out, closed = http_exchange(port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    if not out.startswith(b"HTTP/1.1 400 "):
        problems.append("bad Content-Length: %r" % out[:200])
    # pipelined: three requests in one send, answered in order, the connection stays open
    body = b"0123456789"
    pipe = get + b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n" + body + b"GET /hello/pipe HTTP/1.1\r\nHost: x\r\n\r\n"
    out, closed = http_exchange(port, pipe)
    if out.count(ok_head) != 3 or closed or not out.endswith(b"Hello, pipe!\n") or b"\r\n\r\n0123456789HTTP/1.1" not in out:
        problems.append("pipelined requests: %r (closed %s)" % (out[-600:], closed))
    # split across reads: one byte at a time, body included
    out, closed = http_exchange(port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsplit", pieces=200, delay=0.002)
    if not out.startswith(ok_head) or not out.endswith(b"\r\n\r\nsplit") or closed:
        problems.append("a request split across reads: %r (closed %s)" % (out[-300:], closed))
    # Connection: close and HTTP/1.0 end the connection after the response
    out, closed = http_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get)
    if out.count(ok_head) != 1 or not closed or b"Connection: close\r\n" not in out:
        problems.append("Connection: close: %r (closed %s)" % (out[-400:], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    if not out.startswith(ok_head) or not closed:
        problems.append("HTTP/1.0: %r (closed %s)" % (out[-400:], closed))
    out, closed = http_exchange(port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    if not out.startswith(ok_head) or closed:
        problems.append("HTTP/1.0 keep-alive: %r (closed %s)" % (out[-400:], closed))
    # a little load: 16 keep-alive connections at once, 50 batches of 4 pipelined requests each
    def client(i):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            want = b"Hello, c%d!\n" % i
            for _ in range(50):
                s.sendall((b"GET /hello/c%d HTTP/1.1\r\nHost: x\r\n\r\n" % i) * 4)
                got = b""
                while got.count(want) < 4:
                    d = s.recv(65536)
                    if not d:
                        return "connection %d closed early" % i
                    got += d
                if got.count(ok_head) != 4:
                    return "connection %d: %r" % (i, got[-300:])
        return None
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        errors = [e for e in ex.map(client, range(16)) if e]
    if errors:
        problems.append("load: " + "; ".join(errors[:3]))
    if shutil.which("wrk"):
        rc, out, err = run(["wrk", "-t1", "-c32", "-d1s", "http://127.0.0.1:%d/" % port], timeout=30)
        m = re.search(r"(\d+) requests in", out)
        if rc != 0 or not m or int(m.group(1)) < 100 or "Socket errors" in out or "Non-2xx" in out:
            problems.append("wrk: exit %s\n%s%s" % (rc, out, err))
    return problems


def emfile_checks(srv, clients=100):
    """The echo server under a 64-fd limit: accept hits EMFILE; the loop must
    not spin, must keep its listener, and must serve again once fds free up."""
    problems = []
    port = srv.port
    socks = []
    for _ in range(clients):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except OSError as e:
            problems.append("connect %d failed: %s" % (len(socks), e))
            s.close()
            break
        socks.append(s)
    time.sleep(0.5)
    # the connections the server did accept are served meanwhile
    try:
        socks[0].sendall(b"first")
        if recv_exactly(socks[0], 5, timeout=5) != b"first":
            problems.append("the first connection got no echo while accept fails with EMFILE")
    except OSError as e:
        problems.append("the first connection: %s" % e)
    cpu0, t0 = srv.cpu_seconds(), time.time()
    time.sleep(1.5)
    cpu = srv.cpu_seconds() - cpu0
    wall = time.time() - t0
    if cpu > 0.25 * wall:
        problems.append("the server used %.2f s CPU in %.2f s while out of fds (spinning)" % (cpu, wall))
    if srv.p.poll() is not None:
        problems.append("the server exited (%s) while out of fds" % srv.p.returncode)
        return problems
    # free fds: the pending connections and new ones get served
    for s in socks[:70]:
        s.close()
    try:
        last = socks[-1]
        last.sendall(b"late")
        if recv_exactly(last, 4, timeout=5) != b"late":
            problems.append("a connection pending during EMFILE got no echo after fds were freed")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"after")
            if recv_exactly(s, 5, timeout=5) != b"after":
                problems.append("a new connection got no echo after fds were freed")
    except OSError as e:
        problems.append("after fds were freed: %s" % e)
    for s in socks[70:]:
        s.close()
    return problems


# A server that pauses every connection it accepts and never reads: its
# peers hang up (FIN, RST) or stay idle; the loop must sleep, not spin on
# the hung-up fds (epoll reports HUP/ERR even without interest; poll
# reports them for any fd in its set).
PAUSED_SERVER = r"""
var server = net.createServer(function (c) { c.pause(); c.on('error', function () { }); });
server.listen(Number(process.argv[2]), '127.0.0.1', function () { print('listening on ' + server.address().port); });
"""


def spin_checks(srv):
    """Paused sockets whose peers hung up must not make the loop spin."""
    problems = []
    port = srv.port
    fin = socket.create_connection(("127.0.0.1", port), timeout=5)
    fin.sendall(b"unread data")
    fin.close()
    rst = socket.create_connection(("127.0.0.1", port), timeout=5)
    rst.sendall(b"unread data")
    rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    rst.close()
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    time.sleep(0.3)
    cpu0, t0 = srv.cpu_seconds(), time.time()
    time.sleep(1.5)
    cpu, wall = srv.cpu_seconds() - cpu0, time.time() - t0
    if cpu > 0.2 * wall:
        problems.append("the server used %.2f s CPU in %.2f s with paused hung-up connections (spinning)" % (cpu, wall))
    idle.close()
    return problems


def main(tmp):
    """The socket examples against external peers, both loops and both backends."""
    def want(name):
        return wanted(name)

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    fd, paused_script = tempfile.mkstemp(prefix="evloop-net-paused-", suffix=".js")
    with os.fdopen(fd, "w") as f:
        f.write(PAUSED_SERVER)

    jobs = []
    for loop_name, flags in LOOPS:
        for backend in BACKENDS:
            f = flags + ["--backend=" + backend]
            tag = "[%s, %s]" % (loop_name, backend)
            jobs.append(("a Python client against examples/echo-server.js " + tag,
                         f, "examples/echo-server.js", ["127.0.0.1"], echo_checks, None))
            jobs.append(("curl and raw HTTP against examples/http-server.js " + tag,
                         f, "examples/http-server.js", ["127.0.0.1"], http_checks, None))
            jobs.append(("examples/echo-server.js under a 64-fd limit (EMFILE) " + tag,
                         f, "examples/echo-server.js", ["127.0.0.1"], emfile_checks, low_fd_limit))
            jobs.append(("no busy loop on paused sockets whose peers hung up " + tag,
                         f, paused_script, [], spin_checks, None))
    for server_name, sflags in LOOPS:
        for client_name, cflags in LOOPS:
            jobs.append(("examples/client-socket-test.js [%s] against examples/server-socket-test.js [%s]"
                         % (client_name, server_name), sflags, cflags, None, None, None))
    jobs = [j for j in jobs if want(j[0])]

    def one(job):
        name, flags, script, args, checks, preexec = job
        if checks is None:
            return seed_pair(name, flags, script)
        srv = Server(flags, script, args, preexec_fn=preexec)
        try:
            if not srv.wait_listening():
                srv.stop()
                return name, False, "not listening\n" + srv.detail()
            problems = checks(srv)
        except Exception as e:  # a socket error is a failure, not a crash of the runner
            problems = ["%s: %s" % (type(e).__name__, e)]
        stopped = srv.stop()
        if stopped:
            problems.append(stopped)
        return name, not problems, "\n".join(problems) + "\n" + srv.detail()

    def seed_pair(name, sflags, cflags):
        port = free_port()
        srv = Server(sflags, "examples/server-socket-test.js", [str(port), "127.0.0.1"], port_arg=False)
        srv.port = port
        problems = []
        if not srv.wait_listening():
            problems.append("the server example is not listening")
        else:
            rc, out, err = run(["./evloop"] + cflags + ["examples/client-socket-test.js", "127.0.0.1", str(port)],
                               timeout=20)
            if rc != 0 or "USER-AGENT: CLIENT-SOCKET-TEST.JS" not in out or err.strip():
                problems.append("client: exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err))
            time.sleep(0.1)
            if STDBUF and not any("read data on fd" in line for line in srv.lines):
                problems.append("the server example printed no 'read data' line")
        stopped = srv.stop()
        if stopped:
            problems.append(stopped)
        return name, not problems, "\n".join(problems) + "\n" + srv.detail()

    try:
        with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
            for name, ok, detail in ex.map(one, jobs):
                record("net", name, ok, detail)
    finally:
        os.unlink(paused_script)
