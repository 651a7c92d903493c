/*
 *  The ECMAScript loop: timer and watcher state live here, in JS; the native
 *  side only waits on the kernel (native.wait) and keeps the clock.
 *
 *  Compiled as a function expression and called once by Loop::install() with
 *  the native helper object, the binding mask and the global object. It
 *  defines only the documented globals and returns the control object the
 *  host drives (run, runOnce, alive, dispose). ES5, strict.
 */
(function (native, bindings, global) {
    'use strict';

    var BIND_TIMERS = 1, BIND_EVENTLOOP = 2;
    var POLLIN = native.POLLIN, POLLPRI = native.POLLPRI, POLLOUT = native.POLLOUT;
    var POLLERR = native.POLLERR, POLLNVAL = native.POLLNVAL;
    var SLOT_SPAN = 16777216;       /* 2^24: ids are generation * 2^24 + slot + 1 */
    var GENERATION_LIMIT = 536870912;

    /* ---- Timers: a binary min-heap of records ordered by (deadline, seq) ----
     * Records are reused per slot; a record knows its heap position, so
     * clearTimeout is O(log n) with no search. */
    var heap = [];
    var slots = [];
    var freeSlots = [];
    var sequence = 0;

    function earlier(a, b) {
        return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
    }
    function siftUp(pos, t) {
        while (pos > 0) {
            var parent = (pos - 1) >> 1;
            var p = heap[parent];
            if (!earlier(t, p)) { break; }
            heap[pos] = p;
            p.pos = pos;
            pos = parent;
        }
        heap[pos] = t;
        t.pos = pos;
    }
    function siftDown(pos, t) {
        var n = heap.length;
        for (;;) {
            var child = 2 * pos + 1;
            if (child >= n) { break; }
            var c = heap[child];
            if (child + 1 < n && earlier(heap[child + 1], c)) {
                child++;
                c = heap[child];
            }
            if (!earlier(c, t)) { break; }
            heap[pos] = c;
            c.pos = pos;
            pos = child;
        }
        heap[pos] = t;
        t.pos = pos;
    }
    function unschedule(t) {
        var last = heap.pop();
        var pos = t.pos;
        t.pos = -1;
        if (last === t) { return; }
        if (pos > 0 && earlier(last, heap[(pos - 1) >> 1])) { siftUp(pos, last); }
        else { siftDown(pos, last); }
    }
    function release(t) {
        if (t.pos >= 0) { unschedule(t); }
        t.live = false;
        t.fn = null;
        t.args = null;
        t.gen = (t.gen + 1) % GENERATION_LIMIT;
        freeSlots.push(t.slot);
    }

    /* HTML and Node.js rules: ToNumber; NaN, negative, below 1 -> 0;
     * above 2^31-1 -> 1; fractions truncated. */
    function normalizeDelay(d) {
        d = +d;
        if (!(d >= 1)) { return 0; }
        if (d > 2147483647) { return 1; }
        return Math.floor(d);
    }

    function startTimer(cb, delay, args, repeat, name) {
        var isString = typeof cb === 'string';
        if (!isString && typeof cb !== 'function') {
            throw new TypeError(name + ': callback must be a function');
        }
        var ms = normalizeDelay(delay);
        var slot, t;
        if (freeSlots.length) {
            slot = freeSlots.pop();
            t = slots[slot];
        } else {
            slot = slots.length;
            if (slot >= SLOT_SPAN) { throw new RangeError(name + ': too many timers'); }
            t = { deadline: 0, seq: 0, pos: -1, slot: slot, gen: 0, live: false,
                  fn: null, args: null, isString: false, interval: -1 };
            slots[slot] = t;
        }
        t.fn = cb;
        t.args = isString ? null : args;
        t.isString = isString;
        t.interval = repeat ? ms : -1;
        t.live = true;
        t.deadline = native.now() + ms;
        t.seq = ++sequence;
        siftUp(heap.length, t);
        return t.gen * SLOT_SPAN + slot + 1;
    }

    function restArgs(args) {
        return args.length > 2 ? Array.prototype.slice.call(args, 2) : null;
    }
    function setTimeout(cb, delay) {
        return startTimer(cb, delay, arguments.length > 2 ? restArgs(arguments) : null, false, 'setTimeout');
    }
    function setInterval(cb, delay) {
        return startTimer(cb, delay, arguments.length > 2 ? restArgs(arguments) : null, true, 'setInterval');
    }
    /* Never throws; either function clears either kind of timer. */
    function clearTimer(id) {
        if (typeof id !== 'number' || !(id >= 1) || id % 1 !== 0) { return; }
        var t = slots[(id - 1) % SLOT_SPAN];
        if (t && t.live && t.gen === Math.floor((id - 1) / SLOT_SPAN)) { release(t); }
    }

    /* ---- Errors and exit ---- */
    var exiting = false;
    var callbacksRun = 0, errorCount = 0;
    var eventLoop = null;

    function handleError(e) {
        if (native.isExitSignal(e)) { exiting = true; return; }
        errorCount++;
        var handler = null;
        try {
            handler = eventLoop ? eventLoop.onerror : null;
            if (typeof handler === 'function') {
                handler.call(eventLoop, e);
                return;
            }
        } catch (e2) {
            if (native.isExitSignal(e2)) { exiting = true; return; }
            e = e2;
        }
        native.report(e);
    }

    var indirectEval = eval;
    function fire(t) {
        var fn = t.fn, args = t.args, isString = t.isString;
        if (t.interval >= 0) {
            /* Steady schedule: next = deadline + interval; missed ticks are
             * skipped, never fired as a burst. A new seq keeps it out of
             * this round. */
            var next = t.deadline + t.interval;
            if (next <= nowMs) {
                next = t.interval ? t.deadline + t.interval * (Math.floor((nowMs - t.deadline) / t.interval) + 1) : nowMs;
            }
            t.deadline = next;
            t.seq = ++sequence;
            siftDown(0, t);
        } else {
            release(t);
        }
        callbacksRun++;
        try {
            if (isString) { indirectEval(fn); }
            else if (args === null) { fn(); }
            else { fn.apply(undefined, args); }
        } catch (e) {
            handleError(e);
        }
    }

    var nowMs = 0;
    /* Timers due now that existed when the round began; a timer created by a
     * callback waits for the next turn, so zero-delay chains cannot starve
     * I/O. */
    function runTimers() {
        nowMs = native.now();
        var limit = sequence;
        while (heap.length && !exiting) {
            var t = heap[0];
            if (t.deadline > nowMs || t.seq > limit) { break; }
            fire(t);
        }
    }

    /* ---- Fd watchers: a table indexed by fd ---- */
    var watchers = [];
    var round = 0;

    function requireFd(fd, name) {
        if (typeof fd !== 'number' || !(fd >= 0 && fd <= 2147483647) || fd % 1 !== 0) {
            throw new RangeError(name + ': fd must be a non-negative integer');
        }
    }
    function watch(fd, events, cb) {
        requireFd(fd, 'EventLoop.watch');
        if (typeof events !== 'number' || !(events >= 0 && events <= 0xffff) || events % 1 !== 0) {
            throw new RangeError('EventLoop.watch: events must be a mask of Poll.POLL* bits');
        }
        events &= (POLLIN | POLLOUT | POLLPRI);
        var w = watchers[fd];
        if (cb !== undefined && typeof cb !== 'function') {
            throw new TypeError('EventLoop.watch: callback must be a function');
        }
        if (!w && cb === undefined) {
            throw new TypeError('EventLoop.watch: callback must be a function');
        }
        native.interest(fd, events);   /* throws an Error with code on failure */
        if (!w) {
            w = { cb: cb, added: round };
            watchers[fd] = w;
        } else if (cb !== undefined) {
            w.cb = cb;
        }
    }
    function unwatch(fd) {
        if (typeof fd !== 'number') { return false; }
        requireFd(fd, 'EventLoop.unwatch');
        if (!watchers[fd]) { return false; }
        watchers[fd] = undefined;
        native.forget(fd);
        return true;
    }
    function dispatchFd(fd, revents) {
        var w = watchers[fd];
        if (!w || w.added === round) { return; }   /* gone, or replaced in this round */
        if (revents & (POLLERR | POLLNVAL)) {
            watchers[fd] = undefined;   /* native side already stopped watching */
        }
        callbacksRun++;
        try {
            w.cb(fd, revents);
        } catch (e) {
            handleError(e);
        }
    }

    /* ---- The loop ---- */
    var ready = [];
    function alive() {
        return !exiting && (heap.length > 0 || native.hasWork());
    }
    function runOnce(maxWait) {
        if (exiting) { return false; }
        var timeout = -1;
        if (heap.length) {
            timeout = heap[0].deadline - native.now();
            if (timeout < 0) { timeout = 0; }
        }
        if (maxWait >= 0 && (timeout < 0 || maxWait < timeout)) { timeout = maxWait; }
        var n = native.wait(timeout, ready, heap.length, callbacksRun, errorCount);
        callbacksRun = 0;
        errorCount = 0;
        exiting = exiting || native.exiting();
        round++;
        for (var i = 0; i < n && !exiting; i += 2) {
            dispatchFd(ready[i], ready[i + 1]);
        }
        if (!exiting) { runTimers(); }
        return alive();
    }
    function run() {
        while (alive() && runOnce(-1)) { /* each turn waits in native.wait */ }
        native.wait(0, ready, heap.length, callbacksRun, errorCount);   /* hand over the last counts */
        return false;
    }
    function dispose() {
        heap.length = 0;
        slots.length = 0;
        freeSlots.length = 0;
        for (var fd = 0; fd < watchers.length; fd++) {
            if (watchers[fd]) { native.forget(fd); }
        }
        watchers.length = 0;
        eventLoop = null;
        return false;
    }
    function requestExit(code) {
        exiting = true;
        native.requestExit(typeof code === 'number' ? code : 0);
    }
    function now() {
        return native.now();
    }

    function define(name, value) {
        Object.defineProperty(global, name, { value: value, writable: true, configurable: true, enumerable: false });
    }
    if (bindings & BIND_TIMERS) {
        define('setTimeout', setTimeout);
        define('setInterval', setInterval);
        define('clearTimeout', clearTimer);
        define('clearInterval', clearTimer);
    }
    if (bindings & BIND_EVENTLOOP) {
        eventLoop = { watch: watch, unwatch: unwatch, requestExit: requestExit, now: now, onerror: null };
        define('EventLoop', eventLoop);
        define('requestEventLoopExit', requestExit);
    }
    return { run: run, runOnce: runOnce, alive: alive, dispose: dispose };
})
