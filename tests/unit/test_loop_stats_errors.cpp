/* Loop::stats() and the error path: the host hook gets the stack trace of an
 * error a JS callback threw, EventLoop.onerror takes it first, the loop goes
 * on either way. (The C++ loop; test_loop_ecma.cpp repeats the JS checks with
 * the ECMAScript loop.) */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

using namespace test_support;

namespace {

void busy_tick(evloop::Loop&, evloop::TimerId, void*) {
  std::chrono::steady_clock::time_point end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  while (std::chrono::steady_clock::now() < end) {
  }
}
void read_fd(evloop::Loop& loop, int fd, unsigned, void* user) {
  char buf[16];
  if (::read(fd, buf, sizeof buf) > 0) ++*static_cast<int*>(user);
  loop.unwatch(fd);
}

/* Installs every binding on h's loop and points its error hook at log. */
void install_with_hook(TestHeap& h, HookLog& log) {
  REQUIRE(install_all(h));
  h.loop->set_error_hook(hook, &log);
}

}  // namespace

TEST_CASE("stats: counts timers, watchers and callbacks") {
  TestHeap h;
  REQUIRE(h.loop);
  evloop::Stats s = h.loop->stats();
  CHECK(s.pending_timers == 0);
  CHECK(s.watched_fds == 0);  // the loop's own fds do not count
  CHECK(s.callbacks_run == 0);
  CHECK(s.errors == 0);
  CHECK(s.errors_reported == 0);
  CHECK(s.slowest_callback_ns == 0);
  CHECK(s.native_bytes > 0);  // the loop itself

  int fired = 0, reads = 0;
  REQUIRE(h.loop->add_timer(1, 0, count_tick, &fired));
  REQUIRE(h.loop->add_timer(2, 0, count_tick, &fired));
  evloop::TimerId c = h.loop->add_timer(3, 0, count_tick, &fired);
  REQUIRE(c);
  CHECK(h.loop->stats().pending_timers == 3);
  CHECK(h.loop->cancel_timer(c));
  CHECK(h.loop->stats().pending_timers == 2);
  Pipe p;
  REQUIRE(h.loop->watch(p.r, evloop::kReadable, read_fd, &reads));
  CHECK(h.loop->stats().watched_fds == 1);
  REQUIRE(::write(p.w, "x", 1) == 1);
  static int task_runs = 0;
  task_runs = 0;
  evloop::Task t = {[](evloop::Loop&, evloop::Task*) { task_runs++; }, nullptr};
  h.loop->post(&t);
  CHECK(h.loop->run() == 0);
  CHECK(fired == 2);
  CHECK(reads == 1);
  CHECK(task_runs == 1);
  s = h.loop->stats();
  CHECK(s.callbacks_run == 4);  // 2 timers + 1 watcher + 1 task
  CHECK(s.pending_timers == 0);
  CHECK(s.watched_fds == 0);
  CHECK(s.errors == 0);
}

TEST_CASE("stats: slowest_callback_ns measures real time, whatever the loop clock") {
  TestHeap h;
  REQUIRE(h.loop);
  int fired = 0;
  REQUIRE(h.loop->add_timer(0, 0, count_tick, &fired));
  CHECK(h.loop->run() == 0);
  int64_t quick = h.loop->stats().slowest_callback_ns;
  CHECK(quick >= 0);
  REQUIRE(h.loop->add_timer(0, 0, busy_tick, nullptr));
  CHECK(h.loop->run() == 0);
  int64_t slow = h.loop->stats().slowest_callback_ns;
  CHECK(slow > 0);
  CHECK(slow >= 2000000);  // the callback spun for 2 ms of real time
  CHECK(h.loop->now_ns() == 0);  // while the virtual loop clock did not move
  // A later quick callback does not lower the maximum.
  REQUIRE(h.loop->add_timer(0, 0, count_tick, &fired));
  CHECK(h.loop->run() == 0);
  CHECK(h.loop->stats().slowest_callback_ns == slow);
}

