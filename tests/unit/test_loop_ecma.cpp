/* The JS-level checks in both modes: Mode::Native (the C++ loop) and
 * Mode::Ecma (the ECMAScript loop). The same script must give the same result
 * through run() and run_once(), and errors take the same path. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace test_support;

namespace {

/* Host-side log shared by JS (note(text)) and native timers. */
std::vector<std::string>* g_notes = nullptr;
duk_ret_t js_note(duk_context* ctx) {
  if (g_notes) g_notes->push_back(duk_safe_to_string(ctx, 0));
  return 0;
}

struct JsHeap {
  duk_context* ctx;
  evloop::VirtualClock vclock;
  evloop::Loop* loop;
  HookLog errors;
  std::vector<std::string> notes;
  bool installed;
  explicit JsHeap(evloop::Mode mode) : ctx(duk_create_heap_default()), loop(nullptr), installed(false) {
    evloop::Options o;
    o.mode = mode;
    o.clock = vclock.clock();
    o.on_error = hook;
    o.on_error_user = &errors;
    if (ctx) loop = evloop::Loop::create(ctx, o);
    if (loop) installed = loop->install(evloop::kBindAll);
    if (ctx) {
      duk_push_c_function(ctx, js_note, 1);
      duk_put_global_string(ctx, "note");
    }
    g_notes = &notes;
  }
  ~JsHeap() {
    g_notes = nullptr;
    if (loop) loop->destroy();
    if (ctx) duk_destroy_heap(ctx);
  }
  JsHeap(const JsHeap&) = delete;
  JsHeap& operator=(const JsHeap&) = delete;

  /* loop->run() under a watchdog. */
  int run() {
    Watchdog dog(loop, 10);
    int rc = loop->run();
    bool fired = dog.stop();
    CHECK_MESSAGE(!fired, "run() did not return within 10 s: stopped by the watchdog");
    return rc;
  }

  std::string js(const std::string& src) { return test_support::js(ctx, src.c_str()); }
};

const char* kOrderScript =
    "var log = [];"
    "function at(tag) { return function(){ log.push(tag + '@' + EventLoop.now()); }; }"
    "setTimeout(at('c'), 30);"
    "setTimeout(at('a'), 10);"
    "setTimeout(at('b1'), 20);"
    "setTimeout(at('b2'), 20);"
    "setTimeout(at('z'), 0);"
    "var n = 0, iv = setInterval(function(){ at('i')(); if (++n === 3) clearInterval(iv); }, 15);"
    "'ok'";
const char* kOrderWant = "z@0,a@10,i@15,b1@20,b2@20,c@30,i@30,i@45";

/* Calls body(h) with a fresh JsHeap in each mode, the mode's name captured. */
template <typename Body>
void with_each_mode(Body body) {
  for_each_mode([&](evloop::Mode mode) {
    JsHeap h(mode);
    REQUIRE(h.installed);
    body(h);
  });
}

}  // namespace

TEST_CASE("JS (both loops): mode and bindings") {
  for_each_mode([&](evloop::Mode mode) {
    JsHeap h(mode);
    REQUIRE(h.loop);
    CHECK(h.installed);
    CHECK(h.loop->mode() == mode);
    CHECK(h.js("[typeof setTimeout, typeof setInterval, typeof clearTimeout, typeof clearInterval,"
               " typeof EventLoop.watch, typeof EventLoop.unwatch, typeof EventLoop.requestExit,"
               " typeof EventLoop.now, typeof requestEventLoopExit, EventLoop.onerror].join()") ==
          "function,function,function,function,function,function,function,function,function,");
    CHECK(h.js("typeof setTimeout(function(){}, 1)") == "number");
    CHECK(h.loop->install(evloop::kBindTimers));  // again: harmless
    CHECK(h.run() == 0);
    CHECK(h.errors.reports.empty());
  });
}

TEST_CASE("JS (both loops): timers run in deadline order through run()") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js(kOrderScript) == "ok");
    CHECK(h.loop->alive());
    CHECK(h.loop->stats().pending_timers == 6);
    CHECK(h.run() == 0);
    CHECK(h.js("log.join(',')") == kOrderWant);
    CHECK_FALSE(h.loop->alive());
    CHECK(h.loop->stats().pending_timers == 0);
    CHECK(h.loop->stats().callbacks_run == 8);
    CHECK(h.errors.reports.empty());
  });
}

