// destroy() from inside every kind of callback: 'connect', 'data', 'end',
// 'drain', 'timeout', 'error', 'close', the server's 'connection' and
// 'listening'; destroy(err); destroy twice; write/end after destroy.
// After destroy() no event but 'close' comes, 'close' comes exactly once
// (hadError true only when an error was emitted), nothing crashes and the
// loop ends by itself once everything is closed.
// timeout: 30
// pool: skip the server writes a 1 MiB Buffer
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var pending = {};
var guard = setTimeout(function () { fail('timed out, pending: ' + Object.keys(pending).join(', ')); report(); process.exit(1); }, 20000);
function begin(name) { pending[name] = true; }
function end(name) {
    /* wait a little for stray events */
    setTimeout(function () {
        delete pending[name];
        if (!Object.keys(pending).length) { clearTimeout(guard); report(); }
    }, 60);
}

/* Count the events of a socket; after destroyed is set, only 'close' may come. */
function track(label, s, expectError) {
    var st = { destroyed: false, closes: 0, errors: 0, events: [] };
    ['connect', 'data', 'end', 'drain', 'timeout', 'error'].forEach(function (ev) {
        s.on(ev, function (arg) {
            st.events.push(ev);
            if (ev === 'error') {
                st.errors++;
                if (!expectError) { fail(label + ': unexpected error ' + (arg && arg.code) + ' ' + arg); }
            }
            if (st.destroyed && ev !== 'error') { fail(label + ': ' + ev + ' after destroy()'); }
        });
    });
    s.on('close', function (hadError) {
        st.closes++;
        if (st.closes > 1) { fail(label + ': close ' + st.closes + ' times'); }
        if (hadError !== (st.errors > 0)) { fail(label + ': close hadError ' + hadError + ' after ' + st.errors + ' errors'); }
    });
    return st;
}
function destroyIn(label, s, st) {
    st.destroyed = true;
    s.destroy();
}
function tolerant(s) { s.on('error', function () { }); }

/* a server per case, listening on port 0; then clientFn(port) */
function withServer(name, onConn, clientFn) {
    begin(name);
    var srv = net.createServer(function (c) { tolerant(c); onConn(c, srv); });
    srv.on('error', function (e) { fail(name + ': server error ' + e.code); });
    srv.listen(0, '127.0.0.1', function () { clientFn(srv.address().port, srv); });
    return srv;
}
function closeAfter(name, srv, s, st, extra) {
    s.on('close', function () {
        if (extra) { extra(); }
        srv.close();
        setTimeout(function () {
            if (st.closes !== 1) { fail(name + ': ' + st.closes + ' close events'); }
            end(name);
        }, 30);
    });
}

/* connect */
withServer('connect', function (c) { c.write('hi'); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('connect', s, false);
    s.on('connect', function () { destroyIn('connect', s, st); });
    closeAfter('connect', srv, s, st);
});

/* data: the server sends 1 MiB, the client destroys in its first 'data' */
withServer('data', function (c) { c.write(new Buffer(1024 * 1024)); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('data', s, false);
    var datas = 0;
    s.on('data', function () { datas++; destroyIn('data', s, st); });
    closeAfter('data', srv, s, st, function () { if (datas !== 1) { fail('data: ' + datas + ' data events'); } });
});

/* end */
withServer('end', function (c) { c.end('bye'); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('end', s, false);
    s.on('end', function () { destroyIn('end', s, st); });
    closeAfter('end', srv, s, st, function () {
        if (st.events.indexOf('end') < 0) { fail('end: no end event'); }
    });
});

/* drain: write until false to a server that reads; destroy in 'drain' */
withServer('drain', function (c) { c.on('data', function () { }); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('drain', s, false);
    var chunk = new Buffer(64 * 1024);
    s.on('connect', function () {
        for (var i = 0; i < 10000; i++) { if (!s.write(chunk)) { return; } }
        fail('drain: write never returned false');
    });
    s.on('drain', function () { destroyIn('drain', s, st); });
    closeAfter('drain', srv, s, st, function () {
        if (st.events.indexOf('drain') < 0) { fail('drain: no drain event'); }
    });
});

