/* net.js (and, in the ECMAScript loop, ecma_stream.js) is compiled on first
 * use, not at install (src/bind/install.hpp): an empty script's heap has none of
 * it; the first get of `net` / `EventEmitter` or the first call of a seed
 * EventLoop function loads it, from anywhere (a timer callback, the seed API
 * first); net keeps the timer functions of install time; a load after
 * Loop::destroy throws; a load that runs out of memory throws to the script
 * and a later use loads. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <string>

using namespace test_support;

namespace {

/* A Duktape heap on a counting allocator with an optional limit (0: none). */
struct Counter {
  size_t bytes;
  size_t limit;
};
const size_t kHeader = 16; /* keeps malloc's alignment */
void* count_alloc(void* u, duk_size_t n) {
  Counter* c = static_cast<Counter*>(u);
  if (c->limit && c->bytes + n > c->limit) return nullptr;
  char* p = static_cast<char*>(malloc(n + kHeader));
  if (!p) return nullptr;
  *reinterpret_cast<size_t*>(p) = n;
  c->bytes += n;
  return p + kHeader;
}
void count_free(void* u, void* ptr) {
  if (!ptr) return;
  char* p = static_cast<char*>(ptr) - kHeader;
  static_cast<Counter*>(u)->bytes -= *reinterpret_cast<size_t*>(p);
  free(p);
}
void* count_realloc(void* u, void* ptr, duk_size_t n) {
  Counter* c = static_cast<Counter*>(u);
  if (!ptr) return count_alloc(u, n);
  if (n == 0) {
    count_free(u, ptr);
    return nullptr;
  }
  char* p = static_cast<char*>(ptr) - kHeader;
  size_t old = *reinterpret_cast<size_t*>(p);
  if (c->limit && n > old && c->bytes + (n - old) > c->limit) return nullptr;
  char* q = static_cast<char*>(realloc(p, n + kHeader));
  if (!q) return nullptr;
  *reinterpret_cast<size_t*>(q) = n;
  c->bytes = c->bytes - old + n;
  return q + kHeader;
}

struct CountedHeap {
  Counter counter;
  duk_context* ctx;
  evloop::Loop* loop;
  explicit CountedHeap(evloop::Mode mode) : counter{0, 0}, ctx(nullptr), loop(nullptr) {
    ctx = duk_create_heap(count_alloc, count_realloc, count_free, &counter, nullptr);
    if (ctx) loop = evloop::Loop::create(ctx, options_with(mode));
  }
  ~CountedHeap() {
    if (loop) loop->destroy();
    if (ctx) duk_destroy_heap(ctx);
  }
  size_t settled() {
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    return counter.bytes;
  }
  CountedHeap(const CountedHeap&) = delete;
  CountedHeap& operator=(const CountedHeap&) = delete;
};

/* The port a listening fd is bound to. */
int port_of(int fd) {
  sockaddr_in a;
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  return ntohs(a.sin_port);
}

/* An echo round trip through net, as a script: sets `done` (true) or
 * `failed` (a message). */
const char* kNetEcho =
    "var done = false, failed = '';"
    "function echo() {"
    "  var srv = net.createServer(function (s) { s.on('data', function (d) { s.end(d); }); });"
    "  srv.listen(0, '127.0.0.1', function () {"
    "    var c = net.connect(srv.address().port, '127.0.0.1', function () { c.write('ping'); });"
    "    var got = '';"
    "    c.setTimeout(5000, function () { failed = 'idle timeout'; c.destroy(); });"
    "    c.on('data', function (d) { got += d; });"
    "    c.on('end', function () { c.setTimeout(0); done = got === 'ping'; if (!done) failed = got; srv.close(); });"
    "    c.on('error', function (e) { failed = String(e); });"
    "  });"
    "}";

}  // namespace

