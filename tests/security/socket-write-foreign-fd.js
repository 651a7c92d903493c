// Socket#write (native in both engines) acts only for the socket that owns
// the stream: the old code sent on this._wfd, so `A._wfd = B._fd;
// A.write(x)` and `net.Socket.prototype.write.call({_wfd: B._fd}, x)` sent
// on connection B. Each forged call is a TypeError (ERR_INVALID_THIS), but
// for A.write(buffer) with A's fast path on: the native finds A's fd from A
// itself, never from _wfd, and sends on A's own connection; a
// destroyed socket's write fails as Node's (ERR_STREAM_DESTROYED to the
// callback), also with B's fd copied into it. B's peer receives exactly
// what B wrote, A's peer what A wrote, and both connections go on.
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
var peers = [], got = {};
var srv = net.createServer(function (c) {
    var name = null;
    c.on('data', function (d) {
        var s = String(d);
        if (name === null) { name = s.charAt(0); got[name] = ''; }
        got[name] += s;
    });
    peers.push(c);
});
srv.listen(0, '127.0.0.1', function () {
    var port = srv.address().port, n = 0;
    var A = net.connect(port, '127.0.0.1', ready), B = net.connect(port, '127.0.0.1', ready);
    var C = net.connect(port, '127.0.0.1', ready);
    function ready() {
        if (++n < 3) { return; }
        A.write('A1');
        B.write('B1');
        setTimeout(function () { attack(A, B, C); }, 20);
    }
});
function attack(A, B, C) {
    var write = net.Socket.prototype.write, bfd = B._fd, aFd = A._fd;
    expectInvalidThis('write.call({_wfd: B._fd})', function () { write.call({ _wfd: bfd }, 'X'); });
    expectInvalidThis('write.call({_wfd, _fd: B._fd})', function () { write.call({ _wfd: bfd, _fd: bfd }, 'X'); });
    expectInvalidThis('write.call(Object.create(Socket.prototype) with B\'s fd)', function () {
        var f = Object.create(net.Socket.prototype);
        f._wfd = bfd;
        f._fd = bfd;
        f.write('X');
    });
    A._wfd = bfd;
    expectInvalidThis('A._wfd = B._fd; A.write()', function () { A.write('X'); });
    /* The native fast path never reads _wfd: it finds the fd from A itself
     * (a table only C++ reaches), so a buffer goes to A's own connection. */
    try { A.write(new Uint8Array([88])); } catch (e) { fail('A._wfd = B._fd; A.write(buffer): ' + e); }
    expectInvalidThis('A._wfd = B._fd; A.write(x, cb)', function () { A.write('X', function () {}); });
    A._fd = bfd;
    expectInvalidThis('A._fd = A._wfd = B._fd; A.write()', function () { A.write('X'); });
    A._wfd = -1;
    expectInvalidThis('A._fd = B._fd; A.write()', function () { A.write('X'); });
    A._fd = aFd;
    A._wfd = aFd;
    A.write('A2');   /* A itself still writes */
    /* a destroyed socket given B's fd: TypeError; without: ERR_STREAM_DESTROYED */
    C.destroy();
    var cbErr = null;
    C.write('X', function (err) { cbErr = err; });
    C._fd = bfd;
    C._wfd = bfd;
    expectInvalidThis('destroyed C with B\'s fd: write()', function () { C.write('X'); });
    C._fd = -1;
    C._wfd = -1;
    B.write('B2');
    setTimeout(function () {
        if (cbErr === null || cbErr.code !== 'ERR_STREAM_DESTROYED') { fail('write after destroy: ' + cbErr); }
        if (got.A !== 'A1XA2') { fail('A\'s peer got ' + JSON.stringify(got.A)); }
        if (got.B !== 'B1B2') { fail('B\'s peer got ' + JSON.stringify(got.B)); }
        A.destroy();
        B.destroy();
        for (var i = 0; i < peers.length; i++) { peers[i].destroy(); }
        srv.close();
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 50);
}
