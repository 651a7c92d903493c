/* libFuzzer target: the JS API surface of both loops with hostile arguments.
 *
 * The fuzz bytes choose an ES5 script: a few callbacks (cb0..cbN, run by
 * timers, watchers, sockets, servers and getters) and a sequence of calls to
 * setTimeout/setInterval/clear*, EventLoop (watch, unwatch, requestExit,
 * now, onerror, server, connect, setReader, write, close), Socket.*,
 * Poll.poll, FileIo (under a private temporary directory) and net /
 * EventEmitter (servers on 127.0.0.1 port 0, connections to them), with
 * wrong types, huge, negative and NaN numbers, objects whose getters or
 * conversions throw or re-enter the API, Proxies, callbacks that clear,
 * close, exit or throw, re-entrant run_once calls, Duktape.gc() at hostile
 * moments and polluted prototypes. The prelude (js_api_prelude.js) holds
 * the bookkeeping and hostile values.
 *
 * Each input: a fresh heap and loop (mode and backend from the first byte)
 * on a virtual clock, the script, at most kTurns run_once turns and
 * kBudgetMs of wall time, optionally the bindings called again after
 * Loop::destroy() and a second loop on the same heap, then destroy() and
 * duk_destroy_heap. Invariants: no crash, no sanitizer report, no hang
 * (libFuzzer's -timeout), no fd leak (the lowest free fd is the same before
 * and after).
 *
 * Environment: EVLOOP_FUZZ_DUMP=1 prints each input's script to stderr (a
 * repro runs with ./evloop [-c] --virtual-clock); EVLOOP_FUZZ_DUMP_DIR=dir
 * writes it to dir/js_api-<FNV-1a 64 of the input, hex>.js instead;
 * EVLOOP_FUZZ_VERBOSE=1 keeps the scripts' stdout and reports the again
 * phase; EVLOOP_FUZZ_HUGE_FDS=0 stops passing fd numbers above 65536
 * (docs/RELIABILITY.md, finding F1) and EVLOOP_FUZZ_CHECK_STALE=0 the
 * check of the again phase (finding F3): both on by default since those
 * findings were fixed (a finding still open would turn its switch off, so
 * that the fuzzer looks for new ones). */
#define EVLOOP_IMPLEMENTATION
#include "fuzz_common.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

