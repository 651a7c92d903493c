// A late interval keeps deadline order with timers of its duration created
// after it (REAL clock). The ECMAScript loop keeps one list per duration,
// in creation order; an interval rescheduled on its grid (deadline +
// k * interval) after the loop ran late gets a deadline EARLIER than that of
// a timer of the same duration created just before, in the same round: it
// must fire first. A first timer blocks the loop past the interval's first
// deadline so that: X (100 ms) and the interval (100 ms, due at ~100) run
// in one round at ~250; X creates C (100 ms: due at ~350); the interval
// then moves to its grid point ~300 (it skips 200), before C.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
var fired = [];
/* The ECMAScript loop compiles the slow path of setTimeout (a delay of 64 ms
 * or more) and setInterval on first use (~1 ms; ~70 ms under valgrind): load
 * it before the clock starts, so the timers below are set at ~start. */
clearTimeout(setTimeout(function () {}, 100));
var start = EventLoop.now();
var cDue = -1;
function at() { return (EventLoop.now() - start).toFixed(1); }
setTimeout(function () {
    while (EventLoop.now() < start + 250) { /* block the loop: X and the interval run late, together */ }
}, 50);
setTimeout(function () {
    fired.push('X');
    cDue = EventLoop.now() - start + 100;
    setTimeout(function () {
        fired.push('C');
        var now = EventLoop.now() - start;
        if (now < cDue) { fail('C fired at +' + now.toFixed(1) + ', before its deadline +' + cDue.toFixed(1)); }
    }, 100);
}, 100);
var ticks = 0;
var iv = setInterval(function () {
    ticks++;
    fired.push('I' + ticks + '@' + at());
    if (ticks === 2) { clearInterval(iv); }
}, 100);
setTimeout(function () {
    var names = fired.map(function (f) { return f.split('@')[0]; }).join();
    if (names !== 'X,I1,I2,C') { fail('fired ' + fired.join() + ', want X,I1,I2,C'); }
    var second = fired[2] ? Number(fired[2].split('@')[1]) : -1;
    /* The grid point after the late round (~250) is 300; C is due at ~350. */
    if (fired[2] && (second < 295 || second >= cDue)) {
        fail('second tick at +' + second + ', want on its grid point ~+300, before C (+' + cDue.toFixed(1) + ')');
    }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 600);
