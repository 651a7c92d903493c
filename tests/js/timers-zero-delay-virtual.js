// Zero-delay timers never make the loop sleep: on the virtual clock, whose
// time moves only when the loop would sleep, a chain of zero-delay timers
// leaves the loop clock where it was.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var start;
var count = 0;
setTimeout(function () {
    start = EventLoop.now();
    function step() {
        count++;
        var now = EventLoop.now();
        if (now !== start) { fail('zero-delay step ' + count + ' at +' + (now - start) + ' ms, want +0'); return done(); }
        if (count < 300) { setTimeout(step, 0); } else { done(); }
    }
    setTimeout(step, 0);
}, 5);
function done() {
    setTimeout(function () {
        if (EventLoop.now() - start !== 3) { fail('setTimeout(f, 3) after the chain fired at +' + (EventLoop.now() - start)); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 3);
}
