// Idle timeout, socket.setTimeout(ms[, cb]):
//  A: no traffic: 'timeout' after about ms (never before), the callback
//     runs once, the socket stays open (a round trip after the timeout
//     works); setTimeout(0) turns it off (no further 'timeout').
//  B: traffic resets it: data every 40 ms for 400 ms with a 300 ms timeout
//     gives no 'timeout'; the timeout comes about 300 ms after the last data.
//  C: writes count as activity too.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 20000);
var step = 'listen';
var now = typeof EventLoop === 'object' && EventLoop.now ? function () { return EventLoop.now(); } : function () { return Date.now(); };
var mode = [];
var SLACK = 500;   /* lateness allowed (loaded machine, sanitizers) */

var server = net.createServer(function (c) {
    var m = mode.shift();
    c.on('error', function (e) { fail('server socket error ' + e.code); });
    c.setEncoding('utf8');
    if (m === 'A') {
        c.on('data', function (d) { c.write('echo:' + d); });
    } else if (m === 'B') {
        var n = 0;
        var iv = setInterval(function () {
            c.write('tick');
            if (++n === 10) { clearInterval(iv); }
        }, 40);
        c.on('close', function () { clearInterval(iv); });
    } else {
        c.on('data', function () { });
    }
});
server.on('error', function (e) { fail('server error ' + e.code); });
server.listen(0, '127.0.0.1', function () { caseA(server.address().port); });

function caseA(port) {
    step = 'A';
    mode.push('A');
    var c = net.connect(port, '127.0.0.1');
    var t0 = 0, timeouts = 0, cbs = 0;
    c.setEncoding('utf8');
    c.on('error', function (e) { fail('A client error ' + e.code); });
    c.on('connect', function () {
        t0 = now();
        var ret = c.setTimeout(100, function () { cbs++; });
        if (ret !== c) { fail('setTimeout did not return the socket'); }
    });
    c.on('timeout', function () {
        timeouts++;
        if (timeouts > 1) { fail('A: timeout ' + timeouts + ' times'); return; }
        var dt = now() - t0;
        if (dt < 99) { fail('A: timeout after ' + dt.toFixed(1) + ' ms, want >= 100'); }
        if (dt > 100 + SLACK) { fail('A: timeout after ' + dt.toFixed(1) + ' ms, want about 100'); }
        setTimeout(function () {
            if (cbs !== 1) { fail('A: setTimeout callback ran ' + cbs + ' times'); }
            c.setTimeout(0);
            c.once('data', function (d) {
                if (d !== 'echo:still open') { fail('A: got ' + JSON.stringify(d)); }
                /* no more timeouts after setTimeout(0) */
                setTimeout(function () {
                    if (timeouts !== 1) { fail('A: ' + timeouts + ' timeouts'); }
                    c.end();
                }, 250);
            });
            c.write('still open');
        }, 10);
    });
    c.on('close', function (hadError) {
        if (hadError) { fail('A: closed with an error'); }
        caseB(port);
    });
}

function caseB(port) {
    step = 'B';
    mode.push('B');
    var c = net.connect(port, '127.0.0.1');
    var lastData = 0, ticks = 0, timeouts = 0;
    c.setEncoding('utf8');
    c.setTimeout(300);
    c.on('error', function (e) { fail('B client error ' + e.code); });
    c.on('data', function (d) { lastData = now(); ticks += d.length / 4; });
    c.on('timeout', function () {
        timeouts++;
        if (timeouts > 1) { return; }
        if (ticks !== 10) { fail('B: timeout after ' + ticks + ' ticks of data every 40 ms (idle timeout 300 ms)'); }
        var dt = now() - lastData;
        if (dt < 299) { fail('B: timeout ' + dt.toFixed(1) + ' ms after the last data, want >= 300'); }
        if (dt > 300 + SLACK) { fail('B: timeout ' + dt.toFixed(1) + ' ms after the last data, want about 300'); }
        c.destroy();
    });
    c.on('close', function () {
        if (timeouts !== 1) { fail('B: ' + timeouts + ' timeouts'); }
        caseC(port);
    });
}

function caseC(port) {
    step = 'C';
    mode.push('C');
    var c = net.connect(port, '127.0.0.1');
    var lastWrite = 0, writes = 0, timeouts = 0, iv = null;
    c.on('error', function (e) { fail('C client error ' + e.code); });
    c.on('connect', function () {
        c.setTimeout(300);
        lastWrite = now();
        iv = setInterval(function () {
            c.write('w');
            lastWrite = now();
            if (++writes === 10) { clearInterval(iv); }
        }, 40);
    });
    c.on('timeout', function () {
        timeouts++;
        if (timeouts > 1) { return; }
        if (writes !== 10) { fail('C: timeout after ' + writes + ' writes every 40 ms (idle timeout 300 ms)'); }
        var dt = now() - lastWrite;
        if (dt < 299) { fail('C: timeout ' + dt.toFixed(1) + ' ms after the last write, want >= 300'); }
        c.destroy();
    });
    c.on('close', function () {
        clearInterval(iv);
        if (timeouts !== 1) { fail('C: ' + timeouts + ' timeouts'); }
        server.close(function () { clearTimeout(guard); report(); });
    });
}
