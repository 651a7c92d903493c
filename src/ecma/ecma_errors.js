/*
 *  The ECMAScript loop's error and exit paths: handleError (a callback
 *  threw, or called process.exit: the exit signal) and
 *  EventLoop.requestExit / requestEventLoopExit. Compiled on first use, as
 *  ecma_timers.js (see there); it puts handleError into the state array.
 *  ES5, strict.
 */
(function (env) {
    'use strict';

    var native = env[ENV_NATIVE], state = env[ENV_STATE], callFn = env[ENV_BUILTINS].callFn;

    function setExiting() {
        state[ST_EXITING] = true;
        state[ST_ROUND_LIMIT] = -1;
    }
    /* A callback threw e: EventLoop.onerror takes it, else the default
     * report; the exit signal ends the loop instead. */
    function handleError(e) {
        if (native.isExitSignal(e)) { setExiting(); return; }
        state[ST_ERRORS]++;
        var handler = null, eventLoop = env[ENV_EVENT_LOOP];
        try {
            handler = eventLoop ? eventLoop.onerror : null;
            if (typeof handler === 'function') {
                callFn(handler, eventLoop, e);
                return;
            }
        } catch (e2) {
            if (native.isExitSignal(e2)) { setExiting(); return; }
            e = e2;
        }
        native.report(e);
    }
    function requestExit(code) {
        setExiting();
        native.requestExit(typeof code === 'number' ? code : 0);
    }

    state[ST_HANDLE_ERROR] = handleError;
    return { handleError: handleError, requestExit: requestExit };
})
