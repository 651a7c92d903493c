/*
 *  Soak test server (tests/run.py, section 'soak'): a line echo server
 *  whose every request goes through timers, plus a timer churn that runs
 *  all the time, so that a long run exercises sockets and the timer heap
 *  together. It runs until it is killed (SIGTERM); the harness samples its
 *  RSS and open fds from /proc.
 *
 *    ./evloop [-c] tests/soak/soak-server.js PORT      (0: a free port)
 *
 *  Prints "listening on PORT", then a "stats ..." line every second:
 *  connections accepted / open, requests answered, timers created,
 *  cleared and fired by the churn.
 *
 *  Per request (a line "SEQ PAYLOAD\n"): a 5 s guard timer is created and
 *  cleared, and the reply (the same line) is released by a timer of 0-2 ms
 *  (replies leave in request order).
 *  Per connection: an idle timeout (socket.setTimeout) that is re-armed by
 *  every read. The churn: every 5 ms, 25 timers (1-2000 ms) are created
 *  and 20 random pending ones cleared (the pool is capped at 4000), and an
 *  interval is replaced by a new one.
 */
var port = Number(process.argv[2] || 0);

var stats = { accepted: 0, open: 0, requests: 0, created: 0, cleared: 0, fired: 0, errors: 0 };

/* ---- the timer churn ---- */
var pool = [];
var POOL_MAX = 4000;
function churnFired() { stats.fired++; }
function clearRandom() {
    var k = Math.floor(Math.random() * pool.length);
    clearTimeout(pool[k]);
    pool[k] = pool[pool.length - 1];
    pool.pop();
    stats.cleared++;
}
var lastInterval = 0;
setInterval(function () {
    var i;
    for (i = 0; i < 25; i++) {
        pool.push(setTimeout(churnFired, 1 + Math.floor(Math.random() * 2000)));
        stats.created++;
    }
    for (i = 0; i < 20 && pool.length; i++) { clearRandom(); }
    while (pool.length > POOL_MAX) { clearRandom(); }
    clearInterval(lastInterval);
    lastInterval = setInterval(churnFired, 1);
    stats.created++;
    stats.cleared++;
}, 5);

setInterval(function () {
    print('stats accepted=' + stats.accepted + ' open=' + stats.open + ' requests=' + stats.requests +
          ' created=' + stats.created + ' cleared=' + stats.cleared + ' fired=' + stats.fired +
          ' pending=' + pool.length + ' errors=' + stats.errors);
}, 1000);

/* ---- the server ---- */
function onGuard() { stats.errors++; print('a request guard timer fired'); }

var server = net.createServer(function (socket) {
    stats.accepted++;
    stats.open++;
    var buffered = '';
    var closed = false;
    socket.setEncoding('utf8');
    socket.setTimeout(30000, function () { socket.destroy(); });
    var queue = [];          /* requests in arrival order; replies leave in that order */
    function reply(req) {
        clearTimeout(req.guard);
        stats.cleared++;
        req.ready = true;
        while (queue.length && queue[0].ready) {
            var line = queue.shift().line;
            if (closed) { continue; }
            stats.requests++;
            if (!socket.write(line)) { socket.pause(); }
        }
    }
    socket.on('data', function (d) {
        buffered += d;
        var nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
            var req = { line: buffered.substring(0, nl + 1), guard: setTimeout(onGuard, 5000), ready: false };
            buffered = buffered.substring(nl + 1);
            queue.push(req);
            setTimeout(reply, Math.floor(Math.random() * 3), req);
            stats.created += 2;
        }
    });
    socket.on('drain', function () { socket.resume(); });
    socket.on('end', function () { socket.end(); });
    socket.on('error', function () { /* resets by the client: 'close' follows */ });
    socket.on('close', function () { closed = true; stats.open--; });
});
server.on('error', function (err) {
    print('soak-server: ' + err.message);
    process.exit(1);
});
server.listen(port, '127.0.0.1', function () {
    print('listening on ' + server.address().port);
});
