// Pending timers, each with its own closure and a little data, until the
// heap runs out (or a bound of 20,000): the error can be caught ('alloc
// failed' from Duktape, DoubleError when even the error found no memory, or
// ENOMEM when the loop's own timer table cannot
// grow: its memory comes from the same heap), the timers made so far can all
// be cleared (none of them fires: a setTimeout that threw left no timer
// behind), and new timers work. Twice: from the script's top level, then
// from a timer callback, after the first round's memory came back. (How
// many fit the second time is not compared: the ECMAScript loop keeps its
// freed timer records for reuse, so the memory comes back as small holes.)
// Under tests/run.py's pool section (--pool=1048576, EVLOOP_TEST_POOL set)
// both rounds must run out; elsewhere they stop at the bound.
// timeout: 30
// needs: timers:20000
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var guard = setTimeout(function () { fail('timed out'); report(); process.exit(1); }, 20000);
var BOUND = 20000;
var fired = 0;

function makeCallback(i) {
    var data = [i, 'timer ' + i];
    return function () { fired++; data.push(i); };
}

/* Makes timers until setTimeout throws or the bound; clears them all in a
 * finally (before the error is caught: catching needs a little memory). */
function fill(round) {
    var ids = [], id = 0;
    /* Headroom for the clean-up: in a full heap even the call of
     * clearTimeout needs memory (its activation), and a clear that fails
     * would leave a timer that fires. Freed (reference counting) first. */
    var reserve = new Buffer(16384);
    try {
        for (var i = 0; i < BOUND; i++) {
            id = setTimeout(makeCallback(i), 20 + i % 50);
            ids.push(id);   /* may run out too: id is cleared below */
            id = 0;
        }
    } finally {
        reserve = null;
        round.made = ids.length;
        if (id) { clearTimeout(id); }
        for (var k = 0; k < ids.length; k++) { clearTimeout(ids[k]); }
        ids = null;
    }
}

function runRound(name) {
    var round = { name: name, made: 0, error: null };
    try {
        fill(round);
    } catch (e) {
        round.error = e;
    }
    var e = round.error;
    if (e === null) {
        if (inPool) { fail(name + ': ' + round.made + ' timers and the pool never ran out'); }
    } else if (!(e instanceof Error) || (e.message !== 'alloc failed' && e.code !== 'ENOMEM' &&
                                         e.name !== 'DoubleError')) {
        /* DoubleError: Duktape had no memory left to build the error either */
        fail(name + ': setTimeout threw ' + e + ' (code ' + e.code + '), want alloc failed, ENOMEM or DoubleError');
    }
    return round;
}

var first = runRound('top level');
/* Each closure is cyclic garbage (function <-> prototype), which only the
 * mark-and-sweep collector frees: collect it now rather than leave it to
 * the collector's schedule (under load the next allocation failed first). */
Duktape.gc();
setTimeout(function () {
    var second = runRound('in a callback');
    if (second.made === 0) { fail('no timer could be made after the first round (' + first.made + ' timers)'); }
    /* none of the cleared timers may fire (their delays were 20..69 ms) */
    setTimeout(function () {
        if (fired !== 0) { fail(fired + ' cleared timers fired'); }
        clearTimeout(guard);
        report();
    }, 150);
}, 1);
