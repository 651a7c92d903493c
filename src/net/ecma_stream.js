/*
 *  The stream engine of the ECMAScript loop: byte streams and listeners on
 *  non-blocking sockets, with the `stream` interface of the sockets contract
 *  (open, connect, listen, write, end, pause, resume, close, queued,
 *  bytesRead, owns, ondata, writeCap, writeMethod; see src/stream.hpp, also
 *  for the owner every call names). All state
 *  is here, in JS, but for the cap of Socket#write's native fast path
 *  (native.writeMethod, native.fastCap); the kernel work is done by the
 *  native primitives (read, write, accept, shutdown, close, soError, error)
 *  and the ECMAScript
 *  loop's fd watchers and timers (its control.streamLoop: watch, interest,
 *  unwatch, setTimeout, clearTimeout, onDispose).
 *
 *  Compiled as a function expression and called once, with net.js on its
 *  first use (src/install.hpp), with (native, loop, env): env holds the
 *  globals it uses (Buffer, TextEncoder) and the built-ins it calls
 *  (env.call, env.bind, Uint8Array, TypeError, ...: capture_builtins in
 *  src/embedded_js.hpp) as they were at install, so a script replacing
 *  them (a broken Array.prototype.push once lost bytes of a queued write)
 *  does not change what it does: no method of a built-in prototype is
 *  looked up here (arrays grow by index). Returns the `stream` object.
 *  Defines no globals. ES5, strict.
 *
 *  A stream (or listener) is an array, kept in `table` by fd, that is also
 *  its loop watcher ([callback, round stamp, ...], see streamLoop.watch):
 *  the loop calls record[WATCHER_CALLBACK](fd, revents), so `this` is the
 *  record and an event costs no table lookup. Fields, by name (REC_*: their
 *  indexes are in src/slots.json; the generator writes the literal index,
 *  as a named constant would be an outer variable, a scope lookup; see the
 *  notes at the top of ecma_loop.js). record() lists them in that order.
 *    WATCHER_CALLBACK (onEvent, onListen), WATCHER_ROUND its round stamp
 *    REC_FD fd
 *    REC_HANDLER handler(event, arg) of a stream, onAccept of a listener
 *    REC_STATE 0 open, 1 connecting, 2 listener, 3 ending (end() called,
 *      the queue still flushing), 4 finished (write side shut down), 5
 *      stopped (after an error: no more I/O), 6 closed
 *    REC_INTEREST the interest registered with the loop (POLLIN | POLLOUT)
 *    REC_READING reading wanted (open's `reading`, pause, resume)
 *    REC_QUEUE write queue: byte arrays (Buffer, Uint8Array, plain buffer;
 *      strings are encoded when queued), the head at index REC_HEAD
 *    REC_OFFSET offset of the first unwritten byte in the head chunk
 *    REC_QUEUED bytes queued
 *    REC_END_PENDING end() called while connecting
 *    REC_EOF end of stream seen (reading stops by itself)
 *    REC_ERROR error waiting to be reported from the loop, or null
 *    REC_WATCHED registered with the loop (the loop drops a watcher by
 *      itself on POLLERR / POLLNVAL)
 *    REC_HOST, REC_PORT host and port (connect, for the error message)
 *    REC_BACKOFF_TIMER a listener's back-off timer id (0: none)
 *    REC_READ_SIZE read buffer size: a read that fills it is followed by
 *      another; READ_SIZE + 1 for a blocking fd the loop did not open
 *      (open: see native.readsBlock), which is read once per readiness
 *    REC_HEAD index of the queue's head
 *    REC_READ, REC_WRITE native.read, native.write (a field costs less
 *      than an outer variable)
 *    REC_BYTES_READ bytes read
 *    REC_FAST_CAP the cap of the native write fast path (-1: off; syncFast
 *      keeps it: REC_CAP while open with nothing queued), REC_FAST_BYTES
 *      the bytes it took since the last writeCap, REC_CAP the cap writeCap set
 *    REC_ONDATA, REC_ONDATA_THIS the ondata hint: fn bound to its `this`,
 *      and that `this` (fn null: the handler)
 *    REC_OWNER the owner (open, connect, listen): every other call on the
 *      fd must name it (===), else a TypeError ERR_INVALID_THIS (notOwner)
 *
 *  Handlers never run inside a stream call: an I/O error met by write() is
 *  kept (REC_ERROR) and reported by a zero-delay timer; end() turns write
 *  interest on, and the writable event does the shutdown and the finish
 *  event. close() makes the record inert (state 6, no interest, out of the
 *  table and of the loop's watchers), so nothing reaches its handler again,
 *  not even an event collected earlier in the same round; a new stream on a
 *  reused fd number is a new record whose round stamp hides this round's
 *  events.
 *
 *  Hot paths (a readable event, a write that the kernel takes whole) keep
 *  to locals and record fields, one native call each, no closures, no
 *  `arguments`; `void 0` for undefined. POLL* values are literals here:
 *  POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16, POLLNVAL 32 (checked at
 *  install); 17 = POLLIN | POLLHUP, 20 = POLLOUT | POLLHUP, 40 = POLLERR |
 *  POLLNVAL.
 */