namespace {

const int kTurns = 100;
const double kBudgetMs = 500;

std::string g_prelude;
std::string g_tmp;
fuzz::Watchdog g_watchdog;
bool g_dump = false;
const char* g_dump_dir = nullptr;
bool g_huge_fds = false;
bool g_check_stale = false;
bool g_verbose = false;

const char* const kNums[] = {"0", "1", "-1", "0.5", "-0.5", "NaN", "Infinity", "-Infinity", "2147483647",
                             "2147483648", "-2147483648", "4294967295", "4294967296", "9007199254740993",
                             "1e21", "1e308", "-1e308", "5e-324", "65535", "65536", "16384", "16385", "3",
                             "100", "1000", "30000", "-0", "0x7fffffff", "1.5e9"};
const char* const kStrs[] = {"''", "'0'", "'1'", "' 7 '", "'0x10'", "'-1'", "'abc'", "'utf8'", "'hex'",
                             "'base64'", "'data'", "'end'", "'close'", "'error'", "SUR", "BIG",
                             "'127.0.0.1'", "'localhost'", "'::1'", "'__proto__'", "'constructor'",
                             "'1e400'", "'\\u0000'"};
const char* const kMisc[] = {"undefined", "null", "true", "false", "{}", "[]", "[1, 2]", "Object.create(null)",
                             "NOOP", "THROW", "GETTERS", "PROXY", "new Uint8Array(3)", "new ArrayBuffer(5)",
                             "new DataView(new ArrayBuffer(2))", "new Float64Array(2)", "BIGBUF",
                             "new Buffer('buf')", "new Uint8Array(0)", "Symbol('s')", "new Date(NaN)", "/re/",
                             "new Error('e')", "EventLoop", "net", "(function () { return arguments; })(1)",
                             "new Uint16Array(new ArrayBuffer(7), 2, 2)", "Duktape.dec('hex', '00ff7f')",
                             "a", "b", "D"};
/* fd arguments: owned fds or numbers that are no fd (never 0, 1, 2...). */
const char* const kBadFds[] = {"-1", "0.5", "NaN", "Infinity", "2147483648", "1e308", "-2147483648",
                               "4294967296", "65535", "65536", "'3'", "null", "undefined", "THROW", "{}",
                               "new Uint8Array(1)"};
const char* const kHugeFds[] = {"2147483647", "1000000", "50000000", "0x7ffffffe"};
/* ports that are invalid (never a real service's port) */
const char* const kBadPorts[] = {"-1", "65536", "0.5", "NaN", "Infinity", "1e21", "'abc'", "''", "'-1'",
                                 "'65536'", "null", "undefined", "THROW", "GETTERS", "{}", "true", "' 0x0 '",
                                 "'0'", "0"};
/* listen hosts where a non-string cannot fall back to all interfaces */
const char* const kListenHosts[] = {"'127.0.0.1'", "'localhost'", "'::1'", "'127.0.0.1'"};
const char* const kObjHosts[] = {"THROW", "{}", "5", "true", "GETTERS", "PROXY", "NaN", "[]"};
const char* const kConnectHosts[] = {"'127.0.0.1'", "'localhost'", "'::1'", "''", "null", "undefined",
                                     "'127.0.0.1'", "'0.0.0.0'", "'::ffff:127.0.0.1'"};
const char* const kEvents[] = {"'data'", "'end'", "'close'", "'error'", "'connect'", "'drain'", "'timeout'",
                               "'listening'", "'connection'", "'finish'", "'newListener'", "'removeListener'"};
const char* const kEncodings[] = {"'utf8'", "'hex'", "'base64'", "'latin1'", "'ascii'", "'ucs2'", "'bogus'",
                                  "undefined", "null", "'UTF-8'", "'binary'"};
const char* const kPaths[] = {"TMP + '/a'", "TMP + '/b'", "TMP + '/sub'", "TMP", "TMP + '/nodir/x'",
                              "TMP + '/a\\u0000b'", "TMP + '/' + BIG.slice(0, 300)",
                              "TMP + '/' + BIG.slice(0, 5000)", "''", "TMP + '/a/'", "TMP + '/\\ud800'"};
const char* const kPollutable[] = {"'port'", "'host'", "'events'", "'length'", "'then'", "'_events'",
                                   "'message'", "'stack'", "'code'", "'encoding'", "'timeout'", "'0'"};
const char* const kSizes[] = {"0", "1", "16384", "1e6", "NaN", "-1", "65536", "100"};

template <size_t N>
const char* one_of(fuzz::Bytes& in, const char* const (&table)[N]) {
  return table[in.below(static_cast<unsigned>(N))];
}

/* Builds the script from the bytes. Every statement is valid ES5. */
struct Gen {
  fuzz::Bytes& in;
  unsigned ncb;
  explicit Gen(fuzz::Bytes& b) : in(b), ncb(1) {}

  std::string n(unsigned k) { return std::to_string(in.below(k)); }
  std::string k() { return n(ncb); }  /* a callback index */
  std::string i() { return n(16); }   /* a bookkeeping index */

