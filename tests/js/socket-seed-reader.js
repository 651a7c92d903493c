// EventLoop.setReader details (seed API):
//  - each call gets its own Buffer: buffers kept from earlier calls still
//    hold their bytes at the end (the loop's read buffer is not handed out);
//  - a second setReader on the same fd replaces the callback;
//  - an fd from the synchronous Socket.connect works with setReader/write;
//  - EventLoop.close inside the reader: no further call, no error;
//  - a peer reset (ECONNRESET on read) closes the fd quietly: no further
//    call, no error report, the loop goes on (the original ECMAScript loop
//    ended on it).
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 20000);
var step = 'listen';
EventLoop.onerror = function (e) { fail('a callback error was reported: ' + e); };

var port = 0, lfd = -1, acceptedFds = [];
for (var i = 0; i < 200 && !port; i++) {
    var p = 20000 + Math.floor(Math.random() * 12000);
    try { lfd = EventLoop.server('127.0.0.1', p, function (fd) { acceptedFds.push(fd); onAccept(fd); }); port = p; }
    catch (e) { if (e.code !== 'EADDRINUSE') { fail('EventLoop.server: ' + e); break; } }
}
var onAccept = null;

/* 1: fresh buffers and replacing the reader, on a Socket.connect fd */
step = 'buffers';
var kept = [], oldCalls = 0;
onAccept = function (fd) {
    EventLoop.setReader(fd, function () { oldCalls++; });
    EventLoop.setReader(fd, function (rfd, data) {
        kept.push(data);
        var total = 0;
        for (var k = 0; k < kept.length; k++) { total += kept[k].length; }
        if (total === 3 * 70000) {
            for (k = 0; k < kept.length; k++) {
                var first = kept[k][0];
                for (var j = 0; j < kept[k].length; j += 997) {
                    if (kept[k][j] !== first) { fail('a kept buffer changed: call ' + k + ' byte ' + j); break; }
                }
            }
            if (oldCalls) { fail('the replaced reader ran ' + oldCalls + ' times'); }
            /* answer on the Socket.connect fd, read through EventLoop.setReader */
            EventLoop.setReader(cfd, function (fd2, d2) {
                if (fd2 !== cfd || String(d2) !== 'done') { fail('the Socket.connect fd read ' + String(d2)); }
                EventLoop.close(cfd);    /* the server side sees the end and closes its fd */
                setTimeout(second, 20);
            });
            EventLoop.write(rfd, 'done');
        }
    });
};
var cfd = Socket.connect('127.0.0.1', port);
/* three writes 300 ms apart: three separate reads at least, each its own byte value */
var wn = 0;
function writeNext() {
    var b = new Buffer(70000);
    b.fill(0x41 + wn);
    var off = 0;
    while (off < b.length) {
        var n = Socket.write(cfd, b.slice(off));
        off += n;
        if (n === 0) { Poll.poll({}, 5); }
    }
    if (++wn < 3) { setTimeout(writeNext, 300); }
}
setTimeout(writeNext, 50);

/* 2: close inside the reader; 3: a reset peer */
function second() {
    step = 'close in reader';
    var calls = 0;
    onAccept = function (fd) {
        EventLoop.setReader(fd, function (rfd) {
            calls++;
            if (calls > 1) { fail('the reader ran after EventLoop.close'); }
            EventLoop.close(rfd);
        });
    };
    var c = Socket.connect('127.0.0.1', port);
    Socket.write(c, 'one');
    setTimeout(function () {
        try { Socket.write(c, 'two'); } catch (e) { /* the peer may have reset: fine */ }
        setTimeout(function () {
            Socket.close(c);
            if (calls !== 1) { fail('the reader ran ' + calls + ' times, want 1'); }
            third();
        }, 100);
    }, 50);
}
function third() {
    step = 'reset';
    var calls = 0;
    onAccept = function (fd) {
        EventLoop.setReader(fd, function () { calls++; });
        /* the server side writes: the client will not read it, so its close is a RST */
        EventLoop.write(fd, 'unread');
    };
    var c = Socket.connect('127.0.0.1', port);
    Socket.write(c, 'hello');
    setTimeout(function () {
        Socket.close(c);      /* 'unread' was not read: RST */
        setTimeout(function () {
            if (calls !== 1) { fail('reset: the reader ran ' + calls + ' times, want 1'); }
            /* the loop still serves */
            onAccept = function (fd) {
                EventLoop.setReader(fd, function (rfd, data) { EventLoop.write(rfd, String(data).toUpperCase()); });
            };
            EventLoop.connect('127.0.0.1', port, function (fd) {
                EventLoop.setReader(fd, function (rfd, data) {
                    if (String(data) !== 'STILL ALIVE') { fail('after the reset the server answered ' + String(data)); }
                    EventLoop.close(rfd);
                    EventLoop.close(lfd);
                    clearTimeout(guard);
                    report();
                });
                EventLoop.write(fd, 'still alive');
            }, function (e) { fail('connect after the reset: ' + e); });
        }, 200);
    }, 100);
}