TEST_CASE("JS (both loops): timers run in deadline order through run_once()") {
  for_each_mode([&](evloop::Mode mode) {
    SUBCASE("run_once(-1): one turn per deadline") {
      JsHeap h(mode);
      REQUIRE(h.installed);
      CHECK(h.js(kOrderScript) == "ok");
      int turns = 0;
      while (turns < 50 && h.loop->run_once(-1)) turns++;
      turns++;  // the last call, which returned false
      CHECK(turns == 6);  // deadlines 0, 10, 15, 20, 30, 45
      CHECK(h.js("log.join(',')") == kOrderWant);
      CHECK_FALSE(h.loop->run_once(-1));
    }
    SUBCASE("manual clock: run_once(0) after advancing") {
      JsHeap h(mode);
      REQUIRE(h.installed);
      h.vclock.auto_advance = false;
      CHECK(h.js("var fired = []; setTimeout(function(){ fired.push(EventLoop.now()); }, 50); 'ok'") == "ok");
      CHECK(h.loop->run_once(0));
      CHECK(h.js("fired.length") == "0");
      CHECK(h.loop->run_once(1000));  // virtual: no time passes
      CHECK(h.js("fired.length") == "0");
      h.vclock.advance_ms(49.9999);
      CHECK(h.loop->run_once(0));
      CHECK(h.js("fired.length") == "0");  // never early
      h.vclock.advance_ms(0.0001);
      CHECK_FALSE(h.loop->run_once(0));
      CHECK(h.js("fired.join()") == "50");
    }
    SUBCASE("run_once(max) stops at the next deadline") {
      JsHeap h(mode);
      REQUIRE(h.installed);
      CHECK(h.js("var fired = 0; setTimeout(function(){ fired++; }, 50); 'ok'") == "ok");
      CHECK(h.loop->run_once(20));
      CHECK(h.js("fired") == "0");
      CHECK(h.loop->now_ns() == 20 * kMs);
      CHECK_FALSE(h.loop->run_once(1000));
      CHECK(h.js("fired") == "1");
      CHECK(h.loop->now_ns() == 50 * kMs);
    }
  });
}

TEST_CASE("JS (both loops): arguments, string callbacks, clearing inside a round, zero-delay chains") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js("var log = [];"
               "setTimeout(function(a, b){ log.push('args:' + a + b); }, 5, 'x', 'y');"
               "setTimeout('log.push(\"string\")', 6);"
               "var victim;"
               "setTimeout(function(){ log.push('killer'); clearTimeout(victim); }, 10);"
               "victim = setTimeout(function(){ log.push('victim'); }, 10);"
               "var k = 0; (function chain(){ log.push('z' + k); if (++k < 3) setTimeout(chain, 0); })();"
               "setTimeout(function(){ log.push('t0'); }, 0);"
               "'ok'") == "ok");
    CHECK(h.run() == 0);
    // The chain's first link ran synchronously; each next one a turn later,
    // after the timer that was already due.
    CHECK(h.js("log.join()") == "z0,z1,t0,z2,args:xy,string,killer");
    CHECK(h.js("typeof setTimeout(42, 1)").compare(0, 16, "ERROR: TypeError") == 0);
    CHECK(h.js("clearTimeout('nope'); clearTimeout(-1); clearTimeout(1e300); clearInterval({}); 'ok'") == "ok");
  });
}

TEST_CASE("JS (both loops): requestExit returns its code from run(); nothing runs after it") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js("var log = [];"
               "setTimeout(function(){ log.push('a'); EventLoop.requestExit(3); log.push('a-end'); }, 10);"
               "setTimeout(function(){ log.push('same-round'); }, 10);"
               "setTimeout(function(){ log.push('later'); }, 20);"
               "'ok'") == "ok");
    CHECK(h.run() == 3);
    CHECK(h.js("log.join()") == "a,a-end");
    CHECK(h.loop->exit_requested());
    CHECK(h.loop->exit_code() == 3);
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(h.run() == 3);
    CHECK(h.js("log.join()") == "a,a-end");
  });
}

