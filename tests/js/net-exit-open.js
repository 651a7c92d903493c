// Leaving the loop with everything still open: a listening server, a
// connection both ways, a write queue of several MiB towards a peer that
// does not read, a connect to TEST-NET-2 (198.51.100.1: pending at exit
// where a default route exists, else failed at once) and an idle timer on
// a socket. After EventLoop.requestExit() the process ends with status 0
// and releases all of it (the sanitizer run checks for leaks: nothing on
// stderr).
// timeout: 30
// pool: skip writes 1 MiB Buffers (24 MiB queued)
var guard = setTimeout(function () { print('FAIL timed out'); process.exit(1); }, 15000);
var server = net.createServer(function (c) {
    c.on('error', function () { });
    /* queue far more than the kernel takes; the client never reads */
    var chunk = new Buffer(1024 * 1024);
    for (var i = 0; i < 24; i++) { c.write(chunk); }
    setTimeout(function () {
        clearTimeout(guard);
        if (typeof EventLoop !== 'object') { print('ok'); process.exit(0); }
        print('ok');
        EventLoop.requestExit();
    }, 100);
});
server.on('error', function (e) { print('FAIL server error ' + e.code); });
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1');
    c.pause();
    c.setTimeout(60000);
    c.on('error', function () { });
    net.connect(9, '198.51.100.1').on('error', function () { });
});
