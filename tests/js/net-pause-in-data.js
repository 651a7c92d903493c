// pause() inside 'data' takes effect at once: no further 'data' (not even
// from bytes already read in the same poll round) until resume(), and
// nothing is lost or reordered across the pauses. The peer sends 4 MiB at
// once; the reader pauses after every chunk for a few ms. Also: resume()
// inside 'data' of a socket that is not paused, and pause() twice, are
// harmless.
// timeout: 60
// valgrind: skip too slow: filling its 4 MiB buffer word by word takes ~20 s of its 45 s guard under valgrind (ASan runs it)
// pool: skip a 4 MiB Buffer
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out: received ' + received); report(); process.exit(1); }, 45000);
var TOTAL = 4 * 1024 * 1024;
var data = new Buffer(TOTAL);
for (var i = 0; i < TOTAL; i += 4) { data.writeUInt32LE(i / 4, i); }
var received = 0, paused = false, dataWhilePaused = 0, pauses = 0, mismatches = 0;

var server = net.createServer(function (c) {
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.end(data);
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1');
    c.on('data', function (d) {
        if (paused) { dataWhilePaused++; }
        if (!d.equals(data.slice(received, received + d.length)) && mismatches++ < 3) {
            fail('bytes ' + received + '..' + (received + d.length) + ' differ');
        }
        received += d.length;
        c.resume();      /* not paused: harmless */
        c.pause();
        c.pause();       /* twice: harmless */
        paused = true;
        pauses++;
        setTimeout(function () { paused = false; c.resume(); }, pauses % 8 === 0 ? 5 : 0);
    });
    c.on('end', function () {
        if (received !== TOTAL) { fail('received ' + received + ' bytes, want ' + TOTAL); }
    });
    c.on('error', function (e) { fail('client error ' + e.code); });
    c.on('close', function () {
        if (dataWhilePaused) { fail(dataWhilePaused + ' data events while paused'); }
        server.close(function () { clearTimeout(guard); report(); });
    });
});
