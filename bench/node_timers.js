'use strict';
/*
 * Node.js driver for the timer benchmark: runs bench/timers.js (the same ES5
 * script build/bench-timers runs in Duktape) in Node's global scope and times
 * it with process.hrtime. One measurement per process; prints one JSON line.
 *
 *   node bench/node_timers.js cost N     create N timers, then fire them
 *   node bench/node_timers.js chain      zero-delay setTimeout chain (window capped, see below)
 *   node bench/node_timers.js immediate  100k-hop setImmediate chain (Node's real zero-delay)
 *   node bench/node_timers.js drift      setInterval 200 x 10 ms, 2 ms busy each
 *
 * Node has no virtual clock, so "fire" is measured by sleeping (Atomics.wait,
 * the event loop blocked) until every timer is due, then timing the run of
 * all of them between two sentinel timers (see 'cost' below).
 */
/* globals defined by timers.js: create, startChain, n, startDrift, ticks, t0, tEnd, lateMax */
var fs = require('fs');
var path = require('path');
var vm = require('vm');

vm.runInThisContext(fs.readFileSync(path.join(__dirname, 'timers.js'), 'utf8'), { filename: 'timers.js' });

function hr() { return Number(process.hrtime.bigint()); } /* ns */
function sleepMs(ms) {
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.ceil(ms));
}
function report(obj) {
    obj.errors = obj.errors || '';
    process.stdout.write(JSON.stringify(obj) + '\n');
}

var what = process.argv[2];
if (what === 'cost') {
    var N = +process.argv[3];
    var first = 0, last = 0, due = 0;
    /* Sentinels: Node keeps one FIFO list per duration and runs the lists by
     * expiry, with 0 ms made 1 ms. The first sentinel, created before the N
     * timers in the 1 ms list, runs before them; the last one, due 1000 ms
     * after the same base time, runs after them. fire = last - first, which
     * leaves out the event loop's start-up after the main script (reported
     * as start_ms). */
    setTimeout(function () { first = hr(); }, 1);
    var c0 = hr();
    create(N);
    var c1 = hr();
    setTimeout(function () { last = hr(); }, 1000);
    /* Node stamps timers with the loop's cached time, at or before c0. */
    sleepMs(1001 - (hr() - c0) / 1e6);
    due = hr();
    process.on('exit', function () {
        report({ bench: 'cost', mode: 'node', n: N, create_ns: (c1 - c0) / N, fire_ns: (last - first) / N,
                 start_ms: (first - due) / 1e6, errors: first && last ? '' : 'a sentinel timer did not run' });
    });
} else if (what === 'chain') {
    /* Node turns setTimeout(fn, 0) into 1 ms: 100k hops would take ~100 s.
     * The same hop() runs; hops are counted over a 2 s window, then exit. */
    var s0 = hr();
    startChain();
    setTimeout(function () {
        var secs = (hr() - s0) / 1e9;
        report({ bench: 'chain', mode: 'node', hops: n, seconds: secs, hops_per_s: n / secs,
                 note: 'setTimeout(fn, 0) is 1 ms in Node; 2 s window' });
        process.exit(0);
    }, 2000);
} else if (what === 'immediate') {
    var m = 0, i0 = hr();
    var step = function () {
        if (++m < 100000) setImmediate(step);
        else {
            var secs = (hr() - i0) / 1e9;
            report({ bench: 'chain', mode: 'node-immediate', hops: m, seconds: secs, hops_per_s: m / secs });
        }
    };
    setImmediate(step);
} else if (what === 'drift') {
    var d0 = hr(), cpu0 = process.cpuUsage();
    startDrift();
    process.on('exit', function () {
        var cpu = process.cpuUsage(cpu0);

        report({ bench: 'drift', mode: 'node', ticks: ticks, drift_ms: tEnd - t0 - 2000, max_late_ms: lateMax,
                 run_ms: (hr() - d0) / 1e6, cpu_ms: (cpu.user + cpu.system) / 1e3, errors: ticks === 200 ? '' : ticks + ' ticks instead of 200' });
    });
} else {
    process.stderr.write('usage: node bench/node_timers.js cost N | chain | immediate | drift\n');
    process.exit(2);
}
