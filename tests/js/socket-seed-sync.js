// The seed's synchronous Socket API (Duktape's eventloop example):
// createServerSocket -> listening fd; connect -> connected fd; accept ->
// {fd, addr, port} or null when none is pending; read -> a Buffer (length
// 0 at end of stream, null when nothing is available: accepted sockets are
// non-blocking, unlike the original's); write -> bytes written, partial
// (not blocking, not throwing) when the kernel is full, 0 when it takes
// nothing; reads far bigger than the original's 1024 bytes; close. Writes
// to a closed peer throw EPIPE/ECONNRESET (no SIGPIPE).
// timeout: 30
// needs: read-buffer:1025
// pool: skip a 4 MiB Buffer
var failures = [];
function fail(msg) { failures.push(msg); }
function eq(label, got, want) {
    if (got !== want) { fail(label + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); }
}
function waitIn(fd, ms) {
    var set = {};
    set[fd] = { events: Poll.POLLIN };
    Poll.poll(set, ms);
    return set[fd].revents || 0;
}

/* a free port below the ephemeral range, so that port-0 listeners and
 * outgoing connections of tests running in parallel never take it */
function listenSomewhere() {
    for (var i = 0; i < 200; i++) {
        var port = 20000 + Math.floor(Math.random() * 12000);
        try {
            return { fd: Socket.createServerSocket('127.0.0.1', port), port: port };
        } catch (e) {
            if (e.code !== 'EADDRINUSE') { throw e; }
        }
    }
    throw new Error('no free port found');
}

var srv = listenSomewhere();
if (typeof srv.fd !== 'number' || srv.fd < 0 || srv.fd % 1 !== 0) { fail('createServerSocket returned ' + srv.fd); }
eq('accept with nothing pending', Socket.accept(srv.fd), null);

var c = Socket.connect('127.0.0.1', srv.port);
if (typeof c !== 'number' || c < 0) { fail('connect returned ' + c); }
if (!(waitIn(srv.fd, 2000) & Poll.POLLIN)) { fail('the listener did not become readable'); }
var a = Socket.accept(srv.fd);
if (!a || typeof a.fd !== 'number' || a.fd < 0) { fail('accept returned ' + JSON.stringify(a)); }
eq('accept addr', a.addr, '127.0.0.1');
if (typeof a.port !== 'number' || a.port <= 0 || a.port > 65535) { fail('accept port ' + a.port); }
eq('accept with nothing more pending', Socket.accept(srv.fd), null);

/* non-blocking: nothing to read gives null at once */
eq('read with nothing available', Socket.read(a.fd), null);

/* small writes of each data kind, read back */
eq('write(string) returns the byte count', Socket.write(c, 'h\u00e9llo '), 7);
eq('write(Buffer)', Socket.write(c, new Buffer('buf ')), 4);
eq('write(Uint8Array)', Socket.write(c, new Uint8Array([0x75, 0x38])), 2);
var got = '';
for (var tries = 0; tries < 50 && got.length < 12; tries++) {
    waitIn(a.fd, 100);
    var d = Socket.read(a.fd);
    if (d === null) { continue; }
    if (!Buffer.isBuffer(d)) { fail('read returned a ' + typeof d + ', want a Buffer'); break; }
    got += d.toString();
}
eq('read back', got, 'h\u00e9llo buf u8');

/* fill the kernel: a big write is partial, then 0; nothing blocks or throws */
var big = new Buffer(4 * 1024 * 1024);
for (var i = 0; i < big.length; i += 4096) { big.writeUInt32LE(i / 4096, i); }
var sent = 0, zero = false, partial = false;
for (var k = 0; k < 200 && !zero; k++) {
    var n = Socket.write(c, big);
    if (typeof n !== 'number' || n < 0 || n > big.length) { fail('write returned ' + n); break; }
    if (n < big.length) { partial = true; }
    if (n === 0) { zero = true; }
    sent += n;
}
if (!partial) { fail('writes of 4 MiB to a reader that does not read were never partial'); }
if (!zero) { fail('writes to a full socket never returned 0'); }
/* read it all back; reads are big (the loop's 64 KiB buffer, not 1024 bytes) */
var total = 0, maxRead = 0, idle = 0;
while (total < sent && idle < 50) {
    var r = Socket.read(a.fd);
    if (r === null) { idle++; waitIn(a.fd, 100); continue; }
    idle = 0;
    if (r.length === 0) { fail('end of stream before all data'); break; }
    if (r.length > maxRead) { maxRead = r.length; }
    total += r.length;
}
eq('bytes read back', total, sent);
if (maxRead <= 1024) { fail('largest read ' + maxRead + ' bytes: reads are as small as the original example'); }

/* end of stream: a Buffer of length 0 */
Socket.close(c);
waitIn(a.fd, 2000);
var eof = Socket.read(a.fd);
if (!eof || eof.length !== 0) { fail('read at end of stream returned ' + (eof === null ? 'null' : 'a Buffer of ' + eof.length + ' bytes')); }

/* writing to a closed peer: an Error with a code, not SIGPIPE */
var threw = null;
for (var w = 0; w < 100 && !threw; w++) {
    try { Socket.write(a.fd, 'into the void'); } catch (e) { threw = e; }
    if (!threw) { waitIn(a.fd, 10); }
}
if (!threw || (threw.code !== 'EPIPE' && threw.code !== 'ECONNRESET')) {
    fail('write to a closed peer: ' + (threw ? threw + ' code ' + threw.code : 'no error'));
}
Socket.close(a.fd);

/* connect to a port nobody listens on: an Error with code ECONNREFUSED */
Socket.close(srv.fd);
threw = null;
try { Socket.close(Socket.connect('127.0.0.1', srv.port)); } catch (e) { threw = e; }
if (!threw || threw.code !== 'ECONNREFUSED') { fail('connect to a closed port: ' + (threw ? threw + ' code ' + threw.code : 'no error')); }

for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
if (!failures.length) { print('ok'); }
