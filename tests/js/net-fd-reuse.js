// An fd number reused within one poll round gets no stale event. Two
// server-side sockets become ready in the same round: S1 readable (its
// peer wrote) and then S2 reset (its peer closed with unread data: RST,
// so S2 has an error/hang-up event pending). In S1's 'data' handler (run
// first: it became ready first) S2 is destroyed and a new connection is
// started at once; its socket takes S2's fd number (the lowest free one:
// the peer's closed fd was refilled). The stale error/hang-up event of S2
// must not reach the new socket: it connects, echoes and closes cleanly;
// S2 emits nothing after destroy() but 'close'. Repeated 20 times.
// evloop only (the peers use the seed Socket API to act while the loop
// is not polling).
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
if (typeof Socket !== 'object') {
    print('skip: evloop only');
    print('ok');
} else {
    main();
}

function main() {
    var ROUNDS = 20;
    var round = 0;
    var guard = setTimeout(function () { fail('timed out in round ' + round + ' at step ' + step); report(); process.exit(1); }, 20000);
    var step = 'listen';
    var pendingServerSockets = [];
    var server = net.createServer(function (c) {
        c.on('error', function () { });
        if (expectingFresh) {
            /* the new connection's server side: echo */
            c.on('data', function (d) { c.write(d); });
            c.on('end', function () { c.end(); });
            return;
        }
        pendingServerSockets.push(c);
    });
    var expectingFresh = false;
    server.on('error', function (e) { fail('server error ' + e.code); });
    server.listen(0, '127.0.0.1', function () { next(); });

    function waitReadable(fd, ms) {
        var set = {};
        set[fd] = { events: Poll.POLLIN };
        Poll.poll(set, ms);
    }

    function next() {
        if (round === ROUNDS) {
            server.close(function () { clearTimeout(guard); report(); });
            return;
        }
        round++;
        step = 'connect';
        var port = server.address().port;
        pendingServerSockets = [];
        var c1 = Socket.connect('127.0.0.1', port);
        var c2 = Socket.connect('127.0.0.1', port);
        /* wait for both server sides */
        var iv = setInterval(function () {
            if (pendingServerSockets.length < 2) { return; }
            clearInterval(iv);
            arm(c1, c2, pendingServerSockets[0], pendingServerSockets[1]);
        }, 1);
    }

    function arm(c1, c2, a, b) {
        /* which server socket belongs to c1? the one that reads what c1 writes */
        step = 'arm';
        var s1 = null, s2 = null, destroyed = false, s2Events = [];
        /* the server sides send a byte each, so both peers have unread data */
        a.write('a');
        b.write('b');
        setTimeout(function () {
            /* identify: c1 receives 'a' or 'b' */
            waitReadable(c1, 1000);
            var got = Socket.read(c1);
            if (!got || got.length !== 1) { fail('peer 1 read ' + got); }
            var mine = String(got) === 'a' ? a : b;
            s1 = mine;
            s2 = mine === a ? b : a;
            ['data', 'end', 'error', 'timeout', 'drain'].forEach(function (ev) {
                s2.on(ev, function (arg) { if (destroyed) { s2Events.push(ev + (arg && arg.code ? ':' + arg.code : '')); } });
            });
            s1.once('data', function () {
                step = 'round';
                /* S2 has an error/hang-up pending in this same round */
                destroyed = true;
                s2.destroy();
                /* a new connection: its fd is the lowest free, S2's */
                var gotBack = '';
                expectingFresh = true;
                var nc = net.connect(server.address().port, '127.0.0.1');
                nc.setEncoding('utf8');
                nc.on('connect', function () { nc.write('fresh ' + round); });
                nc.on('data', function (d) {
                    gotBack += d;
                    if (gotBack === 'fresh ' + round) { nc.end(); }
                });
                nc.on('error', function (e) { fail('round ' + round + ': the new connection got ' + e.code + ' ' + e.message); });
                nc.on('close', function (hadError) {
                    expectingFresh = false;
                    if (hadError) { fail('round ' + round + ': the new connection closed with an error'); }
                    if (gotBack !== 'fresh ' + round) { fail('round ' + round + ': the new connection got ' + JSON.stringify(gotBack)); }
                    if (s2Events.length) { fail('round ' + round + ': events after destroy(): ' + s2Events.join(',')); }
                    s1.destroy();
                    Socket.close(c1);
                    Socket.close(filler);
                    setTimeout(next, 5);
                });
            });
            /* in one go, with the loop not polling: S1 readable, then S2 reset */
            Socket.write(c1, 'x');
            Socket.close(c2);     /* 'b' or 'a' unread: RST */
            /* take the fd number c2 had, so S2's becomes the lowest free */
            var filler = Socket.createServerSocket('127.0.0.1', 0);
            Poll.poll({}, 20);
        }, 20);
    }
}
