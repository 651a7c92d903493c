// A listener that throws is reported (stack trace on stderr, exit status 1
// at the end, as for any callback error) and the loop goes on with the
// sockets in a consistent state: the throw must not skip what the net
// layer does around the event. After a throw in 'listening', 'connection',
// 'connect', 'data', 'end', 'drain', 'timeout', a write callback, 'error'
// and 'close', every connection still carries its data, ends and closes,
// and the loop ends by itself. (Node.js would end the process at the
// first throw; evloop's documented rule is "reported, the loop goes on".)
// expect-exit: 1
// expect-stderr: thrown in connection
// expect-stderr: thrown in data
// expect-stderr: thrown in end
// expect-stderr: thrown in close
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
if (typeof Duktape !== 'object') {
    print('skip: evloop only (Node.js ends the process at the first throw)');
    print('ok');
} else {
    main();
}

function main() {
    var pending = {};
    var guard = setTimeout(function () { fail('timed out, pending: ' + Object.keys(pending).join(', ')); report(); process.exit(2); }, 20000);
    function begin(name) { pending[name] = true; }
    function end(name) {
        delete pending[name];
        if (!Object.keys(pending).length) { clearTimeout(guard); report(); }
    }
    function boom(where) { throw new Error('thrown in ' + where); }

    /* an echo server; onConn(c) may add a throwing listener */
    function echoCase(name, onConn, clientFn) {
        begin(name);
        var srv = net.createServer(function (c) {
            c.on('error', function (e) { fail(name + ': server socket error ' + e.code); });
            c.on('data', function (d) { c.write(d); });
            if (onConn) { onConn(c); }
        });
        srv.on('error', function (e) { fail(name + ': server error ' + e.code); });
        srv.listen(0, '127.0.0.1', function () {
            clientFn(srv.address().port, function () { srv.close(function () { end(name); }); });
        });
        return srv;
    }
    /* a client that sends text in two pieces and expects it back, then ends */
    function roundTrip(name, port, setup, done) {
        var c = net.connect(port, '127.0.0.1');
        var got = '', want = name + ' one;' + name + ' two;';
        c.setEncoding('utf8');
        c.on('connect', function () {
            c.write(name + ' one;');
            setTimeout(function () { c.write(name + ' two;'); }, 30);
        });
        c.on('data', function (d) {
            got += d;
            if (got === want) { c.end(); }
        });
        c.on('error', function (e) { fail(name + ': client error ' + e.code); });
        c.on('close', function () {
            if (got !== want) { fail(name + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); }
            done();
        });
        /* the throwing listeners come after these (a throw skips later listeners of that emit) */
        if (setup) { setup(c); }
        return c;
    }

    /* 'connection' */
    echoCase('connection', function () { boom('connection'); }, function (port, done) {
        roundTrip('connection', port, null, done);
    });
    /* 'listening' (the listen callback) */
    begin('listening');
    var ls = net.createServer(function (c) { c.on('data', function (d) { c.write(d); }); });
    ls.listen(0, '127.0.0.1', function () {
        setTimeout(function () {
            roundTrip('listening', ls.address().port, null, function () { ls.close(function () { end('listening'); }); });
        }, 0);
        boom('listening');
    });
    /* 'connect' */
    echoCase('connect', null, function (port, done) {
        roundTrip('connect', port, function (c) { c.on('connect', function () { boom('connect'); }); }, done);
    });
    /* 'data' on the client: the first chunk throws, the second still arrives */
    echoCase('data', null, function (port, done) {
        roundTrip('data', port, function (c) { c.once('data', function () { boom('data'); }); }, done);
    });
    /* 'end': the automatic end of our side (allowHalfOpen false) still happens */
    begin('end');
    var es = net.createServer(function (c) {
        c.on('end', function () { boom('end'); });
        c.on('close', function () { es.close(function () { end('end'); }); });
        c.resume();
    });
    es.listen(0, '127.0.0.1', function () {
        var c = net.connect(es.address().port, '127.0.0.1', function () { c.end(); });
        var ended = false;
        c.on('end', function () { ended = true; });
        c.resume();
        c.on('close', function () { if (!ended) { fail('end: the peer got no end after a throw in the end listener'); } });
    });
    /* 'drain' */
    echoCase('drain', null, function (port, done) {
        var c = net.connect(port, '127.0.0.1');
        var sent = 0, got = 0, drains = 0;
        var chunk = new Buffer(32 * 1024);   /* 64 KiB: the queued copies (net-write-copy.js) passed the pool section's 1 MiB in the ECMAScript loop */
        c.on('connect', function () {
            while (c.write(chunk)) { sent += chunk.length; }
            sent += chunk.length;
        });
        c.on('drain', function () {
            drains++;
            if (drains === 1) { c.write(chunk); sent += chunk.length; boom('drain'); }
        });
        c.on('data', function (d) {
            got += d.length;
            if (got === sent && drains >= 1) { c.end(); }
        });
        c.on('error', function (e) { fail('drain: client error ' + e.code); });
        c.on('close', function () {
            if (got !== sent) { fail('drain: echoed ' + got + ' of ' + sent + ' bytes'); }
            done();
        });
    });
    /* 'timeout' */
    echoCase('timeout', null, function (port, done) {
        roundTrip('timeout', port, function (c) {
            c.setTimeout(10);
            c.once('timeout', function () { c.setTimeout(0); boom('timeout'); });
        }, done);
    });
    /* a write callback */
    echoCase('write callback', null, function (port, done) {
        var c = roundTrip('write callback', port, null, done);
        c.on('connect', function () { c.write('', function () { boom('write callback'); }); });
    });
    /* 'error' (refused): 'close' still comes */
    begin('error');
    var probe = net.createServer();
    probe.listen(0, '127.0.0.1', function () {
        var port = probe.address().port;
        probe.close(function () {
            var c = net.connect(port, '127.0.0.1');
            c.on('error', function () { boom('error'); });
            c.on('close', function (hadError) {
                if (!hadError) { fail('error: close without hadError'); }
                end('error');
            });
        });
    });
    /* 'close': the server's close callback still comes */
    echoCase('close', function (c) { c.on('close', function () { boom('close'); }); }, function (port, done) {
        roundTrip('close', port, function (c) { c.on('close', function () { boom('close (client)'); }); }, done);
    });
}