/* The timer arrays keep their capacity once grown (slots keep their
 * generation so stale ids never match a new timer): memory grows with the
 * peak number of pending timers and is reused after, never grows again. */
/* The 64-byte budget in its worst case: no two timers share a duration (each
 * heads a list of its own, with a heap entry), measured after every timer, so
 * also right after each growth of the tables (63.4 at worst here, at 3,976
 * timers). From 1,000 timers on: below, the tables' minimum sizes dominate. */
TEST_CASE("stats: at most 64 native bytes per pending timer, every timer of its own duration") {
  TestHeap h;
  REQUIRE(h.loop);
  size_t base = h.loop->stats().native_bytes;
  int fired = 0;
  double worst = 0;
  for (int n = 1; n <= 30000; n++) {
    REQUIRE(h.loop->add_timer(1000 + n, 0, count_tick, &fired));
    if (n < 1000) continue;
    double per = static_cast<double>(h.loop->stats().native_bytes - base) / n;
    if (per > worst) worst = per;
  }
  CHECK_MESSAGE(worst <= 64.0, "worst " << worst << " bytes per timer");
  CHECK(worst > 40.0); /* it measures something: a slot alone is 48 bytes on x86-64 */
}

TEST_CASE("stats: native_bytes grows with timers and is reused after they are cancelled") {
  TestHeap h;
  REQUIRE(h.loop);
  size_t base = h.loop->stats().native_bytes;
  CHECK(base > 0);
  int fired = 0;
  std::vector<evloop::TimerId> ids;
  for (int i = 0; i < 100; i++) {
    evloop::TimerId id = h.loop->add_timer(10 + i, 0, count_tick, &fired);
    REQUIRE(id);
    ids.push_back(id);
  }
  size_t with_timers = h.loop->stats().native_bytes;
  CHECK(with_timers > base);
  // The 64-byte budget per pending timer (see memory.hpp).
  CHECK((with_timers - base) / 100 <= 64);
  for (evloop::TimerId id : ids) REQUIRE(h.loop->cancel_timer(id));
  CHECK(h.loop->stats().pending_timers == 0);
  CHECK(h.loop->stats().native_bytes == with_timers);
  // A second round of the same size reuses the memory.
  std::vector<evloop::TimerId> again;
  for (int i = 0; i < 100; i++) again.push_back(h.loop->add_timer(10 + i, 0, count_tick, &fired));
  CHECK(h.loop->stats().native_bytes == with_timers);
  for (evloop::TimerId id : ids) CHECK_FALSE(h.loop->cancel_timer(id));  // stale ids
  for (evloop::TimerId id : again) REQUIRE(h.loop->cancel_timer(id));
  CHECK(h.loop->stats().native_bytes == with_timers);
  CHECK(fired == 0);
}

TEST_CASE("error hook: gets the stack trace of a JS timer error and the loop goes on") {
  TestHeap h;
  HookLog log;
  install_with_hook(h, log);
  CHECK(js(h.ctx,
           "var after = 0;"
           "setTimeout(function(){ throw new Error('boom') }, 0);"
           "setTimeout(function(){ after++; }, 5);"
           "typeof setTimeout") == "function");
  CHECK(h.loop->run() == 0);
  REQUIRE(log.reports.size() == 1);
  CAPTURE(log.reports[0]);
  CHECK(contains(log.reports[0], "Error: boom"));
  CHECK(contains(log.reports[0], "\n    at "));  // a stack trace, not only the message
  CHECK(log.loop_seen == h.loop);
  CHECK(js(h.ctx, "after") == "1");
  evloop::Stats s = h.loop->stats();
  CHECK(s.errors == 1);
  CHECK(s.errors_reported == 1);
  CHECK(s.callbacks_run == 2);
}

