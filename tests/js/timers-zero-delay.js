// A zero delay runs on the next turn with no 1 ms sleep (REAL clock): a
// chain of 1000 zero-delay timers takes well under 1000 ms.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var count = 0;
var start = EventLoop.now();
function step() {
    count++;
    if (count < 1000) { setTimeout(step, 0); return; }
    var elapsed = EventLoop.now() - start;
    if (elapsed >= 500) { fail('1000 chained zero-delay timers took ' + elapsed.toFixed(1) + ' ms, want < 500'); }
    chainIntervals();
}
setTimeout(step, 0);

/* a zero-delay interval ticks every turn as well */
function chainIntervals() {
    var ticks = 0;
    var t0 = EventLoop.now();
    var iv = setInterval(function () {
        ticks++;
        if (ticks < 500) { return; }
        clearInterval(iv);
        var elapsed = EventLoop.now() - t0;
        if (elapsed >= 250) { fail('500 ticks of setInterval(f, 0) took ' + elapsed.toFixed(1) + ' ms, want < 250'); }
        chainNegative();
    }, 0);
}

/* negative and missing delays are zero delays */
function chainNegative() {
    var n = 0;
    var t0 = EventLoop.now();
    function again() {
        n++;
        if (n < 500) { setTimeout(again, n % 2 ? -10 : undefined); return; }
        var elapsed = EventLoop.now() - t0;
        if (elapsed >= 250) { fail('500 chained timers with delay -10/undefined took ' + elapsed.toFixed(1) + ' ms, want < 250'); }
        finish();
    }
    setTimeout(again);
}

function finish() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
