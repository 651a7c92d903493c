/*
 *  The net layer, shared by both loops: EventEmitter, net (Server, Socket)
 *  and the seed EventLoop.server/connect/setReader/write/close, on top of the
 *  stream engine (`stream`: native C++ in the C++ loop, JS in the
 *  ECMAScript loop; one interface) and the native primitives (`native`).
 *
 *  Compiled as a function expression and called once, on first use (see
 *  src/install.hpp: the globals `net` and `EventEmitter` are accessors and
 *  the seed EventLoop functions stubs until then), with `env`: the globals
 *  it uses (setTimeout, clearTimeout, Buffer, TextDecoder, Duktape; and
 *  ecma_stream.js: Buffer, TextEncoder) as they
 *  were at install, so scripts that replace them later do not break it;
 *  likewise the built-ins it calls (capture_builtins in
 *  src/embedded_js.hpp): the constructors and Math below shadow the
 *  globals, and prototype methods go through env.call (uncall) or are not
 *  used (arrays grow by index), so a script's polyfill of
 *  Array.prototype.push, Function.prototype.call and the like cannot lose
 *  a queued write, a callback or a byte count. (The rest of the encodings
 *  and isIP still call String.prototype methods.)
 *  Defines no global and touches no EventLoop object: returns its exports,
 *  { net, EventEmitter, server, connect, setReader, write, close }, which
 *  install.hpp puts in place. ES5, strict.
 *
 *  The net layer (EventEmitter, encodings, net) sits in `// @if
 *  defined(EVLOOP_HAVE_NET)` regions: tools/amalgamate.py emits them under
 *  that #if, so an EVLOOP_NO_NET build embeds only the seed API and the
 *  helpers it shares (errors, deferred calls, chunks, closing).
 *
 *  Semantics follow Node.js's net and events modules (see README): events
 *  fire at most once where Node fires them once; 'error' is followed by
 *  'close'(hadError); failures found synchronously (refused at once,
 *  EADDRINUSE) are emitted asynchronously, never thrown.
 *
 *  Asynchronous callbacks ("next tick") go through one queue drained by one
 *  zero-delay timer per batch (defer). A callback that throws is reported by
 *  the loop as any timer callback; the rest of its batch still runs.
 *
 *  Performance notes (Duktape): a JS call costs ~600 instructions,
 *  `arguments` ~11k (not used on hot paths), an outer variable ~350, a
 *  property ~150-300, `undefined` is a global lookup (so `void 0`). The data
 *  path is: the engine counts bytesRead; the stream handler (a closure per
 *  socket) calls socket._ondata(buf), which is the user's 'data' listener itself
 *  when there is exactly one and nothing else to do (flowing, no decoder,
 *  no idle timeout, nothing buffered), else slowData. Socket#write is a
 *  native function from the engine (stream.writeMethod): without encoding
 *  or callback, while the socket is open and not ended (_wfd), it checks
 *  data and cap and sends, with no JS in between (echo benchmark: 7.2k ->
 *  4.4k instructions a round trip); else writeSlow. When _ondata is the user's
 *  listener, stream.ondata tells the engine, and the C++ engine calls it
 *  itself (one JS call a read less; measured ~9.9k -> see bench).
 */
