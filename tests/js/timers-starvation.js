// A zero-delay chain does not starve other timers: setTimeout(f, 5) still
// fires while an endless zero-delay chain runs (REAL clock).
// timeout: 30
// valgrind: skip real-clock tolerances: under valgrind the first turn starts more than 5 ms after the timers were set, so the 5 ms timer runs in the same turn as the chain's first step
var failures = [];
function fail(msg) { failures.push(msg); }
var chain = 0;
var stop = false;
var start = EventLoop.now();
function spin() {
    if (stop) { return; }
    chain++;
    if (EventLoop.now() - start > 3000) {
        fail('setTimeout(f, 5) still had not fired after 3 s of zero-delay chain (' + chain + ' steps)');
        return finish();
    }
    setTimeout(spin, 0);
}
setTimeout(spin, 0);
/* a second chain by setInterval(f, 0) */
var ivTicks = 0;
var iv = setInterval(function () { ivTicks++; }, 0);
setTimeout(function () {
    stop = true;
    clearInterval(iv);
    var late = EventLoop.now() - start;
    if (late < 5) { fail('setTimeout(f, 5) fired early, at +' + late.toFixed(2) + ' ms'); }
    if (late > 1000) { fail('setTimeout(f, 5) fired only at +' + late.toFixed(1) + ' ms'); }
    if (chain < 2) { fail('the zero-delay chain did not run (' + chain + ' steps)'); }
    if (ivTicks < 2) { fail('the zero-delay interval did not run (' + ivTicks + ' ticks)'); }
    finish();
}, 5);
var finished = false;
function finish() {
    if (finished) { return; }
    finished = true;
    stop = true;
    clearInterval(iv);
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
