// The seed's EventLoop socket API (Duktape's eventloop example), as its
// server-socket-test.js uses it: EventLoop.server(address, port,
// onAccept(fd, addr, port)), EventLoop.setReader(fd, onData(fd, data)) with
// data a Buffer, EventLoop.write(fd, data), EventLoop.close(fd), and
// EventLoop.connect(address, port, onConnected(fd)[, onError(err)]).
// An uppercasing server; a client sends a line and 64 KiB chunks until
// EventLoop.write returns false (it queues what the kernel did not take and
// returns false above the high-water mark: nothing is lost), gets it all
// back uppercased, closes;
// end of stream closes the server's fd (its reader gets no more calls).
// A refused connect reaches onError with ECONNREFUSED, never onConnected.
// timeout: 30
// pool: skip writes until the kernel's socket buffers are full (several MiB) and keeps a copy to compare
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 20000);
var step = 'server';

/* a free port below the ephemeral range (see socket-seed-sync.js) */
var port = 0, serverFd;
var accepted = 0, serverReads = 0, serverBytes = 0, serverFds = [];
function onAccept(fd, addr, rport) {
    accepted++;
    serverFds.push(fd);
    if (typeof fd !== 'number' || fd < 0) { fail('onAccept fd ' + fd); }
    if (addr !== '127.0.0.1') { fail('onAccept addr ' + addr); }
    if (typeof rport !== 'number' || rport <= 0) { fail('onAccept port ' + rport); }
    EventLoop.setReader(fd, function (rfd, data) {
        serverReads++;
        if (rfd !== fd) { fail('reader called with fd ' + rfd + ', want ' + fd); }
        if (!Buffer.isBuffer(data)) { fail('reader data is a ' + typeof data + ', want a Buffer'); }
        if (data.length === 0) { fail('reader called with an empty Buffer'); }
        if (serverClosedAt >= 0) { fail('the server reader ran after end of stream'); }
        serverBytes += data.length;
        EventLoop.write(fd, String(data).toUpperCase());
    });
}
for (var i = 0; i < 200 && !port; i++) {
    var p = 20000 + Math.floor(Math.random() * 12000);
    try {
        serverFd = EventLoop.server('127.0.0.1', p, onAccept);
        port = p;
    } catch (e) {
        if (e.code !== 'EADDRINUSE') { fail('EventLoop.server threw ' + e + ' code ' + e.code); break; }
    }
}
var serverClosedAt = -1;

/* 64 KiB chunks, each of its own rotation of the alphabet (a lost or
 * reordered chunk shows); built by doubling: += in a loop is quadratic */
var CHUNK = 64 * 1024;
function chunkOf(k) {
    var a = 'abcdefghijklmnopqrstuvwxyz0123456789';
    var s = a.slice(k % a.length) + a.slice(0, k % a.length) + '\n';
    while (s.length < CHUNK) { s = s + s; }
    return s.slice(0, CHUNK);
}
var sentText = [];
var want = null;

step = 'connect';
var connected = 0, clientFd = -1, got = [], gotLen = 0;
EventLoop.connect('127.0.0.1', port, function (fd) {
    connected++;
    clientFd = fd;
    if (typeof fd !== 'number' || fd < 0) { fail('onConnected fd ' + fd); }
    EventLoop.setReader(fd, function (rfd, data) {
        got.push(String(data));
        gotLen += data.length;
        if (gotLen === want.length) {
            step = 'check';
            var all = got.join('');
            if (all !== want) { fail('the client got ' + all.length + ' bytes that differ from what was sent, uppercased'); }
            EventLoop.close(fd);
            /* the server sees end of stream and closes its fd */
            setTimeout(refused, 200);
        } else if (gotLen > want.length) {
            fail('the client got ' + gotLen + ' bytes, want ' + want.length);
        }
    });
    var r1 = EventLoop.write(fd, 'hello, seed\n');
    if (r1 !== true) { fail('a small EventLoop.write returned ' + r1 + ', want true'); }
    sentText.push('hello, seed\n');
    /* write until EventLoop.write says the queue is above the high-water mark */
    for (var k = 0; k < 512; k++) {
        var c = chunkOf(k);
        sentText.push(c);
        if (EventLoop.write(fd, c) === false) { break; }
    }
    if (k === 512) { fail('EventLoop.write never returned false after 32 MiB'); }
    want = sentText.join('').toUpperCase();
}, function (err) {
    fail('onError for a connect that should work: ' + err);
});

function refused() {
    step = 'refused';
    if (accepted !== 1) { fail(accepted + ' connections accepted'); }
    if (serverBytes !== want.length) { fail('the server read ' + serverBytes + ' bytes, want ' + want.length); }
    /* the listener goes away: a connect now is refused */
    if (typeof serverFd === 'number') { EventLoop.close(serverFd); }
    var onErrors = 0;
    EventLoop.connect('127.0.0.1', port, function () {
        fail('onConnected ran for a refused connect');
    }, function (err) {
        onErrors++;
        if (!(err instanceof Error) || err.code !== 'ECONNREFUSED') { fail('onError got ' + err + ' code ' + (err && err.code)); }
        setTimeout(function () {
            if (onErrors !== 1) { fail('onError ran ' + onErrors + ' times'); }
            clearTimeout(guard);
            report();
            /* EventLoop.server returning the listening fd is not part of the seed API */
            if (typeof serverFd !== 'number') { EventLoop.requestExit(); }
        }, 50);
    });
}
