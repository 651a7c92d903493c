/* Several heaps, each with its own loop, in one process: nothing is shared.
 * Interleaved on one thread, and run at the same time on two threads. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <string>
#include <thread>

using namespace test_support;

namespace {

const char* kScriptA =
    "var log = [];"
    "var first = setTimeout(function(){ log.push('a1'); }, 1);"
    "setTimeout(function(){ log.push('a10@' + EventLoop.now()); }, 10);"
    "var ia = setInterval(function(){ log.push('ai@' + EventLoop.now()); }, 15);"
    "setTimeout(function(){ log.push('a40'); clearInterval(ia); }, 40);"
    "first";

const char* kScriptB =
    "var log = [];"
    // Clearing ids that exist in heap A (and not yet here) must not touch A.
    "for (var i = 1; i < 50; i++) clearTimeout(i);"
    "setTimeout(function(){ log.push('b5@' + EventLoop.now()); }, 5);"
    "setTimeout(function(){ log.push('b20'); }, 20);"
    "var gone = setTimeout(function(){ log.push('b-cleared'); }, 25);"
    "clearTimeout(gone);"
    "typeof log";

/* An interval that cancels itself after its 4th tick. */
void four_ticks(evloop::Loop& loop, evloop::TimerId id, void* user) {
  if (++*static_cast<int*>(user) == 4) loop.cancel_timer(id);
}

void run_pair(evloop::Mode mode_a, evloop::Mode mode_b) {
  TestHeap a(mode_a), b(mode_b);
  REQUIRE(a.loop);
  REQUIRE(b.loop);
  CHECK(a.loop != b.loop);
  CHECK(evloop::Loop::of(a.ctx) == a.loop);
  CHECK(evloop::Loop::of(b.ctx) == b.loop);
  REQUIRE(a.loop->install(evloop::kBindAll));
  REQUIRE(b.loop->install(evloop::kBindAll));
  CHECK(js(a.ctx, kScriptA) == "1");
  CHECK(js(b.ctx, kScriptB) == "object");
  int native_a = 0, native_b = 0;
  REQUIRE(a.loop->add_timer(12, 0, count_tick, &native_a));
  REQUIRE(b.loop->add_timer(3, 3, four_ticks, &native_b));  // ticks at 3, 6, 9, 12
  // Interleave single turns until both are done.
  int turns = 0;
  bool a_alive = true, b_alive = true;
  while ((a_alive || b_alive) && turns < 200) {
    if (a_alive) a_alive = a.loop->run_once(-1);
    if (b_alive) b_alive = b.loop->run_once(-1);
    turns++;
  }
  CHECK(turns < 200);
  CHECK(js(a.ctx, "log.join(',')") == "a1,a10@10,ai@15,ai@30,a40");
  CHECK(js(b.ctx, "log.join(',')") == "b5@5,b20");
  CHECK(native_a == 1);
  CHECK(native_b == 4);
  // Each loop kept its own clock.
  CHECK(a.loop->now_ns() == 40 * 1000000LL);
  CHECK(b.loop->now_ns() == 20 * 1000000LL);
}

}  // namespace

TEST_CASE("two heaps, two loops, interleaved on one thread: timers do not mix") {
  SUBCASE("C++ loop and C++ loop") { run_pair(evloop::Mode::Native, evloop::Mode::Native); }
  SUBCASE("ECMAScript loop and ECMAScript loop") { run_pair(evloop::Mode::Ecma, evloop::Mode::Ecma); }
  SUBCASE("one of each") { run_pair(evloop::Mode::Native, evloop::Mode::Ecma); }
}

TEST_CASE("two heaps on two threads at the same time") {
  struct Result {
    std::string log;
    int code;
    bool ok;
  };
  auto worker = [](const char* tag, int n, Result* out) {
    TestHeap h;
    out->ok = h.loop && h.loop->install(evloop::kBindAll);
    if (!out->ok) return;
    std::string src = std::string("var log = [], n = 0, tag = '") + tag + "';" +
                      "var iv = setInterval(function(){ log.push(tag + (++n)); if (n === " + std::to_string(n) +
                      ") { clearInterval(iv); EventLoop.requestExit(n); } }, 1);";
    out->ok = js(h.ctx, src.c_str()) == "undefined";
    out->code = h.loop->run();
    out->log = js(h.ctx, "log.join(',')");
  };
  Result ra = {"", -1, false}, rb = {"", -1, false};
  std::thread ta(worker, "x", 300, &ra);
  std::thread tb(worker, "y", 200, &rb);
  ta.join();
  tb.join();
  CHECK(ra.ok);
  CHECK(rb.ok);
  CHECK(ra.code == 300);
  CHECK(rb.code == 200);
  std::string want_a, want_b;
  for (int i = 1; i <= 300; i++) want_a += (i > 1 ? ",x" : "x") + std::to_string(i);
  for (int i = 1; i <= 200; i++) want_b += (i > 1 ? ",y" : "y") + std::to_string(i);
  CHECK(ra.log == want_a);
  CHECK(rb.log == want_b);
}
