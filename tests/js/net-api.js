// The net API surface on one connection: listen(port, host, cb) with
// 'listening', server.address(); the connection's remoteAddress,
// remotePort, remoteFamily, localPort, address(); the client's connect
// callback and 'connect' event; write(data, cb) with the callback after
// the data went out; write of a string, a Buffer and a Uint8Array;
// bytesRead/bytesWritten; setNoDelay/setKeepAlive/setEncoding/setTimeout/
// pause/resume return the socket; a paused socket gets no 'data' until
// resumed, then all of it in order; end(data) sends data then FIN. Also
// the connect forms net.connect({port, host}) and net.createConnection.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 15000);
var step = 'listen';
function eq(label, got, want) {
    if (got !== want) { fail(label + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); }
}

var serverSide = null, listening = 0, cbRan = 0;
var phase = 'main';
var server = net.createServer(function (c) {
    if (phase !== 'main') { c.resume(); c.on('end', function () { c.end(); }); return; }
    serverSide = c;
    eq('server side remoteAddress', c.remoteAddress, '127.0.0.1');
    eq('server side remoteFamily', c.remoteFamily, 'IPv4');
    eq('server side localPort', c.localPort, server.address().port);
    eq('server side remotePort type', typeof c.remotePort, 'number');
    var a = c.address();
    eq('server side address().address', a.address, '127.0.0.1');
    eq('server side address().port', a.port, server.address().port);
    eq('server side address().family', a.family, 'IPv4');
    eq('setNoDelay returns the socket', c.setNoDelay(true), c);
    eq('setKeepAlive returns the socket', c.setKeepAlive(true, 1000), c);
    eq('pause returns the socket', c.pause(), c);
    /* the client writes while we are paused: nothing arrives until resume */
    var got = [];
    c.on('data', function (d) {
        if (pausedNow) { fail('data while paused'); }
        got.push(d);
    });
    var pausedNow = true;
    setTimeout(function () {
        pausedNow = false;
        eq('resume returns the socket', c.resume(), c);
    }, 150);
    c.on('end', function () {
        var all = Buffer.concat(got).toString();
        eq('server got', all, 'one,two,three,four');
        eq('server bytesRead', c.bytesRead, all.length);
        c.end('bye', function () { });
    });
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.on('close', function (hadError) {
        if (hadError) { fail('server socket closed with an error'); }
        eq('server bytesWritten', c.bytesWritten, 3);
    });
});
server.on('listening', function () { listening++; });
server.on('error', function (e) { fail('server error ' + e.code); });
var ret = server.listen(0, '127.0.0.1', function () {
    cbRan++;
    eq('listening before the listen callback', listening, 1);
    var a = server.address();
    eq('server.address().address', a.address, '127.0.0.1');
    eq('server.address().family', a.family, 'IPv4');
    if (typeof a.port !== 'number' || a.port <= 0 || a.port > 65535) { fail('server.address().port ' + a.port); }
    client(a.port);
});
eq('listen returns the server', ret, server);

function client(port) {
    step = 'client';
    var connectCb = 0, connectEv = 0, writeCbs = [];
    var c = net.connect(port, '127.0.0.1', function () {
        connectCb++;
        eq('connect callback this', this, c);
        eq('client remoteAddress', c.remoteAddress, '127.0.0.1');
        eq('client remotePort', c.remotePort, port);
        eq('client remoteFamily', c.remoteFamily, 'IPv4');
        eq('client localPort type', typeof c.localPort, 'number');
        eq('client address().port', c.address().port, c.localPort);
        eq('write(string) returns true', c.write('one,', function (err) { writeCbs.push('a' + (err ? err : '')); }), true);
        c.write(new Buffer('two,'), function (err) { writeCbs.push('b' + (err ? err : '')); });
        var u = new Uint8Array([0x74, 0x68, 0x72, 0x65, 0x65, 0x2c]); /* 'three,' */
        c.write(u, function (err) { writeCbs.push('c' + (err ? err : '')); });
        c.end('four');
    });
    c.on('connect', function () { connectEv++; });
    var got = '';
    eq('setEncoding returns the socket', c.setEncoding('utf8'), c);
    eq('setTimeout returns the socket', c.setTimeout(0), c);
    c.on('data', function (d) { got += d; });
    c.on('end', function () {
        eq('client got', got, 'bye');
        eq('write callbacks before end', writeCbs.join(','), 'a,b,c');
    });
    c.on('error', function (e) { fail('client error ' + e.code); });
    c.on('close', function (hadError) {
        if (hadError) { fail('client closed with an error'); }
        eq('connect callback runs', connectCb, 1);
        eq('connect event', connectEv, 1);
        eq('client bytesWritten', c.bytesWritten, 'one,two,three,four'.length);
        eq('client bytesRead', c.bytesRead, 3);
        forms(port);
    });
}

/* net.connect({port, host}) and net.createConnection */
function forms(port) {
    step = 'forms';
    var n = 0;
    function one(label, s) {
        s.on('connect', function () { s.end(); });
        s.on('error', function (e) { fail(label + ': error ' + e.code); });
        s.on('close', function () {
            if (++n === 2) { server.close(function () { clearTimeout(guard); report(); }); }
        });
    }
    phase = 'forms';
    one('net.connect({port, host})', net.connect({ port: port, host: '127.0.0.1' }));
    one('net.createConnection(port, host)', net.createConnection(port, '127.0.0.1'));
}
