// fd 0 is watchable when stdin is /dev/null (a character device that epoll
// cannot watch): the callback gets POLLIN, and the watcher alone keeps the
// loop alive until it is removed. (No timers here: a loop that ignored the
// watcher would end before the callback, with no 'ok'.)
// stdin: devnull
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
try {
    EventLoop.watch(0, Poll.POLLIN, function (fd, revents) {
        if (fd !== 0) { fail('callback got fd ' + fd + ', want 0'); }
        if (!(revents & Poll.POLLIN)) { fail('callback got revents ' + revents + ', want POLLIN set'); }
        var u = EventLoop.unwatch(0);
        if (u !== true) { fail('unwatch(0) returned ' + u + ', want true'); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    });
} catch (e) {
    print('FAIL EventLoop.watch(0, POLLIN, cb) with stdin /dev/null threw ' + String(e) + (e && e.code ? ' (' + e.code + ')' : ''));
}
