// A port can be listened on again right after its server closed, even with
// connections of the old server in TIME_WAIT (SO_REUSEADDR, as Node.js):
// the old server closes its side first (so TIME_WAIT is on the server's
// port), then a new server listens on the same port and serves.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'first';
var N = 5;
var first = net.createServer(function (c) { c.end('first'); c.on('error', function () { }); });
first.on('error', function (e) { fail('first server error ' + e.code); });
first.listen(0, '127.0.0.1', function () {
    var port = first.address().port, closed = 0;
    for (var i = 0; i < N; i++) {
        var c = net.connect(port, '127.0.0.1');
        c.resume();
        c.on('error', function (e) { fail('client error ' + e.code); });
        c.on('close', function () {
            if (++closed === N) { first.close(function () { again(port); }); }
        });
    }
});
function again(port) {
    step = 'second';
    var second = net.createServer(function (c) { c.end('second'); c.on('error', function () { }); });
    second.on('error', function (e) { fail('listening again on port ' + port + ': ' + e.code); report(); process.exit(1); });
    second.listen(port, '127.0.0.1', function () {
        var c = net.connect(port, '127.0.0.1'), got = '';
        c.setEncoding('utf8');
        c.on('data', function (d) { got += d; });
        c.on('error', function (e) { fail('client error ' + e.code); });
        c.on('close', function () {
            if (got !== 'second') { fail('got ' + JSON.stringify(got)); }
            second.close(function () { clearTimeout(guard); report(); });
        });
    });
}