  std::string num() {
    switch (in.below(8)) {
      case 0: return "reent(" + k() + ", " + one_of(in, kNums) + ")";
      case 1: return std::to_string(in.u16());
      default: return one_of(in, kNums);
    }
  }
  std::string val() {
    switch (in.below(4)) {
      case 0: return num();
      case 1: return one_of(in, kStrs);
      default: {
        std::string m = one_of(in, kMisc);
        return m;
      }
    }
  }
  std::string fdv() {
    unsigned c = in.below(8);
    if (c < 5) return "fd(" + i() + ")";
    if (c == 5) return "own(a)";
    if (g_huge_fds && in.below(2)) return one_of(in, kHugeFds);
    return one_of(in, kBadFds);
  }
  std::string delay() {
    static const char* const small[] = {"0", "1", "5", "10", "100", "1000", "30000", "undefined"};
    return in.below(2) ? one_of(in, small) : num();
  }
  std::string data() {
    static const char* const d[] = {"'hello'", "''", "SUR", "BIG", "new Buffer('abc')", "new Uint8Array(3)",
                                    "BIGBUF", "new ArrayBuffer(5)", "new DataView(new ArrayBuffer(2))",
                                    "new Float64Array(2)", "new Uint16Array(new ArrayBuffer(7), 2, 2)",
                                    "new Uint8Array(new ArrayBuffer(8), 8)", "Duktape.dec('hex', '00ff7f')",
                                    "a", "'GET / HTTP/1.1\\r\\n\\r\\n'"};
    return in.below(4) ? one_of(in, d) : val();
  }
  /* A file path: a string under TMP, or a value that is no string (FileIo
   * takes strings only; objects are not converted). Never val(), a or b: a
   * string there would be a path relative to the working directory. */
  std::string path() {
    static const char* const not_strings[] = {"null", "undefined", "5", "{}", "THROW", "GETTERS", "PROXY",
                                              "new Uint8Array(2)", "[]", "true", "NaN"};
    if (in.below(5)) return one_of(in, kPaths);
    if (in.below(3) == 0) return "reent(" + k() + ", TMP + '/a')";
    return one_of(in, not_strings);
  }
  std::string port_c() {
    unsigned c = in.below(4);
    if (c < 3) return "port(" + i() + ")";
    return one_of(in, kBadPorts);
  }
  std::string port_l() {
    unsigned c = in.below(6);
    if (c < 3) return "0";
    if (c == 3) return "port(" + i() + ")"; /* EADDRINUSE */
    return one_of(in, kBadPorts);
  }
  /* a host for a listener: loopback, or a value that is a TypeError */
  std::string host_l() { return in.below(3) ? one_of(in, kListenHosts) : one_of(in, kObjHosts); }
  std::string host_c() { return in.below(4) ? one_of(in, kConnectHosts) : one_of(in, kObjHosts); }
  std::string fn() {
    switch (in.below(10)) {
      case 0: return val();
      case 1: return "NOOP";
      case 2: return "conn(" + k() + ")";
      case 3: return "acc(" + k() + ")";
      case 4: return "fin(" + k() + ")";
      default: return "cbk(" + k() + ")";
    }
  }
  std::string timer_fn() {
    switch (in.below(10)) {
      case 0: return "'call(" + k() + ", this, [])'";
      case 1: return "'throw 1'";
      case 2: return "'(('";
      case 3: return val();
      default: return "cbk(" + k() + ")";
    }
  }
  std::string event() { return in.below(5) ? one_of(in, kEvents) : val(); }
  std::string events() {
    static const char* const e[] = {"1", "4", "5", "0", "2", "7", "65535", "65536", "-1", "NaN", "Poll.POLLIN"};
    return in.below(4) ? one_of(in, e) : val();
  }
  std::string opts_socket() {
    switch (in.below(4)) {
      case 0: return val();
      case 1: return "{ allowHalfOpen: " + val() + ", maxQueuedBytes: " + one_of(in, kSizes) +
                     ", highWaterMark: " + num() + " }";
      case 2: return "{ fd: " + fdv() + ", allowHalfOpen: " + val() + " }";
      default: return "{}";
    }
  }
  std::string opts_server() {
    switch (in.below(4)) {
      case 0: return val();
      case 1: return "{ allowHalfOpen: " + val() + ", pauseOnConnect: " + val() + ", maxQueuedBytes: " +
                     one_of(in, kSizes) + ", highWaterMark: " + num() + ", noDelay: " + val() +
                     ", keepAlive: " + val() + ", keepAliveInitialDelay: " + num() + " }";
      default: return "undefined";
    }
  }
  std::string poll_set() {
    switch (in.below(7)) {
      case 0: return "{}";
      case 1: return "pollSet(" + fdv() + ", " + k() + ", " + events() + ")";
      case 2: return val();
      case 3: return "[]";
      default: {
        std::string s = "(function () { var o = {}; o[" + fdv() + "] = { events: " + events() + " }; ";
        if (in.below(2)) s += "o[" + fdv() + "] = { events: " + events() + " }; ";
        return s + "return o; })()";
      }
    }
  }
  std::string args(unsigned max) {
    std::string s;
    unsigned count = in.below(max + 1);
    for (unsigned j = 0; j < count; j++) s += ", " + val();
    return s;
  }

