// server.close([cb]) with open connections: the server stops accepting at
// once (a new connect is refused) but the open connections keep working;
// the callback and the 'close' event come only after the last connection
// is closed (Node.js emits them before that socket's own 'close' event, so
// that order is not checked), exactly once each.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen';
var N = 3;
var serverSockets = [], clients = [], openServerSockets = 0;
var lastClosing = false;
var closeCbs = 0, closeEvents = 0, listenings = 0;

var server = net.createServer(function (c) {
    serverSockets.push(c);
    openServerSockets++;
    c.setEncoding('utf8');
    c.on('data', function (d) { c.write('echo:' + d); });
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.on('close', function () { openServerSockets--; });
    if (serverSockets.length === N) { setTimeout(closeServer, 20); }
});
server.on('listening', function () { listenings++; });
server.on('error', function (e) { fail('server error ' + e.code); });
server.on('close', function () {
    closeEvents++;
    if (!lastClosing) { fail('server close event before the last connection was closed'); }
});

function closeServer() {
    step = 'close';
    var ret = server.close(function (err) {
        closeCbs++;
        if (err) { fail('close callback got an error ' + err); }
        if (!lastClosing) { fail('close callback before the last connection was closed'); }
        setTimeout(function () {
            if (openServerSockets !== 0) { fail(openServerSockets + ' server sockets still open after the close callback'); }
            if (closeCbs !== 1) { fail(closeCbs + ' close callbacks'); }
            if (closeEvents !== 1) { fail(closeEvents + ' close events'); }
            if (listenings !== 1) { fail(listenings + ' listening events'); }
            clearTimeout(guard);
            report();
        }, 50);
    });
    if (ret !== server) { fail('server.close() did not return the server'); }
    /* not accepting any more */
    step = 'refused';
    var r = net.connect(port, '127.0.0.1');
    r.on('connect', function () { fail('a connect after server.close() succeeded'); });
    r.on('error', function (e) { if (e.code !== 'ECONNREFUSED') { fail('connect after close: ' + e.code); } });
    r.on('close', function () {
        /* open connections still work after close() */
        step = 'still working';
        var c = clients[0];
        c.once('data', function (d) {
            if (d !== 'echo:ping') { fail('after close() the connection answered ' + JSON.stringify(d)); }
            /* now close the connections one by one */
            step = 'closing connections';
            closeNext(0);
        });
        c.write('ping');
    });
}
function closeNext(i) {
    if (i === N) { return; }
    if (closeCbs) { fail('close callback before connection ' + i + ' closed'); }
    var c = clients[i];
    c.on('close', function () { setTimeout(closeNext, 30, i + 1); });
    if (i === N - 1) { lastClosing = true; }
    if (i === 1) { c.destroy(); } else { c.end(); }
}

var port;
server.listen(0, '127.0.0.1', function () {
    port = server.address().port;
    for (var i = 0; i < N; i++) {
        var c = net.connect(port, '127.0.0.1');
        c.setEncoding('utf8');
        c.on('error', function (e) { fail('client error ' + e.code); });
        clients.push(c);
    }
});
