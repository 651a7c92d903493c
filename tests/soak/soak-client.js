/*
 *  Soak test clients (tests/run.py, section 'soak'): CONNS connections to
 *  tests/soak/soak-server.js for SECONDS seconds, each sending requests
 *  (lines of 1 B to 64 KiB, 1 to 4 pipelined; requests above 4 KiB on one
 *  connection at a time) and checking every reply
 *  byte for byte and in order. A connection lives for 20 to 400 requests,
 *  then ends (1 in 10 is destroyed in the middle of a request instead) and
 *  a new one takes its place, so connections open and close all the time.
 *
 *    ./evloop [-c] tests/soak/soak-client.js PORT SECONDS CONNS
 *
 *  Prints a "stats ..." line every second and, after SECONDS, closes every
 *  connection and prints the totals and "ok" (or "FAIL ..." lines).
 */
var port = Number(process.argv[2]);
var seconds = Number(process.argv[3] || 60);
var CONNS = Number(process.argv[4] || 32);

var failures = [];
function fail(msg) { if (failures.length < 20) { failures.push(msg); } }

var BASE = 'The quick brown fox jumps over the lazy dog 0123456789 ';
while (BASE.length < 70000) { BASE += BASE; }

var stats = { connections: 0, closed: 0, destroyed: 0, requests: 0, bytes: 0, errors: 0 };
var open = 0;
var stopping = false;
var start = EventLoop.now();

/* Large requests (4 KiB to 64 KiB: partial reads and writes on both sides)
 * go over one connection at a time, the holder of this token, so that the
 * bytes in flight, and with them the server's RSS, stay within a narrow
 * band: a leak then stands out of the noise sooner. */
var largeOwner = -1;
function payloadLength(id) {
    var r = Math.random();
    if (r < 0.6) { return 1 + Math.floor(Math.random() * 100); }
    if (r < 0.95 || (largeOwner !== -1 && largeOwner !== id)) { return 100 + Math.floor(Math.random() * 4000); }
    largeOwner = id;
    return 4000 + Math.floor(Math.random() * 61000);
}

function startConnection(id) {
    var lifetime = 20 + Math.floor(Math.random() * 380);
    var abort = Math.random() < 0.1 ? Math.floor(Math.random() * lifetime) : -1;
    var sent = 0;
    var expected = [];       /* lines in flight, in order */
    var got = '';
    var done = false;
    stats.connections++;
    open++;
    var c = net.connect(port, '127.0.0.1', function () { sendSome(); });
    c.setEncoding('utf8');

    function sendSome() {
        if (stopping || done) { return finish(); }
        if (sent === abort) {
            done = true;
            stats.destroyed++;
            c.destroy();
            return;
        }
        if (sent >= lifetime) { return finish(); }
        var n = 1 + Math.floor(Math.random() * 4);
        for (var k = 0; k < n && sent < lifetime; k++) {
            var len = payloadLength(id);
            var off = Math.floor(Math.random() * 1000);
            var line = id + '.' + sent + ' ' + BASE.substring(off, off + len) + '\n';
            expected.push(line);
            sent++;
            c.write(line);
        }
    }
    function finish() {
        if (!done) { done = true; c.end(); }
    }
    c.on('data', function (d) {
        got += d;
        while (expected.length && got.length >= expected[0].length) {
            var want = expected.shift();
            var have = got.substring(0, want.length);
            got = got.substring(want.length);
            if (have !== want) {
                fail('connection ' + id + ': reply ' + JSON.stringify(have.substring(0, 60)) +
                     ', want ' + JSON.stringify(want.substring(0, 60)));
                done = true;
                c.destroy();
                return;
            }
            stats.requests++;
            stats.bytes += want.length;
        }
        if (!expected.length) {
            if (largeOwner === id) { largeOwner = -1; }
            sendSome();
        }
    });
    c.on('error', function (e) {
        stats.errors++;
        fail('connection ' + id + ': error ' + e.code + ' ' + e.message);
    });
    c.on('close', function () {
        if (largeOwner === id) { largeOwner = -1; }
        open--;
        stats.closed++;
        if (!done && !stopping) { fail('connection ' + id + ' closed early'); }
        if (!stopping) { startConnection(id); } else if (open === 0) { finished(); }
    });
}

var ticker = setInterval(function () {
    print('stats connections=' + stats.connections + ' open=' + open + ' requests=' + stats.requests +
          ' bytes=' + stats.bytes + ' destroyed=' + stats.destroyed + ' errors=' + stats.errors);
}, 1000);

var guard;
setTimeout(function () {
    stopping = true;
    guard = setTimeout(function () {
        fail('connections still open 20 s after the end: ' + open);
        finished();
    }, 20000);
}, seconds * 1000);

function finished() {
    clearInterval(ticker);
    clearTimeout(guard);
    var secs = (EventLoop.now() - start) / 1000;
    print('total connections=' + stats.connections + ' requests=' + stats.requests + ' bytes=' + stats.bytes +
          ' destroyed=' + stats.destroyed + ' seconds=' + secs.toFixed(1));
    for (var i = 0; i < failures.length; i++) { print('FAIL ' + failures[i]); }
    if (!failures.length) { print('ok'); }
    process.exit(failures.length ? 1 : 0);
}

for (var i = 0; i < CONNS; i++) { startConnection(i); }
