/* Driving the loop: run() and its exit code, request_exit, post() and wake()
 * from other threads, pollable_fd() for a foreign loop, next_timeout_ms(). */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace test_support;

namespace {

/* Readable within timeout_ms? */
bool readable(int fd, int timeout_ms) {
  struct pollfd p;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  int n;
  do n = ::poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  return n == 1 && (p.revents & POLLIN);
}

int64_t real_ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

struct ExitState {
  int code;
  int after;  // callbacks that ran after the exit request
  bool exiting_seen;
};
void exit_tick(evloop::Loop& loop, evloop::TimerId, void* user) {
  ExitState* s = static_cast<ExitState*>(user);
  loop.request_exit(s->code);
  s->exiting_seen = loop.exit_requested();
}
void after_tick(evloop::Loop&, evloop::TimerId, void* user) { static_cast<ExitState*>(user)->after++; }
void exit_fd(evloop::Loop& loop, int fd, unsigned, void* user) {
  drain(fd);
  loop.request_exit(static_cast<ExitState*>(user)->code);
}
void after_task(evloop::Loop&, evloop::Task*);
ExitState* g_task_state = nullptr;
void after_task(evloop::Loop&, evloop::Task*) {
  if (g_task_state) g_task_state->after++;
}

}  // namespace

TEST_CASE("run() returns 0 when nothing is left") {
  TestHeap h;
  REQUIRE(h.loop);
  CHECK_FALSE(h.loop->alive());
  CHECK(h.loop->run() == 0);  // empty: returns at once
  int fired = 0;
  REQUIRE(h.loop->add_timer(5, 0, count_tick, &fired));
  REQUIRE(h.loop->add_timer(15, 0, count_tick, &fired));
  CHECK(h.loop->run() == 0);
  CHECK(fired == 2);
  CHECK_FALSE(h.loop->alive());
  CHECK_FALSE(h.loop->exit_requested());
  CHECK(h.loop->exit_code() == 0);
  CHECK(h.loop->now_ns() == 15 * kMs);
}

TEST_CASE("run() returns the code of request_exit and no further callback runs") {
  SUBCASE("from a timer: the other timer due in the same round does not run") {
    TestHeap h;
    REQUIRE(h.loop);
    ExitState s = {7, 0, false};
    REQUIRE(h.loop->add_timer(10, 0, exit_tick, &s));
    REQUIRE(h.loop->add_timer(10, 0, after_tick, &s));  // same deadline, created after
    REQUIRE(h.loop->add_timer(20, 0, after_tick, &s));
    REQUIRE(h.loop->add_timer(0, 5, after_tick, &s));  // runs at 0 and 5 only
    CHECK(h.loop->run() == 7);
    CHECK(s.exiting_seen);
    CHECK(s.after == 2);  // the interval's ticks at 0 and 5 ms, before the exit
    CHECK(h.loop->exit_requested());
    CHECK(h.loop->exit_code() == 7);
    CHECK_FALSE(h.loop->alive());
    // Nothing runs any more: not run_once, not run.
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(h.loop->run() == 7);
    CHECK(s.after == 2);
    CHECK(h.loop->stats().pending_timers == 3);  // still pending, never run
  }
  SUBCASE("from a watcher: later watchers, timers and tasks of that round do not run") {
    TestHeap h;
    REQUIRE(h.loop);
    ExitState s = {3, 0, false};
    g_task_state = &s;
    Pipe a, b, c;
    // Whichever of the three fds is dispatched first requests the exit.
    REQUIRE(h.loop->watch(a.r, evloop::kReadable, exit_fd, &s));
    REQUIRE(h.loop->watch(b.r, evloop::kReadable, exit_fd, &s));
    REQUIRE(h.loop->watch(c.r, evloop::kReadable, exit_fd, &s));
    REQUIRE(h.loop->add_timer(0, 0, after_tick, &s));
    evloop::Task task = {after_task, nullptr};
    h.loop->post(&task);
    REQUIRE(a.put());
    REQUIRE(b.put());
    REQUIRE(c.put());
    CHECK(h.loop->run() == 3);
    CHECK(s.after == 0);
    // Exactly one of the three fds was read.
    int left = 0;
    char ch;
    left += ::read(a.r, &ch, 1) == 1;
    left += ::read(b.r, &ch, 1) == 1;
    left += ::read(c.r, &ch, 1) == 1;
    CHECK(left == 2);
    g_task_state = nullptr;
  }
  SUBCASE("the first exit code wins") {
    TestHeap h;
    REQUIRE(h.loop);
    ExitState s1 = {4, 0, false}, s2 = {9, 0, false};
    REQUIRE(h.loop->add_timer(1, 0, exit_tick, &s1));
    CHECK(h.loop->run() == 4);
    h.loop->request_exit(s2.code);
    CHECK(h.loop->exit_code() == 4);
  }
  SUBCASE("requested before run(): run() returns at once") {
    TestHeap h;
    REQUIRE(h.loop);
    ExitState s = {0, 0, false};
    REQUIRE(h.loop->add_timer(0, 0, after_tick, &s));
    h.loop->request_exit(5);
    CHECK(h.loop->run() == 5);
    CHECK(s.after == 0);
  }
}

