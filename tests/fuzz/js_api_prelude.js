/*
 *  The prelude of the JS API fuzzer (tests/fuzz/fuzz_js_api.cpp): the
 *  bookkeeping the generated scripts use and the hostile values they pass.
 *  ES5. The harness defines TMP (a private temporary directory) and the
 *  hooks __turn(ms) (Loop::run_once from inside a callback: a re-entrant
 *  call, which must do nothing) and __stats() before this runs; a repro run
 *  through ./evloop gets the fallbacks below.
 *
 *  Safety rules the generator relies on (the fuzzer runs in its own
 *  process, next to libFuzzer's own fds):
 *  - an fd argument is an fd the script got from the API (fd(i), own(x)) or
 *    a value that is not a valid fd number (-1, NaN, 0.5, 2^31, objects...):
 *    never 0, 1, 2 or a libFuzzer fd;
 *  - hosts are numeric loopback addresses or 'localhost' (never a name
 *    that would go to DNS), servers listen on 127.0.0.1 or ::1, port 0;
 *  - connections go to this script's own servers (port(i)) or port 0;
 *  - file paths are absolute paths under TMP (other path values are not
 *    strings, which FileIo refuses).
 */
var TMP = typeof TMP === 'string' ? TMP : '/tmp/evloop-fuzz-repro';
if (typeof __turn !== 'function') { var __turn = function () { return false; }; }
if (typeof __stats !== 'function') { var __stats = function () { return {}; }; }
var a, b;                          /* callback parameters, also at top level */
var F = [], T = [], S = [], V = [], P = [], D = [], CB = [], NSC = 0;
var NOOP = function () {};

/* Array bookkeeping without Array.prototype (scripts may replace it). */
function add(arr, v) { arr[arr.length] = v; return v; }
function pick(arr, i) { return arr.length ? arr[i % arr.length] : void 0; }

/* The fds this script owns: from the seed API (F) and the net objects. */
var STALE = false;   /* after Loop::destroy(): no raw fd numbers (they are reused) */
function fds() {
    var c = [], j, x;
    if (STALE) { return c; }
    for (j = 0; j < F.length; j++) { if (typeof F[j] === 'number' && F[j] >= 0) { c[c.length] = F[j]; } }
    for (j = 0; j < S.length; j++) { x = S[j]; if (x && typeof x._fd === 'number' && x._fd >= 0) { c[c.length] = x._fd; } }
    for (j = 0; j < V.length; j++) { x = V[j]; if (x && typeof x._fd === 'number' && x._fd >= 0) { c[c.length] = x._fd; } }
    return c;
}
function fd(i) { var c = fds(); return c.length ? c[i % c.length] : -1; }
/* x as an fd argument: x itself when it is an owned fd or no fd number at
 * all (a hostile value), else -1. */
function own(x) {
    if (typeof x !== 'number' || !(x >= 0 && x <= 2147483647) || x % 1 !== 0) { return x; }
    if (STALE) { return -1; }
    var c = fds(), j;
    for (j = 0; j < c.length; j++) { if (c[j] === x) { return x; } }
    return -1;
}
function tid(i) { return T.length ? T[i % T.length] : i + 1; }
function port(i) { return P.length ? P[i % P.length] : 0; }
function sock(i) { return S.length ? S[i % S.length] : add(S, new net.Socket()); }
function srv(i) { return V.length ? V[i % V.length] : mkServer(void 0, i); }
/* The port of a listening fd (seed API), through net's own address(). */
function sport(f) {
    try { var x = net.Server.prototype.address.call({ _fd: f }); return x ? x.port : 0; } catch (e) { return 0; }
}

/* Callbacks: CB[k] is the generated function cbk; these wrap it with the
 * bookkeeping of what the API hands over. */
/* At most 120 callback runs an input: a timer that makes two timers doubles
 * every turn, and a 'newListener' listener that adds listeners is called
 * for every one added after it (quadratic, then every emit walks them all). */
var CALLS = 0;
function call(k, self, args) {
    var f = CB[k % CB.length];
    if (++CALLS > 120 || typeof f !== 'function') { return void 0; }
    return f.apply(self, args);
}
function cbk(k) { return function () { return call(k, this, arguments); }; }
function conn(k) { return function (c) { add(S, c); return call(k, this, arguments); }; }
function acc(k) { return function (f) { add(F, f); return call(k, this, arguments); }; }
function mkServer(o, k) {
    var s = net.createServer(o, conn(k));
    add(V, s);
    s.on('listening', function () { var x = s.address(); if (x) { add(P, x.port); } });
    return s;
}
function listen(s, how, k) {
    var cb = function () { var x = s.address(); if (x) { add(P, x.port); } return call(k, this, arguments); };
    switch (how % 5) {
    case 0: return s.listen(0, '127.0.0.1', cb);
    case 1: return s.listen({ port: 0, host: '127.0.0.1', backlog: 64 }, cb);
    case 2: return s.listen(0, 'localhost', 8, cb);
    case 3: return s.listen('0', '127.0.0.1');
    default: return s.listen({ port: '0x0', host: '::1' }, cb);   /* EADDRNOTAVAIL without IPv6 */
    }
}
function seedServer(k) {
    var f = add(F, Socket.createServerSocket('127.0.0.1', 0));
    add(P, sport(f));
    return f;
}
/* Socket.connect blocks until connected: only to this script's listeners
 * (which accept at once on loopback) and only a few times. */
