// Bad arguments to net: a bad port throws a RangeError at the call
// (connect and listen, as Node.js); write() of a number throws a
// TypeError; an unresolvable host name is an asynchronous 'error'
// (ENOTFOUND, or EAI_AGAIN without a resolver) then 'close'. Nothing is
// left open: the loop ends by itself.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
function expectThrow(label, Ctor, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (e === null) { fail(label + ' did not throw, want ' + Ctor.name); }
    else if (!(e instanceof Ctor)) { fail(label + ' threw ' + e + ', want ' + Ctor.name); }
}
var guard = setTimeout(function () { fail('timed out'); report(); process.exit(1); }, 20000);

expectThrow('net.connect(70000)', RangeError, function () { net.connect(70000, '127.0.0.1'); });
expectThrow('net.connect(-1)', RangeError, function () { net.connect(-1, '127.0.0.1'); });
expectThrow('net.connect({port: 1.5})', RangeError, function () { net.connect({ port: 1.5, host: '127.0.0.1' }); });
expectThrow('server.listen(65536)', RangeError, function () { net.createServer().listen(65536, '127.0.0.1'); });
expectThrow('server.listen(-1)', RangeError, function () { net.createServer().listen(-1, '127.0.0.1'); });

var errors = 0, closes = 0;
var s = net.connect({ port: 80, host: 'no-such-host.invalid' });
s.on('connect', function () { fail('connected to no-such-host.invalid'); });
s.on('error', function (e) {
    errors++;
    if (e.code !== 'ENOTFOUND' && e.code !== 'EAI_AGAIN') { fail('unresolvable host: code ' + e.code + ' ' + e.message); }
});
s.on('close', function (hadError) {
    closes++;
    if (!hadError) { fail('unresolvable host: close without hadError'); }
    writes();
});

function writes() {
    var server = net.createServer(function (c) { c.on('error', function () { }); c.resume(); });
    server.listen(0, '127.0.0.1', function () {
        var c = net.connect(server.address().port, '127.0.0.1', function () {
            expectThrow('write(42)', TypeError, function () { c.write(42); });
            expectThrow('write({})', TypeError, function () { c.write({}); });
            c.end();
        });
        c.on('error', function (e) { fail('client error ' + e.code); });
        c.on('close', function () {
            server.close(function () {
                if (errors !== 1 || closes !== 1) { fail('unresolvable host: ' + errors + ' errors, ' + closes + ' closes'); }
                clearTimeout(guard);
                report();
            });
        });
    });
}