TEST_CASE("error hook: non-Error throws, interval and watcher callbacks") {
  TestHeap h;
  HookLog log;
  install_with_hook(h, log);
  Pipe p;
  REQUIRE(::write(p.w, "x", 1) == 1);
  std::string script =
      "var ticks = 0;"
      "var iv = setInterval(function(){ if (++ticks === 3) clearInterval(iv); throw 'tick ' + ticks; }, 10);"
      "EventLoop.watch(" + std::to_string(p.r) + ", Poll.POLLIN, function(fd, rev){"
      "  EventLoop.unwatch(fd); throw new TypeError('from watcher ' + (rev & Poll.POLLIN)); });"
      "'ok'";
  CHECK(js(h.ctx, script.c_str()) == "ok");
  CHECK(h.loop->run() == 0);
  REQUIRE(log.reports.size() == 4);
  CHECK(contains(log.reports[0], "TypeError: from watcher 1"));
  CHECK(log.reports[1] == "tick 1");  // a thrown string has no stack: the value itself
  CHECK(log.reports[2] == "tick 2");
  CHECK(log.reports[3] == "tick 3");
  CHECK(js(h.ctx, "ticks") == "3");  // the interval kept going after each throw
  CHECK(h.loop->stats().errors == 4);
  CHECK(h.loop->stats().errors_reported == 4);
}

TEST_CASE("error hook: Options::on_error works from creation; set_error_hook replaces it") {
  HookLog first, second;
  evloop::Options o;
  o.on_error = hook;
  o.on_error_user = &first;
  TestHeap h(o);
  REQUIRE(h.loop);
  REQUIRE(h.loop->install(evloop::kBindTimers));
  CHECK(js(h.ctx, "setTimeout(function(){ throw new Error('one') }, 0); 1") == "1");
  CHECK(h.loop->run() == 0);
  h.loop->set_error_hook(hook, &second);
  CHECK(js(h.ctx, "setTimeout(function(){ throw new Error('two') }, 0); 1") == "1");
  CHECK(h.loop->run() == 0);
  REQUIRE(first.reports.size() == 1);
  REQUIRE(second.reports.size() == 1);
  CHECK(contains(first.reports[0], "one"));
  CHECK(contains(second.reports[0], "two"));
}

TEST_CASE("EventLoop.onerror set from JS takes the error instead of the hook") {
  TestHeap h;
  HookLog log;
  install_with_hook(h, log);
  CHECK(js(h.ctx,
           "var caught = [], after = 0, self = null;"
           "EventLoop.onerror = function(e){ caught.push(e.message); self = this; };"
           "setTimeout(function(){ throw new Error('boom') }, 0);"
           "setTimeout(function(){ after++; }, 5);"
           "'ok'") == "ok");
  CHECK(h.loop->run() == 0);
  CHECK(log.reports.empty());  // the hook was not called
  CHECK(js(h.ctx, "caught.join('|')") == "boom");
  CHECK(js(h.ctx, "self === EventLoop") == "true");
  CHECK(js(h.ctx, "after") == "1");
  CHECK(h.loop->stats().errors == 1);
  CHECK(h.loop->stats().errors_reported == 0);

  SUBCASE("a throwing handler: its own error goes to the hook, the loop goes on") {
    CHECK(js(h.ctx,
             "EventLoop.onerror = function(e){ throw new Error('handler failed on ' + e.message); };"
             "setTimeout(function(){ throw new Error('again') }, 0);"
             "setTimeout(function(){ after++; }, 5);"
             "'ok'") == "ok");
    CHECK(h.loop->run() == 0);
    REQUIRE(log.reports.size() == 1);
    CHECK(contains(log.reports[0], "handler failed on again"));
    CHECK(js(h.ctx, "after") == "2");
  }
  SUBCASE("onerror set back to null: the hook again") {
    CHECK(js(h.ctx,
             "EventLoop.onerror = null;"
             "setTimeout(function(){ throw new Error('later') }, 0); 'ok'") == "ok");
    CHECK(h.loop->run() == 0);
    REQUIRE(log.reports.size() == 1);
    CHECK(contains(log.reports[0], "Error: later"));
  }
}