(function (native, stream, env) {
    'use strict';

    var timerSet = env.setTimeout, timerClear = env.clearTimeout;
    var HIGH_WATER_MARK = 16384;
    var DEFAULT_MAX_QUEUED = 64 * 1024 * 1024;
    var BufferCtor = env.Buffer, TextDecoderCtor = env.TextDecoder, Dk = env.Duktape;
    var uncall = env.call, unapply = env.apply, arraySlice = env.slice, arraySplice = env.splice;
    var arrayConcat = env.concat, stringReplace = env.replace, subarray = env.subarray;
    var objectCreate = env.create, defineProperty = env.defineProperty;
    /* the globals of these names, as at install */
    var Error = env.Error, TypeError = env.TypeError, RangeError = env.RangeError, String = env.String;
    var Number = env.Number, Uint8Array = env.Uint8Array, ArrayBuffer = env.ArrayBuffer;
    var Math = { floor: env.floor, ceil: env.ceil, min: env.min };
    var STREAM_OPT = { stream: true };

    function noop() {}

    /* ---- Errors ---- */
    function codeError(Ctor, code, message) {
        var e = new Ctor(message);
        e.code = code;
        return e;
    }
    function argTypeError(name, expected, value) {
        return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" argument must be ' + expected +
            '. Received ' + (value === null ? 'null' : typeof value));
    }
    function sysError(code, syscall) {
        try {
            return native.error(code, syscall);
        } catch (e) {
            return codeError(Error, code, syscall + ' ' + code);
        }
    }

    /* ---- Deferred calls ("next tick"): fn(a, b), in order ---- */
    var tickQueue = [], tickArmed = false;

    function runTicks() {
        var q = tickQueue, i = 0, n = q.length;
        tickQueue = [];
        tickArmed = false;
        try {
            for (; i < n; i += 3) {
                q[i](q[i + 1], q[i + 2]);
            }
        } catch (e) {
            /* Keep the rest (before what was deferred meanwhile), then let
             * the loop report the error. */
            i += 3;
            if (i < n) {
                tickQueue = uncall(arrayConcat, uncall(arraySlice, q, i), tickQueue);
            }
            if (tickQueue.length && !tickArmed) {
                tickArmed = true;
                timerSet(runTicks, 0);
            }
            throw e;
        }
    }
    function defer(fn, a, b) {
        var q = tickQueue, n = q.length;
        q[n] = fn;
        q[n + 1] = a;
        q[n + 2] = b;
        if (!tickArmed) {
            tickArmed = true;
            timerSet(runTicks, 0);
        }
    }
    function callWith(cb, err) {
        cb(err);
    }

    // @if defined(EVLOOP_HAVE_NET)
    /* ---- EventEmitter ----
     * Listeners live in this._events (a null-prototype object, created
     * lazily): a function for one listener, an array for more. A `once`
     * listener is a wrapper with .listener. The emitting functions copy an
     * array before calling, so listeners added or removed during an emit
     * take effect on the next one (as Node). */
    function EventEmitter() {
        /* as Node's init: keep listeners added before the constructor ran */
        if (this._events === void 0 || this._events === env.getPrototypeOf(this)._events) {
            this._events = null;
        }
    }
    var EE = EventEmitter.prototype;
    EE._events = null;
    EE._maxListeners = void 0;
    EventEmitter.EventEmitter = EventEmitter;
    EventEmitter.defaultMaxListeners = 10;

    function checkListener(fn) {
        if (typeof fn !== 'function') {
            throw argTypeError('listener', 'of type function', fn);
        }
    }
    function unhandled(er) {
        if (er instanceof Error) {
            return er;
        }
        var e = codeError(Error, 'ERR_UNHANDLED_ERROR', 'Unhandled error.' + (er === void 0 ? '' : ' (' + String(er) + ')'));
        e.context = er;
        return e;
    }
    function addListener(em, type, fn, prepend) {
        checkListener(fn);
        var ev = em._events, cur;
        if (ev === null || ev === void 0) {
            ev = em._events = objectCreate(null);
        } else if (ev.newListener !== void 0) {
            emitSlow(em, 'newListener', type, fn.listener ? fn.listener : fn, 2);
            ev = em._events;
        }
        cur = ev[type];
        if (cur === void 0) {
            ev[type] = fn;
        } else if (typeof cur === 'function') {
            ev[type] = prepend ? [fn, cur] : [cur, fn];
        } else if (prepend) {
            ev[type] = uncall(arrayConcat, [fn], cur);   /* an emit in progress has its own copy */
        } else {
            cur[cur.length] = fn;
        }
        if (em._listenHook !== void 0) {
            em._listenHook(type, true);
        }
        return em;
    }
    function onceWrapper(em, type, fn) {
        var fired = false;
        var w = function () {
            if (!fired) {
                fired = true;
                em.removeListener(type, w);
                return unapply(fn, this, arguments);
            }
        };
        w.listener = fn;
        return w;
    }
    /* Calls the listeners with n (0..3) arguments, without `arguments`. */
    function emitSlow(em, type, a, b, n) {
        var ev = em._events, h = ev !== null && ev !== void 0 ? ev[type] : void 0, i, len;
        if (h === void 0) {
            if (type === 'error') {
                throw unhandled(a);
            }
            return false;
        }
        if (typeof h === 'function') {
            if (n === 0) { uncall(h, em); } else if (n === 1) { uncall(h, em, a); } else { uncall(h, em, a, b); }
            return true;
        }
        h = uncall(arraySlice, h);
        for (i = 0, len = h.length; i < len; i++) {
            if (n === 0) { uncall(h[i], em); } else if (n === 1) { uncall(h[i], em, a); } else { uncall(h[i], em, a, b); }
        }
        return true;
    }
    /* Internal emits: through an overridden emit when there is one. */
    function emit0(em, type) {
        if (em.emit !== EE.emit) { return em.emit(type); }
        return emitSlow(em, type, void 0, void 0, 0);
    }
    function emit1(em, type, a) {
        if (em.emit !== EE.emit) { return em.emit(type, a); }
        return emitSlow(em, type, a, void 0, 1);
    }

    EE.emit = function (type) {
        var n = arguments.length, ev = this._events, h, args, i, len;
        h = ev !== null && ev !== void 0 ? ev[type] : void 0;
        if (h === void 0) {
            if (type === 'error') {
                throw unhandled(arguments[1]);
            }
            return false;
        }
        if (n <= 3) {
            if (typeof h === 'function') {
                if (n <= 1) { uncall(h, this); } else if (n === 2) { uncall(h, this, arguments[1]); } else { uncall(h, this, arguments[1], arguments[2]); }
                return true;
            }
        }
        args = uncall(arraySlice, arguments, 1);
        if (typeof h === 'function') {
            unapply(h, this, args);
            return true;
        }
        h = uncall(arraySlice, h);
        for (i = 0, len = h.length; i < len; i++) {
            unapply(h[i], this, args);
        }
        return true;
    };
    EE.on = EE.addListener = function (type, fn) {
        return addListener(this, type, fn, false);
    };
    EE.prependListener = function (type, fn) {
        return addListener(this, type, fn, true);
    };
    EE.once = function (type, fn) {
        checkListener(fn);
        return addListener(this, type, onceWrapper(this, type, fn), false);
    };
    EE.prependOnceListener = function (type, fn) {
        checkListener(fn);
        return addListener(this, type, onceWrapper(this, type, fn), true);
    };
    EE.off = EE.removeListener = function (type, fn) {
        checkListener(fn);
        var ev = this._events, h, i, found = null;
        h = ev !== null && ev !== void 0 ? ev[type] : void 0;
        if (h === void 0) {
            return this;
        }
        if (typeof h === 'function') {
            if (h !== fn && h.listener !== fn) {
                return this;
            }
            found = h;
            delete ev[type];
        } else {
            for (i = h.length - 1; i >= 0; i--) {
                if (h[i] === fn || h[i].listener === fn) {
                    found = h[i];
                    break;
                }
            }
            if (found === null) {
                return this;
            }
            if (h.length === 2) {
                ev[type] = h[1 - i];
            } else {
                h = uncall(arraySlice, h);   /* an emit in progress keeps its own copy anyway */
                uncall(arraySplice, h, i, 1);
                ev[type] = h;
            }
        }
        if (this._listenHook !== void 0) {
            this._listenHook(type, false);
        }
        if (ev.removeListener !== void 0) {
            emitSlow(this, 'removeListener', type, found.listener ? found.listener : found, 2);
        }
        return this;
    };
    EE.removeAllListeners = function (type) {
        var ev = this._events, keys, i, h;
        if (ev === null || ev === void 0) {
            return this;
        }
        if (ev.removeListener === void 0) {
            if (type === void 0) {
                this._events = null;
            } else {
                delete ev[type];
            }
        } else if (type === void 0) {
            keys = env.keys(ev);
            for (i = 0; i < keys.length; i++) {
                if (keys[i] !== 'removeListener') {
                    this.removeAllListeners(keys[i]);
                }
            }
            this.removeAllListeners('removeListener');
            this._events = null;
        } else {
            h = ev[type];
            if (typeof h === 'function') {
                this.removeListener(type, h);
            } else if (h !== void 0) {
                for (i = h.length - 1; i >= 0; i--) {
                    this.removeListener(type, h[i]);
                }
            }
            return this;
        }
        if (this._listenHook !== void 0) {
            this._listenHook(type, false);
        }
        return this;
    };
    EE.listenerCount = function (type) {
        var ev = this._events, h = ev !== null && ev !== void 0 ? ev[type] : void 0;
        return h === void 0 ? 0 : typeof h === 'function' ? 1 : h.length;
    };
    EE.rawListeners = function (type) {
        var ev = this._events, h = ev !== null && ev !== void 0 ? ev[type] : void 0;
        return h === void 0 ? [] : typeof h === 'function' ? [h] : uncall(arraySlice, h);
    };
    EE.listeners = function (type) {
        var l = this.rawListeners(type), i;
        for (i = 0; i < l.length; i++) {
            if (l[i].listener) { l[i] = l[i].listener; }
        }
        return l;
    };
    EE.eventNames = function () {
        var ev = this._events;
        return ev !== null && ev !== void 0 ? env.keys(ev) : [];
    };
    EE.setMaxListeners = function (n) {
        if (typeof n !== 'number' || !(n >= 0)) {
            throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "n" is out of range. It must be a non-negative number. Received ' + String(n));
        }
        this._maxListeners = n;
        return this;
    };
    EE.getMaxListeners = function () {
        return this._maxListeners === void 0 ? EventEmitter.defaultMaxListeners : this._maxListeners;
    };
    EventEmitter.listenerCount = function (em, type) {
        return em.listenerCount(type);
    };

    /* ---- Encodings (setEncoding, write(string, encoding)) ---- */
    function normEncoding(enc) {
        var e = String(enc).toLowerCase();
        if (e === 'utf8' || e === 'utf-8') { return 'utf8'; }
        if (e === 'latin1' || e === 'binary') { return 'latin1'; }
        if (e === 'hex' || e === 'base64' || e === 'ascii') { return e; }
        throw codeError(TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' + String(enc));
    }
    function bytesToString(buf, enc, start, end) {
        var s = '', i, j, chunk;
        if (enc === 'hex' || enc === 'base64') {
            return String(Dk.enc(enc, uncall(subarray, buf, start, end)));
        }
        for (i = start; i < end; i += 4096) {
            chunk = uncall(subarray, buf, i, Math.min(end, i + 4096));
            if (enc === 'ascii') {
                chunk = new Uint8Array(chunk);
                for (j = 0; j < chunk.length; j++) { chunk[j] &= 0x7f; }
            }
            s += unapply(env.fromCharCode, null, chunk);
        }
        return s;
    }
    function stringToBytes(str, enc) {
        var out, i, n;
        if (enc === 'hex') {
            n = str.length - (str.length % 2);
            return new Uint8Array(Dk.dec('hex', str.substring(0, n)));
        }
        if (enc === 'base64') {
            str = str.replace(/[^A-Za-z0-9+\/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
            while (str.length % 4) { str += '='; }
            return new Uint8Array(Dk.dec('base64', str));
        }
        out = new Uint8Array(str.length);
        for (i = 0; i < str.length; i++) { out[i] = str.charCodeAt(i) & 0xff; }
        return out;
    }
    /* A decoder for setEncoding: decode(buf) -> string (stream mode),
     * end() -> the rest. */
    function Decoder(enc) {
        this.enc = enc;
        this.td = null;
        this.rest = null;
        if (enc === 'utf8' && typeof TextDecoderCtor === 'function') {
            this.td = new TextDecoderCtor('utf-8');
        }
    }
    Decoder.prototype.decode = function (buf) {
        var enc = this.enc, r, n, keep;
        if (this.td !== null) { return this.td.decode(buf, STREAM_OPT); }
        if (enc === 'utf8') { return String(buf); }
        if (enc === 'base64') {
            if (this.rest !== null) {
                r = new Uint8Array(this.rest.length + buf.length);
                r.set(this.rest, 0);
                r.set(buf, this.rest.length);
                buf = r;
                this.rest = null;
            }
            n = buf.length;
            keep = n % 3;
            if (keep) { this.rest = new Uint8Array(uncall(subarray, buf, n - keep, n)); }
            return bytesToString(buf, enc, 0, n - keep);
        }
        return bytesToString(buf, enc, 0, buf.length);
    };
    Decoder.prototype.end = function () {
        var r;
        if (this.td !== null) { return this.td.decode(); }
        if (this.rest !== null) {
            r = this.rest;
            this.rest = null;
            return bytesToString(r, this.enc, 0, r.length);
        }
        return '';
    };

    // @endif

    /* ---- Helpers ---- */
    /* Every stream call names its owner (the socket, server or seed entry it
     * acts for: see src/stream.hpp); the engine refuses another's fd. */
    function closeFd(fd, owner) {
        try {
            if (!stream.close(fd, owner)) { native.close(fd); }
        } catch (e) { /* already gone */ }
    }
    function closeRaw(fd) {
        try { native.close(fd); } catch (e) { /* already gone */ }
    }
    // @if defined(EVLOOP_HAVE_NET)
    function toPort(port) {
        var p = port;
        if (typeof p === 'string' && /^\s*(0x[0-9a-fA-F]+|\d+)\s*$/.test(p)) { p = Number(p); }
        if (typeof p !== 'number' || p % 1 !== 0 || p < 0 || p > 65535) {
            throw codeError(RangeError, 'ERR_SOCKET_BAD_PORT', 'Port should be >= 0 and < 65536. Received ' +
                (typeof port === 'string' ? "'" + port + "'" : String(port)) + '.');
        }
        return p;
    }
    /* A NUL would cut the name the resolver gets: refused as Node refuses
     * one in a path (thrown, as other argument errors). */
    var NULS = /\u0000/g;
    function checkHost(host, name) {
        if (uncall(stringReplace, host, NULS, '').length !== host.length) {
            throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'The argument \'' + name + '\' must be a string without null bytes');
        }
    }
    function maxQueuedOption(v, name) {
        if (v === void 0 || v === null) { return void 0; }
        if (typeof v !== 'number' || !(v >= 0)) {
            throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "' + name + '" is out of range. It must be a non-negative number. Received ' + String(v));
        }
        return v;
    }
    // @endif
    /* Bytes of a string as written (UTF-8). Duktape's Buffer.byteLength
     * counts a surrogate pair as 6 bytes (its internal CESU-8); the native
     * write sends it as 4. */
    var SURROGATE_PAIRS = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
    function utf8Length(str) {
        var n = BufferCtor.byteLength(str);
        if (n !== str.length) {   /* 2 bytes less a pair; each pair becomes one character */
            n -= 2 * (str.length - uncall(stringReplace, str, SURROGATE_PAIRS, '.').length);
        }
        return n;
    }
    /* A chunk as the engine takes it: a string, or a view of bytes (any
     * typed array, DataView or ArrayBuffer becomes a Uint8Array over the
     * same bytes, as Node writes their bytes); null when it is neither. */
    function chunkOf(data) {
        if (typeof data === 'string') { return data; }
        if (data !== null && typeof data === 'object') {
            if (env.isView(data)) {
                return data.BYTES_PER_ELEMENT === 1 ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
            }
            if (data instanceof ArrayBuffer) { return new Uint8Array(data); }
        }
        return null;
    }
    /* net.maxQueuedBytes caps the seed API's write queues too; without the
     * net layer (EVLOOP_NO_NET) it stays at its default. */
    var net = {};
    net.maxQueuedBytes = DEFAULT_MAX_QUEUED;

    // @if defined(EVLOOP_HAVE_NET)
    /* ---- net.Socket ---- */

    function Socket(options) {
        if (!(this instanceof Socket)) { return new Socket(options); }
        var s = this, maxQ;
        if (options === void 0 || options === null) {
            options = {};
        } else if (typeof options !== 'object') {
            throw argTypeError('options', 'of type object', options);
        }
        maxQ = maxQueuedOption(options.maxQueuedBytes, 'options.maxQueuedBytes');
        if (maxQ === void 0) { maxQ = net.maxQueuedBytes; }
        /* the hot fields first */
        s._ondata = slowData;
        s._direct = null;     /* the data fn the engine was told to call (stream.ondata) */
        s._br = 0;            /* bytes read, once the fd is gone */
        s._wfd = -1;          /* _fd while the engine's write fast path is on for it, else -1 */
        s._fd = -1;
        s._bw = 0;            /* bytes written, but for what the fast path took since writeCap */
        s._events = null;
        s._queued = 0;
        s._maxQ = maxQ;
        s._flowing = null;
        s._reading = false;
        s.destroyed = false;
        s.connecting = false;
        s.allowHalfOpen = !!options.allowHalfOpen;
        if (typeof options.highWaterMark === 'number' && options.highWaterMark >= 0) {
            s._hwm = options.highWaterMark;
        }
        if (typeof options.fd === 'number') {
            attach(s, options.fd, true);
            setRemote(s, peername(options.fd));
        }
    }
    Socket.prototype = objectCreate(EE);
    Socket.prototype.constructor = Socket;
    var SP = Socket.prototype;
    /* rarely set state: defaults on the prototype */
    SP._hwm = HIGH_WATER_MARK;
    SP._needDrain = false;
    SP._wcbs = null;      /* write callbacks waiting for the queue to drain */
    SP._endCbs = null;    /* end() callbacks waiting for 'finish' */
    SP._pre = null;       /* [data, cb, ...] written before there was an fd */
    SP._rbuf = null;      /* chunks read while not flowing */
    SP._readEnded = false;
    SP._endEmitted = false;
    SP._ended = false;
    SP._finished = false;
    SP._decoder = null;
    SP._idleMs = 0;
    SP._idleTimer = null;
    SP._idleFn = null;
    SP._lastActive = 0;
    SP._server = null;
    SP._local = null;
    SP._noDelay = null;
    SP._keepAlive = null;
    SP._keepAliveDelay = 0;
    SP.server = null;
    SP.remoteAddress = void 0;
    SP.remotePort = void 0;
    SP.remoteFamily = void 0;

    function peername(fd) {
        try { return native.peername(fd); } catch (e) { return null; }
    }
    function setRemote(s, p) {
        if (p) {
            s.remoteAddress = p.address;
            s.remotePort = p.port;
            s.remoteFamily = p.family;
        }
    }

    /* The stream handler of a socket: data straight to _ondata. */
    function makeHandler(s) {
        return function (ev, arg) {
            var x = s;
            if (ev === EV_DATA) {
                x._ondata(arg);
                return;
            }
            onStreamEvent(x, ev, arg);
        };
    }
    function attach(s, fd, reading) {
        stream.open(fd, makeHandler(s), reading, s);
        s._fd = fd;
        s._reading = reading;
        s._direct = null;
        refreshWrite(s);
        hintData(s);
    }
    /* Tells the engine when data may go straight to the user's listener
     * (this = the socket), as the handler would call it: the C++ engine
     * then saves a JS call a read. */
    function hintData(s) {
        var fn = s._ondata;
        if (fn === slowData || fn === noop) { fn = null; }
        if (s._fd >= 0 && fn !== s._direct) {
            s._direct = fn;
            stream.ondata(s._fd, fn, s);
        }
    }
    /* The write fast path (in the engine's Socket#write: it checks the data
     * and the cap) is on while the socket is open, not ended, without an idle
     * timeout and with nothing kept for connect. Called when any of these
     * changes; collects the bytes the fast path took into _bw. */
    function refreshWrite(s) {
        var fd = s._fd >= 0 && !s.connecting && !s._ended && !s.destroyed && s._idleMs === 0 && s._pre === null ? s._fd : -1;
        if (fd !== s._wfd) {
            if (s._wfd >= 0) { s._bw += stream.writeCap(s._wfd, -1, s); }
            if (fd >= 0) { stream.writeCap(fd, s._maxQ, s); }
            s._wfd = fd;
        }
    }
    function refreshData(s) {
        var ev = s._events, fn = ev !== null && ev !== void 0 ? ev.data : void 0;
        if (s.destroyed) {
            s._ondata = noop;
        } else if (typeof fn === 'function' && s._flowing === true && s._decoder === null && s._idleMs === 0 &&
                s._rbuf === null && s.emit === EE.emit) {
            s._ondata = fn;
        } else {
            s._ondata = slowData;
        }
        hintData(s);
    }
    function startReading(s) {
        if (!s._reading && s._fd >= 0 && !s.connecting && !s._readEnded && !s.destroyed) {
            s._reading = true;
            stream.resume(s._fd, s);
        }
    }
    function stopReading(s) {
        if (s._reading) {
            s._reading = false;
            if (s._fd >= 0) { stream.pause(s._fd, s); }
        }
    }
    function emitData(s, chunk) {
        var ev = s._events, h = ev !== null && ev !== void 0 ? ev.data : void 0;
        if (s.emit !== EE.emit) {
            s.emit('data', chunk);
        } else if (typeof h === 'function') {
            uncall(h, s, chunk);
        } else if (h !== void 0) {
            emitSlow(s, 'data', chunk, void 0, 1);
        }
    }
    /* A chunk (decoded) either goes to the listeners or waits. */
    function pushChunk(s, chunk) {
        if (s._flowing === true && s._rbuf === null) {
            emitData(s, chunk);
        } else {
            if (s._rbuf === null) {
                s._rbuf = [chunk];
                refreshData(s);
            } else {
                s._rbuf[s._rbuf.length] = chunk;
            }
            stopReading(s);
        }
    }
    /* `this` is the socket: the data path when the fast one does not apply. */
    function slowData(buf) {
        var s = this;
        if (s.destroyed) { return; }
        if (s._idleMs !== 0) { touch(s); }
        if (s._flowing === true && s._rbuf === null) {
            if (s._decoder !== null) {
                buf = s._decoder.decode(buf);
                if (buf === '') { return; }
            }
            emitData(s, buf);
            return;
        }
        pushChunk(s, buf);   /* raw: decoded when it is delivered */
    }
    function flushBuffered(s) {
        var b = s._rbuf, c;
        while (b !== null && b.length > 0 && s._flowing === true && !s.destroyed) {
            c = b[0];
            uncall(arraySplice, b, 0, 1);
            if (typeof c !== 'string' && s._decoder !== null) {
                c = s._decoder.decode(c);
                if (c === '') { b = s._rbuf; continue; }
            }
            emitData(s, c);
            b = s._rbuf;
        }
        if (s.destroyed || s._flowing !== true) { return; }
        if (s._rbuf !== null && s._rbuf.length === 0) {
            s._rbuf = null;
            refreshData(s);
        }
        if (s._rbuf !== null) { return; }
        if (s._readEnded) {
            finishRead(s);
        } else {
            startReading(s);
        }
    }
    function onStreamEvent(s, ev, arg) {
        if (s.destroyed) { return; }
        if (ev === EV_DRAIN) {
            onDrain(s);
        } else if (ev === EV_END) {
            onEof(s);
        } else if (ev === EV_ERROR) {
            s.destroy(arg);
        } else if (ev === EV_FINISH) {
            onFinish(s);
        } else if (ev === EV_CONNECT) {
            onConnect(s, arg);
        }
    }
    function onDrain(s) {
        var cbs = s._wcbs;
        s._queued = 0;
        if (cbs !== null) {
            s._wcbs = null;
            callAll(cbs, null);
        }
        if (s._needDrain && !s.destroyed) {
            s._needDrain = false;
            emit0(s, 'drain');
        }
    }
    /* Calls each cb(err); one that throws leaves the rest to a later tick. */
    function callAll(cbs, err) {
        var i = 0, n = cbs.length;
        try {
            for (; i < n; i++) { cbs[i](err); }
        } catch (e) {
            for (i += 1; i < n; i++) { defer(callWith, cbs[i], err); }
            throw e;
        }
    }
    function onEof(s) {
        s._readEnded = true;
        s._reading = false;
        if (s._rbuf === null) { finishRead(s); }
        /* else 'end' once the buffered data is read (flushBuffered) */
    }
    /* End of stream, nothing buffered: the decoder's rest (a second end()
     * returns ''), then 'end'. */
    function finishRead(s) {
        var rest;
        if (s._decoder !== null) {
            rest = s._decoder.end();
            if (rest !== '') {
                pushChunk(s, rest);
                if (s._rbuf !== null) { return; }
            }
        }
        emitEnd(s);
    }
    function emitEnd(s) {
        if (s._endEmitted || s.destroyed) { return; }
        s._endEmitted = true;
        try {
            emit0(s, 'end');
        } finally {
            if (!s.destroyed) {
                if (!s._ended) {
                    if (!s.allowHalfOpen) { s.end(); }
                } else if (s._finished) {
                    s.destroy();
                }
            }
        }
    }
    function onFinish(s) {
        var cbs = s._endCbs;
        s._finished = true;
        try {
            if (cbs !== null) {
                s._endCbs = null;
                callAll(cbs, void 0);
            }
            emit0(s, 'finish');
        } finally {
            if (!s.destroyed && s._endEmitted) { s.destroy(); }
        }
    }
    function onConnect(s, err) {
        var fd = s._fd;
        if (err !== null && err !== void 0) {
            s.destroy(err);
            return;
        }
        s.connecting = false;
        setRemote(s, peername(fd));
        applyOptions(s);
        refreshWrite(s);
        if (s._ended) { stream.end(fd, s); }
        if (s._flowing !== false) { startReading(s); }
        if (s._idleMs !== 0) { touch(s); }
        emit0(s, 'connect');
        if (!s.destroyed) { emit0(s, 'ready'); }
    }
    function applyOptions(s) {
        var fd = s._fd;
        try {
            if (s._noDelay !== null) { native.setNoDelay(fd, s._noDelay); }
            if (s._keepAlive !== null) { native.setKeepAlive(fd, s._keepAlive, s._keepAliveDelay); }
        } catch (e) { /* as Node: option failures are not errors */ }
    }

    /* ---- idle timeout ---- */
    function touch(s) {
        s._lastActive = native.now();
        if (s._idleTimer === null && s._idleMs !== 0 && !s.destroyed) {
            s._idleTimer = timerSet(s._idleFn, s._idleMs);
        }
    }
    function onIdle(s) {
        var left;
        s._idleTimer = null;
        if (s.destroyed || s._idleMs === 0) { return; }
        left = s._lastActive + s._idleMs - native.now();
        if (left > 0) {
            s._idleTimer = timerSet(s._idleFn, Math.ceil(left));
            return;
        }
        /* fires once; the next activity arms it again (as Node) */
        emit0(s, 'timeout');
    }
    SP.setTimeout = function (ms, cb) {
        var s = this;
        fdOf(s);
        if (typeof ms !== 'number') { ms = Number(ms); }
        if (!(ms >= 0)) {
            throw codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "msecs" is out of range. It must be a non-negative number. Received ' + String(ms));
        }
        if (ms === Infinity) { ms = 0; }
        if (cb !== void 0 && cb !== null) { checkListener(cb); }
        if (s._idleTimer !== null) {
            timerClear(s._idleTimer);
            s._idleTimer = null;
        }
        if (ms === 0) {
            s._idleMs = 0;
            if (cb) { s.removeListener('timeout', cb); }
        } else {
            s._idleMs = ms;
            if (s._idleFn === null) {
                s._idleFn = function () { onIdle(s); };
            }
            if (cb) { s.once('timeout', cb); }
            if (!s.destroyed) { touch(s); }
        }
        refreshWrite(s);
        refreshData(s);
        return s;
    };
    defineProperty(SP, 'timeout', {
        get: function () { return this._idleMs === 0 ? void 0 : this._idleMs; },
        configurable: true, enumerable: false
    });

    /* ---- writing ---- */
    function afterQueued(s, q) {
        s._queued = q;
        if (q >= s._hwm) {
            s._needDrain = true;
            return false;
        }
        return true;
    }
    /* Socket#write is native, from the engine: its fast path sends while
     * _wfd >= 0 (see refreshWrite), the rest comes here. */
    SP.write = stream.writeMethod(writeSlow, afterQueued);
    /* The fd of socket s for a method called on it: -1 (none), or an fd
     * whose stream the engine keeps for s (stream.owns: state no script can
     * change), with _wfd -1 or the same fd. Anything else (a field copied
     * from another socket, a forged object, a destroyed socket given an fd)
     * is a TypeError, Node's ERR_INVALID_THIS, thrown before any state
     * changes. The native Socket#write checks its `this` the same way. */
    function fdOf(s) {
        var fd = s._fd, w = s._wfd;
        if ((fd === -1 || stream.owns(fd, s)) && (w === -1 || w === fd)) { return fd; }
        throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type Socket');
    }
    function writeSlow(s, data, encoding, cb) {
        var n, q, err, cbs, fd = s._fd, c = s._wfd;
        /* No stream.owns call on the common path: it cost ~2.5k
         * instructions a string write (callgrind, 20k writes of 'hello');
         * the engine calls below name s and check it natively. A _wfd other
         * than the socket's own _fd is refused at once, and so is any
         * forged fd on the rare paths that make no engine call. */
        if (c !== fd && c !== -1) { fdOf(s); }
        if (typeof encoding === 'function') {
            cb = encoding;
            encoding = void 0;
        }
        if (cb === null) { cb = void 0; }
        if (cb !== void 0 && typeof cb !== 'function') {
            throw argTypeError('cb', 'of type function', cb);
        }
        if (typeof data === 'string' && encoding !== void 0 && encoding !== null) {
            encoding = normEncoding(encoding);
            if (encoding !== 'utf8') { data = stringToBytes(data, encoding); }
        }
        c = chunkOf(data);
        if (c === null) {
            throw argTypeError('chunk', 'of type string or an instance of Buffer, TypedArray or DataView', data);
        }
        data = c;
        n = typeof data === 'string' ? utf8Length(data) : data.length;
        if (s.destroyed) {
            fdOf(s);
            if (cb !== void 0) { defer(callWith, cb, codeError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed')); }
            return false;
        }
        if (s._ended) {
            err = s._readEnded && !s.allowHalfOpen ?
                codeError(Error, 'EPIPE', 'This socket has been ended by the other party') :
                codeError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
            if (cb !== void 0) { defer(callWith, cb, err); }
            s.destroy(err);
            return false;
        }
        if (fd < 0 || s._pre !== null) {
            fdOf(s);
            if (!s.connecting) {
                err = codeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed');
                if (cb !== void 0) { defer(callWith, cb, err); }
                s.destroy(err);
                return false;
            }
            /* no fd yet: keep it for connect */
            q = s._queued + n;
            if (q > s._maxQ) { return overCap(s, cb); }
            if (s._pre === null) { s._pre = []; refreshWrite(s); }
            if (typeof data !== 'string') { data = new Uint8Array(data); }   /* a copy, as the engines queue */
            c = s._pre;
            c[c.length] = data;
            c[c.length] = cb;
            c[c.length] = n;
            s._queued = q;
            s._bw += n;
            if (q >= s._hwm) { s._needDrain = true; return false; }
            return true;
        }
        q = s._queued === 0 ? 0 : stream.queued(fd, s);
        if (q + n > s._maxQ) { return overCap(s, cb); }
        if (s._idleMs !== 0) { touch(s); }
        q = stream.write(fd, data, s);
        s._bw += n;
        if (cb !== void 0) {
            if (q === 0) {
                cbs = s._wcbs;
                if (cbs !== null) {
                    s._wcbs = null;
                    for (n = 0; n < cbs.length; n++) { defer(callWith, cbs[n], null); }
                }
                defer(callWith, cb, null);
            } else if (s._wcbs === null) {
                s._wcbs = [cb];
            } else {
                s._wcbs[s._wcbs.length] = cb;
            }
        }
        return afterQueued(s, q);
    }
    function overCap(s, cb) {
        var err = sysError('ENOBUFS', 'write');
        if (cb !== void 0) { defer(callWith, cb, err); }
        s.destroy(err);
        return false;
    }
    /* The writes made before connect had an fd go to the stream. */
    function flushPre(s) {
        var pre = s._pre, i, q = 0, cb;
        if (pre === null) { return; }
        s._pre = null;
        for (i = 0; i < pre.length; i += 3) {
            q = stream.write(s._fd, pre[i], s);
            cb = pre[i + 1];
            if (cb !== void 0) {
                if (s._wcbs === null) { s._wcbs = [cb]; } else { s._wcbs[s._wcbs.length] = cb; }
            }
        }
        s._queued = q;
        if (q === 0 && s._wcbs !== null) {
            /* the engine took it all at once: no drain event will come */
            pre = s._wcbs;
            s._wcbs = null;
            for (i = 0; i < pre.length; i++) { defer(callWith, pre[i], null); }
        }
        refreshWrite(s);
    }

    SP.end = function (data, encoding, cb) {
        var s = this;
        fdOf(s);
        if (typeof data === 'function') {
            cb = data;
            data = void 0;
        } else if (typeof encoding === 'function') {
            cb = encoding;
            encoding = void 0;
        }
        if (data !== void 0 && data !== null) {
            s.write(data, encoding);
        }
        if (typeof cb === 'function') {
            if (s._finished) {
                defer(callWith, cb, void 0);
            } else if (s.destroyed) {
                defer(callWith, cb, codeError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call end after a stream was destroyed'));
            } else if (s._endCbs === null) {
                s._endCbs = [cb];
            } else {
                s._endCbs[s._endCbs.length] = cb;
            }
        }
        if (s._ended || s.destroyed) { return s; }
        s._ended = true;
        refreshWrite(s);
        if (s._fd >= 0 && !s.connecting) {
            stream.end(s._fd, s);
        }
        /* else: connect ends it */
        return s;
    };

    SP.destroy = function (err) {
        var s = this, fd = fdOf(s), cbs, pre, i, srv, derr;
        if (s.destroyed) { return s; }
        s.destroyed = true;
        s.connecting = false;
        refreshWrite(s);
        s._reading = false;
        s._ondata = noop;
        if (s._idleTimer !== null) {
            timerClear(s._idleTimer);
            s._idleTimer = null;
        }
        if (fd >= 0) {
            s._br = stream.bytesRead(fd, s);
            s._fd = -1;
            s._direct = null;
            closeFd(fd, s);
        }
        s._rbuf = null;
        cbs = s._wcbs;
        pre = s._pre;
        s._wcbs = null;
        s._pre = null;
        if (cbs !== null || pre !== null) {
            derr = codeError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed');
            for (i = 0; cbs !== null && i < cbs.length; i++) { defer(callWith, cbs[i], derr); }
            for (i = 1; pre !== null && i < pre.length; i += 3) {
                if (pre[i] !== void 0) { defer(callWith, pre[i], derr); }
            }
        }
        cbs = s._endCbs;
        if (cbs !== null) {
            s._endCbs = null;
            derr = err !== void 0 && err !== null ? err : codeError(Error, 'ERR_STREAM_DESTROYED', 'Cannot call end after a stream was destroyed');
            for (i = 0; i < cbs.length; i++) { defer(callWith, cbs[i], derr); }
        }
        if (err !== void 0 && err !== null) {
            defer(emitErrorNT, s, err);
        }
        defer(emitCloseNT, s, err !== void 0 && err !== null);
        srv = s._server;
        if (srv !== null) {
            s._server = null;
            srv._connections--;
            srv._emitCloseIfDrained();
        }
        return s;
    };
    function emitErrorNT(s, err) {
        emit1(s, 'error', err);
    }
    function emitCloseNT(s, hadError) {
        emit1(s, 'close', hadError);
    }
    function destroyNT(s, err) {
        s.destroy(err);
    }
    SP.destroySoon = function () {
        if (!this._ended) { this.end(); }
        if (this._finished) { this.destroy(); }
        else { this.once('finish', this.destroy); }
    };
    /* Node sends a RST (SO_LINGER 0); here the close sends one only when
     * received bytes are left unread (the kernel's rule), else a FIN. */
    SP.resetAndDestroy = function () {
        if (this._fd >= 0) { return this.destroy(); }
        return this.destroy(codeError(Error, 'ERR_SOCKET_CLOSED', 'Socket is closed'));
    };

    /* ---- reading control ---- */
    SP.pause = function () {
        var s = this;
        fdOf(s);
        s._flowing = false;
        refreshData(s);
        stopReading(s);
        return s;
    };
    SP.resume = function () {
        var s = this;
        fdOf(s);
        if (s.destroyed) { return s; }
        s._flowing = true;
        refreshData(s);
        if (s._rbuf !== null) {
            defer(flushBuffered, s);
        } else if (!s._readEnded) {
            if (!s.connecting) { startReading(s); }
        }
        return s;
    };
    SP.isPaused = function () {
        return this._flowing === false;
    };
    SP.setEncoding = function (enc) {
        var s = this;
        fdOf(s);
        s._decoder = new Decoder(enc === void 0 || enc === null ? 'utf8' : normEncoding(enc));
        refreshData(s);
        return s;
    };
    /* Node: a 'data' listener starts the flow unless paused explicitly. */
    SP._listenHook = function (type, added) {
        if (type === 'data' || type === void 0) {
            if (added && this._flowing !== false && !this.destroyed) {
                this.resume();
            } else {
                refreshData(this);
            }
        }
    };

    /* ---- options, addresses, state ---- */
    SP.setNoDelay = function (enable) {
        var s = this, fd = fdOf(s);
        s._noDelay = enable === void 0 ? true : !!enable;
        if (fd >= 0 && !s.connecting) {
            try { native.setNoDelay(fd, s._noDelay); } catch (e) { /* as Node */ }
        }
        return s;
    };
    SP.setKeepAlive = function (enable, initialDelay) {
        var s = this, d = +initialDelay, fd = fdOf(s);
        s._keepAlive = !!enable;
        s._keepAliveDelay = d > 0 ? Math.floor(d / 1000) : 0;
        if (fd >= 0 && !s.connecting) {
            try { native.setKeepAlive(fd, s._keepAlive, s._keepAliveDelay); } catch (e) { /* as Node */ }
        }
        return s;
    };
    SP.ref = function () { return this; };
    SP.unref = function () { return this; };
    SP.address = function () {
        var s = this, a, fd = fdOf(s);
        if (fd < 0) { return {}; }
        try { a = native.sockname(fd); } catch (e) { a = null; }
        return a ? { address: a.address, family: a.family, port: a.port } : {};
    };
    function localName(s) {
        var fd = fdOf(s);
        if (s._local === null && fd >= 0 && !s.connecting) {
            try { s._local = native.sockname(fd); } catch (e) { s._local = null; }
        }
        return s._local;
    }
    function getter(obj, name, fn) {
        defineProperty(obj, name, { get: fn, configurable: true, enumerable: false });
    }
    getter(SP, 'localAddress', function () { var a = localName(this); return a ? a.address : void 0; });
    getter(SP, 'localPort', function () { var a = localName(this); return a ? a.port : void 0; });
    getter(SP, 'localFamily', function () { var a = localName(this); return a ? a.family : void 0; });
    getter(SP, 'bytesRead', function () {
        var s = this, fd = fdOf(s);
        return fd >= 0 ? stream.bytesRead(fd, s) : s._br;
    });
    getter(SP, 'bytesWritten', function () {
        var s = this;
        fdOf(s);
        if (s._wfd >= 0) { s._bw += stream.writeCap(s._wfd, s._maxQ, s); }
        return s._bw;
    });
    getter(SP, 'pending', function () { return this._fd < 0 || this.connecting; });
    getter(SP, 'readyState', function () {
        var s = this;
        if (s.connecting) { return 'opening'; }
        if (s.destroyed || s._fd < 0) { return 'closed'; }
        if (!s._readEnded && !s._ended) { return 'open'; }
        if (!s._readEnded) { return 'readOnly'; }
        if (!s._ended) { return 'writeOnly'; }
        return 'closed';
    });
    getter(SP, 'readable', function () { return !this.destroyed && !this._endEmitted && (this._fd >= 0 || this.connecting); });
    getter(SP, 'writable', function () { return !this.destroyed && !this._ended && (this._fd >= 0 || this.connecting); });
    getter(SP, 'writableLength', function () {
        var s = this, fd = fdOf(s);
        if (s._pre !== null) { return s._queued; }
        return fd >= 0 && s._queued !== 0 ? stream.queued(fd, s) : 0;
    });
    getter(SP, 'bufferSize', function () { return this.writableLength; });
    getter(SP, 'writableHighWaterMark', function () { return this._hwm; });
    getter(SP, 'writableNeedDrain', function () { return this._needDrain; });
    getter(SP, 'writableEnded', function () { return this._ended; });
    getter(SP, 'writableFinished', function () { return this._finished; });
    getter(SP, 'readableEnded', function () { return this._endEmitted; });
    getter(SP, 'readableFlowing', function () { return this._flowing; });
    getter(SP, 'closed', function () { return this.destroyed; });

    /* ---- connecting ---- */
    /* (options[, cb]) | (port[, host][, cb]) -> [options, cb] */
    function connectArgs(a0, a1, a2) {
        var opts, cb;
        if (a0 !== null && typeof a0 === 'object') {
            opts = a0;
            cb = a1;
        } else {
            opts = { port: a0 };
            if (typeof a1 === 'string') {
                opts.host = a1;
                cb = a2;
            } else {
                cb = a1;
            }
        }
        if (typeof opts.port === 'string' && !/^\s*(0x[0-9a-fA-F]+|\d+)\s*$/.test(opts.port) && opts.path === void 0) {
            opts = { path: opts.port };
        }
        return [opts, typeof cb === 'function' ? cb : null];
    }
    SP.connect = function (a0, a1, a2) {
        var s = this, args = connectArgs(a0, a1, a2), opts = args[0], cb = args[1], host, port, fd;
        if (opts.path !== void 0) {
            throw codeError(Error, 'ERR_NOT_SUPPORTED', 'net: connecting to a path (Unix domain socket) is not supported');
        }
        if (s._fd >= 0 || s.connecting || s.destroyed) {
            throw codeError(Error, 'ERR_SOCKET_CONNECTING', 'Socket is already connecting, connected or destroyed');
        }
        port = toPort(opts.port);   /* as Node: port 0 fails at connect, asynchronously */
        host = opts.host;
        if (host === void 0 || host === null || host === '') { host = 'localhost'; }
        if (typeof host !== 'string') { throw argTypeError('options.host', 'of type string', host); }
        checkHost(host, 'options.host');
        if (opts.noDelay !== void 0) { s._noDelay = !!opts.noDelay; }
        if (opts.keepAlive !== void 0) {
            s._keepAlive = !!opts.keepAlive;
            s._keepAliveDelay = +opts.keepAliveInitialDelay > 0 ? Math.floor(+opts.keepAliveInitialDelay / 1000) : 0;
        }
        if (cb !== null) { s.once('connect', cb); }
        s.connecting = true;
        if (opts.timeout !== void 0) { s.setTimeout(opts.timeout); }
        try {
            fd = native.connect(host, port);
        } catch (e) {
            defer(destroyNT, s, e);   /* Node: errors are emitted, not thrown */
            return s;
        }
        try {
            stream.connect(fd, makeHandler(s), host, port, s);
        } catch (e2) {
            closeRaw(fd);
            defer(destroyNT, s, e2);
            return s;
        }
        s._fd = fd;
        s._reading = false;
        flushPre(s);
        return s;
    };

    function connect(a0, a1, a2) {
        var args = connectArgs(a0, a1, a2), opts = args[0], s;
        s = new Socket({ allowHalfOpen: opts.allowHalfOpen, maxQueuedBytes: opts.maxQueuedBytes, highWaterMark: opts.highWaterMark });
        return s.connect(opts, args[1]);
    }

    /* ---- net.Server ---- */
    function Server(options, listener) {
        if (!(this instanceof Server)) { return new Server(options, listener); }
        uncall(EventEmitter, this);
        if (typeof options === 'function') {
            listener = options;
            options = {};
        } else if (options === void 0 || options === null) {
            options = {};
        } else if (typeof options !== 'object') {
            throw argTypeError('options', 'of type object', options);
        }
        this._fd = -1;
        this._connections = 0;
        this._listeningPending = false;
        this.allowHalfOpen = !!options.allowHalfOpen;
        this.pauseOnConnect = !!options.pauseOnConnect;
        this._maxQ = maxQueuedOption(options.maxQueuedBytes, 'options.maxQueuedBytes');
        this._hwm = options.highWaterMark;
        this._noDelay = options.noDelay ? true : null;
        this._keepAlive = options.keepAlive ? true : null;
        this._keepAliveDelay = +options.keepAliveInitialDelay > 0 ? Math.floor(+options.keepAliveInitialDelay / 1000) : 0;
        this.maxConnections = void 0;
        if (listener !== void 0 && listener !== null) {
            this.on('connection', listener);
        }
    }
    Server.prototype = objectCreate(EE);
    Server.prototype.constructor = Server;
    var SV = Server.prototype;

    getter(SV, 'listening', function () { return this._fd >= 0; });

    SV.listen = function () {
        var srv = this, a = arguments, n = a.length, cb = null, port = 0, host = null, backlog = 511, o, fd, v;
        if (n > 0 && typeof a[n - 1] === 'function') {
            cb = a[n - 1];
            n--;
        }
        if (n > 0) {
            if (a[0] !== null && typeof a[0] === 'object') {
                o = a[0];
                if (o.path !== void 0 && o.port === void 0) {
                    throw codeError(Error, 'ERR_NOT_SUPPORTED', 'net: listening on a path (Unix domain socket) is not supported');
                }
                if (o.port !== void 0 && o.port !== null) { port = o.port; }
                if (o.host !== void 0 && o.host !== null && o.host !== '') { host = o.host; }
                if (o.backlog !== void 0) { backlog = o.backlog; }
            } else {
                if (a[0] !== void 0 && a[0] !== null) { port = a[0]; }
                if (typeof port === 'string' && !/^\s*(0x[0-9a-fA-F]+|\d+)\s*$/.test(port)) {
                    throw codeError(Error, 'ERR_NOT_SUPPORTED', 'net: listening on a path (Unix domain socket) is not supported');
                }
                if (n > 1) {
                    if (typeof a[1] === 'string') {
                        if (a[1] !== '') { host = a[1]; }
                        if (n > 2 && a[2] !== void 0 && a[2] !== null) { backlog = a[2]; }
                    } else if (a[1] !== void 0 && a[1] !== null) {
                        backlog = a[1];
                    }
                }
            }
        }
        port = toPort(port);
        if (host !== null && typeof host !== 'string') { throw argTypeError('host', 'of type string', host); }
        if (host !== null) { checkHost(host, 'host'); }
        v = Number(backlog);
        backlog = v >= 0 && v % 1 === 0 ? v : 511;
        if (srv._fd >= 0) {
            throw codeError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
        }
        if (cb !== null) { srv.once('listening', cb); }
        try {
            fd = native.listen(host, port, backlog);
        } catch (e) {
            defer(emitServerError, srv, e);
            return srv;
        }
        try {
            stream.listen(fd, acceptOn(srv, fd), srv);
        } catch (e2) {
            closeRaw(fd);
            defer(emitServerError, srv, e2);
            return srv;
        }
        srv._fd = fd;
        srv._listeningPending = true;
        defer(emitListening, srv);
        return srv;
    };
    function emitServerError(srv, err) {
        emit1(srv, 'error', err);
    }
    function emitListening(srv) {
        if (srv._listeningPending && srv._fd >= 0) {
            srv._listeningPending = false;
            emit0(srv, 'listening');
        }
    }
    /* The accepted fd is this function's until attach: anything thrown
     * before (no memory for the Socket, say) closes it, never leaks it. */
    function acceptOn(srv, lfd) {
        return function (fd, address, port, family) {
            var s = null, max;
            try {
                if (srv._listeningPending) { emitListening(srv); }
                max = srv.maxConnections;
                if (srv._fd !== lfd || (typeof max === 'number' && srv._connections >= max)) {
                    closeRaw(fd);
                    return;
                }
                s = new Socket({ allowHalfOpen: srv.allowHalfOpen, maxQueuedBytes: srv._maxQ, highWaterMark: srv._hwm });
                s.remoteAddress = address;
                s.remotePort = port;
                s.remoteFamily = family;
                if (srv.pauseOnConnect) { s._flowing = false; }
                attach(s, fd, !srv.pauseOnConnect);
            } catch (e) {
                /* attached: the stream is s's to close; else the fd is bare */
                if (s !== null && stream.owns(fd, s)) { closeFd(fd, s); }
                else { closeRaw(fd); }
                if (s !== null) { s._fd = s._wfd = -1; }   /* unreachable: never used again */
                throw e;
            }
            s._server = srv;
            s.server = srv;
            srv._connections++;
            if (srv._noDelay !== null || srv._keepAlive !== null) {
                s._noDelay = srv._noDelay;
                s._keepAlive = srv._keepAlive;
                s._keepAliveDelay = srv._keepAliveDelay;
                applyOptions(s);
            }
            emit1(srv, 'connection', s);
        };
    }
    /* A server's fd, checked as fdOf checks a socket's. */
    function serverFdOf(srv) {
        var fd = srv._fd;
        if (fd === -1 || stream.owns(fd, srv)) { return fd; }
        throw codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type Server');
    }
    SV.address = function () {
        var a, fd = serverFdOf(this);
        if (fd < 0) { return null; }
        try { a = native.sockname(fd); } catch (e) { return null; }
        return a ? { address: a.address, family: a.family, port: a.port } : null;
    };
    SV.close = function (cb) {
        var srv = this, fd = serverFdOf(srv);
        if (typeof cb === 'function') {
            if (fd < 0) {
                srv.once('close', function () {
                    cb(codeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.'));
                });
            } else {
                srv.once('close', cb);
            }
        }
        if (fd >= 0) {
            srv._fd = -1;
            srv._listeningPending = false;
            closeFd(fd, srv);
        }
        srv._emitCloseIfDrained();
        return srv;
    };
    SV._emitCloseIfDrained = function () {
        if (this._fd >= 0 || this._connections > 0) { return; }
        defer(emitServerClose, this);
    };
    function emitServerClose(srv) {
        emit0(srv, 'close');
    }
    SV.getConnections = function (cb) {
        defer(function (srv) { cb(null, srv._connections); }, this);
        return this;
    };
    SV.ref = function () { return this; };
    SV.unref = function () { return this; };

    function createServer(options, listener) {
        return new Server(options, listener);
    }

    /* ---- net.isIP ---- */
    var V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
    function isIPv4(s) {
        return typeof s === 'string' && V4.test(s);
    }
    function isIPv6(s) {
        var parts, groups, i, g, max = 8, dbl;
        if (typeof s !== 'string') { return false; }
        i = s.indexOf('%');
        if (i >= 0) {
            if (i === s.length - 1) { return false; }
            s = s.substring(0, i);
        }
        if (/\./.test(s)) {
            i = s.lastIndexOf(':');
            if (i < 0 || !isIPv4(s.substring(i + 1))) { return false; }
            s = s.substring(0, i + 1) + '0:0';
        }
        parts = s.split('::');
        if (parts.length > 2) { return false; }
        dbl = parts.length === 2;
        groups = [];
        for (i = 0; i < parts.length; i++) {
            if (parts[i] === '') { continue; }
            g = parts[i].split(':');
            groups = uncall(arrayConcat, groups, g);
        }
        for (i = 0; i < groups.length; i++) {
            if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) { return false; }
        }
        return dbl ? groups.length < max : groups.length === max;
    }
    function isIP(s) {
        return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
    }

    net.Server = Server;
    net.Socket = Socket;
    net.Stream = Socket;
    net.createServer = createServer;
    net.connect = connect;
    net.createConnection = connect;
    net.isIP = isIP;
    net.isIPv4 = isIPv4;
    net.isIPv6 = isIPv6;
    // @endif

    /* ---- The seed API: EventLoop.server/connect/setReader/write/close ----
     * Raw fds, as Duktape's eventloop example, on the stream engine: writes
     * never lose bytes (queued, flushed on writability; EventLoop.close
     * flushes them first, as end() does); end of stream or an I/O error
     * closes the fd. One entry per fd the API manages (the owner of its
     * stream, see src/stream.hpp); an fd it closed by itself keeps the
     * CLOSED mark until the script's own EventLoop.close(fd), which then
     * closes nothing (the number may already belong to a new socket), or
     * until the number comes back from accept or connect. Only fds the loop
     * opened are closed: one the script adopted (stdin given to
     * EventLoop.setReader) is only no longer used. */
    var seeds = [];
    var CLOSED = { closed: true };

    function SeedEntry(fd) {
        this.fd = fd;
        this.onData = null;
        this.q = 0;
        this.connecting = false;
        this.closing = false;    /* EventLoop.close called: flushing, then closed */
        this.listening = false;
        this.h = makeSeedHandler(this);
    }
    function makeSeedHandler(e) {
        return function (ev, arg) {
            var x = e, f;
            if (ev === EV_DATA) {
                f = x.onData;
                if (f !== null) { f(x.fd, arg); }
                return;
            }
            seedEvent(x, ev, arg);
        };
    }
    function seedEvent(e, ev, arg) {
        if (seeds[e.fd] !== e) { return; }
        if (e.closing) {
            /* EventLoop.close is flushing: EV_FINISH when all is out, EV_ERROR when the
             * peer made that impossible (reported by the loop, as any
             * callback's error: EventLoop.onerror) */
            if (ev === EV_ERROR || ev === EV_FINISH || (ev === EV_CONNECT && arg !== null && arg !== void 0)) {
                seeds[e.fd] = void 0;
                closeFd(e.fd, e);
                if (ev !== EV_FINISH) { throw arg; }
            }
            return;
        }
        if (ev === EV_DRAIN) {
            e.q = 0;
        } else if (ev === EV_END) {
            /* End of stream closes the fd, as the original, but only once
             * what EventLoop.write queued is out (then EV_FINISH). */
            if (stream.queued(e.fd, e) > 0) {
                stream.end(e.fd, e);
            } else {
                seedClose(e);
            }
        } else if (ev === EV_ERROR || ev === EV_FINISH) {
            seedClose(e);
        } else if (ev === EV_CONNECT) {
            e.connecting = false;
            if (arg !== null && arg !== void 0) {
                seedClose(e);
                if (typeof e.onError === 'function') {
                    e.onError(arg);
                    return;
                }
                throw arg;   /* reported by the loop */
            }
            if (e.onData !== null) { stream.resume(e.fd, e); }
            e.onConnected(e.fd);
        }
    }
    function seedClose(e) {
        seeds[e.fd] = CLOSED;
        closeFd(e.fd, e);
    }
    function seedServer(address, port, onAccept) {
        var fd, listener;
        if (typeof onAccept !== 'function') { throw new TypeError('EventLoop.server: onAccept must be a function'); }
        fd = native.listen(address === void 0 || address === '' ? null : address, port, 511);
        listener = { fd: fd, listening: true, closing: false };
        try {
            stream.listen(fd, function (cfd, addr, cport) {
                if (listener.closing) { closeRaw(cfd); return; }   /* keeps its owner alive */
                try {
                    seeds[cfd] = void 0;
                } catch (e) {
                    closeRaw(cfd);   /* no memory: closed, not leaked */
                    throw e;
                }
                onAccept(cfd, addr, cport);
            }, listener);
        } catch (e) {
            closeRaw(fd);
            throw e;
        }
        seeds[fd] = listener;
        return fd;
    }
    function seedConnect(address, port, onConnected, onError) {
        var fd, e;
        if (typeof onConnected !== 'function') { throw new TypeError('EventLoop.connect: onConnected must be a function'); }
        if (onError !== void 0 && onError !== null && typeof onError !== 'function') {
            throw new TypeError('EventLoop.connect: onError must be a function');
        }
        try {
            fd = native.connect(address, port);
        } catch (err) {
            if (typeof onError === 'function' && !(err instanceof TypeError) && !(err instanceof RangeError)) {
                defer(callWith, onError, err);
                return -1;
            }
            throw err;
        }
        seeds[fd] = void 0;
        e = new SeedEntry(fd);
        e.connecting = true;
        e.onConnected = onConnected;
        e.onError = onError;
        try {
            stream.connect(fd, e.h, address, port, e);
        } catch (err2) {
            closeRaw(fd);
            throw err2;
        }
        seeds[fd] = e;
        return fd;
    }
    /* The entry of fd, made (its stream opened) when there is none; an fd
     * being closed is EBADF, a listener EINVAL. */
    function seedEntryFor(fd, reading, name) {
        var e = typeof fd === 'number' ? seeds[fd] : void 0;
        if (e === void 0 || e === CLOSED) {
            e = new SeedEntry(fd);
            stream.open(fd, e.h, reading, e);   /* throws for a bad fd, another's stream, a listener */
            seeds[fd] = e;
        } else if (e.closing) {
            throw sysError('EBADF', name);
        } else if (e.listening) {
            throw sysError('EINVAL', name);   /* its handler takes the accepted fds */
        }
        return e;
    }
    function seedSetReader(fd, onData) {
        var e;
        if (typeof onData !== 'function') { throw new TypeError('EventLoop.setReader: onData must be a function'); }
        e = typeof fd === 'number' ? seeds[fd] : void 0;
        if (e === void 0 || e === CLOSED) {
            e = seedEntryFor(fd, true, 'setReader');
            e.onData = onData;
            return;
        }
        seedEntryFor(fd, true, 'setReader');   /* EBADF while closing, EINVAL for a listener */
        e.onData = onData;
        if (!e.connecting) { stream.resume(fd, e); }
    }
    function seedWrite(fd, data) {
        var c = chunkOf(data), e, n, q, max = net.maxQueuedBytes, fresh;
        if (c === null) { throw new TypeError('EventLoop.write: data must be a string or a buffer'); }
        fresh = typeof fd !== 'number' || seeds[fd] === void 0 || seeds[fd] === CLOSED;
        e = seedEntryFor(fd, false, 'write');
        n = typeof c === 'string' ? c.length * 3 : c.length;   /* at least the bytes */
        if (e.q + n > max) {
            if (typeof c === 'string') { n = utf8Length(c); }
            q = e.q === 0 ? 0 : stream.queued(fd, e);
            if (q + n > max) {
                throw sysError('ENOBUFS', 'write');   /* nothing queued: the caller decides */
            }
        }
        try {
            q = stream.write(fd, c, e);
        } catch (err) {
            /* not a socket (ENOTSOCK): the call fails, the fd is left as it
             * was (an entry made for this write is dropped, nothing closed) */
            if (fresh) {
                seeds[fd] = void 0;
                closeFd(fd, e);
            }
            throw err;
        }
        e.q = q;
        return q < HIGH_WATER_MARK;
    }
    /* Closes fd once what EventLoop.write queued is out (reading stops now,
     * onData is not called again); a peer that makes that impossible is
     * reported as an error from the loop (seedEvent). */
    function seedCloseFd(fd) {
        var e = typeof fd === 'number' ? seeds[fd] : void 0;
        if (e === CLOSED) {   /* closed already, at end of stream or on an error */
            seeds[fd] = void 0;
            return;
        }
        if (e === void 0) {
            if (!stream.close(fd, void 0)) { native.close(fd); }   /* another's stream: TypeError */
            return;
        }
        if (e.closing) { return; }
        e.onData = null;
        if (!e.listening && stream.queued(fd, e) > 0) {
            e.closing = true;
            stream.pause(fd, e);
            stream.end(fd, e);   /* flush, shut down, then EV_FINISH closes */
            return;
        }
        seeds[fd] = void 0;
        e.closing = true;
        if (!stream.close(fd, e)) { native.close(fd); }
    }

    var exports = {
        server: seedServer, connect: seedConnect, setReader: seedSetReader, write: seedWrite, close: seedCloseFd
    };
    // @if defined(EVLOOP_HAVE_NET)
    exports.net = net;
    exports.EventEmitter = EventEmitter;
    // @endif
    return exports;
})
