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

    /* ---- Timers: lists of one duration, in a binary min-heap ----
     * As in Node.js (lib/internal/timers.js): timers of one duration are
     * created in deadline order, so each duration keeps its timers in a
     * linked list in creation order, and a binary min-heap holds the first
     * timer of each list, by (deadline, seq). Creating a timer appends it
     * to its list and clearing one unlinks it: O(1) unless it is first;
     * firing takes the heap's first timer and puts its successor in its
     * place, which moves down past earlier lists only: log(lists), not
     * log(timers). Why (bench-timers cost, 1,000 durations): a heap of all
     * timers fired at 5,450 ns a timer at 1M, 2,000 at 1k (~1k instructions
     * a level); the lists fire at ~700 at 1M. A list is just its timers: a
     * list object (measured) cost 20% more to create at 1k, where each of
     * the 1,000 lists holds one timer, and 384 bytes a timer there, not 208.
     *
     * A timer is a small array, reused per slot: [deadline, seq, next,
     * prev, id, fn]. next is the next timer of its list or null; prev the
     * one before, or for a list's first timer its index in the heap (a
     * number). fn is the callback in the common case (a function, no extra
     * arguments, a timeout); otherwise a spec [callback, interval (-1: a
     * timeout), args or null, isString], so the hot path tells them apart
     * with one typeof. Its id is generation * 2^24 + slot + 1, kept whole;
     * a freed timer has fn null (so its id no longer matches) and its next
     * field links the free list; reusing it moves the id to the next
     * generation, so a stale id never matches again.
     *
     * A heap index is exact or below the timer's place, never above: a
     * timer moves without an update only when it goes up one level into a
     * hole, and every other move writes it. So clearTimeout finds a list's
     * first timer from its index by at most log n steps up to a parent; the
     * pops, the hot path, save a write per level.
     *
     * `table` holds, by key, the last timer appended with that key: index
     * key below the table's size (a power of two, up to 4096, grown as keys
     * need), else key % size. A new timer goes after it if it is still
     * last in a list (live, next null; maybe reused for another key, which
     * is still correct) and not later (the new timer has the highest seq,
     * so the list stays in (deadline, seq) order); else it starts a list in
     * the heap. The key is the duration, estimated (the native entry passes
     * only clock + delay) as the deadline - S[20], the clock at the start
     * of the turn, rounded; an interval's is its interval. A timer that the
     * last one of its key would put out of order (the estimate went stale
     * in a long turn; an interval that ran late, rescheduled before timers
     * created after it) reads the clock (native.now, ~2k instructions) and
     * retries once with the exact key, then starts a list; the other stays
     * in the heap until it drains. So any key is correct; good ones keep
     * lists long.
     *
     * The heap is 1-based: heap[0] is the number of lists, heap[1] the
     * earliest, the children of i are 2i and 2i + 1. An empty heap has a
     * sentinel at heap[1] that is never due. The state shared by the hot
     * functions is one array, `state`: [heap, sequence, free list, slots,
     * exiting, round limit, startTimer, loop pointer, callbacks run and
     * errors since the last native.wait, round, the fd event array,
     * native.wait, native.now, the fd watchers, POLLERR | POLLNVAL, the
     * timer limit, freed timers (pending = slots - freed), the list
     * table, its size, the clock at the start of the turn] (the watchers and the two after them stored
     * with the watchers below; startTimer and the loop pointer by
     * native.timerEntry); setTimeout's native entry passes it as `this`,
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
     * a named constant would be an outer variable. `a[i]` with i not below
     * the array's length (or negative) costs ~1k more (Duktape looks the
     * index up as a string), so index checks come first. */
    var SENTINEL = [Infinity, Infinity, null, 1, 0, null];
    var heap = [0, SENTINEL];
    var slots = [];
    var ready = [];
    var TABLE_START = 64;
    var state = [heap, 0, null, slots, false, -1, null, null, 0, 0, 0, ready, native.wait, native.now,
                 null, 0, 0, 0, newTable(TABLE_START), TABLE_START, native.now()];
    var EXITING = 4, LIMIT = 5, CALLBACKS = 8, ERRORS = 9, ROUND = 10, FREE = 17, TABLE = 18;

    function newTable(size) {
        var t = [], i;
        for (i = 0; i < size; i++) { t[i] = null; }
        return t;
    }

    /* Puts timer t, a list's new first timer, at its place from heap index
     * pos up: t is new at pos (the end). It has the highest seq, so it
     * stays below an equal deadline. The parent of index i (> 1) is
     * floor(i / 2): i / 2 - 0.25 + 2^52 rounds to it exactly (no fmod,
     * unlike i % 2). */
    function siftUp(h, t, pos) {
        var d = t[0], parent, p;
        while (pos > 1) {
            parent = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
            p = h[parent];
            if (p[0] <= d) { break; }
            h[pos] = p;
            p[3] = pos;
            pos = parent;
        }
        h[pos] = t;
        t[3] = pos;
    }

    /* Puts timer t at its place from heap index pos down: it replaces its
     * list's first timer there (it is later). */
    function siftDown(h, t, pos) {
        var n = h[0], d = t[0], q = t[1], child = pos + pos, c, r, cd, rd;
        while (child <= n) {
            c = h[child];
            cd = c[0];
            if (child < n) {
                r = h[child + 1];
                rd = r[0];
                if (rd < cd || (rd === cd && r[1] < c[1])) { child += 1; c = r; cd = rd; }
            }
            if (d < cd || (d === cd && q < c[1])) { break; }
            h[pos] = c;   /* up a level: its index may lag (see above) */
            pos = child;
            child += child;
        }
        h[pos] = t;
        t[3] = pos;
    }

    /* Takes the entry at heap index pos out (a list's only timer, fired or
     * cleared): the hole goes down to a leaf by the smaller child, one
     * comparison a level, then the last entry moves up from there
     * (bottom-up deletion). */
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
            p[3] = pos;
            pos = parent;
        }
        h[pos] = last;
        last[3] = pos;
    }

    /* Links timer t (new, or a rescheduled interval: the highest seq) into
     * a list for key, or starts one: startTimer's slow path (exact false:
     * the key is an estimate, so a list that t would put out of order
     * makes it read the clock and retry once) and the intervals' (exact
     * true). */
    function place(S, t, key, exact) {
        var deadline = t[0], table = S[18], size, idx, last, i;
        t[2] = null;
        for (;;) {
            if (!(key >= 0)) { key = 0; }   /* a clock that went back; never a negative index */
            size = S[19];
            if (key >= size && size < 4096) {
                /* Grow to the power of two above key, at most 4096, in
                 * order (dense). Keys >= the old size move to new indexes:
                 * their lists are no longer found, which only starts new
                 * ones. */
                for (i = size; i <= key && i < 4096; i += i) { /* the next size */ }
                while (size < i) { table[size] = null; size++; }
                S[19] = size;
            }
            idx = key < size ? key : key % size;
            last = table[idx];
            if (last === null || last === t || last[2] !== null || last[5] === null) {
                break;   /* no list: a new duration, or its last timer is gone */
            }
            if (last[0] <= deadline) {
                last[2] = t;
                t[3] = last;
                table[idx] = t;
                return;
            }
            if (exact) { break; }
            exact = true;
            S[20] = i = S[13 /* native.now */]();
            i = deadline - i;
            i = (i + 4503599627370496) - 4503599627370496;
            if (i === key) { break; }
            key = i;
        }
        table[idx] = t;
        i = S[0];
        i[0] += 1;
        siftUp(i, t, i[0]);
    }

    /* setTimeout / setInterval, through the native entry: `this` is the
     * state; cb is the callback (a function) or a spec (see above); deadline
     * = clock + delay (the delay under the HTML and Node.js rules). Returns
     * the id. The common cases inline (a call costs ~600 instructions):
     * the last timer of the estimated key's list is live, still last and
     * not later (append), or there is none (a list of its own: sift up). */
    function startTimer(cb, deadline) {
        var S = this, t = S[2], id, key, idx, table, last, h, pos, parent;
        if (t) {
            S[2] = t[2];
            S[17 /* FREE */] -= 1;
            t[2] = null;
            id = t[4];
            id = id > 9007199237963776 /* 2^53 - 2^24: the last generation */ ? id - 9007199237963776 : id + 16777216;
            t[4] = id;
            t[0] = deadline;
            t[1] = S[1] = S[1] + 1;
            t[5] = cb;
        } else {
            table = S[3];
            id = table.length;
            if (id >= S[16 /* the timer limit */]) {
                throw new RangeError((typeof cb === 'function' || cb[1] < 0 ? 'setTimeout' : 'setInterval') +
                    ': too many pending timers (the limit is ' + S[16] + ')');
            }
            t = [deadline, S[1] = S[1] + 1, null, null, id + 1, cb];
            table[id] = t;
            id += 1;
        }
        key = deadline - S[20];
        key = (key + 4503599627370496) - 4503599627370496;   /* rounded */
        idx = S[19];
        if (key < idx && key >= 0) { idx = key; }
        else if (idx === 4096 && key >= 0) { idx = key % 4096; }   /* a long duration */
        else { idx = -1; }   /* place() grows the table */
        if (idx >= 0) {
            table = S[18];
            last = table[idx];
            if (last === null || last === t || last[2] !== null || last[5] === null) {
                table[idx] = t;
                h = S[0];
                pos = h[0] + 1;
                h[0] = pos;
                while (pos > 1) {   /* siftUp, inlined */
                    parent = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
                    last = h[parent];
                    if (last[0] <= deadline) { break; }
                    h[pos] = last;
                    last[3] = pos;
                    pos = parent;
                }
                h[pos] = t;
                t[3] = pos;
                return id;
            }
            if (last[0] <= deadline) {
                t[3] = last;
                last[2] = t;
                table[idx] = t;
                return id;
            }
        }
        place(S, t, key, false);
        return id;
    }

    /* Never throws; either function clears either kind of timer. */
    function clearTimer(id) {
        if (typeof id !== 'number' || !(id >= 1) || id % 1 !== 0) { return; }
        var t = slots[(id - 1) % 16777216];
        if (t && t[4] === id && t[5] !== null) {
            /* Live, so in a list: unlink it, then free it. A list's first
             * timer is in the heap: its successor takes its place there. */
            var S = state, prev = t[3], next = t[2], h;
            if (typeof prev === 'number') {
                h = S[0];
                while (h[prev] !== t) {   /* at most log n parents up; see the notes */
                    if (prev <= 1) { return; }   /* never: the invariant holds */
                    prev = (prev * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
                }
                if (next !== null) { siftDown(h, next, prev); }
                else { removeAt(h, prev); }
            } else {
                prev[2] = next;
                if (next !== null) { next[3] = prev; }
            }
            S[17 /* FREE */] += 1;
            t[5] = null;
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
        var t, next, fn, n, pos, child, c, r, cd, rd, d, q, args, interval;
        S[5 /* LIMIT */] = S[1];
        for (;;) {
            try {
                for (;;) {
                    t = h[1];
                    if (t[0] > now || t[1] > S[5 /* LIMIT */]) { break; }
                    next = t[2];
                    fn = t[5];
                    ran += 1;
                    if (next !== null) {
                        /* Its list's next timer takes its place. It stays
                         * at the root when it is not later than the root's
                         * children (a burst of timers created together);
                         * else it usually sinks to the bottom (the lists'
                         * timers interleave): the hole goes down to a leaf
                         * by the smaller child, one comparison a level, and
                         * it goes up from there (bottom-up, as removeAt).
                         * Measured (callgrind, 100k timers of 1k durations,
                         * real clock): ~20% less to fire than top-down. */
                        d = next[0];
                        q = next[1];
                        n = h[0];
                        pos = 1;
                        if (n > 1) {
                            child = 2;
                            c = h[2];
                            cd = c[0];
                            if (n > 2) {
                                r = h[3];
                                rd = r[0];
                                if (rd < cd || (rd === cd && r[1] < c[1])) { child = 3; c = r; cd = rd; }
                            }
                            if (cd < d || (cd === d && c[1] < q)) {
                                h[1] = c;   /* up a level: its index may lag (see above) */
                                pos = child;
                                child += child;
                                while (child < n) {
                                    c = h[child];
                                    r = h[child + 1];
                                    cd = c[0];
                                    rd = r[0];
                                    if (rd < cd) { c = r; child += 1; }
                                    else if (rd === cd) { if (r[1] < c[1]) { c = r; child += 1; } }
                                    h[pos] = c;
                                    pos = child;
                                    child += child;
                                }
                                if (child === n) {
                                    h[pos] = h[child];
                                    pos = child;
                                }
                                for (;;) {   /* pos > 1: the hole moved */
                                    child = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
                                    c = h[child];
                                    cd = c[0];
                                    if (cd < d || (cd === d && c[1] < q)) { break; }
                                    h[pos] = c;
                                    c[3] = pos;
                                    pos = child;
                                }
                            }
                        }
                        h[pos] = next;
                        next[3] = pos;
                    } else {
                        /* Its list ended: pop the root (removeAt, inlined).
                         * The hole goes down by the smaller child to a leaf,
                         * then the last entry goes up from there. */
                        n = h[0] - 1;
                        next = h[n + 1];
                        h[0] = n;
                        if (n > 0) {
                            pos = 1;
                            child = 2;
                            while (child < n) {
                                c = h[child];
                                r = h[child + 1];
                                cd = c[0];
                                rd = r[0];
                                if (rd < cd) { c = r; child += 1; }
                                else if (rd === cd) { if (r[1] < c[1]) { c = r; child += 1; } }
                                h[pos] = c;
                                pos = child;
                                child += child;
                            }
                            if (child === n) {
                                h[pos] = h[child];
                                pos = child;
                            }
                            d = next[0];
                            q = next[1];
                            while (pos > 1) {
                                child = (pos * 0.5 - 0.25 + 4503599627370496) - 4503599627370496;
                                c = h[child];
                                cd = c[0];
                                if (cd < d || (cd === d && c[1] < q)) { break; }
                                h[pos] = c;
                                c[3] = pos;
                                pos = child;
                            }
                            h[pos] = next;
                            next[3] = pos;
                        } else {
                            h[1] = SENTINEL;
                        }
                    }
                    if (typeof fn === 'function') {
                        /* The common case: a plain timeout. Free it, run it. */
                        S[17 /* FREE */] += 1;
                        t[5] = null;
                        t[2] = S[2];
                        S[2] = t;
                        fn();
                        continue;
                    }
                    /* fn is a spec: [callback, interval, args, isString] */
                    interval = fn[1];
                    args = fn[2];
                    if (interval < 0) {
                        S[17 /* FREE */] += 1;
                        t[5] = null;
                        t[2] = S[2];
                        S[2] = t;
                    } else {
                        /* Reschedule with a new seq (behind the timers
                         * created before) into the list of its interval; a
                         * deadline before that list's last timer (the loop
                         * ran late) starts a new list (see place). */
                        d = t[0];
                        q = d + interval;
                        if (q <= now) {
                            q = interval ? d + interval * (Math.floor((now - d) / interval) + 1) : now;
                        }
                        t[0] = q;
                        t[1] = S[1] = S[1] + 1;
                        place(S, t, interval, true);
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
     * clock after the turn (used when no fd callback ran since), which
     * is also the clock timers estimate their duration from (S[20]).
     * Returns whether the loop is alive. */
    function turn(S, maxWait) {
        var h = S[0], ready = S[11], wait = S[12];
        if (S[4 /* EXITING */]) { return false; }
        var n = wait(h[0] > 0 ? h[1][0 /* deadline */] : null, maxWait, ready, S[3].length - S[17], S[8], S[9]);
        S[8 /* CALLBACKS */] = 0;
        S[9 /* ERRORS */] = 0;
        S[10 /* ROUND */] += 1;
        if (n < 0) {
            setExiting();
            return false;
        }
        var now = ready[n];
        S[20] = now;
        if (n > 0) {
            dispatchFds(S, ready, n);
            S[20] = now = S[13 /* native.now */]();
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
        native.wait(null, 0, ready, pending(), S[8], S[9]);   /* hand over the last counts */
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
        state[FREE] = 0;
        state[TABLE] = newTable(TABLE_START);
        state[19 /* its size */] = TABLE_START;
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
        return slots.length - state[FREE];
    }
    /* The earliest timer deadline (ms on native.now()'s clock), or -1: for
     * Loop::next_timeout_ms() and the pollable fd's timer. */
    function nextDeadline() {
        return heap[0] > 0 ? heap[1][0] : -1;
    }
    return { run: run, runOnce: runOnce, alive: alive, dispose: dispose, pending: pending,
             nextDeadline: nextDeadline, streamLoop: streamLoop };
})
