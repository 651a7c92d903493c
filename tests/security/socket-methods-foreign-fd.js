// Every net method that hands an fd to the engine checks that the socket
// (or server) it is called on owns that fd: the old code trusted the
// script-writable _fd field, so a copied or forged field let end(),
// destroy(), pause(), setNoDelay(), address(), server.close() ... act on
// another connection or server. Each is called on a forged object, on
// Object.create(prototype) with B's fd and on A with B's fd copied into
// it: a TypeError (ERR_INVALID_THIS) every time. Afterwards B and the
// server are untouched: B echoes, the server accepts, the loop goes on.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function expectInvalidThis(label, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (e === null || !(e instanceof TypeError) || e.code !== 'ERR_INVALID_THIS') {
        fail(label + ': ' + (e ? e + ' (code ' + e.code + ')' : 'no error'));
    }
}
var SP = net.Socket.prototype, SV = net.Server.prototype;
var methods = [
    ['end', function (s) { s.end(); }], ['end(data)', function (s) { s.end('X'); }],
    ['destroy', function (s) { s.destroy(); }], ['destroySoon', function (s) { s.destroySoon(); }],
    ['resetAndDestroy', function (s) { s.resetAndDestroy(); }],
    ['pause', function (s) { s.pause(); }], ['resume', function (s) { s.resume(); }],
    ['setNoDelay', function (s) { s.setNoDelay(true); }], ['setKeepAlive', function (s) { s.setKeepAlive(true, 1000); }],
    ['setEncoding', function (s) { s.setEncoding('utf8'); }], ['setTimeout', function (s) { s.setTimeout(10); }],
    ['address', function (s) { s.address(); }], ['localAddress', function (s) { return get('localAddress', s); }],
    ['localPort', function (s) { return get('localPort', s); }], ['bytesRead', function (s) { return get('bytesRead', s); }],
    ['bytesWritten', function (s) { return get('bytesWritten', s); }], ['writableLength', function (s) { return get('writableLength', s); }]
];
var echoes = 0;
var srv = net.createServer(function (c) { c.on('data', function (d) { echoes++; c.write(d); }); });
srv.listen(0, '127.0.0.1', function () {
    var port = srv.address().port, n = 0;
    var A = net.connect(port, '127.0.0.1', ready), B = net.connect(port, '127.0.0.1', ready);
    function ready() {
        if (++n === 2) { attack(A, B, port); }
    }
});
function attack(A, B, port) {
    var bfd = B._fd, afd = A._fd, i;
    for (i = 0; i < methods.length; i++) {
        var m = methods[i];
        expectInvalidThis(m[0] + ' on {_fd: B._fd}', function () { m[1].call(null, forged({ _fd: bfd, _wfd: bfd })); });
        expectInvalidThis(m[0] + ' on Object.create(Socket.prototype)', function () {
            var f = Object.create(SP);
            f._fd = bfd;
            f._wfd = -1;
            m[1](f);
        });
        A._fd = bfd;
        A._wfd = -1;
        expectInvalidThis(m[0] + ' on A with B\'s fd', function () { m[1](A); });
        A._fd = afd;
        A._wfd = bfd;
        expectInvalidThis(m[0] + ' on A with B\'s _wfd', function () { m[1](A); });
        A._wfd = afd;
    }
    expectInvalidThis('server.close on a forged server', function () { SV.close.call({ _fd: srv._fd }); });
    expectInvalidThis('server.address on a forged server', function () { SV.address.call({ _fd: srv._fd }); });
    expectInvalidThis('server.close on another server with its fd', function () {
        var other = net.createServer();
        other._fd = srv._fd;
        other.close();
    });
    /* B, its peer and the server are untouched */
    var got = '';
    B.on('data', function (d) { got += d; });
    B.write('ping');
    var C = net.connect(port, '127.0.0.1', function () { C.destroy(); });
    C.on('close', function () {
        setTimeout(function () {
            if (got !== 'ping') { fail('B echoed ' + JSON.stringify(got)); }
            if (B.destroyed || !B.writable) { fail('B was destroyed or ended'); }
            A.destroy();
            B.destroy();
            srv.close();
            for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
            if (!failures.length) { print('ok'); }
        }, 30);
    });
}
function get(name, s) {   /* the getter itself: a plain object has none */
    return Object.getOwnPropertyDescriptor(SP, name).get.call(s);
}
function forged(o) {
    /* a plain object with the prototype's methods, not a Socket */
    for (var k in SP) { if (!(k in o)) { o[k] = SP[k]; } }
    return o;
}
