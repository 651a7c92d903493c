// EventLoop.close(fd) flushes what EventLoop.write queued before it closes
// (as end() does), and reports a peer that makes that impossible: the old
// code dropped the queue, so 8 MiB written then closed delivered 4-6 MB
// and the script exited 0. Part 1: a seed client writes 8 MiB to a net
// server in the same script and closes at once; the server must receive
// all 8 MiB, in order (the first and last byte of each chunk
// checked), then the end. Part 2: a peer that reads nothing and
// resets: the close's flush fails and the error reaches EventLoop.onerror
// (EPIPE or ECONNRESET); a timer still fires after.
// timeout: 60
var failures = [];
function fail(msg) { failures.push(msg); }
var SIZE = 8 * 1024 * 1024;
/* byte i is i mod 251 (a prime: a lost or repeated chunk shows) */
var PERIOD = 251, pattern = new Uint8Array(PERIOD * 256), data = new Uint8Array(SIZE);
for (var i = 0; i < pattern.length; i++) { pattern[i] = i % PERIOD; }
for (i = 0; i < SIZE; i += pattern.length) { data.set(pattern.subarray(0, Math.min(pattern.length, SIZE - i)), i); }

var errors = [];
EventLoop.onerror = function (err) { errors.push(err); };

var received = 0, mismatch = -1;
var srv = net.createServer(function (c) {
    c.on('data', function (d) {
        /* the first and last byte of each chunk */
        if (mismatch < 0 && d.length > 0 && (d[0] !== (received % PERIOD) || d[d.length - 1] !== ((received + d.length - 1) % PERIOD))) {
            mismatch = received;
        }
        received += d.length;
    });
    c.on('end', function () {
        if (received !== SIZE) { fail('the peer received ' + received + ' of ' + SIZE + ' bytes'); }
        if (mismatch >= 0) { fail('the chunk at byte ' + mismatch + ' is out of place'); }
        srv.close();
        part2();
    });
});
srv.listen(0, '127.0.0.1', function () {
    EventLoop.connect('127.0.0.1', srv.address().port, function (fd) {
        EventLoop.write(fd, data);
        EventLoop.close(fd);
        var e = null;
        try { EventLoop.write(fd, 'more'); } catch (x) { e = x; }
        if (e === null || e.code !== 'EBADF') { fail('a write after close: ' + (e ? e + ' code ' + e.code : 'no error')); }
        EventLoop.close(fd);   /* a second close while flushing: nothing */
    });
});

function part2() {
    var peer = null;
    var srv2 = net.createServer({ pauseOnConnect: true }, function (c) { peer = c; });
    srv2.listen(0, '127.0.0.1', function () {
        EventLoop.connect('127.0.0.1', srv2.address().port, function (fd) {
            EventLoop.write(fd, data);   /* the peer reads nothing: most stays queued */
            EventLoop.close(fd);
            var t = setInterval(function () {
                if (peer === null) { return; }
                clearInterval(t);
                peer.destroy();           /* unread bytes: a reset */
                srv2.close();
                setTimeout(done, 300);
            }, 5);
        });
    });
}
function done() {
    if (errors.length !== 1 || !/^(EPIPE|ECONNRESET)$/.test(errors[0].code)) {
        fail('the failed flush was reported as ' + errors.map(function (e) { return e + ' (' + e.code + ')'; }).join(', '));
    }
    var fired = false;
    setTimeout(function () { fired = true; }, 1);
    setTimeout(function () {
        if (!fired) { fail('a timer did not fire'); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 10);
}
