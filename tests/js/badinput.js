// Bad arguments throw the documented error type at the call and change
// nothing: after all of them the loop still runs timers and ends normally.
// flags: --virtual-clock
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
function expectThrow(label, Ctor, fn) {
    var e = null;
    try { fn(); } catch (x) { e = x; }
    if (e === null) { fail(label + ' did not throw, want ' + Ctor.name); }
    else if (!(e instanceof Ctor)) { fail(label + ' threw ' + String(e) + ', want ' + Ctor.name); }
    return e;
}
var never = function () { fail('a callback of a failed call ran'); };

/* timers: the callback is checked */
expectThrow('setTimeout(42)', TypeError, function () { setTimeout(42, 1); });
expectThrow('setInterval({})', TypeError, function () { setInterval({}, 1); });
expectThrow('setTimeout(null)', TypeError, function () { setTimeout(null); });
expectThrow('setInterval(undefined)', TypeError, function () { setInterval(undefined, 5); });
/* timers: ToNumber errors propagate (a Symbol delay cannot be converted) */
if (typeof Symbol === 'function') {
    expectThrow('setTimeout(f, Symbol())', TypeError, function () { setTimeout(never, Symbol('d')); });
}
expectThrow('setInterval(f, {valueOf: throws RangeError})', RangeError, function () {
    setInterval(never, { valueOf: function () { throw new RangeError('delay'); } });
});
/* clear*: never throw (see timers-clear.js); here with a Symbol */
try { clearTimeout(typeof Symbol === 'function' ? Symbol('x') : 'x'); } catch (e1) { fail('clearTimeout(Symbol) threw ' + e1); }

/* EventLoop.watch: fd RangeError, events RangeError, callback TypeError */
expectThrow('watch(-1)', RangeError, function () { EventLoop.watch(-1, Poll.POLLIN, never); });
expectThrow('watch(0.5)', RangeError, function () { EventLoop.watch(0.5, Poll.POLLIN, never); });
expectThrow("watch('x')", RangeError, function () { EventLoop.watch('x', Poll.POLLIN, never); });
expectThrow('watch({})', RangeError, function () { EventLoop.watch({}, Poll.POLLIN, never); });
expectThrow('watch(2^31)', RangeError, function () { EventLoop.watch(2147483648, Poll.POLLIN, never); });
expectThrow('watch(0, -1)', RangeError, function () { EventLoop.watch(0, -1, never); });
expectThrow('watch(0, 1.5)', RangeError, function () { EventLoop.watch(0, 1.5, never); });
expectThrow("watch(0, 'in')", RangeError, function () { EventLoop.watch(0, 'in', never); });
expectThrow('watch(0, POLLIN, [])', TypeError, function () { EventLoop.watch(0, Poll.POLLIN, []); });
if (EventLoop.unwatch(0) !== false) { fail('a failed watch left a watcher on fd 0'); }
if (EventLoop.unwatch('0') !== false) { fail("unwatch('0') did not return false"); }
if (EventLoop.unwatch() !== false) { fail('unwatch() did not return false'); }

/* Poll.poll: set must be an object of {fd: {events}} */
expectThrow('Poll.poll(42)', TypeError, function () { Poll.poll(42, 0); });
expectThrow('Poll.poll(null)', TypeError, function () { Poll.poll(null, 0); });
expectThrow("Poll.poll({x: ...})", RangeError, function () { Poll.poll({ x: { events: 1 } }, 0); });
expectThrow('Poll.poll({-1: ...})', RangeError, function () { Poll.poll({ '-1': { events: 1 } }, 0); });
expectThrow('Poll.poll({0: 5})', TypeError, function () { Poll.poll({ 0: 5 }, 0); });

/* FileIo (where the build has it: not with EVLOOP_NO_FILEIO): paths and
 * data of the wrong type */
if (typeof FileIo === 'object') {
    expectThrow('FileIo.readfile(1)', TypeError, function () { FileIo.readfile(1); });
    expectThrow('FileIo.writefile("/tmp/x", undefined)', TypeError, function () { FileIo.writefile('/tmp/evloop-badinput-never-written', undefined); });
}

/* print: a throwing toString propagates and nothing is printed */
var boom = new Error('toString boom');
var got = null;
try { print('FAIL printed despite a throwing argument', { toString: function () { throw boom; } }); } catch (e2) { got = e2; }
if (got !== boom) { fail('print with a throwing toString threw ' + String(got)); }

/* the loop still works */
var order = [];
setTimeout(function () { order.push(2); }, 2);
setTimeout(function () { order.push(1); }, 1);
setTimeout(function () {
    if (order.join() !== '1,2') { fail('timers after bad calls ran as ' + order.join()); }
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 5);
