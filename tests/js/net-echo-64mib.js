// 64 MiB written to an echo server (net, same process, 127.0.0.1, port 0)
// come back byte-exact: no byte lost, duplicated or reordered. The client
// honours write() === false / 'drain', the server pauses its reading while
// its own write queue is above the high-water mark. The data is a
// deterministic pseudo-random 256 KiB block, rotated by a different offset
// for each of the 256 blocks of the stream, so a lost, repeated or
// reordered chunk shows; each received chunk is compared with the expected
// bytes by Buffer.equals (native memcmp: a per-byte JS loop over 64 MiB
// would take half a minute in Duktape).
// timeout: 180
// pool: skip echoes 64 MiB
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}

var M = 256 * 1024;          /* block size */
var BLOCKS = 256;
var TOTAL = M * BLOCKS;      /* 64 MiB */
var R = 40503;               /* odd: k * R mod M differs for every block k */

/* ext = base + base: any window of length <= M starting below M is contiguous */
var ext = new Buffer(2 * M);
var seed = 0x2545f491;
for (var i = 0; i < M; i++) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    ext[i] = ext[i + M] = (seed >>> 8) & 255;
}
function blockStart(k) { return (k * R) % M; }

var received = 0, mismatches = 0, dataEvents = 0;
function verify(d) {
    var p = 0;
    dataEvents++;
    while (p < d.length) {
        var o = received + p;
        var k = Math.floor(o / M), inner = o % M;
        var n = Math.min(d.length - p, M - inner);
        if (k >= BLOCKS) { fail('received more than ' + TOTAL + ' bytes'); return false; }
        var s = blockStart(k) + inner;
        if (!d.slice(p, p + n).equals(ext.slice(s, s + n))) {
            if (mismatches++ < 3) { fail('bytes ' + o + '..' + (o + n) + ' differ from what was sent'); }
        }
        p += n;
    }
    received += d.length;
    return true;
}

var serverSide = null, serverEnded = false, serverClosed = false, clientClosed = false, clientEnded = false;
var drains = 0, falses = 0, serverPauses = 0, written = 0, block = 0;
var guard = setTimeout(function () {
    fail('timed out: received ' + received + ' of ' + TOTAL + ', written ' + written + ', blocks ' + block +
         ', drains ' + drains + ', data events ' + dataEvents);
    report();
    process.exit(1);
}, 150000);

var server = net.createServer(function (c) {
    serverSide = c;
    c.on('data', function (d) {
        if (!c.write(d)) { serverPauses++; c.pause(); }
    });
    c.on('drain', function () { c.resume(); });
    c.on('end', function () { serverEnded = true; });
    c.on('error', function (e) { fail('server socket error ' + e.code + ' ' + e.message); });
    c.on('close', function (hadError) {
        serverClosed = true;
        if (hadError) { fail('server socket closed with hadError'); }
        if (c.bytesRead !== TOTAL) { fail('server bytesRead ' + c.bytesRead + ', want ' + TOTAL); }
        if (c.bytesWritten !== TOTAL) { fail('server bytesWritten ' + c.bytesWritten + ', want ' + TOTAL); }
        server.close();
    });
});
server.on('error', function (e) { fail('server error ' + e.code); });
var closes = 0;
function closed() { if (++closes === 2) { finish(); } }
server.on('close', closed);
function finish() {
    clearTimeout(guard);
    if (received !== TOTAL) { fail('received ' + received + ' bytes, want ' + TOTAL); }
    if (!serverEnded) { fail('the server socket got no end'); }
    if (!clientEnded) { fail('the client got no end'); }
    if (falses === 0) { fail('the client write() never returned false over 64 MiB'); }
    if (drains === 0) { fail('the client never got drain'); }
    report();
}
server.listen(0, '127.0.0.1', function () {
    var client = net.connect(server.address().port, '127.0.0.1');
    function pump() {
        while (block < BLOCKS) {
            var s = blockStart(block);
            block++;
            written += M;
            if (!client.write(ext.slice(s, s + M))) { falses++; return; }
        }
    }
    client.on('connect', pump);
    client.on('drain', function () { drains++; pump(); });
    client.on('data', function (d) {
        if (!Buffer.isBuffer(d)) { fail('data is not a Buffer'); return; }
        verify(d);
        if (received === TOTAL) { client.end(); }
    });
    client.on('end', function () { clientEnded = true; });
    client.on('error', function (e) { fail('client error ' + e.code + ' ' + e.message); });
    client.on('close', function (hadError) {
        clientClosed = true;
        if (hadError) { fail('client closed with hadError'); }
        if (client.bytesWritten !== TOTAL) { fail('client bytesWritten ' + client.bytesWritten + ', want ' + TOTAL); }
        if (client.bytesRead !== TOTAL) { fail('client bytesRead ' + client.bytesRead + ', want ' + TOTAL); }
        closed();
    });
});
