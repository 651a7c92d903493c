// write() of each kind of data, and bytesWritten counting bytes: a string
// (UTF-8: 'h\u00e9llo \u20ac' is 10 bytes, 'x' + U+1F600 is 5, not
// Duktape's internal CESU-8 7), a Buffer, a Uint8Array and a
// slice of a Buffer (a view with an offset); a Uint16Array, a Float64Array
// and a DataView are either written as their bytes (not elements: as
// Node.js) or refused with a TypeError. The peer receives exactly the
// bytes of the accepted writes and bytesWritten equals their count. Data
// that is not a string or a buffer view (an array, an object with a
// length, a number) throws a TypeError and changes nothing: no bytes, no
// bytesWritten.
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
/* little-endian host (x86, arm): the typed arrays' bytes */
var u16 = new Uint16Array([0x4142, 0x4344]);                     /* 42 41 44 43 */
var f64 = new Float64Array([1]);                                   /* 00 00 00 00 00 00 f0 3f */
var dvBytes = new Uint8Array([0x11, 0x22, 0x33]);
var dv = new DataView(dvBytes.buffer, 1, 2);                       /* 22 33 */
var base = bytes([0x50, 0x51, 0x52, 0x53, 0x54]);
var parts = [];   /* the bytes of the accepted writes */
var expected = null;

var server = net.createServer(function (c) {
    var got = [];
    c.on('data', function (d) { got.push(d); });
    c.on('end', function () {
        var all = Buffer.concat(got);
        expected = Buffer.concat(parts);
        if (!all.equals(expected)) {
            var a = [], b = [];
            for (var i = 0; i < all.length; i++) { a.push(all[i]); }
            for (i = 0; i < expected.length; i++) { b.push(expected[i]); }
            fail('the peer got [' + a.join(',') + '], want [' + b.join(',') + ']');
        }
        if (c.bytesRead !== expected.length) { fail('peer bytesRead ' + c.bytesRead + ', want ' + expected.length); }
        c.end();
    });
    c.on('error', function (e) { fail('server socket error ' + e.code); });
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () {
    var c = net.connect(server.address().port, '127.0.0.1', function () {
        var count = 0;
        /* mayRefuse: a TypeError (with no effect) is accepted too */
        function w(label, data, content, mayRefuse) {
            var r, before = c.bytesWritten;
            try { r = c.write(data); } catch (e) {
                if (!mayRefuse || !(e instanceof TypeError)) { fail('write(' + label + ') threw ' + e); }
                if (c.bytesWritten !== before) { fail('write(' + label + ') threw but bytesWritten went from ' + before + ' to ' + c.bytesWritten); }
                count = c.bytesWritten;
                return;
            }
            if (r !== true) { fail('write(' + label + ') returned ' + r); }
            parts.push(content);
            count += content.length;
            if (c.bytesWritten !== count) { fail('after write(' + label + ') bytesWritten ' + c.bytesWritten + ', want ' + count); count = c.bytesWritten; }
        }
        function bad(label, data) {
            var before = c.bytesWritten, e = null;
            try { c.write(data); } catch (x) { e = x; }
            if (!(e instanceof TypeError)) { fail('write(' + label + ') threw ' + e + ', want a TypeError'); }
            if (c.bytesWritten !== before) { fail('write(' + label + ') threw but bytesWritten went from ' + before + ' to ' + c.bytesWritten); }
        }
        w('a string', 'h\u00e9llo \u20ac', new Buffer('h\u00e9llo \u20ac'));
        w('a string with a non-BMP character', 'x\ud83d\ude00', bytes([0x78, 0xf0, 0x9f, 0x98, 0x80]));
        w('a Buffer', bytes([0x61, 0x62]), bytes([0x61, 0x62]));
        w('a Uint8Array', new Uint8Array([0x63]), bytes([0x63]));
        bad('an array', [1, 2, 3]);
        w('a Uint16Array', u16, bytes([0x42, 0x41, 0x44, 0x43]), true);
        bad('an object with a length', { length: 5 });
        w('a Float64Array', f64, bytes([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]), true);
        bad('a number', 42);
        w('a DataView', dv, bytes([0x22, 0x33]), true);
        w('a Buffer slice', base.slice(2, 4), bytes([0x52, 0x53]));
        c.end();
    });
    c.resume();
    c.on('error', function (e) { fail('client error ' + e.code); });
    c.on('close', function () {
        var want = Buffer.concat(parts).length;
        if (c.bytesWritten !== want) { fail('bytesWritten at close ' + c.bytesWritten + ', want ' + want); }
        server.close(function () { clearTimeout(guard); report(); });
    });
});
