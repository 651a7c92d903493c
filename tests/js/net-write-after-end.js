// write() after end() does not throw and sends nothing: it returns false,
// its callback gets an Error, the socket emits one 'error' (an Error with a
// code; Node.js: ERR_STREAM_WRITE_AFTER_END) and one 'close'; the peer
// receives exactly the bytes written before end() and then its 'end'.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen';
var pendingA = 2;  /* the client's checks and the server side's close */

var server = net.createServer(function (c) {
    var got = '';
    c.setEncoding('utf8');
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.on('data', function (d) { got += d; });
    c.on('end', function () {
        if (got !== 'before end') { fail('the peer got ' + JSON.stringify(got)); }
        c.end();
    });
    c.on('close', function () { if (--pendingA === 0) { finish(); } });
});
server.on('error', function (e) { fail('server error ' + e.code); });

function checkLateWrite(label, c, after) {
    var errors = 0, cbErr = 'not called', threw = null, ret;
    c.on('error', function (e) {
        errors++;
        if (!(e instanceof Error) || typeof e.code !== 'string') { fail(label + ': error event without a code: ' + e); }
    });
    try {
        ret = c.write('after end', function (err) { cbErr = err; });
    } catch (x) { threw = x; }
    if (threw) { fail(label + ': write after end threw ' + threw); }
    if (ret !== false) { fail(label + ': write after end returned ' + ret); }
    c.on('close', function () {
        setTimeout(function () {
            if (errors !== 1) { fail(label + ': ' + errors + ' error events'); }
            if (!(cbErr instanceof Error)) { fail(label + ': the write callback got ' + cbErr); }
            after();
        }, 30);
    });
}

server.listen(0, '127.0.0.1', function () {
    step = 'A';
    var c = net.connect(server.address().port, '127.0.0.1', function () {
        c.write('before end');
        c.end();
        checkLateWrite('A', c, function () { if (--pendingA === 0) { finish(); } });
    });
});

function finish() {
    server.close(function () { clearTimeout(guard); report(); });
}
