// Peer reset mid-stream: the server sends a greeting, leaves the client's
// data unread (paused) and destroys its socket, so the kernel answers with
// a RST. The reading client gets the greeting, then exactly one 'error'
// with code ECONNRESET and one 'close' with hadError true, no 'end'; the
// process goes on (the original ECMAScript loop ended on ECONNRESET) and
// a second connection to the same server still works.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen';
var serverSockets = [];

var server = net.createServer(function (c) {
    serverSockets.push(c);
    var n = serverSockets.length;
    c.on('error', function (e) { fail('server socket ' + n + ' error ' + e.code); });
    if (n === 1) {
        c.pause();          /* the client's bytes stay unread in the kernel */
        c.write('greeting');
    } else {
        c.on('data', function (d) { c.end(d); });
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });

server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    step = 'first connection';
    var errors = 0, closes = 0, got = '';
    var c = net.connect(port, '127.0.0.1', function () { c.write('unread by the server'); });
    c.setEncoding('utf8');
    c.on('data', function (d) {
        got += d;
        if (errors || closes) { fail('data after error/close'); }
        if (got === 'greeting') {
            /* the client's bytes have had time to arrive: reset */
            setTimeout(function () {
                step = 'reset';
                /* Node.js reads on behind a pause(): it needs resetAndDestroy for a RST */
                var s = serverSockets[0];
                (s.resetAndDestroy || s.destroy).call(s);
            }, 50);
        }
    });
    c.on('end', function () { fail('end event on a reset connection'); });
    c.on('error', function (e) {
        errors++;
        if (e.code !== 'ECONNRESET') { fail('error code ' + e.code + ', want ECONNRESET'); }
        if (e.errno !== -104) { fail('errno ' + e.errno + ', want -104'); }
        if (typeof e.syscall !== 'string') { fail('error without syscall'); }
    });
    c.on('close', function (hadError) {
        closes++;
        if (hadError !== true) { fail('close hadError ' + hadError + ', want true'); }
        if (errors !== 1) { fail(errors + ' errors before close, want 1'); }
        if (got !== 'greeting') { fail('client got ' + JSON.stringify(got)); }
        step = 'second connection';
        setTimeout(second, 50, port);
    });
});

function second(port) {
    var got = '';
    var c = net.connect(port, '127.0.0.1', function () { c.write('second'); });
    c.setEncoding('utf8');
    c.on('data', function (d) { got += d; });
    c.on('error', function (e) { fail('second connection error ' + e.code); });
    c.on('close', function (hadError) {
        if (hadError) { fail('second connection closed with an error'); }
        if (got !== 'second') { fail('second connection got ' + JSON.stringify(got)); }
        server.close(function () { clearTimeout(guard); report(); });
    });
}
