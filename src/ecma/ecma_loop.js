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
     * only clock + delay) as the deadline - S[ST_TURN_CLOCK], the clock at
     * the start of the turn, rounded; an interval's is its interval. A timer that the
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
     * functions is one array, `state`, its slots named (ST_*) and
     * described in src/slots.json, the one place that gives their indexes
     * to this JS and to the C++ (ecma/slots.hpp): the heap, the sequence,
     * the free list, the slots, the exit flag and round limit, startTimer,
     * the counts handed to native.wait, the round, the fd event array,
     * native.wait and native.now, the fd watchers, the timer limit and the
     * freed count (pending = slots - freed), the list table and its size,
     * the clock at the start of the turn, then the functions of the parts
     * compiled on first use (ST_PLACE..ST_DISPOSE_WATCHERS; see "Parts
     * compiled on first use"). startTimer is stored by native.timerEntry,
     * which also gives the loop the state and startTimer as heap pointers:
     * nothing on the global function holds them (ecma_bridge.hpp);
     * setTimeout's native entry passes the state as `this`, other hot code
     * copies it into a local. The literal below lists them in that order.
     *
     * Performance notes, from instruction counts under callgrind here: a
     * variable of an outer function is a scope lookup (~350 instructions),
     * `a[i]` ~150 (Duktape copies the base to a temporary first), a local
     * ~40, `x >> 1` or `x % 2` ~350 (fmod), a JS call ~600, a native call
     * ~2k, an array literal ~1.2k + ~240 an element, a try block ~260;
     * `undefined` is a global lookup, so `void 0`; `arguments` ~11k a call,
     * so setTimeout is a native entry (native.timerEntry) that checks the
     * callback, converts the delay, reads the clock and builds the spec
     * when needed before it calls startTimer. Indexes are literal numbers
     * (the generator writes them for the slot names): a named constant
     * would be an outer variable. `a[i]` with i not below the array's length
     * (or negative) costs ~1k more (a string lookup): index checks first.
     *
     * And at compile time (start-up): Duktape parses a number literal
     * that is not an integer below 2^32 (2^52, 0.5) with its bignum
     * (Dragon4) code, ~30k instructions, and it parses each function
     * twice; but it folds arithmetic on literals. So 2^52 is written
     * 67108864 * 67108864, 0.5 and 0.25 as (1 / 2) and 1 / 4: the same
     * constants in the bytecode, no run-time cost (measured), 1.7M
     * instructions less to compile. */
    var SENTINEL = [Infinity, Infinity, null, 1, 0, null];
    var heap = [0, SENTINEL];
    var slots = [];
    var ready = [];
    var TABLE_START = 64;
    var state = [heap, 0, null, slots, false, -1, null, null, 0, 0, 0, ready, native.wait, native.now,
                 [], 0, 0, 0, newTable(TABLE_START), TABLE_START, native.now(), null, null, null, null, null, null];

    function newTable(size) {
        var t = [], i;
        for (i = 0; i < size; i++) { t[i] = null; }
        return t;
    }

    /* setTimeout / setInterval, through the native entry: `this` is the
     * state; cb is the callback (a function) or a spec (see above); deadline
     * = clock + delay (the delay under the HTML and Node.js rules). Returns
     * the id. The common cases inline (a call costs ~600 instructions):
     * the last timer of the estimated key's list is live, still last and
     * not later (append), or there is none (a list of its own: sift up). */
    function startTimer(cb, deadline) {
        var S = this, t = S[ST_FREE_LIST], id, key, idx, table, last, h, pos, parent;
        if (t) {
            S[ST_FREE_LIST] = t[2];
            S[ST_FREED] -= 1;
            t[2] = null;
            id = t[4];
            id = id > 536870911 * 16777216 /* 2^53 - 2^24: the last generation */ ? id - 536870911 * 16777216 : id + 16777216;
            t[4] = id;
            t[0] = deadline;
            t[1] = S[ST_SEQ] = S[ST_SEQ] + 1;
            t[5] = cb;
        } else {
            table = S[ST_SLOTS];
            id = table.length;
            if (id >= S[ST_TIMER_LIMIT]) {
                throw S[ST_TOO_MANY](cb);
            }
            t = [deadline, S[ST_SEQ] = S[ST_SEQ] + 1, null, null, id + 1, cb];
            table[id] = t;
            id += 1;
        }
        key = deadline - S[ST_TURN_CLOCK];
        key = (key + 67108864 * 67108864) - 67108864 * 67108864;   /* rounded */
        idx = S[ST_TABLE_SIZE];
        if (key < idx && key >= 0) { idx = key; }
        else if (idx === 4096 && key >= 0) { idx = key % 4096; }   /* a long duration */
        else { idx = -1; }   /* place() grows the table */
        if (idx >= 0) {
            table = S[ST_LIST_TABLE];
            last = table[idx];
            if (last === null || last === t || last[2] !== null || last[5] === null) {
                table[idx] = t;
                h = S[ST_HEAP];
                pos = h[0] + 1;
                h[0] = pos;
                while (pos > 1) {   /* siftUp, inlined */
                    parent = (pos * (1 / 2) - 1 / 4 + 67108864 * 67108864) - 67108864 * 67108864;
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
        S[ST_PLACE](S, t, key, false);
        return id;
    }

    function setExiting() {
        state[ST_EXITING] = true;
        state[ST_ROUND_LIMIT] = -1;
    }

    /* Runs the timers due at `now` that existed when the round began; a
     * timer created by a callback waits for the next turn, so zero-delay
     * chains cannot starve I/O. Intervals are rescheduled before their
     * callback on the grid deadline + k * interval, skipping missed ticks
     * (no bursts; runSpec, in ecma_timers.js). A timeout is freed before its
     * callback runs. Returns how many callbacks ran. One try block serves
     * the callbacks until one throws (a try costs as much as a call). */
    function runTimers(S, now) {
        var h = S[ST_HEAP], ran = 0;
        var t, next, fn, n, pos, child, c, r, cd, rd, d, q;
        S[ST_ROUND_LIMIT] = S[ST_SEQ];
        for (;;) {
            try {
                for (;;) {
                    t = h[1];
                    if (t[0] > now || t[1] > S[ST_ROUND_LIMIT]) { break; }
                    next = t[2];
                    fn = t[5];
                    ran += 1;
                    /* Its list's next timer takes its place, or when its
                     * list ended, the last entry does (the heap shrinks;
                     * an empty heap gets the sentinel). One path for both
                     * (a second copy cost ~0.5M instructions of start-up to
                     * compile, for no run-time gain), but the empty heap
                     * (a zero-delay chain: 1.8% more a hop through it). It
                     * stays at the
                     * root when it is not later than the root's children
                     * (a burst of timers created together); else it
                     * usually sinks to the bottom (the lists' timers
                     * interleave): the hole goes down to a leaf by the
                     * smaller child, one comparison a level, and it goes
                     * up from there (bottom-up deletion). Measured
                     * (callgrind, 100k timers of 1k durations, real
                     * clock): ~20% less to fire than top-down. */
                    n = h[0];
                    if (next === null) {
                        next = h[n];
                        n -= 1;
                        h[0] = n;
                        if (n === 0) {   /* the heap is empty: the sentinel, and straight to the callback */
                            h[1] = SENTINEL;
                            if (typeof fn !== 'function') { S[ST_RUN_SPEC](S, t, fn, now); continue; }
                            S[ST_FREED] += 1;
                            t[5] = null;
                            t[2] = S[ST_FREE_LIST];
                            S[ST_FREE_LIST] = t;
                            fn();
                            continue;
                        }
                    }
                    d = next[0];
                    q = next[1];
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
                                child = (pos * (1 / 2) - 1 / 4 + 67108864 * 67108864) - 67108864 * 67108864;
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
                    if (typeof fn === 'function') {
                        /* The common case: a plain timeout. Free it, run it. */
                        S[ST_FREED] += 1;
                        t[5] = null;
                        t[2] = S[ST_FREE_LIST];
                        S[ST_FREE_LIST] = t;
                        fn();
                        continue;
                    }
                    /* fn is a spec [callback, interval, args, isString]: an
                     * interval, extra arguments or a string */
                    S[ST_RUN_SPEC](S, t, fn, now);
                }
                return ran;
            } catch (e) {
                S[ST_HANDLE_ERROR](e);
            }
        }
    }

    state[ST_TIMER_LIMIT] = native.MAX_TIMERS;   /* EVLOOP_MAX_TIMERS, else 2^24 (the id format's slots) */

    /* ---- The loop ---- */
    function alive() {
        return !state[ST_EXITING] && (heap[0] > 0 || native.hasWork());
    }
    /* One turn, all in locals (S is the state):
     * native.wait(deadline|null, maxWait, out, ...) computes the timeout
     * from the earliest deadline itself, returns -1 when the loop is
     * exiting, else the number of fd values written to out, followed by the
     * clock after the turn (used when no fd callback ran since), which
     * is also the clock timers estimate their duration from (S[ST_TURN_CLOCK]).
     * Returns whether the loop is alive. */
    function turn(S, maxWait) {
        var h = S[ST_HEAP], ready = S[ST_READY], wait = S[ST_WAIT];
        if (S[ST_EXITING]) { return false; }
        var n = wait(h[0] > 0 ? h[1][0 /* deadline */] : null, maxWait, ready, S[ST_SLOTS].length - S[ST_FREED], S[ST_CALLBACKS], S[ST_ERRORS]);
        S[ST_CALLBACKS] = 0;
        S[ST_ERRORS] = 0;
        S[ST_ROUND] += 1;
        if (n < 0) {
            setExiting();
            return false;
        }
        var now = ready[n];
        S[ST_TURN_CLOCK] = now;
        if (n > 0) {
            S[ST_DISPATCH_FDS](S, ready, n);
            S[ST_TURN_CLOCK] = now = S[ST_NOW]();
        }
        if (!S[ST_EXITING]) { S[ST_CALLBACKS] += runTimers(S, now); }
        return !S[ST_EXITING] && (h[0] > 0 || native.hasWork());
    }
    function runOnce(maxWait) {
        return turn(state, maxWait);
    }
    function run() {
        var S = state, step = turn;
        if (alive()) {
            while (step(S, -1)) { /* each turn waits in native.wait */ }
        }
        native.wait(null, 0, ready, pending(), S[ST_CALLBACKS], S[ST_ERRORS]);   /* hand over the last counts */
        return false;
    }
    function dispose() {
        if (state[ST_DISPOSE_WATCHERS] !== null) { state[ST_DISPOSE_WATCHERS](); }   /* the watchers' part (ecma_watch.js), once loaded */
        heap.length = 2;
        heap[0] = 0;
        heap[1] = SENTINEL;
        slots.length = 0;
        state[ST_FREE_LIST] = null;
        state[ST_FREED] = 0;
        state[ST_LIST_TABLE] = newTable(TABLE_START);
        state[ST_TABLE_SIZE] = TABLE_START;
        env[ENV_EVENT_LOOP] = null;
        return false;
    }
    function now() {
        return native.now();
    }

    /* ---- Parts compiled on first use ----
     * What an empty script, or one of plain timeouts, never runs is
     * compiled when first used (start-up is mostly Duktape compiling this
     * source: ~850 instructions a byte): ecma_timers.js (place: the
     * setTimeout slow path, for a duration beyond the list table or out of
     * order; intervals, extra arguments and string callbacks;
     * clearTimeout; the timer limit's error), ecma_errors.js (handleError,
     * requestExit) and ecma_watch.js (fd watchers, the stream engine's
     * hooks). Until then, their functions are placeholders: native
     * functions that compile the part on their first call, call it with
     * env, then forward the call (ecma_bridge.hpp). A part puts its
     * functions into the state array (ST_PLACE..ST_DISPOSE_WATCHERS), and
     * the loader puts them in place of every placeholder that
     * env[ENV_PLACEHOLDERS] lists and that is still in place, as net.js's
     * (install.hpp). ST_DISPATCH_FDS and ST_DISPOSE_WATCHERS stay null
     * until ecma_watch.js is loaded: it is the only way to watch an fd
     * (native.interest), so no fd event comes before. env (ENV_*, named in
     * src/slots.json): native, state, global, the EventLoop object or
     * null, SENTINEL, the three parts' exports once loaded, the placeholder
     * list, clearTimeout's placeholder, setTimeout, the built-ins.
     *
     * The built-ins are taken here, at install, before any script runs,
     * and the parts use only these: a script that replaces Math.floor,
     * Function.prototype.call or apply, eval or an error constructor
     * (after install, before a part loads) cannot change what the loop
     * does. callFn(f, self, a) is f.call(self, a) and applyFn(f, self, args)
     * f.apply(self, args), through the captured call and apply. */
    var FunctionCall = Function.prototype.call;
    var builtins = {
        floor: Math.floor, callFn: FunctionCall.bind(FunctionCall), applyFn: FunctionCall.bind(Function.prototype.apply),
        indirectEval: global.eval, RangeError: RangeError, TypeError: TypeError
    };
    var env = [native, state, global, null, SENTINEL, null, null, null, [], null, null, builtins];
    /* native.bind puts the placeholders in place and defines the globals
     * (ecma_bridge.hpp); it returns streamLoop's placeholder. */
    var streamLoop = native.bind(env, bindings, native.timerEntry(startTimer, state, false, 'setTimeout'),
                                 native.timerEntry(startTimer, state, true, 'setInterval'), now);
    function pending() {
        return slots.length - state[ST_FREED];
    }
    /* The earliest timer deadline (ms on native.now()'s clock), or -1: for
     * Loop::next_timeout_ms() and the pollable fd's timer. */
    function nextDeadline() {
        return heap[0] > 0 ? heap[1][0] : -1;
    }
    return { run: run, runOnce: runOnce, alive: alive, dispose: dispose, pending: pending,
             nextDeadline: nextDeadline, streamLoop: streamLoop };
})
