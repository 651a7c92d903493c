/*
 * The timer benchmark scripts (ES5), shared by both drivers so that evloop
 * and Node.js run the very same code:
 *   - build/bench-timers (bench/bench_timers.cpp) evaluates this file with
 *     duk_peval_string in a fresh Duktape heap + evloop loop per measurement
 *     and times calls into it from C++ (CLOCK_MONOTONIC);
 *   - bench/node_timers.js evaluates it in Node's global scope (vm) and times
 *     with process.hrtime.
 * It only defines functions and variables; the drivers call them.
 */

/* The loop's clock in ms with a fraction: EventLoop.now() in evloop,
 * performance.now() in Node.js. */
var clockNow = typeof EventLoop !== 'undefined' ?
    function () { return EventLoop.now(); } :
    function () { return performance.now(); };

/* ---- 1. create / fire cost, and the JS-call floor ----
 * Delays spread over [0, 1000) ms: 7919 is a prime coprime to 1000, so N
 * timers have min(N, 1000) distinct deadlines. f is the timer callback. */
var f = function () {};
function g(cb, delay) {}
function create(n) {
    for (var i = 0; i < n; i++) setTimeout(f, (i * 7919) % 1000);
}
function floor(n) {
    for (var i = 0; i < n; i++) g(f, (i * 7919) % 1000);
}

/* ---- 2. zero-delay chain: started by setTimeout(hop, 0) ---- */
var n = 0;
function hop() { if (++n < 100000) setTimeout(hop, 0); }
function startChain() { setTimeout(hop, 0); }

/* ---- 3. setInterval drift: 200 ticks of 10 ms, 2 ms busy work each ----
 * drift = (time of the 200th tick) - (time of the setInterval call) - 2000 ms;
 * lateMax = the latest any tick k ran after its ideal time t0 + 10 k. */
var ticks = 0, t0 = 0, tEnd = 0, lateMax = 0;
function busy(ms) {
    var s = clockNow();
    while (clockNow() - s < ms) { /* spin */ }
}
function startDrift() {
    t0 = clockNow();
    var id = setInterval(function () {
        var now = clockNow();
        ticks++;
        var late = now - (t0 + ticks * 10);
        if (late > lateMax) lateMax = late;
        if (ticks === 200) {
            tEnd = now;
            clearInterval(id);
        }
        busy(2);
    }, 10);
}
