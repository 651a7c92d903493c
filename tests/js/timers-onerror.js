// EventLoop.onerror takes callback errors instead of the default report:
// stderr stays empty and the exit status 0; it gets the thrown value itself,
// for every error, and the loop goes on.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var got = [];
EventLoop.onerror = function (err) { got.push(err); };

var e1 = new Error('first');
setTimeout(function () { throw e1; }, 1);
var e2 = new TypeError('second');
var ticks = 0;
var iv = setInterval(function () {
    ticks++;
    if (ticks === 3) { clearInterval(iv); }
    throw e2;
}, 2);
setTimeout(function () { throw 42; }, 9);
setTimeout("throw 'from a string callback'", 10);
var ranLater = false;
setTimeout(function () { ranLater = true; }, 11);

setTimeout(function () {
    if (got.length !== 6) { fail('onerror called ' + got.length + ' times, want 6'); }
    if (got[0] !== e1) { fail('onerror got ' + String(got[0]) + ' first, want the thrown Error'); }
    for (var k = 1; k <= 3; k++) {
        if (got[k] !== e2) { fail('onerror call ' + k + ' got ' + String(got[k]) + ', want the interval error'); }
    }
    if (got[4] !== 42) { fail('onerror got ' + String(got[4]) + ' for throw 42'); }
    if (got[5] !== 'from a string callback') { fail('onerror got ' + String(got[5]) + ' for the string callback'); }
    if (ticks !== 3) { fail('interval ticked ' + ticks + ' times, want 3'); }
    if (!ranLater) { fail('a timer after the errors did not run'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 30);
