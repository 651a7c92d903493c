// A slow reader: the server writes 64 KiB chunks to a client that has
// paused its reading, until write() returns false. That must come after a
// bounded amount (the kernel's buffers, far below the 64 MiB cap), with the
// socket's own queue (writableLength) at or above the 16 KiB high-water
// mark but below it plus one chunk: memory stays bounded. No 'data'
// reaches the paused client; after it resumes, 'drain' arrives and the
// writer goes on. Three such rounds; the client receives every byte, in
// order.
// timeout: 60
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}

var CHUNK = 64 * 1024;
var ROUNDS = 3;
var HWM = 16384;
var BOUND = 48 * 1024 * 1024;  /* loopback kernel buffers can be large (tcp_rmem max) */
var chunk = new Buffer(CHUNK);
var round = 0, written = 0, received = 0, drains = 0, paused = false, dataWhilePaused = 0;
var acceptedBeforeFalse = [];
var writer = null, client = null;
var guard = setTimeout(function () {
    fail('timed out: round ' + round + ', written ' + written + ', received ' + received + ', drains ' + drains);
    report();
    process.exit(1);
}, 45000);

function fillChunk(n) {
    /* each 1 KiB block starts with its index in the stream */
    for (var b = 0; b < 64; b++) { chunk.writeUInt32LE(n * 64 + b, b * 1024); }
}
var chunksSent = 0, blocksChecked = 0, hdr = new Buffer(4), badBlocks = 0;

function writeRound() {
    var start = written;
    for (var n = 0; n < 4096; n++) {
        fillChunk(chunksSent++);
        written += CHUNK;
        /* write() may keep a reference: pass a copy */
        var copy = new Buffer(CHUNK);
        chunk.copy(copy);
        if (!writer.write(copy)) {
            acceptedBeforeFalse.push(written - start);
            var q = writer.writableLength;
            if (!(q >= HWM && q < HWM + CHUNK)) {
                fail('write() returned false with writableLength ' + q + ', want ' + HWM + '..' + (HWM + CHUNK));
            }
            if (written - received > BOUND) {
                fail('write() returned false only after ' + (written - received) + ' unread bytes');
            }
            return;
        }
    }
    fail('write() never returned false after ' + (written - start) + ' bytes to a paused reader');
}

/* client side: check the block indexes of everything received */
function onData(d) {
    if (paused) { dataWhilePaused++; }
    var i = 0;
    while (i < d.length) {
        var off = (received + i) % 1024;
        if (off < 4) {
            var n = Math.min(4 - off, d.length - i);
            d.copy(hdr, off, i, i + n);
            i += n;
            if (off + n === 4) {
                var want = Math.floor((received + i - 4) / 1024), got = hdr.readUInt32LE(0);
                if (got !== want && badBlocks++ < 3) { fail('block ' + want + ' carries index ' + got); }
                blocksChecked++;
            }
        } else {
            i += Math.min(1024 - off, d.length - i);
        }
    }
    received += d.length;
}

var server = net.createServer(function (c) {
    writer = c;
    if (c.writableHighWaterMark !== HWM) { fail('writableHighWaterMark ' + c.writableHighWaterMark + ', want ' + HWM); }
    c.on('drain', function () {
        drains++;
        if (round < ROUNDS) { nextRound(); } else { c.end(); }
    });
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.on('close', function () { server.close(); });
});
function nextRound() {
    round++;
    paused = true;
    client.pause();
    writeRound();
    setTimeout(function () {
        paused = false;
        client.resume();
    }, 200);
}
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () {
    client = net.connect(server.address().port, '127.0.0.1');
    client.on('connect', function () { });
    client.on('data', onData);
    client.on('error', function (e) { fail('client error ' + e.code); });
    client.on('end', function () {
        if (received !== written) { fail('received ' + received + ' bytes, written ' + written); }
        if (blocksChecked !== written / 1024) { fail('checked ' + blocksChecked + ' blocks, want ' + (written / 1024)); }
    });
    client.on('close', function () {
        clearTimeout(guard);
        if (drains !== ROUNDS) { fail('drain came ' + drains + ' times, want ' + ROUNDS); }
        if (dataWhilePaused) { fail(dataWhilePaused + ' data events reached the client while it was paused'); }
        report();
    });
    /* the server side starts writing once it has the connection */
    var wait = setInterval(function () {
        if (writer) { clearInterval(wait); nextRound(); }
    }, 5);
});
