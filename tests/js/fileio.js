// FileIo.writefile / readfile: UTF-8 string and buffer round trips, Buffer
// results, replacing and empty files, a large file.
// pool: skip a 20,000-line file: the text, its lines and the read-back need more than the ~500 KiB a 1 MiB pool leaves free
var failures = [];
function fail(msg) { failures.push(msg); }
var suffix = String(Math.floor(Math.random() * 1e9)) + '-' + String(Math.floor(EventLoop.now() * 1000));
var tmp = process.env.TMPDIR || '/tmp';  /* tests/run.py: its own directory, removed after the run */
var path = tmp + '/evloop-fileio-' + suffix + '.txt';
var path2 = tmp + '/evloop-fileio-' + suffix + '.bin';

function bytes(buf) {
    var out = [];
    for (var i = 0; i < buf.length; i++) { out.push(buf[i]); }
    return out.join(',');
}
function attempt(label, fn) {
    try { return fn(); } catch (e) { fail(label + ' threw ' + String(e)); return undefined; }
}

/* a non-ASCII string is written as UTF-8: 'h\u00e9llo \u20ac' is 10 bytes
 * (h, e-acute: 2, l, l, o, space, euro sign: 3) */
var text = 'h\u00e9llo \u20ac';
var ret = attempt('writefile(string)', function () { return FileIo.writefile(path, text); });
if (ret !== undefined) { fail('writefile returned ' + String(ret)); }
var b = attempt('readfile', function () { return FileIo.readfile(path); });
if (b !== undefined) {
    if (!(b instanceof Buffer) || !Buffer.isBuffer(b)) { fail('readfile did not return a Buffer: ' + Object.prototype.toString.call(b)); }
    if (b.length !== 10) { fail('readfile length ' + b.length + ', want 10'); }
    var wantBytes = '104,195,169,108,108,111,32,226,130,172';
    if (bytes(b) !== wantBytes) { fail('bytes ' + bytes(b) + ', want ' + wantBytes); }
    if (String(b.toString()) !== text) { fail('Buffer.toString() gave ' + b.toString() + ', want ' + text); }
    if (new TextDecoder().decode(b) !== text) { fail('TextDecoder round trip failed'); }
}

/* a Uint8Array, a Buffer and an ArrayBuffer are written as raw bytes */
var raw = new Uint8Array([0, 1, 2, 255, 128, 10, 13, 0]);
attempt('writefile(Uint8Array)', function () { FileIo.writefile(path2, raw); });
var rb = attempt('readfile(bin)', function () { return FileIo.readfile(path2); });
if (rb && bytes(rb) !== '0,1,2,255,128,10,13,0') { fail('Uint8Array round trip: ' + bytes(rb)); }
var nodeBuf = new Buffer('buffer \u00fc');
attempt('writefile(Buffer)', function () { FileIo.writefile(path2, nodeBuf); });
rb = attempt('readfile(bin)', function () { return FileIo.readfile(path2); });
if (rb && rb.toString() !== 'buffer \u00fc') { fail('Buffer round trip: ' + bytes(rb)); }
attempt('writefile(readfile result)', function () { FileIo.writefile(path2, FileIo.readfile(path)); });
rb = attempt('readfile(bin)', function () { return FileIo.readfile(path2); });
if (rb && rb.toString() !== text) { fail('readfile -> writefile round trip: ' + bytes(rb)); }
attempt('writefile(ArrayBuffer)', function () { FileIo.writefile(path2, new Uint8Array([7, 8, 9]).buffer); });
rb = attempt('readfile(bin)', function () { return FileIo.readfile(path2); });
if (rb && bytes(rb) !== '7,8,9') { fail('ArrayBuffer round trip: ' + bytes(rb)); }
/* a subarray writes only its own bytes */
attempt('writefile(subarray)', function () { FileIo.writefile(path2, new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 3)); });
rb = attempt('readfile(bin)', function () { return FileIo.readfile(path2); });
if (rb && bytes(rb) !== '2,3') { fail('subarray round trip: ' + bytes(rb) + ', want 2,3'); }

/* writefile replaces the file; an empty string gives an empty file */
attempt('writefile(long)', function () { FileIo.writefile(path, 'a much longer content than before'); });
attempt('writefile(short)', function () { FileIo.writefile(path, 'short'); });
b = attempt('readfile', function () { return FileIo.readfile(path); });
if (b && b.toString() !== 'short') { fail('writefile did not truncate: ' + b.toString()); }
attempt('writefile(empty)', function () { FileIo.writefile(path, ''); });
b = attempt('readfile(empty)', function () { return FileIo.readfile(path); });
if (b && (b.length !== 0 || !Buffer.isBuffer(b))) { fail('empty file read back as ' + b.length + ' bytes'); }

/* a large file (several reads) */
var big = [];
for (var i = 0; i < 20000; i++) { big.push('line ' + i + ' \u00e9'); }
big = big.join('\n');
attempt('writefile(big)', function () { FileIo.writefile(path2, big); });
rb = attempt('readfile(big)', function () { return FileIo.readfile(path2); });
if (rb && rb.toString() !== big) { fail('large file round trip failed (' + rb.length + ' bytes)'); }

/* readfile of something that is not a regular file */
var devnull = attempt('readfile(/dev/null)', function () { return FileIo.readfile('/dev/null'); });
if (devnull && devnull.length !== 0) { fail('readfile(/dev/null) gave ' + devnull.length + ' bytes'); }

/* clean up (no unlink in the API: leave empty files) */
attempt('cleanup', function () { FileIo.writefile(path, ''); FileIo.writefile(path2, ''); });
for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
