// A non-socket fd given to a socket API fails that call with its errno and
// is never closed: the old code had EventLoop.write(1, 'x') fail with
// ENOTSOCK from the loop, return true and close stdout, so the next socket
// became fd 1 and print() wrote to the network peer. Here: the write throws
// ENOTSOCK at once, Socket.close/EventLoop.close of stdout, stderr and stdin
// are EBADF and close nothing; EventLoop.setReader(0) on /dev/null reaches
// end of stream and stops reading without closing fd 0. New sockets never
// get 0, 1 or 2, and 'ok' reaches stdout after all that.
// stdin: devnull
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function errorOf(fn) {
    try { fn(); } catch (e) { return e; }
    return null;
}
var e = errorOf(function () { EventLoop.write(1, 'x'); });
if (e === null || e.code !== 'ENOTSOCK') { fail('EventLoop.write(1): ' + (e ? e + ' code ' + e.code : 'no error')); }
e = errorOf(function () { EventLoop.write(2, new Uint8Array(10)); });
if (e === null || e.code !== 'ENOTSOCK') { fail('EventLoop.write(2): ' + (e ? e + ' code ' + e.code : 'no error')); }
var closers = [['Socket.close', function (fd) { Socket.close(fd); }], ['EventLoop.close', function (fd) { EventLoop.close(fd); }]];
for (var i = 0; i < closers.length; i++) {
    for (var fd = 1; fd <= 2; fd++) {
        e = errorOf(function () { closers[i][1](fd); });
        if (e === null || e.code !== 'EBADF') { fail(closers[i][0] + '(' + fd + '): ' + (e ? e + ' code ' + e.code : 'no error')); }
    }
}
var eofs = 0;
EventLoop.setReader(0, function (fd, data) {
    if (data.length === 0) { eofs++; }
});
setTimeout(function () {
    /* stdin's end of stream has been seen: the loop stopped using fd 0 */
    var s1 = Socket.createServerSocket('127.0.0.1', 0), fds = [s1];
    var srv = net.createServer().listen(0, '127.0.0.1', function () {
        fds.push(srv._fd);
        var c = net.connect(srv.address().port, '127.0.0.1', function () {
            fds.push(c._fd);
            for (var j = 0; j < fds.length; j++) {
                if (fds[j] <= 2) { fail('a new socket got fd ' + fds[j] + ' (0-2 must stay open)'); }
            }
            c.destroy();
            srv.close();
            Socket.close(s1);
            for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
            if (!failures.length) { print('ok'); }
        });
    });
}, 30);
