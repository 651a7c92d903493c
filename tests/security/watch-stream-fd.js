// EventLoop.watch / unwatch cannot take a socket's fd from the stream
// engine: in the ECMAScript loop the old code let EventLoop.watch(B._fd,
// ..., cb) replace the stream's watcher (B's events went to the script's
// callback, B never read again and the loop hung) and unwatch drop it. Now
// both loops answer EEXIST (watch, with or without a callback) and false
// (unwatch); B still echoes and the loop ends by itself.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function expectEexist(label, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (e === null || e.code !== 'EEXIST') { fail(label + ': ' + (e ? e + ' (code ' + e.code + ')' : 'no error')); }
}
var srv = net.createServer(function (c) { c.on('data', function (d) { c.write(d); }); });
srv.listen(0, '127.0.0.1', function () {
    var B = net.connect(srv.address().port, '127.0.0.1', function () {
        expectEexist('watch(B._fd, POLLIN, cb)', function () { EventLoop.watch(B._fd, Poll.POLLIN, function () { fail('the script got B\'s event'); }); });
        expectEexist('watch(B._fd, 0)', function () { EventLoop.watch(B._fd, 0); });
        expectEexist('watch(server fd, POLLIN, cb)', function () { EventLoop.watch(srv._fd, Poll.POLLIN, function () {}); });
        if (EventLoop.unwatch(B._fd) !== false) { fail('unwatch(B._fd) did not return false'); }
        if (EventLoop.unwatch(srv._fd) !== false) { fail('unwatch(server fd) did not return false'); }
        var got = '';
        B.on('data', function (d) {
            got += d;
            if (got === 'ping') {
                B.destroy();
                srv.close();
                for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
                if (!failures.length) { print('ok'); }
            }
        });
        B.write('ping');
    });
});
