// EventLoop.watch on a watched fd changes its interest and callback:
// a new callback replaces the old one; events 0 pauses the watcher (no
// callbacks, but it is still there: unwatch returns true); watch(fd, events)
// without a callback resumes with the callback it had. Unwatch inside the
// callback stops further calls.
// stdin: tests/js/stdin-data.txt
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var log = [];
function first() { log.push('first'); fail('the replaced callback ran'); }
function second(fd, revents) {
    log.push('second');
    if (log.length === 1) {
        EventLoop.watch(0, 0);   // pause
        setTimeout(resume, 20);
    } else {
        EventLoop.unwatch(0);
        setTimeout(finish, 5);
    }
}
EventLoop.watch(0, Poll.POLLIN, first);
EventLoop.watch(0, Poll.POLLIN, second);
function resume() {
    if (log.length !== 1) { fail('callbacks while paused: ' + log.join()); }
    EventLoop.watch(0, Poll.POLLIN);   // resume, same callback
}
function finish() {
    if (log.join() !== 'second,second') { fail('callbacks ' + log.join() + ', want second,second'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
