// EventLoop.setReader (and EventLoop.write) on a listening fd is refused
// (EINVAL; ENOTCONN for a write): the old code replaced the listener's
// accept handler with the reader, so every connection accepted after
// leaked its fd and was never seen. A seed listener's fd and a
// net.Server's are tried; afterwards both still accept (onAccept and
// 'connection' run) and the loop goes on.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function noop() {}
function errorOf(fn) {
    try { fn(); } catch (e) { return e; }
    return null;
}
function finish() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var seedAccepts = 0, netAccepts = 0, lfd;
var srv = net.createServer(function (c) { netAccepts++; c.destroy(); });
srv.listen(0, '127.0.0.1', function () {
    /* the seed API has no address(): its listener takes the port of a
     * second net server, closed first */
    var tmp = net.createServer().listen(0, '127.0.0.1', function () {
        var seedPort = tmp.address().port;
        tmp.close(function () {
            lfd = EventLoop.server('127.0.0.1', seedPort, function (fd) {
                seedAccepts++;
                EventLoop.close(fd);
            });
            attack(seedPort);
        });
    });
});
function attack(seedPort) {
    var fds = [lfd, srv._fd];
    for (var i = 0; i < fds.length; i++) {
        var e = errorOf(function () { EventLoop.setReader(fds[i], noop); });
        if (e === null || e.code !== 'EINVAL') { fail('setReader(listener ' + fds[i] + '): ' + (e ? e + ' code ' + e.code : 'no error')); }
        e = errorOf(function () { EventLoop.write(fds[i], 'x'); });
        if (e === null || (e.code !== 'EINVAL' && e.code !== 'ENOTCONN')) { fail('write(listener ' + fds[i] + '): ' + (e ? e + ' code ' + e.code : 'no error')); }
    }
    var closed = 0;
    function closedOne() {
        if (++closed < 2) { return; }
        setTimeout(function () {
            if (netAccepts !== 1) { fail('the net server accepted ' + netAccepts + ' connections, want 1'); }
            if (seedAccepts !== 1) { fail('the seed server accepted ' + seedAccepts + ' connections, want 1'); }
            EventLoop.close(lfd);
            srv.close();
            finish();
        }, 10);
    }
    var ports = [srv.address().port, seedPort];
    for (i = 0; i < 2; i++) {
        var c = net.connect(ports[i], '127.0.0.1');
        c.on('error', noop);
        c.on('close', closedOne);
        c.resume();
    }
}
