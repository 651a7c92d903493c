// A watcher callback's finalizer runs when the loop drops it: inside
// EventLoop.unwatch, and when EventLoop.watch replaces it. Issue 18 (C++
// loop): one that watched an fd >= 200 grew the watcher table under
// remove_watcher (ASan heap-use-after-free), one that watched the same fd
// again left the table and the backend at odds (EEXIST for ever). Each
// finalizer here watches the same fd, fds >= 200, unwatches, and sets
// timers; afterwards watch/unwatch must work and timers fire.
// stdin: tests/js/stdin-data.txt
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
function noop() {}
var POLLIN = Poll.POLLIN;
/* Listening sockets: open fds nobody connects to (never readable), enough
 * of them to pass fd 200. */
var fds = [];
for (var i = 0; i < 210; i++) { fds.push(Socket.createServerSocket('127.0.0.1', 0)); }
var high = fds[fds.length - 1];
if (high < 200) { fail('no fd >= 200: ' + high); }
var finalized = 0;
function runFinalizer(f) { finalized++; f.fin(); }
function releasable(fin) {
    var f = noop.bind(null);
    f.fin = fin;
    Duktape.fin(f, runFinalizer);   /* not a closure over f: that would be a cycle */
    return f;
}
function tryWatch(fd, cb) {
    try { EventLoop.watch(fd, POLLIN, cb); return true; } catch (e) { fail('watch(' + fd + ') in a finalizer: ' + e); return false; }
}

/* 1. unwatch; the finalizer watches fds up to and past 200 (the table grows). */
var a = fds[0];
EventLoop.watch(a, POLLIN, releasable(function () {
    for (var j = 1; j < fds.length; j++) { tryWatch(fds[j], noop); }
    setTimeout(function () { for (var j = 1; j < fds.length; j++) { EventLoop.unwatch(fds[j]); } }, 1);
}));
if (EventLoop.unwatch(a) !== true) { fail('unwatch did not report the watcher'); }

/* 2. unwatch; the finalizer watches the same fd again, then it is unwatched
 *    and watched once more from the script. */
var b = fds[1];
EventLoop.watch(b, POLLIN, releasable(function () { tryWatch(b, noop); }));
EventLoop.unwatch(b);
if (EventLoop.unwatch(b) !== true) { fail('the finalizer\'s watcher is not there'); }
try { EventLoop.watch(b, POLLIN, noop); EventLoop.unwatch(b); } catch (e) { fail('watch after the finalizer: ' + e); }

/* 3. watch replaces the callback; the finalizer of the old one unwatches
 *    the fd: the new one is gone too, consistently (unwatch says false). */
var c = fds[2];
EventLoop.watch(c, POLLIN, releasable(function () { EventLoop.unwatch(c); }));
EventLoop.watch(c, POLLIN, noop);
EventLoop.unwatch(c);
try { EventLoop.watch(c, POLLIN, noop); EventLoop.unwatch(c); } catch (e) { fail('watch after a replace: ' + e); }

/* 4. the finalizer sets a timer and requests nothing else: it fires. */
var d = fds[3], fired = false;
EventLoop.watch(d, POLLIN, releasable(function () { setTimeout(function () { fired = true; }, 1); }));
EventLoop.unwatch(d);

/* 5. unwatch of stdin (a file: always readable); the finalizer watches it
 *    again: its callback must then run (the ECMAScript loop forgot the
 *    native watcher after the finalizer had made a new one). */
var stdinEvents = 0;
function onStdin() { stdinEvents++; EventLoop.unwatch(0); }
EventLoop.watch(0, POLLIN, releasable(function () { tryWatch(0, onStdin); }));
EventLoop.unwatch(0);

setTimeout(function () {
    if (stdinEvents !== 1) { fail('the watcher a finalizer set on stdin ran ' + stdinEvents + ' times, want 1'); }
    /* every fd still works with a fresh watcher */
    for (var j = 0; j < fds.length; j++) {
        try { EventLoop.watch(fds[j], POLLIN, noop); EventLoop.unwatch(fds[j]); } catch (e) { fail('fd ' + fds[j] + ': ' + e); break; }
    }
    if (!fired) { fail('the finalizer\'s timer did not fire'); }
    if (finalized < 4) { fail('only ' + finalized + ' finalizers ran'); }
    for (j = 0; j < fds.length; j++) { Socket.close(fds[j]); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 20);
