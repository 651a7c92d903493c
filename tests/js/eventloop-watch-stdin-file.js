// fd 0 is watchable when stdin is a regular file: the callback gets (0,
// revents with POLLIN); unwatch returns true once, then false; a watcher
// keeps the loop alive until it is removed.
// stdin: tests/js/stdin-data.txt
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var calls = 0;
try {
    var r = EventLoop.watch(0, Poll.POLLIN, function (fd, revents) {
        calls++;
        if (fd !== 0) { fail('callback got fd ' + fd + ', want 0'); }
        if (typeof revents !== 'number' || !(revents & Poll.POLLIN)) { fail('callback got revents ' + revents + ', want POLLIN set'); }
        if (calls < 3) { return; }   // level-triggered: called again while readable
        var u1 = EventLoop.unwatch(0);
        var u2 = EventLoop.unwatch(0);
        if (u1 !== true) { fail('first unwatch(0) returned ' + u1 + ', want true'); }
        if (u2 !== false) { fail('second unwatch(0) returned ' + u2 + ', want false'); }
        /* the loop must still run this timer and then end (no watcher left) */
        setTimeout(finish, 1);
    });
    if (r !== undefined) { fail('watch returned ' + r); }
} catch (e) {
    fail('EventLoop.watch(0, POLLIN, cb) with stdin from a file threw ' + String(e) + (e && e.code ? ' (' + e.code + ')' : ''));
    setTimeout(finish, 1);
}
if (calls !== 0) { fail('watch callback ran inside EventLoop.watch'); }
function finish() {
    if (calls < 3 && !failures.length) { fail('callback ran ' + calls + ' times'); }
    var n = calls;
    setTimeout(function () {
        if (calls !== n) { fail('callback ran after unwatch'); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 5);
}
