// Half-close in both directions with allowHalfOpen, and the default
// (allowHalfOpen false: on 'end' a socket ends its own side by itself).
//  A: the client ends first; the server (allowHalfOpen) gets 'end', then
//     still writes its answer and ends; the client reads it after its own end.
//  B: the server ends first; the client (allowHalfOpen) gets 'end', then
//     still writes its answer and ends; the server reads it.
//  C: default sockets: the client ends, the server side ends by itself,
//     both get 'end' and 'close' without an error.
// end(data) sends data before the FIN; 'end' and 'close' come once each.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out, pending: ' + JSON.stringify(pendingNames)); report(); process.exit(1); }, 15000);
var pendingNames = {};
function start(name) { pendingNames[name] = true; }
function finish(name) {
    delete pendingNames[name];
    for (var k in pendingNames) { return; }
    halfServer.close();
    plainServer.close();
    clearTimeout(guard);
    report();
}

/* watch a socket: 'end' and 'close' at most once, close without error */
function watch(label, s, onEnd, onClose) {
    var ends = 0, closes = 0, got = '';
    s.setEncoding('utf8');
    s.on('data', function (d) { if (ends) { fail(label + ': data after end'); } got += d; });
    s.on('end', function () {
        ends++;
        if (ends > 1) { fail(label + ': end twice'); return; }
        if (onEnd) { onEnd(got); }
    });
    s.on('error', function (e) { fail(label + ': error ' + e.code + ' ' + e.message); });
    s.on('close', function (hadError) {
        closes++;
        if (closes > 1) { fail(label + ': close twice'); return; }
        if (hadError) { fail(label + ': close hadError'); }
        if (ends !== 1) { fail(label + ': closed after ' + ends + ' end events'); }
        onClose(got);
    });
}

var mode = [];
var halfServer = net.createServer({ allowHalfOpen: true }, function (c) {
    var m = mode.shift();
    if (m === 'A') {
        start('A server');
        watch('A server', c, function (got) {
            /* the client's side is closed; ours is still open */
            if (got !== 'question A') { fail('A server got ' + JSON.stringify(got)); }
            setTimeout(function () { c.write('answer '); c.end('A'); }, 20);
        }, function () { finish('A server'); });
    } else {
        start('B server');
        watch('B server', c, null, function (got) {
            if (got !== 'reply B') { fail('B server got ' + JSON.stringify(got)); }
            finish('B server');
        });
        c.end('hello B');
    }
});
var plainServer = net.createServer(function (c) {
    start('C server');
    watch('C server', c, null, function (got) {
        if (got !== 'only C') { fail('C server got ' + JSON.stringify(got)); }
        finish('C server');
    });
});
halfServer.on('error', function (e) { fail('server error ' + e.code); });
plainServer.on('error', function (e) { fail('server error ' + e.code); });

function caseA(port) {
    start('A client');
    mode.push('A');
    var c = net.connect({ port: port, host: '127.0.0.1', allowHalfOpen: true }, function () { c.end('question A'); });
    watch('A client', c, null, function (got) {
        if (got !== 'answer A') { fail('A client got ' + JSON.stringify(got)); }
        caseB(port);
        finish('A client');
    });
}
function caseB(port) {
    start('B client');
    mode.push('B');
    var c = net.connect({ port: port, host: '127.0.0.1', allowHalfOpen: true });
    watch('B client', c, function (got) {
        if (got !== 'hello B') { fail('B client got ' + JSON.stringify(got)); }
        setTimeout(function () { c.write('reply '); c.end('B'); }, 20);
    }, function () { finish('B client'); });
}
function caseC(port) {
    start('C client');
    var c = net.connect(port, '127.0.0.1', function () { c.end('only C'); });
    watch('C client', c, null, function (got) {
        if (got !== '') { fail('C client got ' + JSON.stringify(got)); }
        finish('C client');
    });
}

start('setup');
halfServer.listen(0, '127.0.0.1', function () {
    plainServer.listen(0, '127.0.0.1', function () {
        caseA(halfServer.address().port);
        caseC(plainServer.address().port);
        finish('setup');
    });
});
