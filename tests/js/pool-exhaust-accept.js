// Connections accepted while the heap is full: the server's script holds
// all the memory when a client (the synchronous seed Socket.connect, which
// needs none) connects. The loop cannot make the accept callback's
// arguments (or net.js its Socket): the accepted fd is closed, so the
// client sees its connection end; it used to stay open with no one to know
// it (a leaked fd, C++ loop). After the memory is back, a new connection
// is served. Without a pool the first connection is served too.
// In the ECMAScript loop a heap the script keeps full fails every turn (its
// JS turn allocates), so no timer could give the memory back: there the
// full-heap phase is skipped (the native accept and net.js close the fd
// the same way, untested here).
// expect-exit: 1
// expect-stderr: pool-exhaust-accept: end of script
// timeout: 30
// needs: net
var ecmaLoop = String(EventLoop.now).indexOf('native code') < 0;   /* the ECMAScript loop's is JS */
var inPool = !!process.env.EVLOOP_TEST_POOL && !ecmaLoop;
var failures = [];
function fail(msg) { failures.push(msg); }
var hog = [], served = 0, port = 0;
function fillHeap() {
    try {
        for (var i = 0; i < (ecmaLoop ? 0 : inPool ? Infinity : 1000); i++) { hog.push(new Buffer(1024)); }
    } catch (e) {
        /* full */
    }
}
var server = net.createServer(function (c) {
    served++;
    c.end('hi');
});
server.on('error', function (e) { fail('server error ' + e); });
server.listen(0, '127.0.0.1', function () {
    port = server.address().port;
    setTimeout(function () {
        fillHeap();
        var fd = Socket.connect('127.0.0.1', port);   /* the kernel completes it: the server accepts next turn */
        setTimeout(function () {
            hog = [];
            var r = null;
            try { r = Socket.read(fd); } catch (e) { r = e; }
            Socket.close(fd);
            if (inPool) {
                /* closed: end of stream (an empty Buffer), or a reset */
                if (r === null) { fail('the connection accepted in a full heap is still open (leaked)'); }
                else if (r instanceof Error ? r.code !== 'ECONNRESET' : r.length !== 0 && String(r) !== 'hi') {
                    fail('read ' + r);
                }
            } else if (r === null || String(r) !== 'hi') {
                fail('without a pool the server did not answer: ' + r);
            }
            again();
        }, 300);
    }, 10);
});
function again() {
    var got = '';
    var c = net.connect(port, '127.0.0.1');
    c.setEncoding('utf8');
    c.on('data', function (d) { got += d; });
    c.on('error', function (e) { fail('second client ' + e); });
    c.on('close', function () {
        if (got !== 'hi') { fail('second connection got ' + JSON.stringify(got)); }
        server.close();
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
        setTimeout(function () { throw new Error('pool-exhaust-accept: end of script'); }, 1);
    });
}
