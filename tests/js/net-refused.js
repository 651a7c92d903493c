// A refused connect (to a port that was just freed): each of the connect
// forms gets exactly one 'error' (code ECONNREFUSED, errno -111, syscall
// 'connect', address and port, a Node-style message), emitted
// asynchronously (listeners added after connect() returned get it), then
// exactly one 'close' with hadError true, and never 'connect', 'data' or
// 'end'; the connect callback is not called.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out, ' + pending + ' connects pending'); report(); process.exit(1); }, 15000);
var pending = 0;

function check(label, makeSocket, port) {
    pending++;
    var errors = 0, closes = 0, sync = true;
    var s = makeSocket(function () { fail(label + ': the connect callback ran'); });
    s.on('error', function (e) {
        errors++;
        if (sync) { fail(label + ': error emitted synchronously'); }
        if (closes) { fail(label + ': error after close'); }
        if (!(e instanceof Error)) { fail(label + ': error is not an Error'); return; }
        if (e.code !== 'ECONNREFUSED') { fail(label + ': code ' + e.code + ', want ECONNREFUSED'); }
        if (e.errno !== -111) { fail(label + ': errno ' + e.errno + ', want -111'); }
        if (e.syscall !== 'connect') { fail(label + ': syscall ' + e.syscall + ', want connect'); }
        if (e.address !== '127.0.0.1') { fail(label + ': address ' + e.address); }
        if (e.port !== port) { fail(label + ': port ' + e.port + ', want ' + port); }
        if (e.message !== 'connect ECONNREFUSED 127.0.0.1:' + port) { fail(label + ': message "' + e.message + '"'); }
    });
    s.on('close', function (hadError) {
        closes++;
        if (hadError !== true) { fail(label + ': close hadError ' + hadError + ', want true'); }
        if (errors !== 1) { fail(label + ': ' + errors + ' errors before close, want 1'); }
        /* wait a little for duplicate events */
        setTimeout(function () {
            if (errors !== 1) { fail(label + ': ' + errors + ' error events, want 1'); }
            if (closes !== 1) { fail(label + ': ' + closes + ' close events, want 1'); }
            if (--pending === 0) { clearTimeout(guard); report(); }
        }, 50);
    });
    s.on('connect', function () { fail(label + ': connect event'); });
    s.on('data', function () { fail(label + ': data event'); });
    s.on('end', function () { fail(label + ': end event'); });
    sync = false;
}

var probe = net.createServer();
probe.listen(0, '127.0.0.1', function () {
    var port = probe.address().port;
    probe.close(function () {
        check('net.connect(port, host, cb)', function (cb) { return net.connect(port, '127.0.0.1', cb); }, port);
        check('net.connect({port, host}, cb)', function (cb) { return net.connect({ port: port, host: '127.0.0.1' }, cb); }, port);
        check('net.createConnection(port, host, cb)', function (cb) { return net.createConnection(port, '127.0.0.1', cb); }, port);
        check('net.createConnection({port, host})', function (cb) {
            var s = net.createConnection({ port: port, host: '127.0.0.1' });
            s.on('connect', cb);
            return s;
        }, port);
    });
});
