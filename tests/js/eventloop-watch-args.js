// EventLoop.watch argument checks: a bad fd (negative, fractional, not a
// number) is a RangeError; a callback that is not a function is a
// TypeError; a closed fd gives an Error with code 'EBADF'. A failed watch
// leaves nothing behind (unwatch returns false, the loop still ends).
// stdin: tests/js/stdin-data.txt
// timeout: 10
var failures = [];
function fail(msg) { failures.push(msg); }
var cb = function () { fail('callback of a watch that failed ran'); };
function expectThrow(label, Ctor, fn) {
    try {
        fn();
    } catch (e) {
        if (!(e instanceof Ctor)) { fail(label + ' threw ' + String(e) + ', want ' + Ctor.name); }
        return e;
    }
    fail(label + ' did not throw, want ' + Ctor.name);
    return null;
}
expectThrow('watch(-1)', RangeError, function () { EventLoop.watch(-1, Poll.POLLIN, cb); });
expectThrow('watch(1.5)', RangeError, function () { EventLoop.watch(1.5, Poll.POLLIN, cb); });
expectThrow("watch('0')", RangeError, function () { EventLoop.watch('0', Poll.POLLIN, cb); });
expectThrow('watch(NaN)', RangeError, function () { EventLoop.watch(NaN, Poll.POLLIN, cb); });
expectThrow('watch(undefined)', RangeError, function () { EventLoop.watch(undefined, Poll.POLLIN, cb); });
expectThrow('watch(Infinity)', RangeError, function () { EventLoop.watch(Infinity, Poll.POLLIN, cb); });
expectThrow('watch(0, POLLIN, 42)', TypeError, function () { EventLoop.watch(0, Poll.POLLIN, 42); });
expectThrow("watch(0, POLLIN, 'f')", TypeError, function () { EventLoop.watch(0, Poll.POLLIN, 'f'); });
expectThrow('watch(0, POLLIN, {})', TypeError, function () { EventLoop.watch(0, Poll.POLLIN, {}); });
expectThrow('watch(0, POLLIN, null)', TypeError, function () { EventLoop.watch(0, Poll.POLLIN, null); });
expectThrow('watch(0, POLLIN) with no watcher yet', TypeError, function () { EventLoop.watch(0, Poll.POLLIN); });
var e = expectThrow('watch(999) (not an open fd)', Error, function () { EventLoop.watch(999, Poll.POLLIN, cb); });
if (e && e.code !== 'EBADF') { fail('watch(999) error code ' + e.code + ', want EBADF'); }
if (e && !/EBADF/.test(String(e.message))) { fail('watch(999) error message ' + e.message + ' does not name EBADF'); }
if (EventLoop.unwatch(999) !== false) { fail('unwatch(999) after a failed watch did not return false'); }
if (EventLoop.unwatch(0) !== false) { fail('unwatch(0) after failed watches did not return false'); }
if (EventLoop.unwatch(5) !== false) { fail('unwatch(5) of an fd never watched did not return false'); }
/* the loop must end by itself: nothing is watched. */
setTimeout(function () {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}, 1);
