/*
 *  The ECMAScript loop's fd watchers: EventLoop.watch / unwatch, the
 *  dispatch of a turn's fd events, and the hooks of the stream engine
 *  (ecma_stream.js: control.streamLoop). Compiled on first use, as
 *  ecma_timers.js (see there): the first EventLoop.watch or unwatch, or
 *  net's first use. It puts dispatchFds and its part of dispose into the
 *  state array. ES5, strict.
 */
(function (env) {
    'use strict';

    var native = env[ENV_NATIVE], state = env[ENV_STATE];
    var RangeErrorAtInstall = env[ENV_BUILTINS].RangeError, TypeErrorAtInstall = env[ENV_BUILTINS].TypeError;
    var POLLIN = native.POLLIN, POLLPRI = native.POLLPRI, POLLOUT = native.POLLOUT;
    var POLLERR = native.POLLERR, POLLNVAL = native.POLLNVAL;

    /* ---- Fd watchers: a table indexed by fd (state[ST_WATCHERS]) ----
     * A watcher is [callback, round added] (WATCHER_*: indexes cost less than names). */
    var watchers = state[ST_WATCHERS];

    function requireFd(fd, name) {
        if (typeof fd !== 'number' || !(fd >= 0 && fd <= 2147483647) || fd % 1 !== 0) {
            throw new RangeErrorAtInstall(name + ': fd must be a non-negative integer');
        }
    }
    function watch(fd, events, cb) {
        requireFd(fd, 'EventLoop.watch');
        if (typeof events !== 'number' || !(events >= 0 && events <= 0xffff) || events % 1 !== 0) {
            throw new RangeErrorAtInstall('EventLoop.watch: events must be a mask of Poll.POLL* bits');
        }
        events &= (POLLIN | POLLOUT | POLLPRI);
        var w = watchers[fd];
        if (w && w.length !== 2) { throw inUse(); }
        if (cb !== void 0 && typeof cb !== 'function') {
            throw new TypeErrorAtInstall('EventLoop.watch: callback must be a function');
        }
        if (!w && cb === void 0) {
            throw new TypeErrorAtInstall('EventLoop.watch: callback must be a function');
        }
        /* A new callback re-registers the fd: it may be a new file under a
         * reused number, so this round's events are not for it. */
        native.interest(fd, events, cb !== void 0);   /* throws an Error with code on failure */
        if (!w) {
            watchers[fd] = [cb, state[ST_ROUND]];
        } else if (cb !== void 0) {
            /* The old callback, kept in `old`, is released on return: its
             * finalizer (Duktape.fin) runs once the watcher is consistent. */
            var old = w[WATCHER_CALLBACK];
            w[WATCHER_ROUND] = state[ST_ROUND];
            w[WATCHER_CALLBACK] = cb;

        }
    }
    /* A stream's record (ecma_stream.js: more than [callback, round]) is
     * the stream engine's, as a stream is not the C++ loop's JS watcher:
     * EventLoop.watch is EEXIST (the C++ loop's error), unwatch false. A
     * script replacing its callback would take another connection's
     * events. */
    function inUse() {
        var e = new Error('EEXIST: file exists, EventLoop.watch');
        e.code = 'EEXIST';
        e.errno = -17;   /* EEXIST on Linux and the BSDs */
        e.syscall = 'EventLoop.watch';
        return e;
    }
    function unwatch(fd) {
        if (typeof fd !== 'number') { return false; }
        requireFd(fd, 'EventLoop.unwatch');
        var w = watchers[fd];   /* released on return, after native.forget */
        if (!w || w.length !== 2) { return false; }
        watchers[fd] = void 0;
        native.forget(fd);
        return true;
    }
    /* Runs the callbacks of a turn's fd events, the n values of `ready`
     * (fd, revents pairs), in locals (a socket server's hot path): skips a
     * watcher that is gone or was replaced in this round; one with POLLERR
     * or POLLNVAL is forgotten first (the native side stopped watching it).
     * revents 1 and 4 (POLLIN, POLLOUT: the common ones) skip the bit test
     * (a bitwise operator costs as much as `%`). One try block serves the
     * callbacks until one throws. */
    function dispatchFds(S, ready, n) {
        var W = S[ST_WATCHERS], round = S[ST_ROUND], errBits = S[ST_ERR_BITS], i = 0, ran = 0, fd, revents, w;
        for (;;) {
            try {
                while (i < n && !S[ST_EXITING]) {
                    fd = ready[i];
                    revents = ready[i + 1];
                    i += 2;
                    w = W[fd];
                    if (w === void 0 || w[WATCHER_ROUND] === round) { continue; }   /* gone, or replaced in this round */
                    if (revents !== 1 && revents !== 4 && (revents & errBits) !== 0) { W[fd] = void 0; }
                    ran += 1;
                    w[WATCHER_CALLBACK](fd, revents);
                }
                S[ST_CALLBACKS] += ran;
                return;
            } catch (e) {
                S[ST_CALLBACKS] += ran;
                ran = 0;
                S[ST_HANDLE_ERROR](e);
            }
        }
    }

    /* ---- For the stream engine (ecma_stream.js): control.streamLoop ----
     * Stream watchers bypass the checks of EventLoop.watch. streamWatch
     * (re)registers fd with a record w (an array: the stream's state) as
     * its watcher: w[WATCHER_CALLBACK](fd, revents) is then called with `this` = w, so the
     * engine needs no table lookup per event; w[WATCHER_ROUND] gets the round stamp
     * (events already collected this round are not for it).
     * Interest changes go straight to native.interest(fd, events, false). */
    var disposeHooks = [];
    function streamWatch(fd, events, w) {
        native.interest(fd, events, true, true);   /* weak: alive only while interested; throws an Error with code */
        w[WATCHER_ROUND] = state[ST_ROUND];
        watchers[fd] = w;
    }
    function streamUnwatch(fd) {
        var w = watchers[fd];   /* released on return, after native.forget */
        if (w) {
            watchers[fd] = void 0;
            native.forget(fd);
        }
    }
    var streamLoop = {
        watch: streamWatch, interest: native.interest, unwatch: streamUnwatch,
        setTimeout: env[ENV_SET_TIMEOUT], clearTimeout: env[ENV_CLEAR_TIMEOUT],
        onDispose: function (fn) { disposeHooks[disposeHooks.length] = fn; },
        POLLIN: POLLIN, POLLOUT: POLLOUT, POLLERR: POLLERR, POLLHUP: native.POLLHUP, POLLNVAL: POLLNVAL
    };

    /* The loop's dispose (control.dispose) calls this first: the stream
     * engine's hooks, then every watcher is forgotten. */
    function dispose() {
        var hooks = disposeHooks, i;
        disposeHooks = [];
        for (i = 0; i < hooks.length; i++) {
            try { hooks[i](); } catch (e) { /* disposal goes on */ }
        }
        for (var fd = 0; fd < watchers.length; fd++) {
            if (watchers[fd]) { native.forget(fd); }
        }
        watchers.length = 0;
    }

    state[ST_ERR_BITS] = POLLERR | POLLNVAL;
    state[ST_DISPATCH_FDS] = dispatchFds;
    state[ST_DISPOSE_WATCHERS] = dispose;
    return { watch: watch, unwatch: unwatch, getStreamLoop: function () { return streamLoop; } };
})
