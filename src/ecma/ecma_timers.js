/*
 *  The ECMAScript loop's timer paths that not every timer script needs
 *  (ecma_loop.js has the notes on the data structures): the slow path of
 *  setTimeout (place: a duration beyond the list table, or a list that a
 *  new timer would put out of order), intervals, extra arguments and
 *  string callbacks (runSpec), clearTimeout / clearInterval, and the
 *  too-many-timers error. Compiled on first use (a call of one of the
 *  placeholders ecma_loop.js makes with native.lazy: see ecma_bridge.hpp)
 *  and called once with the loop's env; it puts its functions into the
 *  state array and in place of the placeholders. ES5, strict.
 */
(function (env) {
    'use strict';

    var state = env[ENV_STATE], slots = state[ST_SLOTS], SENTINEL = env[ENV_SENTINEL], builtins = env[ENV_BUILTINS];
    var floor = builtins.floor, applyFn = builtins.applyFn, RangeErrorAtInstall = builtins.RangeError;

    /* Puts timer t, a list's new first timer, at its place from heap index
     * pos up: t is new at pos (the end). It has the highest seq, so it
     * stays below an equal deadline. The parent of index i (> 1) is
     * floor(i / 2): i / 2 - 0.25 + 2^52 rounds to it exactly (no fmod,
     * unlike i % 2). */
    function siftUp(h, t, pos) {
        var d = t[0], parent, p;
        while (pos > 1) {
            parent = (pos * (1 / 2) - 1 / 4 + 67108864 * 67108864) - 67108864 * 67108864;
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
            parent = (pos * (1 / 2) - 1 / 4 + 67108864 * 67108864) - 67108864 * 67108864;
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
        var deadline = t[0], table = S[ST_LIST_TABLE], size, idx, last, i;
        t[2] = null;
        for (;;) {
            if (!(key >= 0)) { key = 0; }   /* a clock that went back; never a negative index */
            size = S[ST_TABLE_SIZE];
            if (key >= size && size < 4096) {
                /* Grow to the power of two above key, at most 4096, in
                 * order (dense). Keys >= the old size move to new indexes:
                 * their lists are no longer found, which only starts new
                 * ones. */
                for (i = size; i <= key && i < 4096; i += i) { /* the next size */ }
                while (size < i) { table[size] = null; size++; }
                S[ST_TABLE_SIZE] = size;
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
            S[ST_TURN_CLOCK] = i = S[ST_NOW]();
            i = deadline - i;
            i = (i + 67108864 * 67108864) - 67108864 * 67108864;
            if (i === key) { break; }
            key = i;
        }
        table[idx] = t;
        i = S[ST_HEAP];
        i[0] += 1;
        siftUp(i, t, i[0]);
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
                h = S[ST_HEAP];
                while (h[prev] !== t) {   /* at most log n parents up; see the notes */
                    if (prev <= 1) { return; }   /* never: the invariant holds */
                    prev = (prev * (1 / 2) - 1 / 4 + 67108864 * 67108864) - 67108864 * 67108864;
                }
                if (next !== null) { siftDown(h, next, prev); }
                else { removeAt(h, prev); }
            } else {
                prev[2] = next;
                if (next !== null) { next[3] = prev; }
            }
            /* The callback, kept in `fn`, is released on return: its
             * finalizer runs once the timer is free (it may clear or
             * set timers). */
            var fn = t[5];
            S[ST_FREED] += 1;
            t[5] = null;
            t[2] = S[ST_FREE_LIST];
            S[ST_FREE_LIST] = t;

        }
    }

    var indirectEval = builtins.indirectEval;
    /* runTimers' path for a timer whose fn is a spec [callback, interval,
     * args, isString] (an interval, extra arguments or a string): t is out
     * of the heap; frees it or reschedules it, then runs the callback. One
     * call (~600 instructions) more than inline, for the start-up it
     * saves. */
    function runSpec(S, t, fn, now) {
        var interval = fn[1], args = fn[2], d, q;
        if (interval < 0) {
            S[ST_FREED] += 1;
            t[5] = null;
            t[2] = S[ST_FREE_LIST];
            S[ST_FREE_LIST] = t;
        } else {
            /* Reschedule with a new seq (behind the timers created
             * before) into the list of its interval; a deadline before
             * that list's last timer (the loop ran late) starts a new list
             * (see place). */
            d = t[0];
            q = d + interval;
            if (q <= now) {
                q = interval ? d + interval * (floor((now - d) / interval) + 1) : now;
            }
            t[0] = q;
            t[1] = S[ST_SEQ] = S[ST_SEQ] + 1;
            place(S, t, interval, true);
        }
        if (args !== null) { applyFn(fn[0], void 0, args); }
        else if (fn[3]) { indirectEval(fn[0]); }
        else { fn = fn[0]; fn(); }
    }

    /* startTimer at the timer limit: the error to throw. */
    function tooMany(cb) {
        return new RangeErrorAtInstall((typeof cb === 'function' || cb[1] < 0 ? 'setTimeout' : 'setInterval') +
            ': too many pending timers (the limit is ' + state[ST_TIMER_LIMIT] + ')');
    }

    state[ST_PLACE] = place;
    state[ST_RUN_SPEC] = runSpec;
    state[ST_TOO_MANY] = tooMany;
    return { place: place, runSpec: runSpec, tooMany: tooMany, clearTimer: clearTimer };
})
