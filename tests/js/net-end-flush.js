// end() flushes the queue before shutting down the write side; destroy()
// drops it. The server queues 16 MiB (far more than the kernel takes, the
// client reads only after 300 ms) and then:
//  A: end(): the client receives all 16 MiB, in order, then 'end'; the
//     server's socket closes without an error.
//  B: destroy(): the server's socket closes at once without an error and
//     the client receives a strict prefix of the data (the queue was
//     dropped), then 'end' or ECONNRESET, then 'close'.
// timeout: 60
// pool: skip queues 16 MiB of 1 MiB Buffers
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 45000);
var step = 'A';
var CHUNK = 1024 * 1024, N = 16;
var chunks = [];
for (var k = 0; k < N; k++) {
    var b = new Buffer(CHUNK);
    for (var i = 0; i < CHUNK; i += 4096) { b.writeUInt32LE(k * 1000 + i / 4096, i); }
    chunks.push(b);
}
var all = Buffer.concat(chunks);
var mode = 'A';

var server = net.createServer(function (c) {
    var m = mode;
    c.on('error', function (e) { fail(m + ': server socket error ' + e.code); });
    for (var k = 0; k < N; k++) { c.write(chunks[k]); }
    c.on('close', function (hadError) {
        if (hadError) { fail(m + ': server socket closed with an error'); }
    });
    if (m === 'A') {
        c.end();
    } else {
        c.destroy();
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () { run('A', caseB); });

function run(m, next) {
    mode = m;
    step = m;
    var c = net.connect(server.address().port, '127.0.0.1');
    var got = [], received = 0, ended = false;
    c.pause();
    setTimeout(function () { c.resume(); }, 300);
    c.on('data', function (d) { got.push(d); received += d.length; });
    c.on('end', function () { ended = true; });
    c.on('error', function (e) {
        if (m === 'A' || e.code !== 'ECONNRESET') { fail(m + ': client error ' + e.code); }
    });
    c.on('close', function () {
        var recv = Buffer.concat(got);
        if (m === 'A') {
            if (!ended) { fail('A: no end'); }
            if (received !== all.length) { fail('A: received ' + received + ' bytes, want ' + all.length); }
            else if (!recv.equals(all)) { fail('A: the data differs'); }
        } else {
            if (received >= all.length) { fail('B: received all ' + received + ' bytes after destroy(): the queue was not dropped'); }
            if (!recv.equals(all.slice(0, received))) { fail('B: the data received is not a prefix of what was written'); }
        }
        next();
    });
}
function caseB() {
    run('B', function () { server.close(function () { clearTimeout(guard); report(); }); });
}
