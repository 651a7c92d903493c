// Bad fds and arguments to the seed socket API give a RangeError/TypeError
// or an Error with a code (EBADF, ENOTSOCK, ...), never a crash: negative,
// fractional, non-numeric and closed fds, an fd that is not a socket (a
// pipe would be nicer; stdin from /dev/null is a character device), a
// listening fd where a connected one is wanted; bad ports and addresses.
// Afterwards the loop still runs timers and ends by itself.
// stdin: devnull
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
function expectError(label, fn, argError) {
    var e = null, ret;
    try { ret = fn(); } catch (x) { e = x; }
    if (e === null) { fail(label + ' did not throw (returned ' + JSON.stringify(ret) + ')'); return; }
    if (e instanceof RangeError || e instanceof TypeError) { return; }
    if (argError) { fail(label + ' threw ' + e + ', want a RangeError or TypeError'); return; }
    if (!(e instanceof Error) || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) {
        fail(label + ' threw ' + e + ' (code ' + (e && e.code) + '), want a RangeError or an Error with a code');
    }
}
function f() { }

/* an fd number that is surely closed: one we opened and closed ourselves */
var closedFd = Socket.createServerSocket('127.0.0.1', 0);
Socket.close(closedFd);
var bad = [-1, 1.5, NaN, 'x', '3', null, undefined, {}, 2147483648, 99999, closedFd];
for (var i = 0; i < bad.length; i++) {
    var b = bad[i], label = '(' + (typeof b === 'string' ? "'" + b + "'" : String(b)) + ')';
    var isArg = !(b === 99999 || b === closedFd);
    expectError('Socket.read' + label, function () { return Socket.read(b); }, isArg);
    expectError('Socket.write' + label, function () { return Socket.write(b, 'x'); }, isArg);
    expectError('Socket.accept' + label, function () { return Socket.accept(b); }, isArg);
    expectError('Socket.close' + label, function () { return Socket.close(b); }, isArg);
    expectError('EventLoop.setReader' + label, function () { return EventLoop.setReader(b, f); }, isArg);
    expectError('EventLoop.write' + label, function () { return EventLoop.write(b, 'x'); }, isArg);
    expectError('EventLoop.close' + label, function () { return EventLoop.close(b); }, isArg);
}

/* fds of the wrong kind */
var lfd = Socket.createServerSocket('127.0.0.1', 0);
expectError('Socket.read(listening fd)', function () { return Socket.read(lfd); });
expectError('Socket.write(listening fd)', function () { return Socket.write(lfd, 'x'); });
expectError('Socket.accept(stdin, /dev/null)', function () { return Socket.accept(0); });
Socket.close(lfd);

/* bad data, callbacks, ports and addresses */
var pair = Socket.createServerSocket('127.0.0.1', 0);
expectError('Socket.write(fd, 42)', function () { return Socket.write(pair, 42); }, true);
expectError('Socket.write(fd)', function () { return Socket.write(pair); }, true);
Socket.close(pair);
expectError('EventLoop.setReader(fd, not a function)', function () { return EventLoop.setReader(0, 42); }, true);
expectError('Socket.createServerSocket(port 65536)', function () { return Socket.createServerSocket('127.0.0.1', 65536); }, true);
expectError('Socket.createServerSocket(port -1)', function () { return Socket.createServerSocket('127.0.0.1', -1); }, true);
expectError("Socket.createServerSocket(port 'x')", function () { return Socket.createServerSocket('127.0.0.1', 'x'); }, true);
expectError('Socket.connect(port 0)', function () { return Socket.connect('127.0.0.1', 0); });
expectError('Socket.connect(port 70000)', function () { return Socket.connect('127.0.0.1', 70000); }, true);
expectError("Socket.connect('999.1.1.1.invalid.')", function () { return Socket.connect('999.1.1.1.invalid.', 80); });
expectError('Socket.createServerSocket(an address of no interface)', function () { return Socket.createServerSocket('192.0.2.1', 0); });
expectError('EventLoop.server(port 65536)', function () { return EventLoop.server('127.0.0.1', 65536, f); }, true);
expectError('EventLoop.server(no callback)', function () { return EventLoop.server('127.0.0.1', 0); }, true);
expectError('EventLoop.connect(port -5)', function () { return EventLoop.connect('127.0.0.1', -5, f); }, true);
expectError('EventLoop.connect(no callback)', function () { return EventLoop.connect('127.0.0.1', 80); }, true);

/* the loop goes on and ends by itself */
var ticks = 0;
setTimeout(function () { ticks++; }, 1);
setTimeout(function () {
    if (ticks !== 1) { fail('a timer did not run'); }
    report();
}, 20);
