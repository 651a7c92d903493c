// A timer callback runs the heap out while its closure still holds the
// memory, so the loop's own error handling (EventLoop.onerror, the report)
// may find no memory either. The loop must go on: a later timer fires, in
// both loops. (The ECMAScript loop used to end run() there: the error
// escaped its JS turn; now the host side reports it and runs the loop on.)
// Without a pool the callback stops at a bound and nothing fails.
// The script ends by throwing a marker error, so that the reports on stderr
// (exit status 1) pass the same checks in both loops.
// expect-exit: 1
// expect-stderr: pool-exhaust-loop: end of script
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failed = '';
function make() {
    var kept = [];
    return function () {
        var bound = inPool ? Infinity : 20000;
        for (var i = 0; i < bound; i++) { kept.push(new Buffer(1024)); }
        kept = null;
    };
}
EventLoop.onerror = function (e) { failed = 'onerror: ' + e.message; print(failed); };   /* allocates */
setTimeout(make(), 1);
setTimeout(function () {
    /* With a pool the report may have gone to stderr (no memory for onerror). */
    EventLoop.onerror = null;
    if (!inPool && failed) { print('FAIL without a pool: ' + failed); }
    print('ok');
    setTimeout(function () { throw new Error('pool-exhaust-loop: end of script'); }, 1);
}, 20);
