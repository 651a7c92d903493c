// Running the heap out of memory by JS allocation is a catchable Error
// ('alloc failed', Duktape's), and the loop goes on. Each case fills the
// heap from a timer callback: Buffers, objects, a doubling string, one big
// Buffer, a dense array; what it allocated is dropped (in a finally, before
// the error is caught: catching needs a little memory too), and the next
// case's timer must still fire. At the end a 256 KiB Buffer must fit again.
// Under tests/run.py's pool section (--pool=1048576, EVLOOP_TEST_POOL set)
// every case must run out; elsewhere each stops at its bound (2-4 MiB).
// timeout: 30
var inPool = !!process.env.EVLOOP_TEST_POOL;
var failures = [];
function fail(msg) { failures.push(msg); }
function report() {
    for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
    if (!failures.length) { print('ok'); }
}
var current = 'start';
var guard = setTimeout(function () { fail('timed out in case ' + current); report(); process.exit(1); }, 20000);

var cases = [
    ['4096 Buffers of 1 KiB', function (keep) {
        for (var i = 0; i < 4096; i++) { keep.push(new Buffer(1024)); }
    }],
    ['100,000 small objects', function (keep) {
        for (var i = 0; i < 100000; i++) { keep.push({ index: i, name: 'object ' + i }); }
    }],
    ['a string doubled to 4 MiB', function (keep) {
        var s = 'evloop';
        while (s.length < 4 * 1024 * 1024) { s = s + s; keep[0] = s; }
    }],
    ['one 2 MiB Buffer', function (keep) {
        keep.push(new Buffer(2 * 1024 * 1024));
    }],
    ['a dense array of 500,000 numbers', function (keep) {
        var a = [];
        keep.push(a);
        for (var i = 0; i < 500000; i++) { a[i] = i * 0.5; }
    }]
];

/* Fills through keep; whatever happens, keep is emptied before the error
 * travels on (a finally binds nothing, so it needs no memory). */
function attempt(fill) {
    var keep = [];
    try {
        fill(keep);
    } finally {
        keep.length = 0;
    }
}

var ranOut = 0, k = 0;
function next() {
    if (k === cases.length) { return setTimeout(finish, 1); }
    var c = cases[k++];
    current = c[0];
    setTimeout(function () {
        var err = null;
        try {
            attempt(c[1]);
        } catch (e) {
            err = e;
        }
        if (err === null) {
            if (inPool) { fail(c[0] + ': never ran out in the pool'); }
        } else if (!(err instanceof Error) || err.message !== 'alloc failed') {
            fail(c[0] + ': threw ' + err + ', want Error: alloc failed');
        } else {
            ranOut++;
        }
        next();   /* its timer firing shows the loop goes on */
    }, 1);
}

function finish() {
    current = 'finish';
    try {
        var b = new Buffer(256 * 1024);
        b.fill(7);
        if (b[b.length - 1] !== 7) { fail('the 256 KiB Buffer does not hold its bytes'); }
    } catch (e) {
        fail('256 KiB after every case: ' + e + ' (the cases\' memory was not released)');
    }
    if (inPool && ranOut !== cases.length) { fail(ranOut + ' of ' + cases.length + ' cases ran out'); }
    clearTimeout(guard);
    report();
}

next();
