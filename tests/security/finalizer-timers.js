// A timer callback's finalizer (Duktape.fin) runs when the loop drops the
// last reference to the callback: inside clearTimeout, after a one-shot
// fired, inside clearInterval from the interval's own callback. Each
// finalizer calls every timer API, its own timer's clear included (issue
// 18: the C++ loop freed the slot twice, SIGSEGV in LoopImpl::step). The
// loop must stay consistent: timers set afterwards fire in order.
// timeout: 20
var failures = [];
function fail(msg) { failures.push(msg); }
var log = [];
var finalized = 0;
var ids = {};
function noop() {}
/* A callback only the loop references (a bound function: no closure, so no
 * reference cycle; freed by reference counting the moment the loop lets
 * go), whose finalizer calls fin(key). */
function runFinalizer(f) { finalized++; f.fin(f.key); }
function releasable(key, fin) {
    var f = noop.bind(null);
    f.key = key;
    f.fin = fin;
    Duktape.fin(f, runFinalizer);   /* not a closure over f: that would be a cycle */
    return f;
}
/* The finalizer's work: clear its own timer again, set and clear others. */
function reenter(key) {
    clearTimeout(ids[key]);
    clearInterval(ids[key]);
    var t = setTimeout(function () { fail('a timer cleared by a finalizer fired'); }, 1);
    clearTimeout(t);
    var i = setInterval(function () { fail('an interval cleared by a finalizer fired'); }, 1);
    clearInterval(i);
    setTimeout(function () { log.push('fin-' + key); }, 5);
}
function arm(key, delay, interval) {
    ids[key] = (interval ? setInterval : setTimeout)(releasable(key, reenter), delay);
}

/* 1. clearTimeout drops the callback. */
arm('cancel', 50);
clearTimeout(ids.cancel);
/* 2. a one-shot fires: its callback is dropped after it ran. */
arm('fire', 0);
/* 3. clearInterval from the interval's own callback (through a wrapper
 *    that holds no reference to it). */
ids.self = setInterval(function () { clearInterval(ids.self); log.push('self'); }, 1);
arm('interval', 2, true);
setTimeout(function () { clearInterval(ids.interval); }, 3);
/* 4. many at once: slots reused while finalizers set timers */
for (var k = 0; k < 50; k++) { arm('many' + k, 100); }
for (k = 0; k < 50; k++) { clearTimeout(ids['many' + k]); }
Duktape.gc();

setTimeout(function () {
    var order = [];
    setTimeout(function () { order.push(1); }, 10);
    setTimeout(function () { order.push(2); }, 10);
    setTimeout(function () { order.push(3); }, 20);
    setTimeout(function () { order.push(0); }, 5);
    setTimeout(function () {
        if (order.join() !== '0,1,2,3') { fail('timers after the finalizers fired as ' + order.join()); }
        if (finalized < 53) { fail('only ' + finalized + ' finalizers ran'); }
        var fins = 0;
        for (var i = 0; i < log.length; i++) { if (log[i].indexOf('fin-') === 0) { fins++; } }
        if (fins < 53) { fail('only ' + fins + ' timers set by finalizers fired'); }
        for (var x = 0; x < failures.length; x++) { print('FAIL ' + failures[x]); }
        if (!failures.length) { print('ok'); }
    }, 40);
}, 30);
