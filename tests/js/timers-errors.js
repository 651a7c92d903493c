// A callback that throws is reported (stack trace on stderr) and stops
// neither its interval nor the loop; the CLI then exits with status 1.
// flags: --virtual-clock
// timeout: 10
// stdin: tests/js/stdin-data.txt
// expect-exit: 1
// expect-stderr: timeout callback boom
// expect-stderr: interval callback boom 1
// expect-stderr: interval callback boom 2
// expect-stderr: string callback boom
// expect-stderr: watcher callback boom
// expect-stderr: plain string thrown
// expect-stderr: tests/js/timers-errors.js:
var failures = [];
function fail(msg) { failures.push(msg); }
var after = [];

function thrower() {
    throw new Error('timeout callback boom');
}
setTimeout(thrower, 1);
setTimeout(function () { after.push('after timeout error'); }, 2);

var ticks = 0;
var iv = setInterval(function () {
    ticks++;
    if (ticks <= 2) { throw new Error('interval callback boom ' + ticks); }
    if (ticks === 5) { clearInterval(iv); }
}, 3);

setTimeout("throw new Error('string callback boom')", 4);
setTimeout(function () { throw 'plain string thrown'; }, 5);

var watched = 0;
EventLoop.watch(0, Poll.POLLIN, function () {
    watched++;
    EventLoop.unwatch(0);
    throw new Error('watcher callback boom');
});

setTimeout(function () {
    if (after.join() !== 'after timeout error') { fail('timer after the failing one ran: ' + after.join()); }
    if (ticks !== 5) { fail('interval that threw twice ticked ' + ticks + ' times, want 5'); }
    if (watched !== 1) { fail('watcher callback ran ' + watched + ' times, want 1'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 50);
