// bytesWritten and the bytes the peer gets stay exact while Socket#write
// moves between its fast path (an open socket without an idle timeout) and
// the slow one (an idle timeout set, a callback or an encoding given):
// writes alternate, bytesWritten is checked after every fourth one (so
// counts of the fast path must survive switches unread) and after close,
// and the peer checks every byte's value and order.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var guard = setTimeout(function () { fail('timed out'); finish(); }, 15000);
var finished = false;
function finish() {
    if (finished) { return; }
    finished = true;
    clearTimeout(guard);
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
    server.close();
}
function chunk(start, n) {
    var b = new Buffer(n);
    for (var i = 0; i < n; i++) { b[i] = (start + i) % 251; }
    return b;
}
var total = 0, received = 0, peerOk = true;
var server = net.createServer(function (c) {
    c.on('data', function (d) {
        for (var i = 0; i < d.length; i++) {
            if (d[i] !== (received + i) % 251 && peerOk) {
                peerOk = false;
                fail('byte ' + (received + i) + ' is ' + d[i] + ', want ' + ((received + i) % 251));
            }
        }
        received += d.length;
    });
    c.on('end', function () {
        if (received !== total) { fail('the peer got ' + received + ' bytes, want ' + total); }
        if (c.bytesRead !== total) { fail('peer bytesRead ' + c.bytesRead + ', want ' + total); }
        finish();
    });
});
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1', function () {
        var step = 0, sizes = [1, 700, 64, 70000, 3, 5000, 1, 200000, 17, 64];
        function write(kind) {
            var n = sizes[step % sizes.length], data = chunk(total, n);
            step++;
            if (kind === 'timeout') { c.setTimeout(60000); c.write(data); }
            else if (kind === 'cb') { c.setTimeout(0); c.write(data, function () {}); }
            else if (kind === 'encoding') { c.setTimeout(0); c.write(data, 'utf8'); }
            else { c.setTimeout(0); c.write(data); }
            total += n;
            /* not after every write: the count must survive switches unread */
            if (step % 4 === 0 && c.bytesWritten !== total) { fail('after write ' + step + ' (' + kind + '): bytesWritten ' + c.bytesWritten + ', want ' + total); }
        }
        var kinds = ['plain', 'plain', 'timeout', 'plain', 'cb', 'plain', 'encoding', 'timeout', 'timeout', 'plain'];
        for (var r = 0; r < 3; r++) {
            for (var k = 0; k < kinds.length; k++) { write(kinds[k]); }
        }
        c.setTimeout(0);
        c.end();
        c.on('close', function () {
            if (c.bytesWritten !== total) { fail('after close: bytesWritten ' + c.bytesWritten + ', want ' + total); }
        });
    });
    c.on('error', function (e) { fail('client error ' + e.code); });
});
