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

    /* ---- Timers: a binary min-heap ordered by (deadline, seq) ----
     * A timer is a small array, reused per slot; it knows its heap position,
     * so clearTimeout is O(log n) with no search. Performance notes, from
     * instruction counts of micro-benchmarks under callgrind here: an array
     * of 9 costs about a third of an object with 9 properties to create;
     * `arguments` costs ~11k instructions a call, so setTimeout itself is a
     * thin native entry (native.timerEntry) that packs the extra arguments
     * and calls startTimer, ~1.5k instructions; `undefined` is a global
     * lookup in Duktape, so hot code uses `void 0`; hot functions copy outer
     * variables into locals and inline comparisons (a call costs ~1k). */
    var DEADLINE = 0, SEQ = 1, POS = 2, SLOT = 3, GEN = 4, FN = 5, ARGS = 6, INTERVAL = 7, IS_STRING = 8;
    var heap = [];
    var slots = [];
    var freeSlots = [];
    var freeCount = 0;
    var sequence = 0;
    var nativeNow = native.now;

    /* Moves t up from pos (a hole) to its place. Indexes are literal numbers
     * (see the names above): a named constant would be a variable lookup. */
    function siftUp(pos, t) {
        var h = heap, d = t[0 /* DEADLINE */], q = t[1 /* SEQ */];
        while (pos > 0) {
            var parent = (pos - 1) >> 1;
            var p = h[parent];
            var pd = p[0];
            if (pd < d || (pd === d && p[1] < q)) { break; }
            h[pos] = p;
            p[2 /* POS */] = pos;
            pos = parent;
        }
        h[pos] = t;
        t[2] = pos;
    }
    /* Moves t down from pos (a hole) to its place. */
    function siftDown(pos, t) {
        var h = heap, n = h.length, d = t[0], q = t[1];
        for (;;) {
            var child = 2 * pos + 1;
            if (child >= n) { break; }
            var c = h[child], cd = c[0];
            if (child + 1 < n) {
                var r = h[child + 1], rd = r[0];
                if (rd < cd || (rd === cd && r[1] < c[1])) { child++; c = r; cd = rd; }
            }
            if (d < cd || (d === cd && q < c[1])) { break; }
            h[pos] = c;
            c[2] = pos;
            pos = child;
        }
        h[pos] = t;
        t[2] = pos;
    }
    /* Takes t out of the heap. */
    function unschedule(t) {
        var h = heap;
        var last = h[h.length - 1];
        h.length--;
        var pos = t[POS];
        t[POS] = -1;
        if (last === t) { return; }
        if (pos > 0) {
            var p = h[(pos - 1) >> 1];
            if (last[0] < p[0] || (last[0] === p[0] && last[1] < p[1])) {
                siftUp(pos, last);
                return;
            }
        }
        siftDown(pos, last);
    }
    /* Frees t's slot; the new generation makes its id stale. */
    function release(t) {
        t[5 /* FN */] = null;
        t[6 /* ARGS */] = null;
        t[4 /* GEN */] = (t[4] + 1) % GENERATION_LIMIT;
        freeSlots[freeCount++] = t[3 /* SLOT */];
    }

    /* HTML and Node.js delay rules: ToNumber; NaN, negative, below 1 -> 0;
     * above 2^31-1 -> 1; fractions truncated. */
    function startTimer(cb, delay, args, repeat) {
        var isString = typeof cb === 'string';
        if (!isString && typeof cb !== 'function') {
            throw new TypeError((repeat ? 'setInterval' : 'setTimeout') + ': callback must be a function');
        }
        var ms = +delay;
        if (!(ms >= 1)) { ms = 0; }
        else if (ms > 2147483647) { ms = 1; }
        else { ms = ms | 0; }
        var t;
        if (freeCount > 0) {
            t = slots[freeSlots[--freeCount]];
        } else {
            var slot = slots.length;
            if (slot >= SLOT_SPAN) { throw new RangeError('too many timers'); }
            t = [0, 0, -1, slot, 0, null, null, -1, false];
            slots[slot] = t;
        }
        t[0 /* DEADLINE */] = nativeNow() + ms;
        t[1 /* SEQ */] = ++sequence;
        t[5 /* FN */] = cb;
        t[6 /* ARGS */] = isString ? null : args;
        t[7 /* INTERVAL */] = repeat ? ms : -1;
        t[8 /* IS_STRING */] = isString;
        siftUp(heap.length, t);
        return t[4 /* GEN */] * SLOT_SPAN + t[3 /* SLOT */] + 1;
    }

    /* Never throws; either function clears either kind of timer. */
    function clearTimer(id) {
        if (typeof id !== 'number' || !(id >= 1) || id % 1 !== 0) { return; }
        var slot = (id - 1) % SLOT_SPAN;
        var t = slots[slot];
        if (t && t[4 /* GEN */] === (id - 1 - slot) / SLOT_SPAN && t[5 /* FN */] !== null) {
            if (t[2 /* POS */] >= 0) { unschedule(t); }
            release(t);
        }
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
    var nowMs = 0;
    /* Runs the timers due now that existed when the round began; a timer
     * created by a callback waits for the next turn, so zero-delay chains
     * cannot starve I/O. Intervals are rescheduled before their callback on
     * the grid deadline + k * interval, skipping missed ticks (no bursts). */
    function runTimers() {
        var h = heap;
        var now = nowMs = nativeNow();
        var limit = sequence;
        while (h.length && !exiting) {
            var t = h[0];
            if (t[0 /* DEADLINE */] > now || t[1 /* SEQ */] > limit) { break; }
            var fn = t[5 /* FN */], args = t[6 /* ARGS */], interval = t[7 /* INTERVAL */];
            var isString = t[8 /* IS_STRING */];
            if (interval >= 0) {
                var next = t[0] + interval;
                if (next <= now) {
                    next = interval ? t[0] + interval * (Math.floor((now - t[0]) / interval) + 1) : now;
                }
                t[0] = next;
                t[1] = ++sequence;
                siftDown(0, t);
            } else {
                /* Pop the root, then free the slot. */
                var last = h[h.length - 1];
                h.length--;
                t[2 /* POS */] = -1;
                if (last !== t) { siftDown(0, last); }
                release(t);
            }
            callbacksRun++;
            try {
                if (isString) { indirectEval(fn); }
                else if (args === null) { fn(); }
                else { fn.apply(void 0, args); }
            } catch (e) {
                handleError(e);
            }
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
        if (cb !== void 0 && typeof cb !== 'function') {
            throw new TypeError('EventLoop.watch: callback must be a function');
        }
        if (!w && cb === void 0) {
            throw new TypeError('EventLoop.watch: callback must be a function');
        }
        /* A new callback re-registers the fd: it may be a new file under a
         * reused number, so this round's events are not for it. */
        native.interest(fd, events, cb !== void 0);   /* throws an Error with code on failure */
        if (!w) {
            watchers[fd] = { cb: cb, added: round };
        } else if (cb !== void 0) {
            w.cb = cb;
            w.added = round;
        }
    }
    function unwatch(fd) {
        if (typeof fd !== 'number') { return false; }
        requireFd(fd, 'EventLoop.unwatch');
        if (!watchers[fd]) { return false; }
        watchers[fd] = void 0;
        native.forget(fd);
        return true;
    }
    function dispatchFd(fd, revents) {
        var w = watchers[fd];
        if (!w || w.added === round) { return; }   /* gone, or replaced in this round */
        if (revents & (POLLERR | POLLNVAL)) {
            watchers[fd] = void 0;   /* native side already stopped watching */
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
            timeout = heap[0][0 /* DEADLINE */] - nativeNow();
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
        freeCount = 0;
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
        define('setTimeout', native.timerEntry(startTimer, false, 'setTimeout'));
        define('setInterval', native.timerEntry(startTimer, true, 'setInterval'));
        define('clearTimeout', clearTimer);
        define('clearInterval', clearTimer);
    }
    if (bindings & BIND_EVENTLOOP) {
        eventLoop = { watch: watch, unwatch: unwatch, requestExit: requestExit, now: now, onerror: null };
        define('EventLoop', eventLoop);
        define('requestEventLoopExit', requestExit);
    }
    function pending() {
        return heap.length;
    }
    return { run: run, runOnce: runOnce, alive: alive, dispose: dispose, pending: pending };
})
