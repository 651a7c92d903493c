// Socket reads while the heap is full: after a first exchange, the client
// fills the heap (leaving about 32 KiB: room to handle an error, none for a
// 64 KiB read) and sends 256 KiB; 300 ms later it drops the memory and ends.
// A read that cannot get its Buffer fails the server's socket with an
// error ('alloc failed' in the ECMAScript loop, ENOMEM in the C++ loop),
// never a crash and never bytes lost without an error (the C++ loop once
// dropped them silently). The loop goes on: a timer fires and a new
// connection echoes. Under tests/run.py's pool section (--pool=1048576,
// EVLOOP_TEST_POOL set) the failure must show as a socket error; elsewhere
// all 256 KiB arrive.
// The script ends by throwing a marker error, so that other reports on
// stderr (exit status 1) pass the same checks.
// expect-exit: 1
// expect-stderr: pool-exhaust-socket: end of script
// timeout: 30
// needs: net
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failures = [];
function fail(msg) { failures.push(msg); }
function finish() {
    clearTimeout(guard);
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
    setTimeout(function () { throw new Error('pool-exhaust-socket: end of script'); }, 1);
}
var step = 'listen';
var guard = setTimeout(function () { fail('timed out at step ' + step); finish(); }, 20000);

var TOTAL = 256 * 1024, GREETING = 'hello';
var payload = new Buffer(TOTAL);
payload.fill(0x61);
var hog = [];
function fillHeap() {
    try {
        for (var i = 0; i < 4096; i++) { hog.push(new Buffer(4096)); }
    } catch (e) {
        hog.length -= 8;   /* about 32 KiB free again */
    }
}

var received = 0, serverError = null, serverClosed = false;
var server = net.createServer(function (c) {
    c.on('data', function (d) { received += d.length; });
    c.on('error', function (e) {
        hog = [];
        serverError = e;
    });
    c.on('close', function () {
        hog = [];
        serverClosed = true;
        step = 'check';
        setTimeout(check, 1);
    });
});
server.on('error', function (e) { fail('server error ' + e); });

server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    step = 'connect';
    var cl = net.connect(port, '127.0.0.1', function () {
        cl.write(GREETING);   /* the server's first read: the loop's read buffer exists from now on */
        setTimeout(function () {
            step = 'full';
            setTimeout(function () { hog = []; step = 'end'; cl.end(); }, 300);
            cl.write(payload);
            fillHeap();
        }, 100);
    });
    cl.on('error', function (e) {
        /* the server's socket failed: ECONNRESET or EPIPE here */
        if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { fail('client error ' + e + ' code ' + e.code); }
    });
});

function check() {
    hog = [];
    var want = GREETING.length + TOTAL;
    if (serverError !== null) {
        if (!(serverError instanceof Error) || (serverError.message !== 'alloc failed' && serverError.code !== 'ENOMEM')) {
            fail('the server socket failed with ' + serverError + ' (code ' + serverError.code + '), want alloc failed or ENOMEM');
        }
        if (!inPool) { fail('the server socket failed without a pool: ' + serverError); }
    } else if (received !== want) {
        fail('the server received ' + received + ' bytes of ' + want + ' and no error');
    } else if (inPool) {
        fail('all ' + want + ' bytes arrived in a full pool: nothing ran out');
    }
    /* the loop and the net layer still work: a new connection echoes */
    step = 'echo';
    server.removeAllListeners('connection');
    server.on('connection', function (s) { s.on('data', function (d) { s.end(d); }); });
    var got = '';
    var c = net.connect(server.address().port, '127.0.0.1', function () { c.end('ping'); });
    c.setEncoding('utf8');
    c.on('data', function (d) { got += d; });
    c.on('error', function (e) { fail('echo client error ' + e); });
    c.on('close', function () {
        if (got !== 'ping') { fail('echo got ' + JSON.stringify(got) + ', want "ping"'); }
        server.close(finish);
    });
}
