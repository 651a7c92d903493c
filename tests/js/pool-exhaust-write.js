// socket.write while the heap is full: the client fills the kernel's socket
// buffers (the server reads nothing), then the heap (leaving about 32 KiB),
// then writes 256 KiB that must be queued. Queueing needs memory there is
// not: the socket reports it through 'error' (ENOMEM, or 'alloc failed'
// when even that error could not be made), as any write error, and
// write() itself does not throw (the C++ loop threw ENOMEM at the writer).
// The loop goes on: a timer fires. Without a pool everything is queued
// and no error comes.
// expect-exit: 1
// expect-stderr: pool-exhaust-write: end of script
// timeout: 30
// needs: net
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failures = [];
function fail(msg) { failures.push(msg); }
function finish() {
    hog = [];
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
    setTimeout(function () { throw new Error('pool-exhaust-write: end of script'); }, 1);
}
var hog = [];
function fillHeap() {
    try {
        for (var i = 0; i < 4096; i++) { hog.push(new Buffer(4096)); }
    } catch (e) {
        hog.length -= 8;   /* about 32 KiB free again */
    }
}
var block = new Buffer(65536), payload = new Buffer(256 * 1024);
block.fill(0x61);
payload.fill(0x62);
var server = net.createServer({ pauseOnConnect: true }, function (c) {
    c.on('error', function () {});
});
server.listen(0, '127.0.0.1', function () {
    var cl = net.connect(server.address().port, '127.0.0.1', function () {
        var i, threw = null, error = null;
        for (i = 0; i < 4000 && cl.writableLength === 0; i++) { cl.write(block); }
        if (cl.writableLength === 0) { fail('the kernel took 250 MiB'); }
        cl.on('error', function (e) { error = e; hog = []; });
        fillHeap();
        try { cl.write(payload); } catch (e) { threw = e; }
        hog = [];
        if (threw !== null) { fail('write() threw ' + threw + ' (code ' + threw.code + ')'); }
        setTimeout(function () {
            if (inPool && error === null && threw === null) { fail('no error in a full pool'); }
            if (error !== null && error.code !== 'ENOMEM' && error.message !== 'alloc failed') {
                fail('the error is ' + error + ' (code ' + error.code + '), want ENOMEM');
            }
            if (!inPool && error !== null) { fail('an error without a pool: ' + error); }
            cl.destroy();
            server.close();
            finish();
        }, 200);
    });
});