TEST_CASE("post() runs the task on the loop thread and wakes a blocked run_once(-1)") {
  TestHeap h(Time::Real);  // real clock: this one really blocks
  REQUIRE(h.loop);
  Pipe p;  // a watcher with nothing to read keeps run_once(-1) blocked
  int fd_calls = 0;
  REQUIRE(h.loop->watch(p.r, evloop::kReadable, count_fd, &fd_calls));

  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    bool task_ran = false;
    std::thread::id ran_on;
    std::vector<int> order;
  };
  static Shared* shared = nullptr;
  Shared sh;
  shared = &sh;
  struct Tasks {
    static void run(evloop::Loop&, evloop::Task* self) {
      std::lock_guard<std::mutex> lock(shared->m);
      shared->order.push_back(static_cast<int>(self - tasks()));
      shared->ran_on = std::this_thread::get_id();
      shared->task_ran = true;
      shared->cv.notify_all();
    }
    static evloop::Task* tasks() {
      static evloop::Task t[3];
      return t;
    }
  };
  evloop::Task* tasks = Tasks::tasks();
  for (int i = 0; i < 3; i++) tasks[i] = evloop::Task{Tasks::run, nullptr};

  bool failsafe_fired = false;
  std::thread poster([&] {
    // Give the loop a moment to block (not a timing assertion: the task runs
    // either way), then post from this thread.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    h.loop->post(&tasks[0]);
    h.loop->post(&tasks[1]);
    h.loop->post(&tasks[2]);
    std::unique_lock<std::mutex> lock(sh.m);
    if (!sh.cv.wait_for(lock, std::chrono::seconds(10), [&] { return sh.task_ran; })) {
      failsafe_fired = true;  // the loop never woke: unblock it so the test can fail
      if (::write(p.w, "x", 1) != 1) {
      }
    }
  });
  uint64_t before = h.loop->stats().callbacks_run;
  CHECK(h.loop->run_once(-1));  // blocks until the post (the watcher stays)
  poster.join();  // all three are posted now
  h.loop->run_once(0);  // runs whatever the first turn did not take
  CHECK_FALSE(failsafe_fired);
  CHECK(fd_calls == 0);
  CHECK(sh.task_ran);
  bool on_loop_thread = sh.ran_on == std::this_thread::get_id();
  CHECK(on_loop_thread);
  REQUIRE(sh.order.size() == 3);
  CHECK(sh.order[0] == 0);  // in posting order
  CHECK(sh.order[1] == 1);
  CHECK(sh.order[2] == 2);
  CHECK(h.loop->stats().callbacks_run == before + 3);
  CHECK(h.loop->unwatch(p.r));
  shared = nullptr;
}

TEST_CASE("post() from the loop thread and from a callback") {
  TestHeap h;
  REQUIRE(h.loop);
  static int ran = 0;
  static evloop::Task second;
  ran = 0;
  struct T {
    static void first(evloop::Loop& loop, evloop::Task*) {
      ran++;
      second = evloop::Task{T::again, nullptr};
      loop.post(&second);  // posted from a task: runs on a later turn
    }
    static void again(evloop::Loop&, evloop::Task*) { ran += 10; }
  };
  evloop::Task t = {T::first, nullptr};
  h.loop->post(&t);
  CHECK(h.loop->alive());  // a pending task is work
  CHECK(h.loop->next_timeout_ms() == 0);
  CHECK(h.loop->run() == 0);
  CHECK(ran == 11);
  CHECK_FALSE(h.loop->alive());
}

TEST_CASE("wake() from another thread makes run_once(5000) return early") {
  TestHeap h(Time::Real);
  REQUIRE(h.loop);
  int fired = 0;
  REQUIRE(h.loop->add_timer(60000, 0, count_tick, &fired));  // keeps the loop alive, far away
  std::atomic<bool> woke(false);
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    h.loop->wake();
    woke = true;
  });
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  CHECK(h.loop->run_once(5000));
  int64_t took = real_ms_since(t0);
  waker.join();
  CHECK(woke);
  CHECK(took < 4000);  // well before the 5 s limit: the wake-up ended the wait
  CHECK(fired == 0);
  // A wake() with nobody waiting is kept for the next wait, and only once.
  h.loop->wake();
  h.loop->wake();
  t0 = std::chrono::steady_clock::now();
  CHECK(h.loop->run_once(5000));
  CHECK(real_ms_since(t0) < 4000);
  t0 = std::chrono::steady_clock::now();
  CHECK(h.loop->run_once(30));  // the wake-ups were consumed: this one waits its 30 ms
  CHECK(real_ms_since(t0) >= 25);
  CHECK(fired == 0);
}