(function (native, loop, env) {
    'use strict';

    if (loop.POLLIN !== 1 || loop.POLLOUT !== 4 || loop.POLLERR !== 8 || loop.POLLHUP !== 16 || loop.POLLNVAL !== 32) {
        throw new Err('evloop stream engine: unexpected POLL* values');
    }

    var nread = native.read, nwrite = native.write, naccept = native.accept, readsBlock = native.readsBlock;
    var nfastCap = native.fastCap, nwriteMethod = native.writeMethod;
    var nshutdown = native.shutdown, nclose = native.close, soError = native.soError, nerror = native.error;
    var watch = loop.watch, interest = loop.interest, unwatch = loop.unwatch;
    var setTimer = loop.setTimeout, clearTimer = loop.clearTimeout;
    var READ_SIZE = typeof native.READ_BUFFER_SIZE === 'number' ? native.READ_BUFFER_SIZE : 65536;
    var MAX_READS = 4;     /* reads per readable event while each fills the buffer */
    var MAX_ACCEPTS = 64;  /* accepts per readable event of a listener */
    var BACKOFF_MS = 100;  /* EMFILE / ENFILE: accepting pauses this long */
    /* accept() errors that concern one pending connection only: skipped. */
    var SKIP = { ECONNABORTED: 1, ECONNRESET: 1, EPROTO: 1, EPERM: 1, EINTR: 1, ENETDOWN: 1, ENOPROTOOPT: 1,
                 EHOSTDOWN: 1, ENONET: 1, EHOSTUNREACH: 1, EOPNOTSUPP: 1, ENETUNREACH: 1, ETIMEDOUT: 1 };

    /* The UTF-8 length of a string as native.write counts it: Duktape's
     * Buffer.byteLength counts its internal form, where a surrogate pair
     * takes 6 bytes (native.write sends 4), so it is exact or too high;
     * then the string is encoded (TextEncoder matches native.write: pairs
     * as 4 bytes, a lone surrogate as U+FFFD). */
    var BufferCtor = env.Buffer, byteLength = BufferCtor.byteLength;
    var U8 = env.Uint8Array, TypeErr = env.TypeError, RangeErr = env.RangeError, Err = env.Error;
    var uncall = env.call, bindFn = env.bind, subarray = env.subarray;
    var encoder = typeof env.TextEncoder === 'function' && typeof env.encode === 'function' ? new env.TextEncoder() : null;
    var encodeFn = env.encode;
    function encode(str) {
        return encoder ? uncall(encodeFn, encoder, str) : new BufferCtor(str);
    }

    var table = [];        /* fd -> record */
    var pending = [];      /* records with an error to report */
    var pendingTimer = false;

    function checkFd(fd, name) {
        if (typeof fd !== 'number' || !(fd >= 0 && fd <= 2147483647) || fd % 1 !== 0) {
            throw new RangeErr('stream.' + name + ': fd must be a non-negative integer');
        }
    }

    function record(fd, handler, state, cb, owner) {
        return [cb, 0, fd, handler, state, 0, false, [], 0, 0, false, false, null, false, null, 0, 0, READ_SIZE, 0, nread, nwrite, 0, -1, 0, null, null, -1, owner];
    }

    /* The TypeError of a call naming another owner than the stream's (the
     * C++ engine's throw_not_owner says the same). */
    function notOwner(fd, name) {
        var e = new TypeError('Value of "this" must be the owner of fd ' + fd + ' (stream.' + name + ')');
        e.code = 'ERR_INVALID_THIS';
        return e;
    }
    /* A new stream's owner must be an object; an existing record of fd may
     * only get a new handler from its owner, and a listener none that is
     * not a listener's (its handler takes accepted fds: another would leak
     * them). */
    function checkStart(s, fd, owner, name, listener) {
        if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) {
            throw new TypeError('stream.' + name + ': owner must be an object');
        }
        if (s === void 0) { return; }
        if (s[REC_STATE] === 2 && !listener) { throw nerror('EINVAL', 'stream.' + name); }
        if (s[REC_OWNER] !== owner) { throw notOwner(fd, name); }
    }

    /* Registers interest as the record's state asks: read while wanted and
     * before end of stream, write while bytes are queued or end() waits,
     * nothing once stopped. Re-registers a record the loop dropped. A
     * failure stops the stream with the error (reported from the loop); a
     * listener retries later. */
    function setInterest(s) {
        var st = s[REC_STATE], want = 0;
        if (st === 0 || st === 3 || st === 4) {
            if (s[REC_READING] && !s[REC_EOF]) { want = 1; }
            if (s[REC_QUEUED] > 0 || st === 3) { want |= 4; }
        } else if (st === 1) {
            want = 4;
        } else if (st === 2) {
            if (s[REC_READING] && s[REC_BACKOFF_TIMER] === 0) { want = 1; }
        } else if (st === 6) {
            return;
        }
        if (!s[REC_WATCHED] || want !== s[REC_INTEREST]) {
            try {
                if (s[REC_WATCHED]) {
                    interest(s[REC_FD], want, false);
                } else {
                    watch(s[REC_FD], want, s);
                    s[REC_WATCHED] = true;
                }
                s[REC_INTEREST] = want;
            } catch (e) {
                if (st === 2) {
                    backoff(s);
                } else if (st !== 5) {
                    stop(s);   /* which came back here */
                    defer(s, e);
                }
                return;
            }
        }
        syncFast(s);
    }

    /* Socket#write's fast path is native (native.writeMethod): it sends
     * while the stream is open, nothing is queued and the chunk is within
     * the cap; REC_FAST_CAP mirrors the cap it was given (-1: off),
     * REC_FAST_BYTES collects the bytes it took. */
    function syncFast(s, always) {
        var cap = s[REC_STATE] === 0 && s[REC_QUEUED] === 0 ? s[REC_CAP] : -1;
        if (always || cap !== s[REC_FAST_CAP]) {
            s[REC_FAST_CAP] = cap;
            s[REC_FAST_BYTES] += nfastCap(s[REC_FD], cap, s[REC_OWNER]);
        }
    }

    /* After an error: no more I/O, the queue dropped. The record stays
     * registered with no interest (a weak watcher: it no longer keeps the
     * loop alive) until close. */
    function stop(s) {
        s[REC_STATE] = 5;
        s[REC_QUEUE].length = 0;   /* no new array: stop() also runs out of memory */
        s[REC_HEAD] = 0;
        s[REC_OFFSET] = 0;
        s[REC_QUEUED] = 0;
        s[REC_END_PENDING] = false;
        setInterest(s);
    }

    /* An error met in the loop: reported now. */
    function fail(s, err) {
        stop(s);
        var h = s[REC_HANDLER];
        h(EV_ERROR, err);
    }

    /* An error met inside a stream call: reported by a zero-delay timer. */
    function defer(s, err) {
        s[REC_ERROR] = err;
        pending[pending.length] = s;
        if (!pendingTimer) {
            pendingTimer = true;
            setTimer(reportPending, 0);
        }
    }
    function reportPending() {
        var list = pending, i = 0, s, err, h;
        pending = [];
        pendingTimer = false;
        try {
            for (; i < list.length; i++) {
                s = list[i];
                err = s[REC_ERROR];
                s[REC_ERROR] = null;
                if (err !== null && s[REC_STATE] !== 6) {
                    h = s[REC_HANDLER];
                    h(EV_ERROR, err);
                }
            }
        } catch (e) {
            for (i++; i < list.length; i++) { pending[pending.length] = list[i]; }
            if (pending.length > 0 && !pendingTimer) {
                pendingTimer = true;
                setTimer(reportPending, 0);
            }
            throw e;
        }
    }

    /* ---- events ---- */

    /* A stream's watcher callback; `this` is the record. The common event,
     * POLLIN alone while reading (interest 1, or 5 with writes queued), is
     * tested with comparisons: a bitwise operator costs a ToInt32 (~300). */
    function onEvent(fd, revents) {
        var s = this, buf, i, ev, n, d;
        if (revents !== 1) {
            slowEvent(s, fd, revents);
            return;
        }
        ev = s[REC_INTEREST];
        if (ev !== 1 && ev !== 5) { return; }   /* paused or stopped since the wait */
        i = 0;
        for (;;) {
            try {
                buf = s[REC_READ](fd);
            } catch (e) {
                fail(s, e);
                return;
            }
            if (buf === void 0) { return; }   /* nothing after all */
            if (buf === null) {
                s[REC_EOF] = true;
                setInterest(s);
                s[REC_HANDLER](EV_END);
                return;
            }
            n = buf.length;
            s[REC_BYTES_READ] += n;
            d = s[REC_ONDATA];
            if (d === null) { s[REC_HANDLER](EV_DATA, buf); } else { d(buf); }
            /* Again only while each read fills the buffer, and reading (the
             * handler may have paused, closed or stopped the stream). */
            if (n < s[REC_READ_SIZE] || ++i === 4 /* MAX_READS */) { return; }
            ev = s[REC_INTEREST];
            if (ev !== 1 && ev !== 5) { return; }
        }
    }

    /* Every other event: the general case of a stream (reads, then writes),
     * connect done, or POLLERR / POLLNVAL. */
    function slowEvent(s, fd, revents) {
        if (revents & 40 || s[REC_STATE] === 1) {
            faultOrConnect(s, fd, revents);
            return;
        }
        if (revents & 17 && s[REC_INTEREST] & 1) {
            readSome(s, fd);
        }
        if (revents & 20 && s[REC_INTEREST] & 4) { flush(s, fd); }
    }

    /* Up to MAX_READS reads, while each fills the buffer. */
    function readSome(s, fd) {
        var h, buf, i;
        for (i = 0; i < MAX_READS; i++) {
            try {
                buf = nread(fd);
            } catch (e) {
                fail(s, e);
                return;
            }
            if (buf === void 0) { return; }
            h = s[REC_HANDLER];
            if (buf === null) {
                s[REC_EOF] = true;
                setInterest(s);
                h(EV_END);
                return;
            }
            s[REC_BYTES_READ] += buf.length;
            if (s[REC_ONDATA] === null) { h(EV_DATA, buf); } else { s[REC_ONDATA](buf); }
            if (buf.length < s[REC_READ_SIZE] || !(s[REC_INTEREST] & 1)) { return; }
        }
    }

    /* Connect finished, or the loop reported POLLERR / POLLNVAL (it has
     * dropped the watcher): read what is left, then find the error. */
    function faultOrConnect(s, fd, revents) {
        var err = null, h, buf, i;
        if (revents & 40) {
            s[REC_WATCHED] = false;
            s[REC_INTEREST] = 0;
        }
        if (s[REC_STATE] === 1) {
            try {
                err = soError(fd, s[REC_HOST], s[REC_PORT]);
            } catch (e) {
                err = e;
            }
            if (err === null && revents & 40) {
                err = nerror(revents & 32 ? 'EBADF' : 'ECONNREFUSED', 'connect');
            }
            h = s[REC_HANDLER];
            if (err !== null) {
                stop(s);
                h(EV_CONNECT, err);
                return;
            }
            s[REC_STATE] = s[REC_END_PENDING] ? 3 : 0;
            s[REC_END_PENDING] = false;
            setInterest(s);
            if (s[REC_STATE] !== 0 && s[REC_STATE] !== 3) { return; }   /* setInterest failed: reported later */
            h(EV_CONNECT, null);
            if (s[REC_QUEUED] > 0 || s[REC_STATE] === 3) { flush(s, fd); }
            return;
        }
        if (s[REC_STATE] === 5) {
            setInterest(s);   /* stay registered, no interest */
            return;
        }
        for (i = 0; i < 16; i++) {
            if (!s[REC_READING] || s[REC_EOF] || s[REC_STATE] > 4) { break; }
            try {
                buf = nread(fd);
            } catch (e) {
                err = e;
                break;
            }
            if (buf === void 0) { break; }
            h = s[REC_HANDLER];
            if (buf === null) {
                s[REC_EOF] = true;
                h(EV_END);
                break;
            }
            s[REC_BYTES_READ] += buf.length;
            h(EV_DATA, buf);
            if (s[REC_READ_SIZE] > READ_SIZE) { break; }   /* blocking: once per readiness */
        }
        if (s[REC_STATE] > 4) { return; }   /* stopped or closed by a handler */
        if (err === null) {
            try {
                err = soError(fd);
                if (err !== null) { err = nerror(err.code, 'read'); }
            } catch (e) {
                err = e;
            }
        }
        if (err === null && revents & 32) { err = nerror('EBADF', 'read'); }
        if (err !== null) {
            fail(s, err);
            return;
        }
        /* No error to be found: watch again, write what is queued. */
        setInterest(s);
        if (revents & 4 && s[REC_INTEREST] & 4) { flush(s, fd); }
    }

    /* Writes the queue until empty or the kernel is full; when empty: the
     * shutdown after end(), drain (3) if bytes had been queued, finish (5). */
    function flush(s, fd) {
        var q = s[REC_QUEUE], head = s[REC_HEAD], off = s[REC_OFFSET], had = s[REC_QUEUED] > 0, c, n, h, finished = false;
        while (head < q.length) {
            c = q[head];
            try {
                n = nwrite(fd, c, off);
            } catch (e) {
                fail(s, e);
                return;
            }
            s[REC_QUEUED] -= n;
            off += n;
            if (off < c.length) { break; }
            q[head] = void 0;
            head++;
            off = 0;
        }
        if (head === q.length) {
            q.length = 0;
            head = 0;
        } else if (head >= 1024 && head + head > q.length) {
            dropHead(q, head);
            head = 0;
        }
        s[REC_HEAD] = head;
        s[REC_OFFSET] = off;
        if (s[REC_QUEUED] > 0) { return; }
        if (s[REC_STATE] === 3) {
            try {
                nshutdown(fd);
            } catch (e) {
                fail(s, e);
                return;
            }
            s[REC_STATE] = 4;
            finished = true;
        }
        setInterest(s);
        if (had && s[REC_STATE] < 5) {
            h = s[REC_HANDLER];
            h(EV_DRAIN);
        }
        if (finished && s[REC_STATE] === 4) {
            h = s[REC_HANDLER];
            h(EV_FINISH);
        }
    }

    /* Removes the first n entries of the queue q (as q.splice(0, n)). */
    function dropHead(q, n) {
        var i, len = q.length;
        for (i = n; i < len; i++) { q[i - n] = q[i]; }
        q.length = len - n;
    }

    /* A listener's watcher callback; `this` is the record. */
    function onListen(fd, revents) {
        var s = this, i, a, h, code;
        if (revents & 40) {   /* the loop dropped the watcher: retry later */
            s[REC_WATCHED] = false;
            s[REC_INTEREST] = 0;
            backoff(s);
            return;
        }
        for (i = 0; i < MAX_ACCEPTS && s[REC_INTEREST] & 1; i++) {
            try {
                a = naccept(fd);
            } catch (e) {
                code = e.code;
                if (typeof code === 'string' && SKIP[code] === 1) { continue; }
                backoff(s);   /* EMFILE, ENFILE, ENOBUFS, ENOMEM, ... */
                return;
            }
            if (!a) { return; }   /* none pending (null; undefined from some builds) */
            h = s[REC_HANDLER];
            h(a[0], a[1], a[2], a[3]);
        }
    }

    /* Stops accepting for BACKOFF_MS (no spin, the listener stays). */
    function backoff(s) {
        if (s[REC_BACKOFF_TIMER] !== 0 || s[REC_STATE] !== 2) { return; }
        s[REC_BACKOFF_TIMER] = setTimer(function () {
            s[REC_BACKOFF_TIMER] = 0;
            setInterest(s);
        }, BACKOFF_MS);
        setInterest(s);
    }

    /* ---- the interface ---- */

    function open(fd, handler, reading, owner) {
        checkFd(fd, 'open');
        if (typeof handler !== 'function') { throw new TypeErr('stream.open: handler must be a function'); }
        var s = table[fd], on = reading === void 0 || !!reading;
        checkStart(s, fd, owner, 'open', false);
        if (s !== void 0) {   /* a new handler; an open stream also gets `reading` */
            s[REC_HANDLER] = handler;
            if (s[REC_STATE] !== 1 && s[REC_STATE] !== 2 && s[REC_READING] !== on) {
                s[REC_READING] = on;
                setInterest(s);
            }
            return;
        }
        s = record(fd, handler, 0, onEvent, owner);
        s[REC_READING] = on;
        /* A blocking fd the loop adopted (stdin): a second read after a
         * full one could block the loop; a limit no read reaches makes
         * every read loop stop after one, the hot path unchanged. */
        if (readsBlock(fd)) { s[REC_READ_SIZE] = READ_SIZE + 1; }
        watch(fd, s[REC_READING] ? 1 : 0, s);   /* throws (EBADF...): nothing kept */
        s[REC_INTEREST] = s[REC_READING] ? 1 : 0;
        s[REC_WATCHED] = true;
        table[fd] = s;
    }

    function connect(fd, handler, host, port, owner) {
        checkFd(fd, 'connect');
        if (typeof handler !== 'function') { throw new TypeErr('stream.connect: handler must be a function'); }
        var s = table[fd];
        checkStart(s, fd, owner, 'connect', false);
        if (s !== void 0) {   /* already a stream: a new handler only */
            s[REC_HANDLER] = handler;
            return;
        }
        s = record(fd, handler, 1, onEvent, owner);
        s[REC_HOST] = typeof host === 'string' ? host : null;
        s[REC_PORT] = typeof port === 'number' ? port : -1;
        watch(fd, 4, s);
        s[REC_INTEREST] = 4;
        s[REC_WATCHED] = true;
        table[fd] = s;
    }

    function listen(fd, onAccept, owner) {
        checkFd(fd, 'listen');
        if (typeof onAccept !== 'function') { throw new TypeErr('stream.listen: onAccept must be a function'); }
        var s = table[fd];
        checkStart(s, fd, owner, 'listen', true);
        if (s !== void 0) {   /* already a stream: a new handler only */
            s[REC_HANDLER] = onAccept;
            return;
        }
        s = record(fd, onAccept, 2, onListen, owner);
        s[REC_READING] = true;
        watch(fd, 1, s);
        s[REC_INTEREST] = 1;
        s[REC_WATCHED] = true;
        table[fd] = s;
    }

    /* The common case inline: an open stream with nothing queued, and the
     * kernel takes it all. */
    function write(fd, data, owner) {
        var s = table[fd], n;
        if (s !== void 0 && s[REC_OWNER] !== owner && s[REC_FD] === fd) { throw notOwner(fd, 'write'); }
        if (s !== void 0 && s[REC_QUEUED] === 0 && s[REC_STATE] === 0) {   /* open, nothing queued */
            try {
                n = s[REC_WRITE](fd, data);
            } catch (e) {
                return writeFailed(s, e);
            }
            if (typeof data === 'string') {
                if (n === byteLength(data)) { return 0; }
            } else if (n === data.length) {
                return 0;
            }
            return queueRest(s, data, n);
        }
        return writeQueued(s, fd, data);
    }

    /* native.write threw: bad arguments are the caller's (thrown), as is a
     * fd that is no socket (ENOTSOCK: stdout given to EventLoop.write;
     * nothing queued, nothing closed); an I/O error stops the stream and is
     * reported from the loop. */
    function writeFailed(s, e) {
        if (typeof e !== 'object' || e === null || e.code === void 0 || e.code === 'ENOTSOCK') { throw e; }
        stop(s);
        defer(s, e);
        return 0;
    }

    /* The kernel took n bytes of data, the queue was empty. The rest is
     * queued as a copy (as the C++ engine does: a Buffer changed after
     * write() does not change what is sent; README, "Writing"). */
    function queueRest(s, data, n) {
        var c = toBytes(data), len = c.length, q = s[REC_QUEUE];
        if (n >= len) { return 0; }   /* a string whose byteLength was high */
        try {
            if (typeof data !== 'string') { c = new U8(uncall(subarray, c, n, len)); }
            q[q.length] = c;
        } catch (e) {
            return queueFailed(s, e);
        }
        s[REC_QUEUED] = len - n;
        s[REC_OFFSET] = c.length - s[REC_QUEUED];   /* 0 for a copy */
        setInterest(s);
        return s[REC_QUEUED];
    }

    /* No memory for the queue (the copy, or the queue's array): the
     * stream stops with ENOMEM, reported from the loop as any write error
     * (socket 'error'), never thrown at the writer. */
    function queueFailed(s, e) {
        var err = e;
        stop(s);
        try { err = nerror('ENOMEM', 'write'); } catch (e2) { /* still short: the original error */ }
        defer(s, err);
        return 0;
    }

    /* The native write fast path met a short write, EAGAIN or an error
     * (err): the rest is queued, or the stream stops. -> bytes queued. */
    function fastRest(fd, data, sent, err) {
        var s = table[fd];
        if (s === void 0) { return 0; }
        if (err !== null) { return writeFailed(s, err); }
        return queueRest(s, data, sent);
    }
    function writeMethod(writeSlow, afterQueued) {
        return nwriteMethod(writeSlow, afterQueued, fastRest);
    }
    function writeCap(fd, cap, owner) {
        var s = typeof fd === 'number' ? table[fd] : void 0, n = 0;
        if (s !== void 0 && s[REC_FD] === fd) {
            if (s[REC_OWNER] !== owner) { throw notOwner(fd, 'writeCap'); }
            s[REC_CAP] = typeof cap === 'number' && cap >= 0 ? cap : -1;
            syncFast(s, true);   /* also collects what the fast path took */
            n = s[REC_FAST_BYTES];
            s[REC_FAST_BYTES] = 0;
        }
        return n;
    }

    /* Behind queued bytes, or connecting: to the queue (write interest is
     * on already). */
    function writeQueued(s, fd, data) {
        if (s === void 0 || s[REC_FD] !== fd) {
            checkFd(fd, 'write');
            throw nerror('EBADF', 'stream.write');
        }
        if (s[REC_STATE] === 2) { throw nerror('ENOTCONN', 'stream.write'); }
        var c = toBytes(data), len = c.length, q = s[REC_QUEUE];
        if (s[REC_STATE] > 2 || s[REC_END_PENDING] || len === 0) { return s[REC_QUEUED]; }   /* after end() or an error: ignored */
        try {
            if (typeof data !== 'string') { c = new U8(c); }   /* a copy: see queueRest */
            q[q.length] = c;
        } catch (e) {
            return queueFailed(s, e);
        }
        s[REC_QUEUED] += len;
        return s[REC_QUEUED];
    }

    /* A chunk for the queue: a byte array whose length is its byte count. */
    function toBytes(data) {
        if (typeof data === 'string') { return encode(data); }
        if (data !== null && typeof data === 'object') {
            if (typeof data.length === 'number' && data.BYTES_PER_ELEMENT === 1) { return data; }
            var len = data.byteLength;
            if (typeof len === 'number') {
                return data.buffer !== void 0 ? new U8(data.buffer, data.byteOffset, len) : new U8(data);
            }
        }
        throw new TypeErr('stream.write: data must be a string or a buffer');
    }

    function end(fd, owner) {
        var s = lookup(fd, 'end', owner);
        if (s[REC_STATE] === 0) {
            s[REC_STATE] = 3;
            setInterest(s);   /* the writable event flushes, shuts down, finishes */
        } else if (s[REC_STATE] === 1) {
            s[REC_END_PENDING] = true;
        }
    }

    function pause(fd, owner) {
        var s = lookup(fd, 'pause', owner);
        if (s[REC_STATE] !== 2 && s[REC_READING]) {
            s[REC_READING] = false;
            setInterest(s);
        }
    }

    function resume(fd, owner) {
        var s = lookup(fd, 'resume', owner);
        if (s[REC_STATE] !== 2 && !s[REC_READING]) {
            s[REC_READING] = true;
            setInterest(s);
        }
    }

    /* The record of a stream or listener of owner; else throws EBADF (none)
     * or the TypeError of notOwner. */
    function lookup(fd, name, owner) {
        var s = table[fd];
        if (s === void 0 || s[REC_FD] !== fd) {
            checkFd(fd, name);
            throw nerror('EBADF', 'stream.' + name);
        }
        if (s[REC_OWNER] !== owner) { throw notOwner(fd, name); }
        return s;
    }

    /* The record of fd if owner's, void 0 if fd is no stream (a query's 0);
     * another owner's throws. */
    function ownedOrNone(fd, owner, name) {
        var s = typeof fd === 'number' ? table[fd] : void 0;
        if (s === void 0 || s[REC_FD] !== fd) { return void 0; }
        if (s[REC_OWNER] !== owner) { throw notOwner(fd, name); }
        return s;
    }

    function owns(fd, owner) {
        var s = typeof fd === 'number' ? table[fd] : void 0;
        return s !== void 0 && s[REC_FD] === fd && s[REC_OWNER] === owner && owner !== void 0;
    }

    /* The native close closes only what the loop opened (an adopted fd,
     * stdin given to EventLoop.setReader, stays open: see close_socket). */
    function close(fd, owner) {
        var s = ownedOrNone(fd, owner, 'close');
        if (s === void 0) { return false; }
        table[fd] = void 0;
        inert(s);
        if (s[REC_WATCHED]) {
            s[REC_WATCHED] = false;
            unwatch(fd);
        }
        try {
            nclose(fd);
        } catch (e) {
            /* EBADF: closed behind our back; the stream is gone either way */
        }
        return true;
    }

    /* Closed: no interest, no queue, no pending report, no back-off. */
    function inert(s) {
        s[REC_STATE] = 6;
        s[REC_INTEREST] = 0;
        s[REC_READING] = false;
        s[REC_QUEUE] = [];
        s[REC_HEAD] = 0;
        s[REC_OFFSET] = 0;
        s[REC_QUEUED] = 0;
        s[REC_ERROR] = null;
        s[REC_FAST_CAP] = -1;
        s[REC_CAP] = -1;
        s[REC_ONDATA] = null;
        s[REC_ONDATA_THIS] = null;
        if (s[REC_BACKOFF_TIMER] !== 0) {
            clearTimer(s[REC_BACKOFF_TIMER]);
            s[REC_BACKOFF_TIMER] = 0;
        }
    }

    function queued(fd, owner) {
        var s = ownedOrNone(fd, owner, 'queued');
        return s !== void 0 ? s[REC_QUEUED] : 0;
    }

    /* Loop disposal closes every stream and listener fd. */
    loop.onDispose(function () {
        var fd, s, all = table;
        table = [];
        pending = [];
        for (fd = 0; fd < all.length; fd++) {
            s = all[fd];
            if (s !== void 0) {
                inert(s);
                if (s[REC_WATCHED]) {
                    s[REC_WATCHED] = false;
                    try { unwatch(fd); } catch (e) { /* disposal goes on */ }
                }
                try { nclose(fd); } catch (e2) { /* idem */ }
            }
        }
    });

    function bytesRead(fd, owner) {
        var s = ownedOrNone(fd, owner, 'bytesRead');
        return s !== void 0 ? s[REC_BYTES_READ] : 0;
    }
    /* Data events call fn with this = owner instead of handler(EV_DATA, buf),
     * which does the same thing: one JS call a read less. */
    function ondata(fd, fn, owner) {
        var s = lookup(fd, 'ondata', owner);
        var on = typeof fn === 'function';
        /* bound once here (the original bind): a data event then makes one
         * plain call, with no lookup of a replaceable `call` */
        s[REC_ONDATA] = on ? uncall(bindFn, fn, owner) : null;
        s[REC_ONDATA_THIS] = on ? owner : null;
    }

    var stream = {
        open: open, connect: connect, listen: listen, write: write, end: end,
        pause: pause, resume: resume, close: close, queued: queued,
        bytesRead: bytesRead, owns: owns, ondata: ondata, writeCap: writeCap, writeMethod: writeMethod
    };
    return stream;
})
