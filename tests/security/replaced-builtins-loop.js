// A script replaces the built-ins the ECMAScript loop's JS used to look up
// when it ran (Math.floor, Function.prototype.call / apply, eval,
// RangeError, TypeError, Array.prototype.push): the loop took them from
// the script, so a broken polyfill dropped timer arguments, lost
// EventLoop.onerror, misplaced late intervals or threw from the loop. The
// loop now uses the built-ins it captured at install: timers still run, in
// order, with their arguments; errors still reach EventLoop.onerror.
var order = [], errors = [];
var realNow = EventLoop.now;
function spin(ms) { var end = realNow() + ms; while (realNow() < end) { /* a late interval */ } }

Math.floor = function () { return -1000; };
Function.prototype.apply = function () { order.push('apply hijacked'); };
Function.prototype.call = function () { order.push('call hijacked'); };
eval = function () { order.push('eval hijacked'); };
RangeError = function () { order.push('RangeError hijacked'); };
TypeError = function () { order.push('TypeError hijacked'); };
Array.prototype.push = function () { throw new Error('push hijacked'); };
function note(s) { order[order.length] = s; }

EventLoop.onerror = function (e) { errors[errors.length] = String(e.message); };
setTimeout(function (a, b) { note(a + b); }, 1, 'arg', 's');
setTimeout('note("string")', 2);
setTimeout(function () { throw new Error('thrown'); }, 3);
var n = 0;
var iv = setInterval(function () {
    n++;
    note('interval' + n);
    if (n === 1) { spin(30); }   /* misses ticks: the next one uses floor */
    if (n === 2) { clearInterval(iv); }
}, 10);
setTimeout(function () { note('t5'); }, 5);
setTimeout(function () {
    var want = 'args,string,t5,interval1,interval2';
    var got = order.join(',');
    if (got === want && errors.join(',') === 'thrown') { print('ok'); }
    else { print('order: ' + got + ' errors: ' + errors.join(',')); }
}, 100);
