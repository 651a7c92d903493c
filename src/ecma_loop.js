/*
 *  The ECMAScript loop: timer and watcher state live here, in JS; the native
 *  side only waits on the kernel (native.wait) and keeps the clock.
 *
 *  Compiled as a function expression and called once by Loop::install() with
 *  the native helper object, the binding mask and the global object. It
 *  defines only the documented globals and returns the control object the
 *  host drives (run, runOnce, alive, dispose, pending) and, as streamLoop,
 *  what the stream engine (ecma_stream.js) builds on. ES5, strict.
 */
(function (native, bindings, global) {
    'use strict';

    var BIND_TIMERS = 1, BIND_EVENTLOOP = 2;
    var POLLIN = native.POLLIN, POLLPRI = native.POLLPRI, POLLOUT = native.POLLOUT;
    var POLLERR = native.POLLERR, POLLNVAL = native.POLLNVAL;

    /* ---- Timers: a binary min-heap ordered by (deadline, seq) ----
     * A timer is a small array, reused per slot: [deadline, seq, pos, id,
     * fn]. fn is the callback in the common case (a function, no extra
     * arguments, a timeout); otherwise a spec [callback, interval (-1: a
     * timeout), args or null, isString], so the hot path tells them apart
     * with one typeof. Its id is generation * 2^24 + slot + 1, kept whole; a
     * freed timer has fn null (so its id no longer matches) and its pos
     * field links the free list; reusing it moves the id to the next
     * generation, so a stale id never matches again.
     *
     * pos is where the timer was last put in the heap; it is exact or below
     * its place, never above: a timer moves without an update only when it
     * goes up one level into the hole of a removal, and every other move
     * (insert, sift up of the moved last timer, the parents a sift up moves
     * down) writes pos. So clearTimeout finds the timer by id, then its place
     * from pos by at most log n steps up to a parent: O(log n), no search;
     * and removals, the hot path, save a write per level.
     *
     * The heap is 1-based: heap[0] is the number of timers, heap[1] the
     * earliest, the children of i are 2i and 2i + 1. An empty heap has a
     * sentinel at heap[1] that is never due. The state shared by the hot
     * functions is one array, `state`: [heap, sequence, free list, slots,
     * exiting, round limit, startTimer, loop pointer, callbacks run and
     * errors since the last native.wait, round, the fd event array,
     * native.wait, native.now, the fd watchers, POLLERR | POLLNVAL, the
     * timer limit] (the last three stored with the watchers below;
     * startTimer and the loop pointer by native.timerEntry); setTimeout's
     * native entry passes it as `this`,
     * other hot code copies it into a local. The round limit is the last
     * sequence the current round may run, -1 once the loop is exiting.
     *
     * Performance notes, from instruction counts under callgrind here: a
     * variable of an outer function is a scope lookup (~350 instructions),
     * `a[i]` ~150 (Duktape copies the base to a temporary first), a local
     * ~40, `x >> 1` or `x % 2` ~350 (fmod), a JS call ~600, a native call
     * ~2k, an array literal ~1.2k + ~240 an element, a try block ~260;
     * `undefined` is a global lookup, so `void 0`; `arguments` ~11k a call,
     * so setTimeout is a native entry (native.timerEntry) that checks the
     * callback, converts the delay, reads the clock and builds the spec
     * when needed before it calls startTimer. Indexes are literal numbers:
     * a named constant would be an outer variable. Hot paths inline their
     * heap moves (a call costs about a level of the heap); a level of a
     * removal is ~1k instructions, most of a timer's cost at large n. */
    var SENTINEL = [Infinity, Infinity, 1, 0, null];
    var heap = [0, SENTINEL];
    var slots = [];
    var ready = [];
    var state = [heap, 0, null, slots, false, -1, null, null, 0, 0, 0, ready, native.wait, native.now];
    var EXITING = 4, LIMIT = 5, CALLBACKS = 8, ERRORS = 9, ROUND = 10;

    /* Takes the timer at pos (its exact place) out of the heap: the hole
     * goes down to a leaf by the smaller child, one comparison a level, then
     * the last timer moves up from there (bottom-up deletion). The parent of
     * index i (> 1) is floor(i / 2): i / 2 - 0.25 + 2^52 rounds to it exactly
     * (no fmod, unlike i % 2). */
    function removeAt(h, pos) {
        var n = h[0], last = h[n], child, c, r, cd, rd, d, q, parent, p, pd;
        h[0] = n - 1;
        if (pos === n) {   /* it was the last one */
            if (n === 1) { h[1] = SENTINEL; }
            return;
        }
        n--;
        child = pos + pos;
        while (child < n) {
            c = h[child];
            r = h[child + 1];
            cd = c[0];
            rd = r[0];
            if (rd < cd) { c = r; child++; }
            else if (rd === cd) { if (r[1] < c[1]) { c = r; child++; } }
            h[pos] = c;
            pos = child;
            child += child;
        }
        if (child === n) {
            h[pos] = h[child];
            pos = child;
        }
        d = last[0];
        q = last[1];
        while (pos > 1) {
            parent = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
            p = h[parent];
            pd = p[0];
            if (pd < d || (pd === d && p[1] < q)) { break; }
            h[pos] = p;
            p[2] = pos;
            pos = parent;
        }
        h[pos] = last;
        last[2] = pos;
    }

    /* setTimeout / setInterval, through the native entry: `this` is the
     * state; cb is the callback (a function) or a spec (see above); deadline
     * = clock + delay (the delay under the HTML and Node.js rules). Returns
     * the id. */
    function startTimer(cb, deadline) {
        var S = this, t = S[2], id, h, pos, parent, p;
        if (t) {
            S[2] = t[2];
            id = t[3];
            id = id > 9007199237963776 /* 2^53 - 2^24: the last generation */ ? id - 9007199237963776 : id + 16777216;
            t[3] = id;
            t[0] = deadline;
            t[1] = S[1] = S[1] + 1;
            t[4] = cb;
        } else {
            h = S[3];
            id = h.length;
            if (id >= S[16 /* the timer limit */]) {
                throw new RangeError((typeof cb === 'function' || cb[1] < 0 ? 'setTimeout' : 'setInterval') +
                    ': too many pending timers (the limit is ' + S[16] + ')');
            }
            t = [deadline, S[1] = S[1] + 1, 0, id + 1, cb];
            h[id] = t;
            id += 1;
        }
        /* Sift up. The newest timer has the highest seq, so it stays below
         * a parent with the same deadline. */
        h = S[0];
        pos = h[0] + 1;
        h[0] = pos;
        while (pos > 1) {
            parent = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
            p = h[parent];
            if (p[0] <= deadline) { break; }
            h[pos] = p;
            p[2] = pos;
            pos = parent;
        }
        h[pos] = t;
        t[2] = pos;
        return id;
    }

    /* Never throws; either function clears either kind of timer. */
    function clearTimer(id) {
        if (typeof id !== 'number' || !(id >= 1) || id % 1 !== 0) { return; }
        var t = slots[(id - 1) % 16777216];
        if (t && t[3] === id && t[4] !== null) {
            /* Live, so in the heap: take it out, then free it. */
            var S = state, h = S[0], pos = t[2];
            while (h[pos] !== t) {   /* at most log n parents up; see the notes */
                if (pos <= 1) { return; }   /* never: the invariant holds */
                pos = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
            }
            removeAt(h, pos);
            t[4] = null;
            t[2] = S[2];
            S[2] = t;
        }
    }

    /* ---- Errors and exit ---- */
    var eventLoop = null;

    function setExiting() {
        state[EXITING] = true;
        state[LIMIT] = -1;
    }
    function handleError(e) {
        if (native.isExitSignal(e)) { setExiting(); return; }
        state[ERRORS]++;
        var handler = null;
        try {
            handler = eventLoop ? eventLoop.onerror : null;
            if (typeof handler === 'function') {
                handler.call(eventLoop, e);
                return;
            }
        } catch (e2) {
            if (native.isExitSignal(e2)) { setExiting(); return; }
            e = e2;
        }
        native.report(e);
    }

    var indirectEval = eval;
    /* Runs the timers due at `now` that existed when the round began; a
     * timer created by a callback waits for the next turn, so zero-delay
     * chains cannot starve I/O. Intervals are rescheduled before their
     * callback on the grid deadline + k * interval, skipping missed ticks
     * (no bursts). A timeout is freed before its callback runs. Returns how
     * many callbacks ran. One try block serves the callbacks until one
     * throws (a try costs as much as a call). */
    function runTimers(S, now) {
        var h = S[0], ran = 0;
        var t, fn, n, pos, child, c, r, cd, rd, last, d, args, interval;
        S[5 /* LIMIT */] = S[1];
        for (;;) {
            try {
                for (;;) {
                    t = h[1];
                    if (t[0] > now || t[1] > S[5 /* LIMIT */]) { break; }
                    fn = t[4];
                    ran += 1;
                    if (typeof fn === 'function') {
                        /* The common case: a plain timeout. Pop the root (as
                         * removeAt, inlined, the hole and its child index
                         * swapping roles each level), free the timer, run
                         * it. */
                        n = h[0] - 1;
                        last = h[n + 1];
                        h[0] = n;
                        if (n > 0) {
                            pos = 1;
                            child = 2;
                            for (;;) {
                                if (child >= n) { break; }
                                c = h[child];
                                r = h[child + 1];
                                cd = c[0];
                                rd = r[0];
                                if (rd < cd) { c = r; child += 1; }
                                else if (rd === cd) { if (r[1] < c[1]) { c = r; child += 1; } }
                                h[pos] = c;
                                pos = child + child;   /* now child is the hole */
                                if (pos >= n) { d = pos; pos = child; child = d; break; }
                                c = h[pos];
                                r = h[pos + 1];
                                cd = c[0];
                                rd = r[0];
                                if (rd < cd) { c = r; pos += 1; }
                                else if (rd === cd) { if (r[1] < c[1]) { c = r; pos += 1; } }
                                h[child] = c;
                                child = pos + pos;     /* pos is the hole again */
                            }
                            if (child === n) {
                                c = h[child];
                                h[pos] = c;
                                pos = child;
                            }
                            /* The last timer goes into the hole, then up
                             * while it is earlier than its parent: that
                             * parent is c, moved up last, unless the hole
                             * never moved (pos 1). */
                            d = last[0];
                            if (pos > 1) {
                                cd = c[0];
                                if (d < cd || (d === cd && last[1] < c[1])) {
                                    do {
                                        h[pos] = c;
                                        c[2] = pos;
                                        pos = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
                                        if (pos === 1) { break; }
                                        c = h[(pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496];
                                        cd = c[0];
                                    } while (d < cd || (d === cd && last[1] < c[1]));
                                }
                            }
                            h[pos] = last;
                            last[2] = pos;
                        } else {
                            h[1] = SENTINEL;
                        }
                        t[4] = null;
                        t[2] = S[2];
                        S[2] = t;
                        fn();
                        continue;
                    }
                    /* fn is a spec: [callback, interval, args, isString] */
                    interval = fn[1];
                    args = fn[2];
                    if (interval < 0) {
                        removeAt(h, 1);
                        t[4] = null;
                        t[2] = S[2];
                        S[2] = t;
                    } else {
                        /* Reschedule, then sift down from the root; the new
                         * seq is the highest, so it goes below equal
                         * deadlines. */
                        d = t[0];
                        var next = d + interval;
                        if (next <= now) {
                            next = interval ? d + interval * (Math.floor((now - d) / interval) + 1) : now;
                        }
                        t[0] = next;
                        t[1] = S[1] = S[1] + 1;
                        n = h[0];
                        pos = 1;
                        for (;;) {
                            child = pos + pos;
                            if (child > n) { break; }
                            c = h[child];
                            cd = c[0];
                            if (child < n) {
                                r = h[child + 1];
                                rd = r[0];
                                if (rd < cd || (rd === cd && r[1] < c[1])) { child++; c = r; cd = rd; }
                            }
                            if (next < cd) { break; }
                            h[pos] = c;
                            pos = child;
                        }
                        h[pos] = t;
                        t[2] = pos;
                    }
                    if (args !== null) { fn[0].apply(void 0, args); }
                    else if (fn[3]) { indirectEval(fn[0]); }
                    else { fn = fn[0]; fn(); }
                }
                return ran;
            } catch (e) {
                handleError(e);
            }
        }
    }

    /* ---- Fd watchers: a table indexed by fd ----
     * A watcher is [callback, round added] (indexes cost less than names). */
    var watchers = [];

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
            watchers[fd] = [cb, state[ROUND]];
        } else if (cb !== void 0) {
            w[0] = cb;
            w[1] = state[ROUND];
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
    state[14] = watchers;
    state[15] = POLLERR | POLLNVAL;
    state[16] = native.MAX_TIMERS;   /* EVLOOP_MAX_TIMERS, else 2^24 (the id format's slots) */
    /* Runs the callbacks of a turn's fd events, the n values of `ready`
     * (fd, revents pairs), in locals (a socket server's hot path): skips a
     * watcher that is gone or was replaced in this round; one with POLLERR
     * or POLLNVAL is forgotten first (the native side stopped watching it).
     * revents 1 and 4 (POLLIN, POLLOUT: the common ones) skip the bit test
     * (a bitwise operator costs as much as `%`). One try block serves the
     * callbacks until one throws. */
    function dispatchFds(S, ready, n) {
        var W = S[14 /* watchers */], round = S[10 /* ROUND */], errBits = S[15], i = 0, ran = 0, fd, revents, w;
        for (;;) {
            try {
                while (i < n && !S[4 /* EXITING */]) {
                    fd = ready[i];
                    revents = ready[i + 1];
                    i += 2;
                    w = W[fd];
                    if (w === void 0 || w[1] === round) { continue; }   /* gone, or replaced in this round */
                    if (revents !== 1 && revents !== 4 && (revents & errBits) !== 0) { W[fd] = void 0; }
                    ran += 1;
                    w[0](fd, revents);
                }
                S[8 /* CALLBACKS */] += ran;
                return;
            } catch (e) {
                S[8] += ran;
                ran = 0;
                handleError(e);
            }
        }
    }

    /* ---- The loop ---- */
    function alive() {
        return !state[EXITING] && (heap[0] > 0 || native.hasWork());
    }
    /* One turn, all in locals (S is the state):
     * native.wait(deadline|null, maxWait, out, ...) computes the timeout
     * from the earliest deadline itself, returns -1 when the loop is
     * exiting, else the number of fd values written to out, followed by the
     * clock after the turn (used when no fd callback ran since). Returns
     * whether the loop is alive. */
    function turn(S, maxWait) {
        var h = S[0], pending = h[0], ready = S[11], wait = S[12];
        if (S[4 /* EXITING */]) { return false; }
        var n = wait(pending > 0 ? h[1][0 /* deadline */] : null, maxWait, ready, pending, S[8], S[9]);
        S[8 /* CALLBACKS */] = 0;
        S[9 /* ERRORS */] = 0;
        S[10 /* ROUND */] += 1;
        if (n < 0) {
            setExiting();
            return false;
        }
        var now = ready[n];
        if (n > 0) {
            dispatchFds(S, ready, n);
            now = S[13 /* native.now */]();
        }
        if (!S[4]) { S[8] += runTimers(S, now); }
        return !S[4] && (h[0] > 0 || native.hasWork());
    }
    function runOnce(maxWait) {
        return turn(state, maxWait);
    }
    function run() {
        var S = state, step = turn;
        if (alive()) {
            while (step(S, -1)) { /* each turn waits in native.wait */ }
        }
        native.wait(null, 0, ready, heap[0], S[8], S[9]);   /* hand over the last counts */
        return false;
    }
    function dispose() {
        var hooks = disposeHooks, i;
        disposeHooks = [];
        for (i = 0; i < hooks.length; i++) {
            try { hooks[i](); } catch (e) { /* disposal goes on */ }
        }
        heap.length = 2;
        heap[0] = 0;
        heap[1] = SENTINEL;
        slots.length = 0;
        state[2 /* free list */] = null;
        for (var fd = 0; fd < watchers.length; fd++) {
            if (watchers[fd]) { native.forget(fd); }
        }
        watchers.length = 0;
        eventLoop = null;
        return false;
    }
    function requestExit(code) {
        setExiting();
        native.requestExit(typeof code === 'number' ? code : 0);
    }
    function now() {
        return native.now();
    }

    /* ---- For the stream engine (ecma_stream.js): control.streamLoop ----
     * Stream watchers bypass the checks of EventLoop.watch. streamWatch
     * (re)registers fd with a record w (an array: the stream's state) as
     * its watcher: w[0](fd, revents) is then called with `this` = w, so the
     * engine needs no table lookup per event; w[1] gets the round stamp
     * (events already collected this round are not for it).
     * Interest changes go straight to native.interest(fd, events, false). */
    var disposeHooks = [];
    function streamWatch(fd, events, w) {
        native.interest(fd, events, true, true);   /* weak: alive only while interested; throws an Error with code */
        w[1] = state[ROUND];
        watchers[fd] = w;
    }
    function streamUnwatch(fd) {
        if (watchers[fd]) {
            watchers[fd] = void 0;
            native.forget(fd);
        }
    }
    var timeoutEntry = native.timerEntry(startTimer, state, false, 'setTimeout');
    var streamLoop = {
        watch: streamWatch, interest: native.interest, unwatch: streamUnwatch,
        setTimeout: timeoutEntry, clearTimeout: clearTimer,
        onDispose: function (fn) { disposeHooks.push(fn); },
        POLLIN: POLLIN, POLLOUT: POLLOUT, POLLERR: POLLERR, POLLHUP: native.POLLHUP, POLLNVAL: POLLNVAL
    };

    function define(name, value) {
        Object.defineProperty(global, name, { value: value, writable: true, configurable: true, enumerable: false });
    }
    if (bindings & BIND_TIMERS) {
        define('setTimeout', timeoutEntry);
        define('setInterval', native.timerEntry(startTimer, state, true, 'setInterval'));
        define('clearTimeout', clearTimer);
        define('clearInterval', clearTimer);
    }
    if (bindings & BIND_EVENTLOOP) {
        eventLoop = { watch: watch, unwatch: unwatch, requestExit: requestExit, now: now, onerror: null };
        define('EventLoop', eventLoop);
        define('requestEventLoopExit', requestExit);
    }
    function pending() {
        return heap[0];
    }
    return { run: run, runOnce: runOnce, alive: alive, dispose: dispose, pending: pending, streamLoop: streamLoop };
})