function seedConnect(i) {
    if (++NSC > 6) { return -1; }
    return add(F, Socket.connect('127.0.0.1', port(i)));
}

/* ---- hostile values ---- */
function thrower(what) { return function () { throw new Error(what); }; }
var THROW = { valueOf: thrower('valueOf'), toString: thrower('toString') };
var GETTERS = (function () {
    var o = {}, names = ['port', 'host', 'path', 'events', 'length', 'allowHalfOpen', 'pauseOnConnect',
        'maxQueuedBytes', 'highWaterMark', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'timeout',
        'backlog', 'byteLength', 'byteOffset', 'buffer', 'BYTES_PER_ELEMENT', 'fd', 'then', 'message',
        'stack', 'code', 'name', 'valueOf', 'toString', '0', '3'], i;
    for (i = 0; i < names.length; i++) {
        Object.defineProperty(o, names[i], { get: thrower('get ' + names[i]), enumerable: true });
    }
    return o;
})();
var PROXY = typeof Proxy === 'function' ? new Proxy({}, {
    get: thrower('proxy get'), set: thrower('proxy set'), has: thrower('proxy has'),
    deleteProperty: thrower('proxy delete'), ownKeys: thrower('proxy ownKeys'),
    getOwnPropertyDescriptor: thrower('proxy gopd'), defineProperty: thrower('proxy define')
}) : THROW;
/* An object whose conversion runs callback k first (re-entering the API
 * from inside a native call's argument conversion), then gives v. */
var DEPTH = 0;
function nested(k, self) {
    if (DEPTH > 2) { return; }   /* a conversion inside a conversion inside one: enough */
    DEPTH++;
    try { call(k, self, []); } finally { DEPTH--; }
}
/* Finalizer re-entrancy (issue 18): fin(k) is a callback only the loop
 * will hold (a bound function: no closure, so no reference cycle), whose
 * finalizer (Duktape.fin) runs callback k the moment the loop drops it:
 * inside clearTimeout, unwatch, close, a timer's fire... finOn(x, k) puts
 * the same finalizer on an object the script has (a socket). */
function runFin(o) { call(o.finK, o, []); }
function finOn(x, k) {
    if (x && typeof x === 'object') { try { x.finK = k; Duktape.fin(x, runFin); } catch (e) { /* frozen */ } }
}
function fin(k) { var f = NOOP.bind(null); f.finK = k; Duktape.fin(f, runFin); return f; }
function reent(k, v) {
    return { valueOf: function () { nested(k, this); return v; }, toString: function () { nested(k, this); return String(v); } };
}
/* A Poll.poll set whose entries' events getter runs callback k. */
function pollSet(f, k, ev) {
    var o = {};
    o[f] = { get events() { nested(k, this); return ev; } };
    return o;
}
var BIG = (function () { var s = 'x', i; for (i = 0; i < 16; i++) { s += s; } return s; })();   /* 64 KiB */
var BIGBUF = new Uint8Array(262144);
var SUR = '\ud83d\ude00 \ud800 x\udc00 \u00e9 \u0000 \uffff';

/* The again phase (a second loop on the heap, fuzz_js_api.cpp): a server
 * and a client of the new loop exchange 'ping' and 'pong' while the script
 * calls methods of its objects from the destroyed loop. SANITY ends 'ok',
 * stays 'pending' (the script stopped the loop, say), or names what went
 * wrong; EBADF or foreign bytes mean an old object reached the new loop's
 * fds. */
var SANITY = 'off';
function sanity() {
    var srv = net.createServer(function (s) {
        var got = '';
        s.on('data', function (d) {
            got += d;
            if (got === 'ping') { s.end('pong'); } else if (got.length >= 4 && SANITY === 'pending') { SANITY = 'the server got ' + got; }
        });
        s.on('error', function (e) { if (SANITY === 'pending') { SANITY = 'server error ' + e.code; } });
    });
    SANITY = 'pending';
    srv.on('error', function (e) { SANITY = 'listen error ' + e.code; });
    srv.listen(0, '127.0.0.1', function () {
        var c = net.connect(srv.address().port, '127.0.0.1', function () { c.write('ping'); }), got = '';
        c.on('data', function (d) { got += d; });
        c.on('error', function (e) { if (SANITY === 'pending') { SANITY = 'client error ' + e.code; } });
        c.on('end', function () { if (SANITY === 'pending') { SANITY = got === 'pong' ? 'ok' : 'the client got ' + got; } srv.close(); });
    });
}