  /* One statement. in_cb: inside a callback (a and b are its arguments). */
  std::string stmt(bool in_cb) {
    switch (in.below(64)) {
      case 0: case 1: case 2:
        return "add(T, setTimeout(" + timer_fn() + ", " + delay() + args(2) + "));";
      case 3:
        return "add(T, setInterval(" + timer_fn() + ", " + delay() + args(1) + "));";
      case 4: return "clearTimeout(" + (in.below(4) ? "tid(" + i() + ")" : val()) + ");";
      case 5: return "clearInterval(" + (in.below(4) ? "tid(" + i() + ")" : val()) + ");";
      case 6: return "EventLoop.watch(" + fdv() + ", " + events() + ", " + fn() + ");";
      case 7: return "EventLoop.unwatch(" + fdv() + ");";
      case 8:
        if (in.below(4)) return "add(D, EventLoop.now());";
        return in.below(2) ? "EventLoop.requestExit(" + val() + ");" : "requestEventLoopExit(" + val() + ");";
      case 9:
        switch (in.below(4)) {
          case 0: return "EventLoop.onerror = " + fn() + ";";
          case 1: return "EventLoop.onerror = function (e) { throw " + val() + "; };";
          case 2: return "Object.defineProperty(EventLoop, 'onerror', { get: thrower('onerror'), configurable: true });";
          default: return "EventLoop.onerror = function (e) { add(D, e); call(" + k() + ", this, [e]); };";
        }
      case 10: case 11:
        return "add(F, EventLoop.server(" + host_l() + ", " + port_l() + ", " +
               (in.below(4) ? "acc(" + k() + ")" : val()) + "));";
      case 12: case 13:
        return "add(F, EventLoop.connect(" + host_c() + ", " + port_c() + ", " +
               (in.below(4) ? "acc(" + k() + ")" : val()) + (in.below(2) ? ", " + fn() : "") + "));";
      case 14: return "EventLoop.setReader(" + fdv() + ", " + fn() + ");";
      case 15: return "EventLoop.write(" + fdv() + ", " + data() + ");";
      case 16: return "EventLoop.close(" + fdv() + ");";
      case 17:
        if (in.below(2)) return "seedServer();";
        return "add(F, Socket.createServerSocket(" + host_l() + ", " + port_l() + "));";
      case 18: return "seedConnect(" + i() + ");";
      case 19: return "(function (x) { if (x) { add(F, x.fd); } })(Socket.accept(" + fdv() + "));";
      case 20: return "add(D, Socket.read(" + fdv() + "));";
      case 21: return "Socket.write(" + fdv() + ", " + data() + ");";
      case 22: return "Socket.close(" + fdv() + ");";
      case 23: case 24: {
        static const char* const t[] = {"0", "1", "-1", "NaN", "undefined", "100", "1e9", "'x'"};
        return "add(D, Poll.poll(" + poll_set() + ", " + (in.below(4) ? one_of(in, t) : num()) + "));";
      }
      case 25: return "add(D, FileIo.readfile(" + path() + "));";
      case 26: return "FileIo.writefile(" + path() + ", " + data() + ");";
      case 27: case 28: return "mkServer(" + opts_server() + ", " + k() + ");";
      case 29: case 30: return "listen(srv(" + i() + "), " + n(5) + ", " + k() + ");";
      case 31:
        if (in.below(2))
          return "srv(" + i() + ").listen(" + port_l() + ", " + one_of(in, kListenHosts) + ", " + val() + ", " +
                 fn() + ");";
        return "srv(" + i() + ").listen({ port: " + port_l() + ", host: " + host_l() + ", backlog: " + val() +
               " }, " + fn() + ");";
      case 32: return "srv(" + i() + ").close(" + (in.below(3) ? fn() : "") + ");";
      case 33:
        return in.below(2) ? "add(D, srv(" + i() + ").address());" : "srv(" + i() + ").getConnections(" + fn() + ");";
      case 34: case 35: case 36:
        switch (in.below(5)) {
          case 0: return "add(S, net.connect(" + port_c() + ", " + host_c() + ", " + fn() + "));";
          case 1: return "add(S, net.createConnection(" + port_c() + (in.below(2) ? ", " + fn() : "") + "));";
          case 2: return "add(S, new net.Socket(" + opts_socket() + ")).connect(" + port_c() + ", " + host_c() + ");";
          default:
            return "add(S, net.connect({ port: " + port_c() + ", host: " + host_c() + ", allowHalfOpen: " + val() +
                   ", timeout: " + num() + ", noDelay: " + val() + ", keepAlive: " + val() +
                   ", keepAliveInitialDelay: " + num() + ", maxQueuedBytes: " + one_of(in, kSizes) + " }, " +
                   fn() + "));";
        }
      case 37: case 38: {
        std::string s = "sock(" + i() + ").write(" + data();
        unsigned c = in.below(4);
        if (c == 1) s += ", " + fn();
        if (c == 2) s += ", " + std::string(one_of(in, kEncodings)) + ", " + fn();
        if (c == 3) s += ", " + std::string(one_of(in, kEncodings));
        return s + ");";
      }
      case 39: {
        unsigned c = in.below(4);
        std::string s = "sock(" + i() + ").end(";
        if (c == 1) s += data();
        if (c == 2) s += data() + ", " + fn();
        if (c == 3) s += fn();
        return s + ");";
      }
      case 40: return "sock(" + i() + ").destroy(" + (in.below(2) ? val() : "") + ");";
      case 41: return "sock(" + i() + (in.below(2) ? ").pause();" : ").resume();");
      case 42: return "sock(" + i() + ").setTimeout(" + num() + (in.below(2) ? ", " + fn() : "") + ");";
      case 43: return "sock(" + i() + ").setEncoding(" + std::string(one_of(in, kEncodings)) + ");";
      case 44:
        if (in.below(2)) return "sock(" + i() + ").setNoDelay(" + val() + ");";
        return "sock(" + i() + ").setKeepAlive(" + val() + ", " + num() + ");";
      case 45:
        return "(function (s) { add(D, [s.bytesRead, s.bytesWritten, s.localPort, s.localAddress, s.remoteAddress, "
               "s.remotePort, s.readyState, s.writableLength, s.pending, s.readable, s.writable, s.address()]); })(sock(" +
               i() + "));";
      case 46: case 47: {
        static const char* const how[] = {"on", "once", "prependListener", "addListener"};
        return "sock(" + i() + ")." + one_of(in, how) + "(" + event() + ", " + fn() + ");";
      }
      case 48:
        if (in.below(2)) return "sock(" + i() + ").removeAllListeners(" + (in.below(2) ? event() : "") + ");";
        return "sock(" + i() + ").off(" + event() + ", " + fn() + ");";
      case 49: return "sock(" + i() + ").emit(" + event() + ", " + val() + ", " + val() + ");";
      case 50: {
        static const char* const how[] = {"on", "once", "removeAllListeners", "emit"};
        return "srv(" + i() + ")." + one_of(in, how) + "(" + event() + ", " + fn() + ");";
      }
      case 51:
        switch (in.below(4)) {
          case 0: return "Duktape.gc();";
          case 1: return "Duktape.compact(" + val() + ");";
          case 2: return "finOn(sock(" + i() + "), " + k() + ");"; /* runs when the loop lets the socket go */
          default: return "add(T, setTimeout(fin(" + k() + "), " + delay() + "));";
        }
      case 52:
        return in.below(2) ? "add(D, __turn(" + num() + "));" : "add(D, __stats());";
      case 53: {
        static const char* const t[] = {"new Error('thrown')", "THROW", "GETTERS", "PROXY", "undefined", "null",
                                        "'string'", "new RangeError('r')"};
        return "throw " + std::string(one_of(in, t)) + ";";
      }
      case 54:
        return in.below(4) ? "call(" + k() + ", this, [a, b]);" : "process.exit(" + val() + ");";
      case 55:
        switch (in.below(6)) {
          case 0: return "Object.defineProperty(Object.prototype, " + std::string(one_of(in, kPollutable)) +
                         ", { get: thrower('polluted'), configurable: true });";
          case 1: return "Array.prototype.push = thrower('push');";
          case 2: return "Buffer.concat = thrower('concat');";
          case 3: return "Buffer.prototype.slice = thrower('slice');";
          case 4: return "delete Uint8Array.prototype.subarray;";
          default: return "String.prototype.indexOf = thrower('indexOf');";
        }
      case 56:
        if (!in_cb) return "a = " + val() + ";";
        switch (in.below(4)) {
          case 0: return "if (a && this && typeof this.write === 'function') { this.write(a); }";
          case 1: return "if (this && typeof this.destroy === 'function') { this.destroy(" + val() + "); }";
          case 2: return "if (this && typeof this.end === 'function') { this.end(); }";
          default: return "add(D, a);";
        }
      case 57:
        return in.below(2) ? "EventLoop.write(own(a), " + data() + ");" : "EventLoop.close(own(a));";
      case 58: return "net.maxQueuedBytes = " + std::string(one_of(in, kSizes)) + ";";
      case 59: return "add(S, new net.Socket(" + opts_socket() + "));";
      case 60:
        if (in.below(2)) return "EventEmitter.call(sock(" + i() + "));";
        return "(function (e) { e.on(" + event() + ", " + fn() + "); e.emit(" + event() + ", " + val() +
               "); add(D, e.listenerCount(" + event() + ")); })(new EventEmitter());";
      case 61: return "sock(" + i() + ").connect(" + port_c() + ", " + host_c() + ", " + fn() + ");";
      case 62: return in.below(2) ? "sock(" + i() + ").destroySoon();" : "sock(" + i() + ").resetAndDestroy();";
      default:
        return "Socket.close(own(a));";
    }
  }

