/*
 *  Limits (tests/run.py, section 'limits'): N concurrent connections
 *  (default 10,000) from one process to an echo server
 *  (examples/echo-server.js) in another, so each process needs about N
 *  fds (the harness raises RLIMIT_NOFILE).
 *
 *    ./evloop [-c] tests/soak/limits-client.js PORT [N] < control-pipe
 *
 *  Opens the connections with at most 200 connects in flight; each sends
 *  its own line and waits for it to come back. Once all N have their echo
 *  and are still open it prints "held N ..." with its RSS delta per
 *  connection, and waits for a line (or EOF) on stdin: then it ends every
 *  connection, waits for every 'close', prints "closed N" and "ok" and
 *  ends (no watcher, timer or socket left).
 */
var port = Number(process.argv[2]);
var N = Number(process.argv[3] || 10000);
var INFLIGHT = 200;
var failures = [];
function fail(msg) { if (failures.length < 20) { failures.push(msg); } }

function rssKiB() {
    var m = /VmRSS:\s*(\d+)\s*kB/.exec(String(FileIo.readfile('/proc/self/status')));
    return m ? Number(m[1]) : -1;
}

var socks = [];
var started = 0, connecting = 0, answered = 0, closed = 0, ending = false;
var t0 = EventLoop.now(), tEnd = 0;
var rss0 = rssKiB();

var guard = setTimeout(function () {
    fail('timed out: started ' + started + ', answered ' + answered + ', closed ' + closed);
    report();
    process.exit(1);
}, 240000);

function report() {
    for (var k = 0; k < failures.length; k++) { print('FAIL ' + failures[k]); }
    if (!failures.length) { print('ok'); }
}

function startOne() {
    var i = started++;
    var line = 'client ' + i + '\n';
    var got = '';
    var done = false;
    connecting++;
    var c = net.connect(port, '127.0.0.1', function () { c.write(line); });
    socks.push(c);
    c.setEncoding('utf8');
    c.on('data', function (d) {
        got += d;
        if (done || got.length < line.length) { return; }
        done = true;
        if (got !== line) { fail('connection ' + i + ' got ' + JSON.stringify(got)); }
        connecting--;
        answered++;
        if (started < N) { startOne(); }
        if (answered === N) { held(); }
    });
    c.on('error', function (e) { fail('connection ' + i + ': ' + e.code + ' ' + e.message); });
    c.on('close', function () {
        closed++;
        if (!ending) { fail('connection ' + i + ' closed before the end'); }
        if (closed === N) { allClosed(); }
    });
}

function held() {
    var rss1 = rssKiB();
    print('held ' + N + ' connect_ms=' + (EventLoop.now() - t0).toFixed(0) + ' rss_before_kib=' + rss0 +
          ' rss_held_kib=' + rss1 + ' bytes_per_connection=' + ((rss1 - rss0) * 1024 / N).toFixed(0));
    EventLoop.watch(0, Poll.POLLIN, function () {
        EventLoop.unwatch(0);
        ending = true;
        tEnd = EventLoop.now();
        for (var k = 0; k < socks.length; k++) { socks[k].end(); }
    });
}

function allClosed() {
    clearTimeout(guard);
    socks = [];
    print('closed ' + closed + ' close_ms=' + (EventLoop.now() - tEnd).toFixed(0));
    report();
}

for (var k = 0; k < INFLIGHT && started < N; k++) { startOne(); }