namespace {
struct Adder {
  int fired = 0;
  static void second(evloop::Loop&, evloop::TimerId, void* u) { static_cast<Adder*>(u)->fired++; }
  static void first(evloop::Loop& loop, evloop::TimerId, void* u) {
    static_cast<Adder*>(u)->fired++;
    loop.add_timer(2, 0, second, u);
  }
};
}  // namespace

TEST_CASE("pollable_fd() is readable when the loop has something to do") {
  TestHeap h(evloop::Backend::Epoll, Time::Real);
  REQUIRE(h.loop);

  SUBCASE("a timer added before pollable_fd() was asked") {
    int fired = 0;
    REQUIRE(h.loop->add_timer(2, 0, count_tick, &fired));
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    CHECK(readable(pfd, 2000));
    h.loop->run_once(0);
    h.loop->run_once(0);
    CHECK(fired == 1);
    CHECK_FALSE(readable(pfd, 0));  // nothing pending: quiet again
  }
  SUBCASE("a timer added by a callback") {
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    Adder a;
    REQUIRE(h.loop->add_timer(0, 0, Adder::first, &a));
    CHECK(h.loop->run_once(0));
    CHECK(a.fired == 1);
    CHECK(readable(pfd, 2000));  // re-armed at the end of the turn
    h.loop->run_once(0);
    h.loop->run_once(0);
    CHECK(a.fired == 2);
    CHECK_FALSE(readable(pfd, 0));
  }
  SUBCASE("a timer added by the host after pollable_fd() was asked") {
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    CHECK_FALSE(readable(pfd, 0));
    int fired = 0;
    REQUIRE(h.loop->add_timer(2, 0, count_tick, &fired));
    CHECK(readable(pfd, 1000));
    h.loop->run_once(0);
    h.loop->run_once(0);
    CHECK(fired == 1);
  }
  SUBCASE("a posted task") {
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    CHECK(h.loop->pollable_fd() == pfd);  // stable
    CHECK_FALSE(readable(pfd, 0));        // idle loop: nothing
    static int ran = 0;
    ran = 0;
    evloop::Task t = {[](evloop::Loop&, evloop::Task*) { ran++; }, nullptr};
    h.loop->post(&t);
    CHECK(readable(pfd, 2000));
    CHECK(h.loop->next_timeout_ms() == 0);
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(ran == 1);
    CHECK_FALSE(readable(pfd, 0));
  }
  SUBCASE("a ready pipe") {
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    Pipe p;
    int calls = 0;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, count_fd, &calls));
    CHECK_FALSE(readable(pfd, 0));
    REQUIRE(p.put());
    CHECK(readable(pfd, 2000));
    CHECK(h.loop->run_once(0));
    CHECK(calls == 1);
    CHECK_FALSE(readable(pfd, 0));
    CHECK(h.loop->unwatch(p.r));
  }
  SUBCASE("a wake() from another thread") {
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    std::thread t([&] { h.loop->wake(); });
    t.join();
    CHECK(readable(pfd, 2000));
    h.loop->run_once(0);
    CHECK_FALSE(readable(pfd, 0));
  }
}

/* The ECMAScript loop keeps its JS timers in JS: a host driving it from a
 * foreign loop must still see them (found writing the embedding guide: with
 * Mode::Ecma, next_timeout_ms() said -1 and the fd never became readable). */
TEST_CASE("pollable_fd() and next_timeout_ms() see JS timers in both loops") {
  for_each_mode([&](evloop::Mode mode) {
    evloop::Options o = options_with(mode);
    o.backend = evloop::Backend::Epoll;
    TestHeap h(o, Time::Real);
    REQUIRE(h.loop);
    REQUIRE(h.loop->install(evloop::kBindTimers));
    int pfd = h.loop->pollable_fd();
    REQUIRE(pfd >= 0);
    CHECK(h.loop->next_timeout_ms() == -1);
    CHECK(js(h.ctx, "var fired = 0; setTimeout(function () { fired++; setTimeout(function () { fired++; }, 30); }, 40); 'ok'") == "ok");
    int64_t t = h.loop->next_timeout_ms();
    CHECK(t > 0);
    CHECK(t <= 40);
    /* Armed by the turn: a host that evaluates a script outside a turn runs
     * one turn (run_once(0)) before it waits on the fd alone. */
    h.loop->run_once(0);
    CHECK(readable(pfd, 2000));
    for (int i = 0; i < 5 && js(h.ctx, "fired") != "1"; i++) h.loop->run_once(0);
    CHECK(js(h.ctx, "fired") == "1");
    t = h.loop->next_timeout_ms();  // the timer its callback made
    CHECK(t > 0);
    CHECK(t <= 30);
    CHECK(readable(pfd, 2000));
    for (int i = 0; i < 5 && js(h.ctx, "fired") != "2"; i++) h.loop->run_once(0);
    CHECK(js(h.ctx, "fired") == "2");
    CHECK(h.loop->next_timeout_ms() == -1);
    CHECK_FALSE(readable(pfd, 0));
  });
}