  std::string wrapped(bool in_cb, const char* indent) {
    std::string s = stmt(in_cb);
    if (in.below(10) == 0) return indent + s + "\n"; /* unwrapped: the error goes to the loop or the script */
    return std::string(indent) + "try { " + s + " } catch (e) {}\n";
  }

  std::string script() {
    std::string out;
    ncb = 1 + in.below(6);
    for (unsigned c = 0; c < ncb; c++) {
      out += "function cb" + std::to_string(c) + "(a, b) {\n";
      unsigned count = 1 + in.below(4);
      for (unsigned j = 0; j < count; j++) out += wrapped(true, "    ");
      out += "}\n";
    }
    out += "CB = [";
    for (unsigned c = 0; c < ncb; c++) out += (c ? ", cb" : "cb") + std::to_string(c);
    out += "];\n";
    unsigned after = in.below(4);
    out += "function AFTER() {\n";
    for (unsigned j = 0; j < after; j++) out += std::string("    try { ") + stmt(false) + " } catch (e) {}\n";
    out += "}\n";
    unsigned top = 0;
    do out += wrapped(false, "");
    while (++top < 48 && !in.empty());
    return out;
  }
};

uint64_t g_input_hash = 0; /* FNV-1a of the input: names its dump */

void dump(const std::string& text) {
  if (g_dump_dir) {
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(g_input_hash));
    std::string path = std::string(g_dump_dir) + "/js_api-" + hex + ".js";
    FILE* f = fopen(path.c_str(), "wb");
    if (f) {
      fwrite(text.data(), 1, text.size(), f);
      fclose(f);
    }
  } else {
    fprintf(stderr, "----- fuzz_js_api script -----\n%s----- end -----\n", text.c_str());
  }
}

