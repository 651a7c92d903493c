// EVLOOP_MAX_TIMERS (only builds with it run this: tests/run.py, section
// configs): at most that many timers are pending at once. One more is a
// RangeError at the call, from setTimeout and setInterval alike (a
// function, a string, extra arguments), and changes nothing; clearing one
// makes room for exactly one; once timers have fired there is room for as
// many again; every timer created fires and the loop ends.
// needs: max-timers
// flags: --virtual-clock
// timeout: 30
var failures = [];
function fail(msg) { failures.push(msg); }
var fired = 0;
function tick() { fired++; }
function expectRange(label, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (!(e instanceof RangeError)) { fail(label + ': ' + (e ? 'threw ' + e : 'no error') + ', want a RangeError'); }
    else if (!/too many pending timers/.test(e.message)) { fail(label + ': message ' + e.message); }
    return e;
}

/* fill up */
var ids = [], err = null;
try {
    for (;;) {
        ids.push(setTimeout(tick, 10 + ids.length % 7));
        if (ids.length > 1e7) { break; }
    }
} catch (e) { err = e; }
var limit = ids.length;
if (!(err instanceof RangeError)) { fail('after ' + limit + ' timers: ' + (err ? 'threw ' + err : 'no error') + ', want a RangeError'); }
else if (!/^setTimeout: too many pending timers/.test(err.message)) { fail('message: ' + err.message); }
var e2 = expectRange('setInterval when full', function () { setInterval(tick, 5); });
if (e2 && !/^setInterval:/.test(e2.message)) { fail('setInterval message: ' + e2.message); }
expectRange("setTimeout('string') when full", function () { setTimeout('fired++', 5); });
expectRange('setTimeout(f, 5, args) when full', function () { setTimeout(tick, 5, 1, 2); });
expectRange("setInterval('string', 5) when full", function () { setInterval('fired++', 5); });

/* room for exactly one after a clear: the checker below */
clearTimeout(ids.pop());
clearInterval(ids.pop());
setTimeout(tick, 1, 'with an argument');
setTimeout(function () {
    /* every other timer has fired: room for `limit` again (this one is
     * freed before it runs) */
    if (fired !== limit - 1) { fail(fired + ' timers fired, want ' + (limit - 1)); }
    var again = [], e3 = null;
    try {
        while (again.length < limit) { again.push(again.length % 2 ? setInterval(tick, 1) : setTimeout(tick, 1)); }
    } catch (e) { e3 = e; }
    if (e3 || again.length !== limit) { fail('only ' + again.length + ' of ' + limit + ' timers after the first ones fired: ' + e3); }
    expectRange('one more than the limit again', function () { setTimeout(tick, 1); });
    for (var i = 0; i < again.length; i++) { clearTimeout(again[i]); }
    setTimeout(function () {
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 1);
}, 50);
expectRange('full again', function () { setTimeout(tick, 1); });
