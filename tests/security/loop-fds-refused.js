// The loop's own fds (backend, wake, timer, the CLI's signal pipe: a native
// watcher) are refused to every JS API with EPERM, and nothing closes an
// fd the loop did not open (EBADF): the old code let Socket.close(3) close
// the epoll fd (the loop then spun) and the signal pipe (the next
// connection took its number). Every fd below 64 the script did not open
// is tried with each API; afterwards the numbers refused with EPERM are
// still taken (a new socket never gets one), a connection still works, a
// timer still fires and the loop ends by itself.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function noop() {}
function errorOf(fn) {
    try { fn(); } catch (e) { return e; }
    return null;
}
var refused = {}, nRefused = 0, apis = [
    ['Socket.close', function (fd) { Socket.close(fd); }],
    ['Socket.read', function (fd) { Socket.read(fd); }],
    ['Socket.write', function (fd) { Socket.write(fd, 'x'); }],
    ['Socket.accept', function (fd) { Socket.accept(fd); }],
    ['EventLoop.close', function (fd) { EventLoop.close(fd); }],
    ['EventLoop.write', function (fd) { EventLoop.write(fd, 'x'); }],
    ['EventLoop.setReader', function (fd) { EventLoop.setReader(fd, noop); }],
    ['EventLoop.watch', function (fd) { EventLoop.watch(fd, Poll.POLLIN, noop); }]
];
/* first pass: which fds are the loop's (EPERM from Socket.close, which
 * closes nothing else: stdin/stdout/stderr are EBADF, not the loop's) */
for (var fd = 0; fd < 64; fd++) {
    var e = errorOf(function () { Socket.close(fd); });
    if (e === null) { fail('Socket.close(' + fd + ') closed an fd the script did not open'); continue; }
    if (e.code === 'EPERM') { refused[fd] = true; nRefused++; }
    else if (e.code !== 'EBADF') { fail('Socket.close(' + fd + '): ' + e + ' (code ' + e.code + ')'); }
}
if (nRefused === 0) { fail('no fd was refused with EPERM (the wake fd at least is the loop\'s)'); }
for (fd in refused) {
    fd = Number(fd);
    for (var i = 0; i < apis.length; i++) {
        e = errorOf(function () { apis[i][1](fd); });
        if (e === null || e.code !== 'EPERM' || !/belongs to the event loop/.test(e.message)) {
            fail(apis[i][0] + '(' + fd + '): ' + (e ? e + ' (code ' + e.code + ')' : 'no error'));
        }
    }
}
/* the loop goes on: its fds are still its own (no new socket takes one of
 * their numbers), a connection echoes, a timer fires */
var srv = net.createServer(function (c) { c.on('data', function (d) { c.end(d); }); });
srv.listen(0, '127.0.0.1', function () {
    if (refused[srv._fd]) { fail('a listening socket got the loop\'s fd ' + srv._fd); }
    var got = '', c = net.connect(srv.address().port, '127.0.0.1', function () { c.write('ping'); });
    c.on('data', function (d) { got += d; });
    c.on('close', function () {
        if (got !== 'ping') { fail('echo: ' + JSON.stringify(got)); }
        if (refused[c._fd]) { fail('a client socket got a loop fd'); }
        srv.close();
        setTimeout(function () {
            for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
            if (!failures.length) { print('ok'); }
        }, 5);
    });
});