duk_ret_t js_turn(duk_context* ctx) {
  evloop::Loop* loop = evloop::Loop::of(ctx);
  double ms = duk_to_number(ctx, 0);
  duk_push_boolean(ctx, loop && loop->run_once(ms >= 0 && ms < 1e6 ? static_cast<int64_t>(ms) : 0));
  return 1;
}

duk_ret_t js_stats(duk_context* ctx) {
  evloop::Loop* loop = evloop::Loop::of(ctx);
  if (!loop) return 0;
  evloop::Stats s = loop->stats();
  duk_push_object(ctx);
  duk_push_number(ctx, static_cast<double>(s.pending_timers));
  duk_put_prop_string(ctx, -2, "pendingTimers");
  duk_push_number(ctx, static_cast<double>(s.watched_fds));
  duk_put_prop_string(ctx, -2, "watchedFds");
  duk_push_number(ctx, static_cast<double>(s.native_bytes));
  duk_put_prop_string(ctx, -2, "nativeBytes");
  duk_push_boolean(ctx, loop->alive());
  duk_put_prop_string(ctx, -2, "alive");
  return 1;
}

/* After the again phase: an EBADF/ENOTSOCK or foreign bytes in the new
 * loop's ping-pong mean an object of the destroyed loop acted on a new fd
 * (docs/RELIABILITY.md, F3; off with EVLOOP_FUZZ_CHECK_STALE=0). Other outcomes (pending: the script stopped the loop or
 * polluted a prototype) prove nothing either way. */
