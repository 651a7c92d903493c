// evloop's own allocations (here the 64 KiB read buffer and socket state)
// get the garbage Duktape could collect: the heap is filled with cyclic
// garbage (reference counting cannot free it, only the mark-and-sweep
// collector), the garbage is dropped, and the first connection must echo
// without an error. Before the fix evloop's allocator skipped the collector
// and the read failed with ENOMEM in a full pool (EVLOOP_TEST_POOL: the
// pool section's --pool=1048576). Without a pool the fill stops at a bound.
// needs: net
var inPool = !!process.env.EVLOOP_TEST_POOL;
var filled = false;
(function fill() {
    /* reserve: freed (reference counting) as the error leaves the fill, so
     * that the catch has room for its binding; in a full pool entering the
     * catch itself failed ("DoubleError: error in error handling"). */
    var keep = [], reserve = new Buffer(16384);
    try {
        try {
            for (var i = 0; i < 20000; i++) {
                var a = {}, b = { a: a };
                a.b = b;            /* a cycle: only mark-and-sweep frees it */
                keep.push(a, new Buffer(256));
            }
        } finally {
            reserve = null;
        }
    } catch (e) {
        filled = true;
    }
    keep = null;                    /* all of it is garbage from here on */
})();
if (inPool && !filled) { print('FAIL the pool never ran out'); }

var server = net.createServer(function (s) {
    s.on('data', function (d) { s.end(d); });
    s.on('error', function (e) { print('FAIL server socket error ' + e + ' (code ' + e.code + ')'); });
});
server.listen(0, '127.0.0.1', function () {
    var got = '';
    var c = net.connect(server.address().port, '127.0.0.1', function () { c.end('ping'); });
    c.setEncoding('utf8');
    c.on('data', function (d) { got += d; });
    c.on('error', function (e) { print('FAIL client error ' + e); });
    c.on('close', function () {
        print(got === 'ping' ? 'ok' : 'FAIL echo got ' + JSON.stringify(got));
        server.close();
    });
});
