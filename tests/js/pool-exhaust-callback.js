// The heap runs out inside a callback that does not catch it: a timeout, an
// interval (which keeps ticking afterwards) and an fd watcher's callback each
// fill an array of their own until Duktape throws. The error leaves the
// callback (which frees the array), the loop reports it ('alloc failed') to
// EventLoop.onerror and goes on: later timers fire, the interval ticks
// again, the watcher is called again, and the memory is there again.
// Under tests/run.py's pool section (--pool=1048576, EVLOOP_TEST_POOL set)
// each callback must run out; elsewhere each stops at a bound (4 MiB).
// timeout: 30
// stdin: devnull
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var step = 'timeout';
var guard = setTimeout(function () { fail('timed out at step ' + step); report(); process.exit(1); }, 20000);

var reports = [];
EventLoop.onerror = function (err) {
    reports.push(step + ': ' + (err instanceof Error ? err.message : String(err)));
};
/* 1 KiB Buffers up to 4 MiB; throws when the heap runs out. */
function fillLocal() {
    var keep = [];
    for (var i = 0; i < 4096; i++) { keep.push(new Buffer(1024)); }
    return keep.length;
}
/* The report for this step: exactly one 'alloc failed' in the pool, none
 * elsewhere. */
function expectReport(what) {
    var want = inPool ? [what + ': alloc failed'] : [];
    if (reports.join('|') !== want.join('|')) {
        fail(what + ': reports ' + JSON.stringify(reports) + ', want ' + JSON.stringify(want));
    }
    reports = [];
}

/* 1. a timeout */
setTimeout(function () {
    fillLocal();
}, 1);
setTimeout(function () {
    expectReport('timeout');
    intervalStep();
}, 20);

/* 2. an interval: runs out on its first tick, then ticks twice more */
function intervalStep() {
    step = 'interval';
    var ticks = 0;
    var iv = setInterval(function () {
        ticks++;
        if (ticks === 1) { fillLocal(); }
        if (ticks === 3) {
            clearInterval(iv);
            expectReport('interval');
            watcherStep();
        }
    }, 5);
}

/* 3. an fd watcher: stdin is /dev/null, readable at once, every turn */
function watcherStep() {
    step = 'watcher';
    var calls = 0;
    EventLoop.watch(0, 1 /* POLLIN */, function () {
        calls++;
        if (calls === 1) { fillLocal(); }
        if (calls === 3) {
            EventLoop.unwatch(0);
            expectReport('watcher');
            setTimeout(done, 1);
        }
    });
}

function done() {
    step = 'done';
    try {
        var b = new Buffer(256 * 1024);
        b[0] = 1;
    } catch (e) {
        fail('256 KiB at the end: ' + e + ' (the memory was not released)');
    }
    clearTimeout(guard);
    report();
}