void check_sanity(fuzz::Run& run, const std::string& body) {
  duk_context* ctx = run.ctx;
  duk_get_global_string(ctx, "SANITY");
  std::string v = duk_safe_to_string(ctx, -1);
  duk_pop(ctx);
  if (g_verbose) fprintf(stderr, "fuzz_js_api: the new loop's ping-pong: %s\n", v.c_str());
  if (!g_check_stale) return;
  if (v.find("EBADF") != std::string::npos || v.find("ENOTSOCK") != std::string::npos ||
      v.find(" got ") != std::string::npos) {
    std::string shown;
    for (size_t j = 0; j < v.size() && shown.size() < 160; j++) {
      unsigned char ch = static_cast<unsigned char>(v[j]);
      char esc[8];
      snprintf(esc, sizeof esc, ch >= 32 && ch < 127 ? "%c" : "\\x%02x", ch);
      shown += esc;
    }
    fprintf(stderr, "fuzz_js_api: an object of the destroyed loop reached the new loop's sockets: %s%s\n",
            shown.c_str(), v.size() > 160 ? "..." : "");
    if (!g_dump) dump(body);
    abort();
  }
}

/* The globals the prelude expects from the harness. */
void define_harness_globals(duk_context* ctx) {
  duk_push_global_object(ctx);
  duk_push_string(ctx, g_tmp.c_str());
  duk_put_prop_string(ctx, -2, "TMP");
  duk_push_c_function(ctx, js_turn, 1);
  duk_put_prop_string(ctx, -2, "__turn");
  duk_push_c_function(ctx, js_stats, 0);
  duk_put_prop_string(ctx, -2, "__stats");
  duk_pop(ctx);
}

/* Sets up a loop on the run's heap: the bindings, the harness globals and
 * the prelude (which must load: a failure is a harness bug). */