TEST_CASE("JS (both loops): requestEventLoopExit() exits with 0") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js("var ran = 0; setInterval(function(){ if (++ran === 2) requestEventLoopExit(); }, 1); 'ok'") == "ok");
    CHECK(h.run() == 0);
    CHECK(h.js("ran") == "2");
    CHECK(h.loop->exit_requested());
  });
}

TEST_CASE("JS (both loops): the error hook gets the stack trace and the loop goes on") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js("var after = 0;"
               "setTimeout(function(){ throw new Error('boom') }, 0);"
               "setTimeout(function(){ after++; }, 5);"
               "'ok'") == "ok");
    CHECK(h.run() == 0);
    REQUIRE(h.errors.reports.size() == 1);
    CAPTURE(h.errors.reports[0]);
    CHECK(contains(h.errors.reports[0], "Error: boom"));
    CHECK(contains(h.errors.reports[0], "\n    at "));
    CHECK(h.js("after") == "1");
    CHECK(h.loop->stats().errors == 1);
    CHECK(h.loop->stats().errors_reported == 1);
  });
}

TEST_CASE("JS (both loops): EventLoop.onerror takes errors instead of the hook") {
  with_each_mode([](JsHeap& h) {
    CHECK(h.js("var caught = [], after = 0;"
               "EventLoop.onerror = function(e){ caught.push(e instanceof Error ? e.message : typeof e); };"
               "setTimeout(function(){ throw new Error('boom') }, 0);"
               "setTimeout(function(){ after++; }, 5);"
               "'ok'") == "ok");
    CHECK(h.run() == 0);
    CHECK(h.errors.reports.empty());
    CHECK(h.js("caught.join('|')") == "boom");
    CHECK(h.js("after") == "1");
    CHECK(h.loop->stats().errors == 1);
    CHECK(h.loop->stats().errors_reported == 0);
  });
}

TEST_CASE("JS (both loops): an fd watcher on a pipe") {
  with_each_mode([](JsHeap& h) {
    int p[2];
    REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
    std::string fd = std::to_string(p[0]);
    CHECK(h.js("var got = [];"
               "EventLoop.watch(" + fd + ", Poll.POLLIN, function(fd, revents){"
               "  got.push(fd + ':' + revents);"
               "  got.push('unwatch:' + EventLoop.unwatch(fd));"
               "}); 'ok'") == "ok");
    CHECK(h.loop->stats().watched_fds == 1);
    CHECK(h.loop->run_once(0));
    CHECK(h.js("got.length") == "0");
    REQUIRE(::write(p[1], "x", 1) == 1);
    CHECK_FALSE(h.loop->run_once(0));  // the callback unwatched: nothing left
    CHECK(h.js("got.join()") == fd + ":1,unwatch:true");
    CHECK(h.js("EventLoop.unwatch(" + fd + ")") == "false");
    CHECK(h.loop->stats().watched_fds == 0);
    CHECK(h.js("try { EventLoop.watch(-1, 1, function(){}); 'no' } catch (e) { e.name }") == "RangeError");
    ::close(p[0]);
    ::close(p[1]);
    CHECK(h.errors.reports.empty());
  });
}

TEST_CASE("JS (both loops): native and JS timers share one timeline") {
  with_each_mode([](JsHeap& h) {
    struct N {
      static void tick(evloop::Loop& loop, evloop::TimerId, void* user) {
        static_cast<std::vector<std::string>*>(user)->push_back("native@" + std::to_string(loop.now_ns() / kMs));
      }
    };
    REQUIRE(h.loop->add_timer(15, 0, N::tick, &h.notes));
    REQUIRE(h.loop->add_timer(35, 0, N::tick, &h.notes));
    CHECK(h.js("setTimeout(function(){ note('js@' + EventLoop.now()); }, 10);"
               "setTimeout(function(){ note('js@' + EventLoop.now()); }, 20);"
               "setTimeout(function(){ note('js@' + EventLoop.now()); }, 40);"
               "'ok'") == "ok");
    CHECK(h.loop->stats().pending_timers == 5);
    CHECK(h.run() == 0);
    CHECK(join(h.notes) == "js@10,native@15,js@20,native@35,js@40");
  });
}
