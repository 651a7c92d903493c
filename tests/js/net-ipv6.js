// IPv6 on ::1: listen, address() {address '::1', family 'IPv6', port},
// connect, remoteAddress/remoteFamily/remotePort/localPort, an echo both
// ways. Skipped (with the reason printed) when ::1 is unavailable. Then
// 'localhost' (through the resolver) against a server listening on all
// interfaces (no host: '::' dual-stack, or 0.0.0.0): a round trip works
// whichever address 'localhost' resolves to first.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen ::1';

function roundTrip(label, srv, host, port, check, done) {
    var c = net.connect(port, host);
    var got = '';
    c.setEncoding('utf8');
    c.on('connect', function () {
        if (check) { check(c); }
        c.end('ping ' + label);
    });
    c.on('data', function (d) { got += d; });
    c.on('error', function (e) { fail(label + ': client error ' + e.code + ' ' + e.message); });
    c.on('close', function () {
        if (got !== 'echo:ping ' + label) { fail(label + ': got ' + JSON.stringify(got)); }
        srv.close(done);
    });
}
function echoServer() {
    return net.createServer(function (c) {
        var buf = '';
        c.setEncoding('utf8');
        c.on('data', function (d) { buf += d; });
        c.on('end', function () { c.end('echo:' + buf); });
        c.on('error', function (e) { fail('server socket error ' + e.code); });
    });
}

var v6 = echoServer();
v6.on('error', function (e) {
    if (step === 'listen ::1' && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT' || e.code === 'EINVAL')) {
        print('skip: ::1 unavailable (' + e.code + ')');
        localhost();
        return;
    }
    fail('::1 server error ' + e.code + ' ' + e.message);
});
v6.listen(0, '::1', function () {
    step = '::1 round trip';
    var a = v6.address();
    if (a.address !== '::1' || a.family !== 'IPv6' || typeof a.port !== 'number' || a.port <= 0) {
        fail('::1 server address() ' + JSON.stringify(a));
    }
    var serverSideChecked = false;
    v6.on('connection', function (c) {
        serverSideChecked = true;
        if (c.remoteAddress !== '::1') { fail('server side remoteAddress ' + c.remoteAddress); }
        if (c.remoteFamily !== 'IPv6') { fail('server side remoteFamily ' + c.remoteFamily); }
        if (c.localPort !== a.port) { fail('server side localPort ' + c.localPort + ', want ' + a.port); }
    });
    roundTrip('::1', v6, '::1', a.port, function (c) {
        if (c.remoteAddress !== '::1') { fail('client remoteAddress ' + c.remoteAddress); }
        if (c.remoteFamily !== 'IPv6') { fail('client remoteFamily ' + c.remoteFamily); }
        if (c.remotePort !== a.port) { fail('client remotePort ' + c.remotePort + ', want ' + a.port); }
        var la = c.address();
        if (la.address !== '::1' || la.family !== 'IPv6' || la.port !== c.localPort) { fail('client address() ' + JSON.stringify(la)); }
    }, function () {
        if (!serverSideChecked) { fail('no connection event'); }
        localhost();
    });
});

function localhost() {
    step = 'localhost';
    var any = echoServer();
    any.on('error', function (e) { fail('all-interfaces server error ' + e.code + ' ' + e.message); });
    any.listen(0, function () {
        var a = any.address();
        if (a.address !== '::' && a.address !== '0.0.0.0') { fail('all-interfaces server address() ' + JSON.stringify(a)); }
        roundTrip('localhost', any, 'localhost', a.port, function (c) {
            if (c.remoteAddress !== '127.0.0.1' && c.remoteAddress !== '::1') { fail('localhost remoteAddress ' + c.remoteAddress); }
        }, function () {
            clearTimeout(guard);
            report();
        });
    });
}
