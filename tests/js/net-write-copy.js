// A Buffer changed after write() does not change what is sent, in both
// loops: the engines copy what they queue (the part the kernel did not take
// at once; README, "Writing"). The server reads nothing until the client
// has written 16 MiB (more than loopback's socket buffers take, so part of
// it is queued) and overwritten its buffer with zeros, then compares the
// bytes with an untouched copy. The same for a write made before connect
// (net.js keeps it until there is an fd) and for EventLoop.write.
// timeout: 60
// pool: skip writes 16 MiB
var N = 16 * 1024 * 1024;
var failures = [];
var block = new Buffer(65536);
for (var k = 0; k < block.length; k++) { block[k] = (k * 13 + (k >> 9)) & 255 || 1; }
var blocks = [];
for (k = 0; k < N / block.length; k++) { blocks.push(block); }
var ref = Buffer.concat(blocks);   /* never written to */
function fill(b) { ref.copy(b, 0, 0, b.length); return b; }
function check(label, chunks, n) {
    var all = Buffer.concat(chunks);
    if (all.length !== n) { failures.push(label + ': ' + all.length + ' bytes, want ' + n); return; }
    if (!all.equals(ref.slice(0, n))) { failures.push(label + ': the bytes differ (the buffer changed after write() was sent)'); }
}
var conns = [];
var server = net.createServer({ pauseOnConnect: true }, function (c) {
    var got = [], n = 0;
    conns.push(c);
    c.on('data', function (d) {
        got.push(d);
        n += d.length;
        if (n >= c.expect) {   /* all of it: the client may not close (EventLoop.write) */
            check(c.label, got, c.expect);
            c.destroy();
            if (--open === 0) { done(); }
        }
    });
});
var open = 3;
function done() {
    server.close();
    for (var i = 0; i < failures.length; i++) { print('FAIL ' + failures[i]); }
    if (!failures.length) { print('ok'); }
}
function resumeAll(label, n) {
    var c = conns[conns.length - 1];
    c.label = label;
    c.expect = n;
    c.resume();
}
server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    /* 1: a write the kernel takes only in part */
    var big = fill(new Buffer(N));
    var a = net.connect(port, '127.0.0.1', function () {
        if (a.write(big)) { failures.push('16 MiB went out at once: nothing was queued'); }
        big.fill(0);
        a.end();
        setTimeout(function () { resumeAll('queued write', N); step2(); }, 50);
    });
    function step2() {
        /* 2: a write before connect */
        var small = fill(new Buffer(4096));
        var b = net.connect(port, '127.0.0.1');
        b.write(small);
        small.fill(0);
        b.end();
        b.on('connect', function () { setTimeout(function () { resumeAll('write before connect', 4096); step3(); }, 50); });
    }
    function step3() {
        /* 3: EventLoop.write behind a queue */
        var seed = fill(new Buffer(N));
        EventLoop.connect('127.0.0.1', port, function (fd) {
            EventLoop.write(fd, seed);
            seed.fill(0);
            EventLoop.setReader(fd, function () {});
            setTimeout(function () { resumeAll('EventLoop.write', N); }, 50);   /* the server's close ends it */
        });
    }
});
