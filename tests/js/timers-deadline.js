// Timers never fire before their deadline and fire in deadline order (REAL
// clock): a batch with delays 1..50 ms, scheduled in shuffled order.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var delays = [];
for (var d = 1; d <= 50; d++) { delays.push(d); }
/* a fixed shuffle (deterministic) */
var seed = 12345;
for (var i = delays.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    var j = seed % (i + 1);
    var tmp = delays[i]; delays[i] = delays[j]; delays[j] = tmp;
}
var fired = [];
/* The deadline lies between (now before the call) + delay and (now after the
 * call) + delay: the process may be preempted between the two readings. */
function schedule(delay) {
    var before = EventLoop.now();
    var rec = { delay: delay, lo: before + Math.floor(delay), hi: 0, now: 0 };
    setTimeout(function () {
        rec.now = EventLoop.now();
        fired.push(rec);
        if (rec.now < rec.lo) {
            fail('delay ' + delay + ' fired ' + (rec.lo - rec.now).toFixed(3) + ' ms early');
        }
    }, delay);
    rec.hi = EventLoop.now() + Math.floor(delay);
}
for (i = 0; i < delays.length; i++) { schedule(delays[i]); }
/* fractional delays: truncated, still never early */
schedule(3.99);
schedule(17.5);
/* equal delays in a tight batch: creation order */
var equal = [];
for (i = 0; i < 10; i++) {
    (function (k) { setTimeout(function () { equal.push(k); }, 25); })(i);
}
setTimeout(function () {
    if (fired.length !== 52) { fail('fired ' + fired.length + ' of 52 timers'); }
    /* deadline order: nothing fires after a timer whose deadline is surely later */
    for (var a = 0; a < fired.length; a++) {
        for (var b = a + 1; b < fired.length; b++) {
            if (fired[b].hi < fired[a].lo) {
                fail('delay ' + fired[b].delay + ' (deadline <= ' + fired[b].hi.toFixed(3) + ') fired after delay ' +
                     fired[a].delay + ' (deadline >= ' + fired[a].lo.toFixed(3) + ')');
            }
        }
    }
    if (equal.join() !== '0,1,2,3,4,5,6,7,8,9') { fail('equal delays fired as ' + equal.join()); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 120);
