// EventLoop.now() is the loop clock in ms: a finite number that never goes
// back, advances with real time, and agrees with timer deadlines.
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var a = EventLoop.now();
if (typeof a !== 'number' || !isFinite(a) || a < 0) { fail('EventLoop.now() is ' + a); }
var prev = a;
for (var k = 0; k < 10000; k++) {
    var v = EventLoop.now();
    if (v < prev) { fail('EventLoop.now() went back from ' + prev + ' to ' + v); break; }
    prev = v;
}
/* it advances: a 5 ms busy wait ends (with a guard on Date) */
var d0 = Date.now(), n0 = EventLoop.now();
while (EventLoop.now() - n0 < 5 && Date.now() - d0 < 2000) { /* spin */ }
var spun = EventLoop.now() - n0;
if (spun < 5) { fail('EventLoop.now() advanced only ' + spun + ' ms in ' + (Date.now() - d0) + ' ms of real time'); }
/* and timers agree with it */
var t0 = EventLoop.now();
setTimeout(function () {
    var t1 = EventLoop.now();
    if (t1 < prev) { fail('EventLoop.now() in a callback went back'); }
    if (t1 - t0 < 30) { fail('setTimeout(f, 30) fired after ' + (t1 - t0).toFixed(3) + ' ms by EventLoop.now()'); }
    if (t1 - t0 > 2000) { fail('setTimeout(f, 30) fired after ' + (t1 - t0).toFixed(3) + ' ms'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 30);