/* timeout */
withServer('timeout', function () { }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('timeout', s, false);
    s.on('connect', function () { s.setTimeout(30); });
    s.on('timeout', function () { destroyIn('timeout', s, st); });
    closeAfter('timeout', srv, s, st, function () {
        if (st.events.indexOf('timeout') < 0) { fail('timeout: no timeout event'); }
    });
});

/* error: a refused connect, destroy inside 'error' */
begin('error');
(function () {
    var probe = net.createServer();
    probe.listen(0, '127.0.0.1', function () {
        var port = probe.address().port;
        probe.close(function () {
            var s = net.connect(port, '127.0.0.1');
            var st = track('error', s, true);
            s.on('error', function () { destroyIn('error', s, st); });
            s.on('close', function (hadError) {
                if (hadError !== true) { fail('error: close hadError ' + hadError); }
                setTimeout(function () {
                    if (st.errors !== 1) { fail('error: ' + st.errors + ' error events'); }
                    end('error');
                }, 30);
            });
        });
    });
})();

/* close: destroy again inside 'close', then write and end: no throw, no event */
withServer('close', function (c) { c.end(); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('close', s, false);
    s.on('connect', function () { destroyIn('close', s, st); s.destroy(); });
    s.on('close', function () {
        try { s.destroy(); } catch (e) { fail('close: destroy() inside close threw ' + e); }
        try { s.write('x'); } catch (e2) { fail('close: write() after destroy threw ' + e2); }
        try { s.end(); } catch (e3) { fail('close: end() after destroy threw ' + e3); }
    });
    closeAfter('close', srv, s, st);
});

/* destroy(err): 'error' with that error, then close(true) */
withServer('destroy(err)', function () { }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var st = track('destroy(err)', s, true);
    var boom = new Error('boom');
    var got = null;
    s.on('error', function (e) { got = e; });
    s.on('connect', function () { st.destroyed = true; s.destroy(boom); });
    closeAfter('destroy(err)', srv, s, st, function () {
        if (got !== boom) { fail('destroy(err): error event got ' + got + ', want the error given to destroy'); }
        if (st.errors !== 1) { fail('destroy(err): ' + st.errors + ' error events'); }
    });
});

/* the server destroys in 'connection'; the client sees end or a reset, then close */
withServer('connection', function (c) { c.destroy(); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var closes = 0;
    s.on('error', function (e) {
        if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { fail('connection: client error ' + e.code); }
    });
    s.on('close', function () {
        closes++;
        srv.close();
        setTimeout(function () {
            if (closes !== 1) { fail('connection: ' + closes + ' client close events'); }
            end('connection');
        }, 30);
    });
});

/* the server destroys in its first 'data' while the client writes a lot */
withServer('server data', function (c) {
    var datas = 0;
    c.on('data', function () {
        datas++;
        if (datas > 1) { fail('server data: data after destroy'); }
        c.destroy();
    });
}, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    var closes = 0, timer = null;
    s.on('connect', function () {
        timer = setInterval(function () { s.write(new Buffer(16 * 1024)); }, 2);
    });
    s.on('error', function (e) {
        if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { fail('server data: client error ' + e.code); }
    });
    s.on('end', function () { s.destroy(); });
    s.on('close', function () {
        closes++;
        clearInterval(timer);
        srv.close();
        setTimeout(function () {
            if (closes !== 1) { fail('server data: ' + closes + ' client close events'); }
            end('server data');
        }, 30);
    });
});

/* server.close() inside 'listening' and inside 'connection' */
begin('listening');
(function () {
    var srv = net.createServer();
    var closes = 0;
    srv.on('listening', function () { srv.close(); });
    srv.on('close', function () { closes++; setTimeout(function () {
        if (closes !== 1) { fail('listening: ' + closes + ' close events'); }
        end('listening');
    }, 30); });
    srv.listen(0, '127.0.0.1');
})();
withServer('server.close in connection', function (c, srv) { srv.close(); c.destroy(); }, function (port, srv) {
    var s = net.connect(port, '127.0.0.1');
    tolerant(s);
    var serverCloses = 0;
    srv.on('close', function () {
        serverCloses++;
        setTimeout(function () {
            if (serverCloses !== 1) { fail('server.close in connection: ' + serverCloses + ' close events'); }
            end('server.close in connection');
        }, 30);
    });
    s.on('close', function () { });
});