TEST_CASE("lazy net: an empty script's heap has no net.js; the first use loads it") {
  for_each_mode([&](evloop::Mode mode) {
    CountedHeap h(mode);
    REQUIRE(install_all(h));
    size_t empty = h.settled();
    /* Neither the presence checks nor the seed functions' types load it. */
    CHECK(js(h.ctx, "String('net' in this) + ('EventEmitter' in this) + Object.keys(this).indexOf('net') +"
                    " typeof EventLoop.server + typeof EventLoop.close") == "truetrue-1functionfunction");
    CHECK(js(h.ctx, "typeof Object.getOwnPropertyDescriptor(this, 'net').get") == "function");
    size_t checked = h.settled();
    CHECK(checked < empty + 4096);
    CHECK(js(h.ctx, "typeof net") == "object");
    size_t loaded = h.settled();
    MESSAGE(mode_name(mode) << ": heap after install " << empty << " bytes, after typeof net " << loaded);
    CHECK(loaded > empty + 100000); /* net.js's functions (and ecma_stream.js's) */
    /* Now plain data properties, as net.js always defined them. */
    CHECK(js(h.ctx, "var d = Object.getOwnPropertyDescriptor(this, 'net'), e = Object.getOwnPropertyDescriptor(this, 'EventEmitter');"
                    "[d.value === net, d.writable, d.enumerable, d.configurable, 'get' in d,"
                    " e.value === EventEmitter, e.writable, e.enumerable, e.configurable,"
                    " typeof EventEmitter, typeof net.createServer, EventLoop.server.length, EventLoop.connect.length,"
                    " Object.getOwnPropertyDescriptor(EventLoop, 'write').enumerable].join()") ==
          "true,true,false,true,false,true,true,false,true,function,function,3,4,false");
    /* Loaded once: another use costs nothing more. */
    CHECK(js(h.ctx, "typeof EventEmitter + typeof EventLoop.setReader") == "functionfunction");
    CHECK(h.settled() < loaded + 4096);
  });
}

TEST_CASE("lazy net: first use from a timer callback, in both loops") {
  for_each_mode(Time::Real, [&](TestHeap& h, evloop::Mode) {
    CHECK(js(h.ctx, kNetEcho) == "undefined");
    CHECK(js(h.ctx, "setTimeout(echo, 1); 'ok'") == "ok");
    CHECK(run_until(h, "done || failed !== ''", 200));
    CHECK(js(h.ctx, "failed") == "");
  });
}

TEST_CASE("lazy net: the seed API first, through saved stubs, then net") {
  for_each_mode(Time::Real, [&](TestHeap& h, evloop::Mode mode) {
    /* Saved before the load: they keep working after it (they forward). */
    CHECK(js(h.ctx, "var srv = EventLoop.server, cn = EventLoop.connect, rd = EventLoop.setReader,"
                    " wr = EventLoop.write, cl = EventLoop.close, got = '', accepted = -1;"
                    "var lfd = srv('127.0.0.1', 0, function (fd) {"
                    "  accepted = fd;"
                    "  rd(fd, function (f, data) { got += data; if (got === 'hello') { cl(f); } });"
                    "}); typeof lfd") == "number");
    CHECK(js(h.ctx, "EventLoop.server !== srv && EventLoop.server.length === 3") == "true");
    int port = port_of(atoi(js(h.ctx, "String(lfd)").c_str()));
    REQUIRE(port > 0);
    std::string connect = "var cfd = cn('127.0.0.1', " + std::to_string(port) +
                          ", function (fd) { wr(fd, 'hel'); EventLoop.write(fd, 'lo'); },"
                          " function (e) { got = 'error ' + e; }); typeof cfd";
    CHECK(js(h.ctx, connect.c_str()) == "number");
    CHECK(run_until(h, "got === 'hello'", 200));
    CHECK(js(h.ctx, "cl(cfd); EventLoop.close(lfd); typeof net + typeof EventEmitter") == "objectfunction");
    /* A stub called as a method of another object still gets its arguments
     * checked by the real function. */
    TestHeap h2(options_with(mode), Time::Real);
    REQUIRE(install_all(h2));
    CHECK(js(h2.ctx, "try { EventLoop.setReader(0, 'not a function'); 'no error' } catch (e) { e.name + ': ' + e.message }") ==
          "TypeError: EventLoop.setReader: onData must be a function");
  });
}

TEST_CASE("lazy net: replacing setTimeout/clearTimeout before the first use does not break net") {
  for_each_mode(Time::Real, [&](TestHeap& h, evloop::Mode) {
    CHECK(js(h.ctx, kNetEcho) == "undefined");
    CHECK(js(h.ctx, "var realSet = setTimeout; realSet(echo, 1);"
                    "setTimeout = function () { throw new Error('replaced setTimeout called'); };"
                    "clearTimeout = function () { throw new Error('replaced clearTimeout called'); };"
                    "Buffer = null; TextEncoder = null; TextDecoder = null; 'ok'") == "ok");
    CHECK(run_until(h, "done || failed !== ''", 200));
    CHECK(js(h.ctx, "failed") == "");
  });
}

