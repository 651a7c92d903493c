// A script replaces the built-ins the net layer and the stream engines
// call (Array.prototype.push/splice/shift/slice/concat/unshift,
// Function.prototype.call/apply/bind, Math.*, String.prototype.match ...)
// with broken shims BEFORE net is first used (net.js and the ECMAScript
// stream engine are compiled then). The engines use the built-ins captured
// at install: a 4 MiB write (queued, most of it) still arrives byte-exact,
// with the 'drain' and write callbacks, bytesWritten exact, and a timer
// fires after. (The ECMAScript engine once dropped 274,837 bytes of it and
// spun.)
// timeout: 60
// pool: skip writes 4 MiB
var TOTAL = 4 * 1024 * 1024;
var data = new Buffer(TOTAL);
for (var i = 0; i < TOTAL; i++) { data[i] = (i * 7 + (i >> 10)) & 255; }
var text = 'h\u00e9llo \ud83d\ude00';   /* 2-byte and 4-byte UTF-8: byteLength counts */
var textBytes = new Buffer(new TextEncoder().encode(text));   /* 11 bytes (new Buffer(text) has Duktape's 13) */

/* the shims: every call "succeeds" and does nothing useful */
var AP = Array.prototype, FP = Function.prototype, SP = String.prototype;
AP.push = function () { return 0; };
AP.unshift = function () { return 0; };
AP.splice = function () { return []; };
AP.shift = function () { return void 0; };
AP.slice = function () { return []; };
AP.concat = function () { return []; };
SP.match = function () { return null; };
Math.min = function () { return 0; };
Math.max = function () { return 0; };
Math.floor = function () { return 0; };
Math.ceil = function () { return 0; };
var realCall = FP.call, realApply = FP.apply;
FP.call = function () { throw new Error('polyfilled call'); };
FP.apply = function () { throw new Error('polyfilled apply'); };
FP.bind = function () { throw new Error('polyfilled bind'); };

var received = [], got = 0, drained = 0, cbs = 0, expectLen = TOTAL + 2 * 11;
function finish(msg) {
    if (msg) { print('FAIL ' + msg); process.exit(1); }
    setTimeout(function () { print('ok'); }, 1);
}
var server = net.createServer(function (c) {
    c.on('data', function (d) {
        received[received.length] = d;
        got += d.length;
        if (got === expectLen) { c.end(); }
    });
});
server.listen(0, '127.0.0.1', function () {
    var cl = net.connect(server.address().port, '127.0.0.1', function () {
        cl.write(text);
        if (cl.write(data, function () { cbs++; })) { finish('write of 4 MiB returned true'); }
        cl.write(text, 'utf8');
    });
    cl.on('drain', function () { drained++; });
    cl.on('end', function () {
        if (cl.bytesWritten !== expectLen) { finish('bytesWritten ' + cl.bytesWritten + ', want ' + expectLen); return; }
        cl.end();
        server.close();
        if (got !== expectLen) { finish('received ' + got + ' of ' + expectLen); return; }
        var all = Buffer.concat(received);
        var want = Buffer.concat([textBytes, data, textBytes]);
        if (!all.equals(want)) { finish('bytes differ'); return; }
        if (drained !== 1 || cbs !== 1) { finish('drain ' + drained + ', write callback ' + cbs); return; }
        finish();
    });
    cl.on('error', function (e) { finish('client ' + e); });
});