bool setup(fuzz::Run& run, bool prelude) {
  if (!run.loop->install(evloop::kBindAll)) return false;
  define_harness_globals(run.ctx);
  std::string err;
  if (prelude && !fuzz::eval(run.ctx, g_prelude, "js_api_prelude.js", &err)) {
    fprintf(stderr, "fuzz_js_api: the prelude failed: %s\n", err.c_str());
    abort();
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_prelude = fuzz::read_repo_file("tests/fuzz/js_api_prelude.js");
  const char* base = getenv("TMPDIR"); /* tests/run.py: a directory it removes afterwards */
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/evloop-fuzz-js-XXXXXX";
  if (!mkdtemp(&tmpl[0])) {
    perror("fuzz_js_api: mkdtemp");
    abort();
  }
  g_tmp = tmpl;
  mkdir((g_tmp + "/sub").c_str(), 0700);
  g_dump = fuzz::env_flag("EVLOOP_FUZZ_DUMP");
  g_dump_dir = getenv("EVLOOP_FUZZ_DUMP_DIR");
  if (g_dump_dir && !*g_dump_dir) g_dump_dir = nullptr;
  g_huge_fds = fuzz::env_flag("EVLOOP_FUZZ_HUGE_FDS", true);
  g_check_stale = fuzz::env_flag("EVLOOP_FUZZ_CHECK_STALE", true);
  g_verbose = fuzz::env_flag("EVLOOP_FUZZ_VERBOSE");
  fuzz::quiet_stdout();
  g_watchdog.init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1; /* keep scripts small */
  g_input_hash = 1469598103934665603ull;
  for (size_t j = 0; j < size; j++) g_input_hash = (g_input_hash ^ data[j]) * 1099511628211ull;
  fuzz::Bytes in(data, size);
  uint8_t config = in.u8();
  evloop::Mode mode = config & 1 ? evloop::Mode::Ecma : evloop::Mode::Native;
  evloop::Backend backend = config & 2 ? evloop::Backend::Poll : evloop::Backend::Epoll;
  bool after = (config & 4) != 0;    /* call the bindings after destroy() */
  bool again = (config & 12) == 12;  /* then a second loop on the same heap */
  Gen gen(in);
  std::string body = gen.script();
  if (g_dump || g_dump_dir)
    dump("// fuzz_js_api: " + std::string(mode == evloop::Mode::Ecma ? "ECMAScript loop (./evloop)" : "C++ loop (./evloop -c)") +
         ", " + (backend == evloop::Backend::Poll ? "poll" : "epoll") + (after ? ", AFTER() after destroy" : "") +
         (again ? ", then a second loop" : "") + "\nvar TMP = '" + g_tmp + "';\n" + g_prelude + body);

  int fd_before = fuzz::lowest_free_fd();
  g_watchdog.arm();
  {
    fuzz::Run run;
    if (!run.start(mode, backend) || !setup(run, true)) abort();
    fuzz::eval(run.ctx, body, "fuzz.js");
    run.drive(kTurns, kBudgetMs);
    run.destroy_loop();
    if (after) {
      /* A heap may outlive its loop: the bindings must throw, not touch
       * freed memory; then a new loop on the same heap must work. */
      fuzz::eval(run.ctx, "AFTER(); Duktape.gc();", "after.js");
      if (again) {
        /* Loop::create() (null) and install() (false, reported) may fail
         * here when the script polluted a prototype they assign through
         * (a getter-only Object.prototype.message or _events); what
         * they leave must still destroy cleanly. */
        run.loop = evloop::Loop::create(run.ctx, run.options);
        if (run.loop && setup(run, false)) {
          /* The old objects must not reach the new loop's fds: a ping-pong
           * on the new loop while AFTER() calls them (see sanity() in the
           * prelude); raw fd numbers are off (the script's own misuse). */
          fuzz::eval(run.ctx, "STALE = true; sanity();", "sanity.js");
          run.drive(4, kBudgetMs / 8, 0); /* connected: the new fds exist */
          fuzz::eval(run.ctx, "CALLS = 0; AFTER(); call(0, this, []);", "again.js");
          run.drive(kTurns / 4, kBudgetMs / 4, 0);
          check_sanity(run, body);
        }
      }
    }
    run.finish();
  }
  g_watchdog.disarm();
  int fd_after = fuzz::lowest_free_fd();
  if (fd_after != fd_before) {
    fprintf(stderr, "fuzz_js_api: fd leak: the lowest free fd was %d before the input, %d after\n", fd_before, fd_after);
    if (!g_dump) dump(body);
    abort();
  }
  return 0;
}
