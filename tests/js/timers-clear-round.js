// A timer cleared by a callback of the same round never fires: with the REAL
// clock a first timer blocks the loop, so that several timers with different
// deadlines are all due together; the first of them clears the others.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
var fired = [];
var victims = {};
setTimeout(function () {
    var until = EventLoop.now() + 40;
    while (EventLoop.now() < until) { /* block: the next timers all become due */ }
}, 1);
setTimeout(function () {
    fired.push('clearer');
    clearTimeout(victims.a);
    clearInterval(victims.b);
    clearTimeout(victims.c);
}, 10);
victims.a = setTimeout(function () { fired.push('a'); }, 12);
victims.b = setInterval(function () { fired.push('b'); }, 14);
setTimeout(function () { fired.push('kept'); }, 16);
victims.c = setTimeout(function () { fired.push('c'); }, 18);
setTimeout(function () {
    if (fired.join() !== 'clearer,kept') { fail('fired ' + fired.join() + ', want clearer,kept'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 80);
