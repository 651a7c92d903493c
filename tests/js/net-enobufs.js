// The per-socket cap on queued bytes: a writer that ignores write() ===
// false, to a peer that never reads, gets its socket destroyed with one
// 'error' of code ENOBUFS and then 'close' with hadError true, instead of
// queueing without bound. The cap comes from the createServer/connect
// option maxQueuedBytes, else from net.maxQueuedBytes (default 64 MiB);
// the bytes accepted before the error stay below cap + kernel buffers.
// After the error write() returns false and throws nothing.
// (evloop only: Node.js has no such cap.)
// timeout: 60
// pool: skip fills write queues up to a 1 MiB cap (the C++ loop copies queued bytes into its own memory)
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
if (typeof Duktape !== 'object') {
    print('skip: evloop only (Node.js has no queued-bytes cap)');
    print('ok');
} else {
    main();
}

function main() {
    var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 45000);
    var step = 'defaults';
    var KERNEL = 48 * 1024 * 1024;  /* loopback kernel buffers can be large (tcp_rmem max) */
    var chunk = new Buffer(64 * 1024);

    if (net.maxQueuedBytes !== 64 * 1024 * 1024) { fail('net.maxQueuedBytes is ' + net.maxQueuedBytes + ', want 67108864'); }

    /* writer: a socket that writes 64 KiB chunks, 32 per turn, ignoring the return value */
    function flood(label, s, cap, done) {
        var written = 0, errors = 0, closes = 0, stop = false;
        s.on('error', function (e) {
            errors++;
            stop = true;
            if (e.code !== 'ENOBUFS') { fail(label + ': error code ' + e.code + ' (' + e.message + '), want ENOBUFS'); }
            if (written > cap + KERNEL + chunk.length) { fail(label + ': ENOBUFS only after ' + written + ' bytes'); }
            var r;
            try { r = s.write(chunk); } catch (x) { fail(label + ': write after ENOBUFS threw ' + x); }
            if (r !== false) { fail(label + ': write after ENOBUFS returned ' + r); }
        });
        s.on('close', function (hadError) {
            closes++;
            stop = true;
            if (hadError !== true) { fail(label + ': close hadError ' + hadError); }
            setTimeout(function () {
                if (errors !== 1) { fail(label + ': ' + errors + ' error events'); }
                if (closes !== 1) { fail(label + ': ' + closes + ' close events'); }
                done();
            }, 30);
        });
        function turn() {
            if (stop) { return; }
            for (var i = 0; i < 32 && !stop; i++) {
                written += chunk.length;
                s.write(chunk);
            }
            if (written > cap + KERNEL + 64 * 1024 * 1024) { fail(label + ': no ENOBUFS after ' + written + ' bytes'); s.destroy(); return; }
            setTimeout(turn, 0);
        }
        turn();
    }

    /* 1: server option maxQueuedBytes, the client never reads */
    step = 'server option';
    var peer1 = null;
    var s1 = net.createServer({ maxQueuedBytes: 1024 * 1024 }, function (c) {
        flood('server option', c, 1024 * 1024, function () {
            peer1.destroy();
            s1.close(second);
        });
    });
    s1.listen(0, '127.0.0.1', function () {
        peer1 = net.connect(s1.address().port, '127.0.0.1');
        peer1.pause();
        peer1.on('error', function () { });
    });

    /* 2: connect option maxQueuedBytes: the client floods a server that never reads */
    function second() {
        step = 'connect option';
        var srvSide = null;
        var s2 = net.createServer(function (c) { srvSide = c; c.pause(); c.on('error', function () { }); });
        s2.listen(0, '127.0.0.1', function () {
            var c = net.connect({ port: s2.address().port, host: '127.0.0.1', maxQueuedBytes: 512 * 1024 });
            c.on('connect', function () {
                flood('connect option', c, 512 * 1024, function () {
                    if (srvSide) { srvSide.destroy(); }
                    s2.close(third);
                });
            });
        });
    }

    /* 3: the net.maxQueuedBytes default */
    function third() {
        step = 'net.maxQueuedBytes';
        var saved = net.maxQueuedBytes;
        net.maxQueuedBytes = 256 * 1024;
        var srvSide = null;
        var s3 = net.createServer(function (c) { srvSide = c; c.pause(); c.on('error', function () { }); });
        s3.listen(0, '127.0.0.1', function () {
            var c = net.connect(s3.address().port, '127.0.0.1');
            c.on('connect', function () {
                flood('net.maxQueuedBytes', c, 256 * 1024, function () {
                    net.maxQueuedBytes = saved;
                    if (srvSide) { srvSide.destroy(); }
                    s3.close(function () { clearTimeout(guard); report(); });
                });
            });
        });
    }
}
