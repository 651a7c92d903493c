// setEncoding('utf8'): 'data' gives strings, and a multi-byte character
// split across writes (and so across reads: the writes are 60 ms apart,
// with setNoDelay) is decoded whole, never as U+FFFD: a 3-byte '€' in two
// pieces, a 4-byte U+1F600 in three, a 2-byte 'é' at the very end of the
// stream. Without setEncoding 'data' gives Buffers.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out'); report(); process.exit(1); }, 15000);
function bytes(list) {
    var b = new Buffer(list.length);
    for (var i = 0; i < list.length; i++) { b[i] = list[i]; }
    return b;
}
var pieces = [
    bytes([0x61, 0xE2]),              /* 'a' + first byte of U+20AC */
    bytes([0x82, 0xAC, 0x62, 0xF0, 0x9F]), /* rest of U+20AC, 'b', U+1F600 begins */
    bytes([0x98]),
    bytes([0x80, 0x63, 0xC3]),        /* end of U+1F600, 'c', first byte of U+00E9 */
    bytes([0xA9])
];
var want = 'a\u20acb\ud83d\ude00c\u00e9';

var server = net.createServer(function (c) {
    c.setNoDelay(true);
    var i = 0;
    function next() {
        if (i === pieces.length) { c.end(); return; }
        c.write(pieces[i++]);
        setTimeout(next, 60);
    }
    next();
    c.on('error', function (e) { fail('server socket error ' + e.code); });
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    var c = net.connect(port, '127.0.0.1');
    var ret = c.setEncoding('utf8');
    if (ret !== c) { fail('setEncoding did not return the socket'); }
    var got = '', events = 0;
    c.on('data', function (d) {
        events++;
        if (typeof d !== 'string') { fail('data is a ' + typeof d + ', want a string'); return; }
        got += d;
    });
    c.on('error', function (e) { fail('client error ' + e.code); });
    c.on('close', function () {
        if (got !== want) { fail('got ' + escape(got) + ', want ' + escape(want)); }
        if (got.indexOf('\ufffd') >= 0) { fail('a replacement character was decoded'); }
        if (events < 3) { fail('only ' + events + ' data events: the pieces were not read separately'); }
        raw(port);
    });
});

/* without setEncoding: Buffers, bytes as sent */
function raw(port) {
    var c = net.connect(port, '127.0.0.1');
    var total = 0, allBuffers = true;
    c.on('data', function (d) {
        if (!Buffer.isBuffer(d)) { allBuffers = false; }
        total += d.length;
    });
    c.on('error', function (e) { fail('raw client error ' + e.code); });
    c.on('close', function () {
        if (!allBuffers) { fail('data without setEncoding is not a Buffer'); }
        if (total !== 12) { fail('raw client got ' + total + ' bytes, want 12'); }
        server.close(function () { clearTimeout(guard); report(); });
    });
}
