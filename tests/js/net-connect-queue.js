// Calls made before the connection is established:
//  A: write() and end() right after net.connect(): queued, flushed once
//     connected, then the FIN; the peer gets all of it and 'end'.
//  B: destroy() right after net.connect(): no 'connect', no 'error', one
//     'close' (hadError false); the connect callback never runs.
//  C: a paused socket whose peer sent data and ended: 'end' waits for the
//     buffered data; on resume() the data comes first, then 'end', once.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'A';
var mode = 'A';

var server = net.createServer(function (c) {
    var m = mode, got = '';
    c.setEncoding('utf8');
    c.on('error', function (e) { fail(m + ': server socket error ' + e.code); });
    if (m === 'A') {
        c.on('data', function (d) { got += d; });
        c.on('end', function () {
            if (got !== 'early write;early end') { fail('A: the peer got ' + JSON.stringify(got)); }
        });
    } else if (m === 'C') {
        c.end('data before the end');
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', caseA);

function caseA() {
    var port = server.address().port;
    var c = net.connect(port, '127.0.0.1');
    var r = c.write('early write;');
    if (r !== true && r !== false) { fail('A: write before connect returned ' + r); }
    c.end('early end');
    c.on('error', function (e) { fail('A: client error ' + e.code); });
    c.resume();
    c.on('close', function (hadError) {
        if (hadError) { fail('A: closed with an error'); }
        caseB(port);
    });
}
function caseB(port) {
    step = 'B';
    mode = 'B';
    var events = [];
    var c = net.connect(port, '127.0.0.1', function () { fail('B: the connect callback ran'); });
    c.destroy();
    ['connect', 'data', 'end', 'error', 'timeout', 'drain'].forEach(function (ev) {
        c.on(ev, function () { events.push(ev); });
    });
    var closes = 0;
    c.on('close', function (hadError) {
        closes++;
        if (hadError) { fail('B: close hadError'); }
        setTimeout(function () {
            if (closes !== 1) { fail('B: ' + closes + ' close events'); }
            if (events.length) { fail('B: events after destroy(): ' + events.join(',')); }
            caseC(port);
        }, 50);
    });
}
function caseC(port) {
    step = 'C';
    mode = 'C';
    var c = net.connect(port, '127.0.0.1');
    var order = [];
    c.setEncoding('utf8');
    c.pause();
    c.on('data', function (d) { order.push('data:' + d); });
    c.on('end', function () { order.push('end'); });
    c.on('error', function (e) { fail('C: client error ' + e.code); });
    setTimeout(function () {
        if (order.length) { fail('C: events while paused: ' + order.join(',')); }
        c.resume();
    }, 200);
    c.on('close', function () {
        if (order.join(',') !== 'data:data before the end,end') { fail('C: events ' + JSON.stringify(order)); }
        server.close(function () { clearTimeout(guard); report(); });
    });
}