TEST_CASE("lazy net: assigning or deleting the globals before any use") {
  for_each_mode(Time::Virtual, [&](TestHeap& h, evloop::Mode mode) {
    /* net = x: a data property as before; loading later leaves it alone. */
    CHECK(js(h.ctx, "net = 5; var d = Object.getOwnPropertyDescriptor(this, 'net');"
                    "[net, d.value, d.writable, d.enumerable, d.configurable].join()") == "5,5,true,false,true");
    CHECK(js(h.ctx, "delete EventEmitter") == "true");
    CHECK(js(h.ctx, "typeof EventEmitter") == "undefined");
    CHECK(js(h.ctx, "try { EventLoop.write(-1, ''); 'no error' } catch (e) { e.name }") == "RangeError"); /* loads */
    CHECK(js(h.ctx, "[net, 'EventEmitter' in this, EventLoop.write.length].join()") == "5,false,2");
    /* In strict code too. */
    TestHeap h2(options_with(mode));
    REQUIRE(install_all(h2));
    CHECK(js(h2.ctx, "(function () { 'use strict'; EventEmitter = 'mine'; })(); typeof net + EventEmitter") ==
          "objectmine");
    /* A function declaration of the same name wins too. */
    TestHeap h3(options_with(mode));
    REQUIRE(install_all(h3));
    CHECK(js(h3.ctx, "function net() { return 'mine'; } typeof EventEmitter + net()") == "functionmine");
  });
}

TEST_CASE("lazy net: a first use after Loop::destroy throws an Error; a new loop loads again") {
  for_each_mode([&](evloop::Mode mode) {
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    evloop::Loop* loop = evloop::Loop::create(ctx, options_with(mode));
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    CHECK(js(ctx, "var stub = EventLoop.server, getNet = Object.getOwnPropertyDescriptor(this, 'net').get; 'ok'") == "ok");
    loop->destroy();
    std::string a = js(ctx, "typeof net");
    std::string b = js(ctx, "EventEmitter");
    std::string c = js(ctx, "stub('127.0.0.1', 0, function () {})");
    std::string d = js(ctx, "getNet()");
    CHECK(a.find("ERROR: Error: evloop: the event loop of net was destroyed") == 0);
    CHECK(b == a);
    CHECK(c == a);
    CHECK(d == a);
    loop = evloop::Loop::create(ctx, options_with(mode));
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    CHECK(js(ctx, "typeof net.createServer") == "function");
    CHECK(js(ctx, "stub('127.0.0.1', 0, function () {})").find("ERROR: Error") == 0); /* the old loop's */
    loop->destroy();
    duk_destroy_heap(ctx);
  });
}

TEST_CASE("lazy net: out of memory while loading is an error to the script; a later use loads") {
  for_each_mode([&](evloop::Mode mode) {
    CountedHeap h(mode);
    REQUIRE(install_all(h));
    h.counter.limit = h.settled() + 60000; /* room for the script, not for net.js */
    std::string first = js(h.ctx, "var r; try { r = typeof net; } catch (e) { r = 'threw ' + e; } r");
    CAPTURE(first);
    /* 'Error: alloc failed (line N)' here; any error thrown to the script
     * will do (Duktape may fail to build the error too: a DoubleError). */
    CHECK(first.find("threw ") == 0);
    CHECK(first.find("Error") != std::string::npos);
    std::string second = js(h.ctx, "try { r = EventLoop.server('127.0.0.1', 0, 'x'); } catch (e) { r = 'threw ' + e; } r");
    CAPTURE(second);
    CHECK(second.find("threw ") == 0);
    CHECK(second.find("TypeError") == std::string::npos); /* not loaded: no argument check ran */
    h.counter.limit = 0;
    CHECK(js(h.ctx, "typeof net + typeof EventEmitter + EventLoop.close.length") == "objectfunction1");
  });
}

TEST_CASE("lazy net: two heaps load independently") {
  TestHeap a(options_with(evloop::Mode::Native));
  TestHeap b(options_with(evloop::Mode::Ecma));
  REQUIRE(a.loop);
  REQUIRE(b.loop);
  REQUIRE(a.loop->install(evloop::kBindAll));
  REQUIRE(b.loop->install(evloop::kBindAll));
  CHECK(js(a.ctx, "typeof net") == "object");
  CHECK(js(b.ctx, "typeof Object.getOwnPropertyDescriptor(this, 'net').get") == "function"); /* not loaded */
  CHECK(js(b.ctx, "EventLoop.server.length") == "0");
  CHECK(js(b.ctx, "typeof EventEmitter") == "function");
  CHECK(js(b.ctx, "EventLoop.server.length") == "3");
}
