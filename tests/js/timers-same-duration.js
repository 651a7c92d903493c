// Many timers of one duration (virtual clock): they fire in creation order,
// and clearing the first, a middle or the last of them, or creating more
// after the last was cleared (its slot reused at once), keeps that order.
// Intervals and timeouts of one duration interleave by (deadline,
// creation); a timer of another duration due at the same time fires by
// creation too. (The ECMAScript loop keeps a list per duration.)
// flags: --virtual-clock
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
var log = [];
var start = EventLoop.now();
function rec(name) { return function () { log.push(name + '@' + (EventLoop.now() - start)); }; }
function expect(what, want) {
    var got = log.join(' ');
    if (got !== want) { fail(what + ': got "' + got + '", want "' + want + '"'); }
    log = [];
}

/* 1. Clear the first, a middle and the last; add after the last is gone. */
var ids = {};
['a', 'b', 'c', 'd', 'e'].forEach(function (n) { ids[n] = setTimeout(rec(n), 10); });
clearTimeout(ids.c);
clearTimeout(ids.a);
clearTimeout(ids.e);
ids.f = setTimeout(rec('f'), 10);   /* reuses e's slot: must not follow "itself" */
clearTimeout(ids.e);                /* stale id: a no-op */
ids.g = setTimeout(rec('g'), 10);
clearTimeout(ids.f);                /* the last again */
setTimeout(rec('h'), 10);
setTimeout(function () {
    expect('first/middle/last cleared', 'b@10 d@10 g@10 h@10');
    step2();
}, 11);

/* 2. An interval among timeouts of its duration; a timeout of another
 * duration due at the same times. */
function step2() {
    var t0 = EventLoop.now() - start;   /* 11 */
    var n = 0;
    setTimeout(rec('p'), 5);
    var iv = setInterval(function () {
        n++;
        log.push('I' + n + '@' + (EventLoop.now() - start));
        if (n === 3) { clearInterval(iv); }
    }, 5);
    setTimeout(rec('q'), 5);
    setTimeout(rec('r'), 10);   /* due with the second tick, created before its rescheduling */
    setTimeout(function () {
        setTimeout(rec('s'), 5);    /* created at +16, after the interval's first tick: due 21, after I2 */
    }, 5);
    setTimeout(function () {
        expect('interval among timeouts', 'p@' + (t0 + 5) + ' I1@' + (t0 + 5) + ' q@' + (t0 + 5) +
               ' r@' + (t0 + 10) + ' I2@' + (t0 + 10) + ' s@' + (t0 + 10) + ' I3@' + (t0 + 15));
        step3();
    }, 20);
}

/* 3. Clear every other timer of one long list, from callbacks of that list. */
function step3() {
    var t0 = EventLoop.now() - start, list = [], fired = [], i;
    for (i = 0; i < 100; i++) {
        (function (k) {
            list[k] = setTimeout(function () {
                fired.push(k);
                if (k + 1 < 100 && k % 2 === 0) { clearTimeout(list[k + 1]); }
            }, 7);
        })(i);
    }
    for (i = 0; i < 100; i += 10) { clearTimeout(list[i]); }
    setTimeout(function () {
        var want = [];
        for (var k = 0; k < 100; k++) {
            if (k % 10 === 0) { continue; }                   /* cleared first */
            if (k % 2 === 1 && k % 10 !== 1) { continue; }   /* cleared by k - 1 */
            want.push(k);
        }
        if (fired.join() !== want.join()) { fail('long list: fired ' + fired.join() + ', want ' + want.join()); }
        if (EventLoop.now() - start !== t0 + 8) { fail('long list: done at ' + (EventLoop.now() - start)); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 8);
}
