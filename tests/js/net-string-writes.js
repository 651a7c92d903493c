// Strings with multi-byte characters written faster than the peer reads:
// the kernel takes part of a write, cutting a character, and the rest is
// queued (a byte offset into the string's UTF-8 form). The peer (reading
// after 300 ms, with setEncoding('utf8')) gets exactly the strings sent:
// 2-, 3- and 4-byte characters (U+00E9, U+20AC, U+1F600), 6 MiB in all,
// by net write() and by the seed EventLoop.write.
// timeout: 60
// pool: skip 6 MiB of strings
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 45000);
var step = 'net';
/* 1 MiB-ish pieces, each with its own prefix; built by doubling */
function piece(k) {
    var s = '<' + k + '>a\u00e9b\u20acc\ud83d\ude00d';
    while (s.length < 256 * 1024) { s = s + s; }
    return s;
}
var N = 8;
var sent = [];
for (var k = 0; k < N; k++) { sent.push(piece(k)); }
var want = sent.join('');
var mode = 'net';

var server = net.createServer(function (c) {
    var m = mode;
    c.on('error', function (e) { fail(m + ': server socket error ' + e.code); });
    if (m === 'net') {
        for (var k = 0; k < N; k++) { c.write(sent[k]); }
        c.end();
    } else {
        c.resume();
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () { receive('net', seed); });

function receive(label, next) {
    var c = net.connect(server.address().port, '127.0.0.1');
    var got = [];
    c.setEncoding('utf8');
    c.pause();
    setTimeout(function () { c.resume(); }, 300);
    c.on('data', function (d) { got.push(d); });
    c.on('error', function (e) { fail(label + ': client error ' + e.code); });
    c.on('close', function () {
        var all = got.join('');
        if (all.length !== want.length) { fail(label + ': got ' + all.length + ' UTF-16 units, want ' + want.length); }
        else if (all !== want) {
            for (var i = 0; i < all.length && all.charCodeAt(i) === want.charCodeAt(i); i++) { }
            fail(label + ': the strings differ from unit ' + i);
        }
        next();
    });
}

/* the seed API: EventLoop.write of the same strings to a net server socket
 * that reads after 300 ms */
function seed() {
    step = 'seed';
    if (typeof EventLoop !== 'object' || typeof EventLoop.connect !== 'function') { return done(); }
    mode = 'seed';
    var got = [], gotLength = 0;
    var s2 = net.createServer(function (c) {
        c.setEncoding('utf8');
        c.pause();
        setTimeout(function () { c.resume(); }, 300);
        c.on('data', function (d) { got.push(d); gotLength += d.length; });
        c.on('error', function (e) { fail('seed: server socket error ' + e.code); });
        c.on('end', function () {
            var all = got.join('');
            if (all !== want) { fail('seed: got ' + all.length + ' UTF-16 units that differ from what was sent (' + want.length + ')'); }
            s2.close(done);
        });
    });
    s2.listen(0, '127.0.0.1', function () {
        EventLoop.connect('127.0.0.1', s2.address().port, function (fd) {
            for (var k = 0; k < N; k++) { EventLoop.write(fd, sent[k]); }
            /* close once everything went out: the seed API has no end(), so wait for the reader */
            var iv = setInterval(function () {
                if (gotLength === want.length) { clearInterval(iv); EventLoop.close(fd); }
            }, 50);
        }, function (e) { fail('seed: connect ' + e); done(); });
    });
}
function done() {
    server.close(function () { clearTimeout(guard); report(); });
}
