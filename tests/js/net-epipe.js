// No SIGPIPE, ever: a client that keeps writing to a peer that went away
// gets one 'error' (EPIPE or ECONNRESET) and one 'close' with hadError
// true, and the process lives on. The client does not read (paused), so
// only its writes can find out. Two peers: one that closes normally (FIN;
// the next write draws a RST, the one after fails) and one that resets
// (destroy with unread data; under Node.js, whose pause() does not stop
// the kernel reads, resetAndDestroy). evloop also: the seed Socket.write to a
// closed peer throws an Error with that code instead of killing the process.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out, ' + pending + ' cases pending'); report(); process.exit(1); }, 20000);
var pending = 0;
var chunk = new Buffer(1024);
for (var i = 0; i < chunk.length; i++) { chunk[i] = i & 255; }
var mode = [];

var server = net.createServer(function (c) {
    var m = mode.shift();
    c.on('error', function () { });
    if (m === 'fin' || m === 'seed') {
        c.destroy();        /* nothing was sent yet: a FIN */
    } else {
        c.pause();
        setTimeout(function () { (c.resetAndDestroy || c.destroy).call(c); }, 100);
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });

function run(label, port) {
    pending++;
    mode.push(label);
    var errors = 0, closes = 0, writes = 0, timer = null;
    var c = net.connect(port, '127.0.0.1');
    c.pause();
    c.on('connect', function () {
        timer = setInterval(function () {
            writes++;
            if (writes > 1000) { fail(label + ': no error after 1000 writes'); clearInterval(timer); c.destroy(); return; }
            c.write(chunk);
        }, 5);
    });
    c.on('error', function (e) {
        errors++;
        if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') { fail(label + ': error code ' + e.code + ', want EPIPE or ECONNRESET'); }
    });
    c.on('close', function (hadError) {
        closes++;
        clearInterval(timer);
        if (hadError !== true) { fail(label + ': close hadError ' + hadError); }
        setTimeout(function () {
            if (errors !== 1) { fail(label + ': ' + errors + ' errors, want 1'); }
            if (closes !== 1) { fail(label + ': ' + closes + ' closes, want 1'); }
            if (--pending === 0) { seed(port); }
        }, 50);
    });
}

function seed(port) {
    if (typeof Socket !== 'object') { return done(); }
    /* the seed API: synchronous writes to a peer that closed */
    var cfd;
    mode.push('seed');
    cfd = Socket.connect('127.0.0.1', port);
    var caught = null, n = 0;
    var t = setInterval(function () {
        try {
            n++;
            Socket.write(cfd, chunk);
        } catch (e) {
            caught = e;
        }
        if (caught || n > 200) {
            clearInterval(t);
            if (!caught) { fail('seed: Socket.write to a closed peer never threw'); }
            else if (caught.code !== 'EPIPE' && caught.code !== 'ECONNRESET') {
                fail('seed: Socket.write threw ' + caught + ' code ' + caught.code + ', want EPIPE or ECONNRESET');
            }
            Socket.close(cfd);
            done();
        }
    }, 5);
}

function done() {
    server.close(function () { clearTimeout(guard); report(); });
}

server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    run('fin', port);
    run('rst', port);
});
