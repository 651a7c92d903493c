"""pool: the JS suite with ./evloop --pool=1048576 (Duktape's heap, and so all
of evloop's memory, in one fixed 1 MiB block) and the pool's own checks."""
import concurrent.futures
import glob
import os
import re
import time

from sections.common import ROOT, LOOPS, BACKENDS, JOBS, record, run, info, directives, js_case, wanted


# ---- pool: Duktape's heap, and so all of evloop's memory, in a fixed pool ----
POOL_BYTES = 1048576
# -v at exit (examples/evloop-cli.cpp): the pool's peak, and what Loop::destroy gave back
POOL_STATS = re.compile(r"pool of \d+ bytes: peak (\d+) in use .*?, (\d+) requests refused .*?"
                        r"Loop::destroy returned (\d+) bytes to it \(the loop's native memory: (\d+) bytes\)")
# one echo over loopback: the loop's 64 KiB read buffer is native memory
POOL_ECHO_JS = r"""var server = net.createServer(function (c) { c.on('data', function (d) { c.end(d); }); });
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1', function () { c.end('ping'); });
    c.on('data', function (d) { print(String(d)); });
    c.on('close', function () { server.close(); });
});
"""
# a callback runs out with no handler: the default report, then the loop goes on
POOL_UNCAUGHT_JS = r"""setTimeout(function () {
    var keep = [];
    for (var i = 0; i < 8192; i++) { keep.push(new Buffer(1024)); }
}, 1);
setTimeout(function () { print('ok'); }, 20);
"""
# too small a pool: fails at start-up, or when net.js loads on first use
POOL_NEEDS_NET_JS = r"""if (typeof net !== 'object') { throw new Error('no net'); }
print('loaded');
"""


def main(tmp):
    """The JS suite with ./evloop --pool=1048576 (examples/pool_allocator.hpp):
    both loops on the default backend; '// pool: skip REASON' skips a script
    that cannot fit by design; EVLOOP_TEST_POOL=1 makes tests/js/pool-exhaust-*
    require running out. Then: the loop's native memory is in the pool, the
    start-up peak (INFO), an uncaught 'alloc failed', pools too small to start."""
    binary, backend, pool = "./evloop", BACKENDS[0], "--pool=%d" % POOL_BYTES
    rc, out, err = run([binary, "--help"], timeout=10)
    if "--pool" not in out:
        record("pool", "%s has --pool" % binary, False, "not in --help (make evloop)\n" + out + err)
        return
    jobs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/js/*.js"))):
        rel = os.path.relpath(path, ROOT)
        reason = directives(path)["skip_pool"]
        if reason and wanted(rel):
            info("pool", "SKIP %s: %s" % (rel, reason))
        for loop_name, flags in LOOPS:
            name = "%s [%s, %s, 1 MiB pool]" % (rel, loop_name, backend)
            if not reason and wanted(name):
                jobs.append(("js", name, (path, flags)))
    scripts = {}
    for key, text in (("empty", ""), ("echo", POOL_ECHO_JS), ("uncaught", POOL_UNCAUGHT_JS),
                      ("needs-net", POOL_NEEDS_NET_JS)):
        scripts[key] = os.path.join(tmp, "pool-%s.js" % key)
        with open(scripts[key], "w") as f:
            f.write(text)
    for loop_name, flags in LOOPS:
        jobs.append(("native", "the loop's native memory (its 64 KiB read buffer) is in the pool [%s]" % loop_name,
                     flags))
        jobs.append(("startup", "start-up peak with an empty script [%s]" % loop_name, flags))
        jobs.append(("uncaught", "an uncaught 'alloc failed' in a callback is reported, the loop goes on [%s]"
                     % loop_name, flags))
        for size in ("192K", "256K"):
            jobs.append(("small", "--pool=%s, too small to start or to load net: exit 1 and the error on stderr [%s]"
                         % (size, loop_name), flags + ["--pool=" + size]))
    jobs.append(("badsize", "--pool=12x exits 2 and names the value", []))
    jobs = [j for j in jobs if j[0] == "js" or wanted(j[1])]

    def one(job):
        kind, name, arg = job
        if kind == "js":
            ok, detail = js_case(binary, arg[0], arg[1] + [pool], backend, prefix=["env", "EVLOOP_TEST_POOL=1"])
            return name, ok, detail, None
        if kind == "badsize":
            rc, out, err = run([binary, "--pool=12x", "tests/js/timers-order.js"], timeout=10)
            return name, rc == 2 and "12x" in err, "exit %s\n%s%s" % (rc, out, err), None
        if kind == "small":
            rc, out, err = run([binary] + arg + [scripts["needs-net"]], timeout=30)
            return name, rc == 1 and err.strip() != "", "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err), None
        script = scripts[{"native": "echo", "startup": "empty", "uncaught": "uncaught"}[kind]]
        rc, out, err = run([binary] + arg + ["-v", pool, "--backend=" + backend, script], timeout=30)
        detail = "exit %s\n--- stdout:\n%s\n--- stderr:\n%s" % (rc, out, err)
        m = POOL_STATS.search(err)
        if kind == "uncaught":
            return name, rc == 1 and out == "ok\n" and "Error: alloc failed" in err, detail, None
        if not m:
            return name, False, "no pool statistics on stderr\n" + detail, None
        peak, refused, returned, native = (int(x) for x in m.groups())
        if kind == "native":
            # Loop::destroy frees the read buffer: the pool gets it back
            return name, rc == 0 and out == "ping\n" and native >= 65536 and returned >= native, detail, None
        return name, rc == 0 and refused == 0, detail, "start-up peak %d bytes of %d (%s loop)" % (
            peak, POOL_BYTES, "ECMAScript" if "-c" not in arg else "C++")

    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as ex:
        for name, ok, detail, note in ex.map(one, jobs):
            record("pool", name, ok, detail)
            if note and ok:
                info("pool", note)
    info("pool", "%d checks in %.0f s" % (len(jobs), time.time() - t0))
