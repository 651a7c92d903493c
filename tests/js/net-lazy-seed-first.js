// The seed EventLoop socket functions load net.js too (src/bind/install.hpp):
// here the first use of the socket layer is EventLoop.connect (refused:
// port 1), through a reference saved at start-up; afterwards `net` is
// there and the saved references keep working (they forward to the real
// functions, which EventLoop now holds): an echo of raw fds over a net
// server.
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var saved = { server: EventLoop.server, connect: EventLoop.connect, setReader: EventLoop.setReader,
              write: EventLoop.write, close: EventLoop.close };
var names = Object.keys(saved);
for (var i = 0; i < names.length; i++) {
    if (typeof saved[names[i]] !== 'function') { fail('EventLoop.' + names[i] + ' is not a function'); }
    if (Object.keys(EventLoop).indexOf(names[i]) >= 0) { fail('EventLoop.' + names[i] + ' is enumerable'); }
}
var guard = setTimeout(function () { fail('timed out'); report(); process.exit(1); }, 10000);

saved.connect('127.0.0.1', 1, function () { fail('connected to port 1'); }, function (err) {
    if (err.code !== 'ECONNREFUSED') { fail('port 1: ' + err.code); }
    if (EventLoop.connect === saved.connect) { fail('EventLoop.connect is still the stub'); }
    if (EventLoop.connect.length !== 4) { fail('EventLoop.connect.length ' + EventLoop.connect.length); }
    if (typeof net !== 'object' || typeof EventEmitter !== 'function') { fail('net not loaded'); }
    var srv = net.createServer(function (s) { s.on('data', function (d) { s.write(d); }); s.on('end', function () { s.end(); }); });
    srv.listen(0, '127.0.0.1', function () {
        var got = '';
        saved.connect('127.0.0.1', srv.address().port, function (fd) {
            saved.setReader(fd, function (f, data) {
                got += data;
                if (got === 'ping pong') {
                    saved.close(f);
                    srv.close();
                    clearTimeout(guard);
                    report();
                }
            });
            if (saved.write(fd, 'ping ') !== true) { fail('write returned false'); }
            EventLoop.write(fd, 'pong');
        }, function (e) { fail('connect ' + e); });
    });
});
