// The ECMAScript loop compiles the parts of its JS an empty script does not
// run on first use (src/ecma/ecma_loop.js, "Parts compiled on first use"):
// clearTimeout, EventLoop.watch/unwatch/requestExit and requestEventLoopExit
// are placeholders until then. Both loops must behave the same: the
// EventLoop object's properties, a reference saved before the first use
// keeps working, a property the script replaced stays replaced, and each
// deferred path (clear, intervals with arguments, string callbacks, a
// duration beyond the list table, errors) works on first use.
// On the virtual clock: compiling a part on first use takes real time (ms
// under ASan or valgrind), which would reorder timers set before and after.
// flags: --virtual-clock
var failures = [];
function fail(msg) { failures.push(msg); }
var global = this;
function describe(obj, name) {
    var d = Object.getOwnPropertyDescriptor(obj, name);
    if (!d) { return 'missing'; }
    return typeof d.value + (d.writable ? ' writable' : '') + (d.enumerable ? ' enumerable' : '') +
        (d.configurable ? ' configurable' : '');
}
var keys = Object.keys(EventLoop).join(',');
if (keys.indexOf('watch,unwatch,requestExit,now,onerror') !== 0) { fail('EventLoop keys: ' + keys); }
if (describe(EventLoop, 'watch') !== 'function writable enumerable configurable') { fail('watch: ' + describe(EventLoop, 'watch')); }
var savedClear = clearTimeout, savedUnwatch = EventLoop.unwatch;
EventLoop.requestExit = function () { fail('the replaced requestExit ran'); };
var order = [];
var a = setTimeout(function () { order.push('a'); }, 5);
setTimeout(function () { order.push('b'); }, 5);
savedClear(a);                         /* the first use, through a saved reference */
if (savedUnwatch(12345) !== false) { fail('unwatch of an unwatched fd'); }
var ticks = 0;
var iv = setInterval(function (x, y) {
    ticks++;
    if (x !== 1 || y !== 'two') { fail('interval args ' + x + ' ' + y); }
    if (ticks === 3) { clearInterval(iv); }
}, 1, 1, 'two');
setTimeout('order.push("s")', 2);
setTimeout(function () { order.push('long'); }, 150);   /* beyond the list table: the slow path */
EventLoop.onerror = function (e) { order.push('err:' + e.message); };
setTimeout(function () { throw new Error('x'); }, 3);
setTimeout(function () {
    if (ticks !== 3) { fail('ticks ' + ticks); }
    if (order.join(',') !== 's,err:x,b,long') { fail('order ' + order.join(',')); }
    if (typeof EventLoop.requestExit !== 'function') { fail('requestExit'); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 200);
