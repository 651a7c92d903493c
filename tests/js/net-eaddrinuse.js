// EADDRINUSE: listening on a port another server holds emits 'error' on the
// server, asynchronously (listen() does not throw; a listener added after
// listen() returned gets it), with code EADDRINUSE, errno -98, syscall
// 'listen', address and port; no 'listening', the listen callback does not
// run. The first server keeps serving, and the failed server can listen
// again (on port 0). evloop also: the seed Socket.createServerSocket throws
// an Error with code EADDRINUSE.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen a';

var a = net.createServer(function (c) { c.end('from a'); });
a.on('error', function (e) { fail('server a error ' + e.code); });
a.listen(0, '127.0.0.1', function () {
    var port = a.address().port;
    step = 'listen b';
    var b = net.createServer(function (c) { c.end('from b'); });
    var errors = 0, sync = true, listenCb = 0;
    var ret = b.listen(port, '127.0.0.1', function () { listenCb++; });
    if (ret !== b) { fail('listen() did not return the server'); }
    b.on('listening', function () {
        if (errors === 0) { fail('b emitted listening on a port in use'); }
    });
    b.on('error', function (e) {
        errors++;
        if (sync) { fail('EADDRINUSE emitted synchronously'); }
        if (e.code !== 'EADDRINUSE') { fail('code ' + e.code + ', want EADDRINUSE'); }
        if (e.errno !== -98) { fail('errno ' + e.errno + ', want -98'); }
        if (e.syscall !== 'listen') { fail('syscall ' + e.syscall + ', want listen'); }
        if (e.address !== '127.0.0.1') { fail('address ' + e.address); }
        if (e.port !== port) { fail('port ' + e.port + ', want ' + port); }
        if (!/EADDRINUSE/.test(e.message)) { fail('message ' + e.message); }
        if (errors > 1) { return; }
        setTimeout(afterError, 30, port, b);
    });
    sync = false;
    /* the seed API throws at once */
    if (typeof Socket === 'object') {
        var threw = null;
        try { Socket.close(Socket.createServerSocket('127.0.0.1', port)); } catch (e) { threw = e; }
        if (!threw || threw.code !== 'EADDRINUSE') {
            fail('Socket.createServerSocket on a port in use: ' + (threw ? threw + ' code ' + threw.code : 'no error'));
        }
    }
    function afterError(port, b) {
        if (errors !== 1) { fail(errors + ' error events'); }
        if (listenCb !== 0) { fail('the listen callback ran'); }
        step = 'a still serves';
        var got = '';
        var c = net.connect(port, '127.0.0.1');
        c.setEncoding('utf8');
        c.on('data', function (d) { got += d; });
        c.on('error', function (e) { fail('client error ' + e.code); });
        c.on('close', function () {
            if (got !== 'from a') { fail('the first server answered ' + JSON.stringify(got)); }
            step = 'b listens again';
            b.listen(0, '127.0.0.1', function () {
                var p2 = b.address().port, got2 = '';
                var c2 = net.connect(p2, '127.0.0.1');
                c2.setEncoding('utf8');
                c2.on('data', function (d) { got2 += d; });
                c2.on('error', function (e) { fail('client 2 error ' + e.code); });
                c2.on('close', function () {
                    if (got2 !== 'from b') { fail('b answered ' + JSON.stringify(got2)); }
                    a.close();
                    b.close();
                    clearTimeout(guard);
                    report();
                });
            });
        });
    }
});