TEST_CASE("next_timeout_ms() follows the next deadline on the loop clock") {
  TestHeap h;
  REQUIRE(h.loop);
  h.vclock.auto_advance = false;
  CHECK(h.loop->next_timeout_ms() == -1);  // no timer
  int fired = 0;
  evloop::TimerId far = h.loop->add_timer(500, 0, count_tick, &fired);
  REQUIRE(h.loop->add_timer(100, 0, count_tick, &fired));
  CHECK(h.loop->next_timeout_ms() == 100);
  h.vclock.advance_ms(40);
  CHECK(h.loop->next_timeout_ms() == 60);
  h.vclock.advance_ms(59.5);
  CHECK(h.loop->next_timeout_ms() == 1);  // 0.5 ms left: rounded up
  h.vclock.advance_ms(0.5);
  CHECK(h.loop->next_timeout_ms() == 0);
  h.vclock.advance_ms(10);
  CHECK(h.loop->next_timeout_ms() == 0);  // overdue: 0, never negative
  CHECK(h.loop->run_once(0));
  CHECK(fired == 1);
  CHECK(h.loop->next_timeout_ms() == 390);
  CHECK(h.loop->cancel_timer(far));
  CHECK(h.loop->next_timeout_ms() == -1);
  // A pending task means "now".
  static int ran = 0;
  evloop::Task t = {[](evloop::Loop&, evloop::Task*) { ran++; }, nullptr};
  h.loop->post(&t);
  CHECK(h.loop->next_timeout_ms() == 0);
  CHECK_FALSE(h.loop->run_once(0));
  CHECK(ran == 1);
  CHECK(h.loop->next_timeout_ms() == -1);
  // Far timers are capped at the longest single wait.
  REQUIRE(h.loop->add_timer(10 * 60 * 1000, 0, count_tick, &fired));
  CHECK(h.loop->next_timeout_ms() == EVLOOP_MAX_WAIT_MS);
}

TEST_CASE("Loop::create: one loop per heap; Loop::of finds it") {
  duk_context* ctx = duk_create_heap_default();
  REQUIRE(ctx);
  CHECK(evloop::Loop::of(ctx) == nullptr);
  evloop::Loop* loop = evloop::Loop::create(ctx);
  REQUIRE(loop);
  CHECK(evloop::Loop::of(ctx) == loop);
  CHECK(loop->context() == ctx);
  CHECK(loop->mode() == evloop::Mode::Native);
  CHECK(evloop::Loop::create(ctx) == nullptr);  // a second loop for the same heap
  CHECK(evloop::Loop::create(nullptr) == nullptr);
  loop->destroy();
  CHECK(evloop::Loop::of(ctx) == nullptr);
  // A new loop can be made after destroy().
  loop = evloop::Loop::create(ctx);
  REQUIRE(loop);
  CHECK(evloop::Loop::of(ctx) == loop);
  loop->destroy();
  duk_destroy_heap(ctx);
}

TEST_CASE("run() and run_once() cannot be re-entered from a callback") {
  TestHeap h;
  REQUIRE(h.loop);
  struct State {
    bool nested_once;
    int nested_run;
    int other;
  } s = {true, -1, 0};
  struct Cb {
    static void outer(evloop::Loop& loop, evloop::TimerId, void* u) {
      State* st = static_cast<State*>(u);
      st->nested_once = loop.run_once(0);
      st->nested_run = loop.run();
    }
    static void other(evloop::Loop&, evloop::TimerId, void* u) { static_cast<State*>(u)->other++; }
  };
  REQUIRE(h.loop->add_timer(1, 0, Cb::outer, &s));
  REQUIRE(h.loop->add_timer(50, 0, Cb::other, &s));
  CHECK(h.loop->run() == 0);
  CHECK_FALSE(s.nested_once);
  CHECK(s.nested_run == 0);
  CHECK(s.other == 1);
  CHECK(h.loop->now_ns() == 50 * kMs);
}
