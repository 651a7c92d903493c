// An 'error' without a listener throws (as Node.js's EventEmitter): a
// refused connect with no 'error' listener is reported as an uncaught
// error (the stack trace names ECONNREFUSED on stderr, exit status 1),
// and the loop goes on: the timer after it still runs.
// expect-exit: 1
// expect-stderr: ECONNREFUSED
// timeout: 20
var probe = net.createServer();
probe.listen(0, '127.0.0.1', function () {
    var port = probe.address().port;
    probe.close(function () {
        net.connect(port, '127.0.0.1');
        setTimeout(function () { print('ok'); }, 200);
    });
});
