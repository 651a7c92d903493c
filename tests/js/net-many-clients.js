// 500 concurrent clients (1000 sockets in one process, far past the
// original ECMAScript loop's 20-entry poll array): every client sends its
// own line and gets exactly that line back; no client ends before all 500
// have their answer, so all 1000 sockets are open at once. Afterwards every
// socket closes, the server closes, and (evloop) the lowest free fd number
// is the same as before the test: no fd leaked.
// timeout: 90
// needs: fds:1100
// pool: skip 1000 sockets in one process
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var N = 500;
var isEvloop = typeof Socket === 'object' && typeof Socket.createServerSocket === 'function';
function probeFd() {
    var fd = Socket.createServerSocket('127.0.0.1', 0);
    Socket.close(fd);
    return fd;
}
var fdBefore = isEvloop ? probeFd() : -1;

var accepted = 0, serverOpen = 0, maxServerOpen = 0, answered = 0, clientsClosed = 0, serverClosed = false;
var clients = [];
var guard = setTimeout(function () {
    fail('timed out: accepted ' + accepted + ', answered ' + answered + ', open on the server ' + serverOpen +
         ', clients closed ' + clientsClosed);
    report();
    process.exit(1);
}, 75000);

var server = net.createServer(function (c) {
    accepted++;
    serverOpen++;
    if (serverOpen > maxServerOpen) { maxServerOpen = serverOpen; }
    c.on('data', function (d) { c.write(d); });
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.on('close', function () {
        serverOpen--;
        if (serverOpen === 0 && accepted === N) { server.close(); }
    });
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.on('close', function () { serverClosed = true; maybeDone(); });

function startClient(i, port) {
    var line = 'hello from client ' + i + '\n';
    var got = '';
    var c = net.connect(port, '127.0.0.1', function () { c.write(line); });
    clients.push(c);
    c.setEncoding('utf8');
    c.on('data', function (d) {
        got += d;
        if (got.length > line.length) { fail('client ' + i + ' got ' + JSON.stringify(got)); }
        if (got === line) {
            answered++;
            if (answered === N) {
                if (maxServerOpen !== N) { fail('at most ' + maxServerOpen + ' connections were open at once, want ' + N); }
                for (var k = 0; k < clients.length; k++) { clients[k].end(); }
            }
        }
    });
    c.on('error', function (e) { fail('client ' + i + ' error ' + e.code + ' ' + e.message); });
    c.on('close', function (hadError) {
        clientsClosed++;
        if (got !== line) { fail('client ' + i + ' closed with ' + JSON.stringify(got)); }
        maybeDone();
    });
}

function maybeDone() {
    if (clientsClosed !== N || !serverClosed) { return; }
    clearTimeout(guard);
    if (isEvloop) {
        /* let the loop finish closing, then look at the lowest free fd */
        setTimeout(function () {
            var fdAfter = probeFd();
            if (fdAfter !== fdBefore) { fail('lowest free fd ' + fdAfter + ' after the test, ' + fdBefore + ' before: fds leaked'); }
            report();
        }, 10);
    } else {
        report();
    }
}

server.listen(0, '127.0.0.1', function () {
    var port = server.address().port;
    for (var i = 0; i < N; i++) { startClient(i, port); }
});
