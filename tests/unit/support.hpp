/* Fixtures shared by the unit tests: a non-blocking pipe, a Duktape heap with
 * its loop (on a virtual clock by default), a run of a test body per loop
 * mode (for_each_mode), a watchdog for calls that could block, the
 * error-hook log, and small helpers. With EVLOOP_INTERNALS defined
 * before evloop.hpp is included, also a malloc-backed detail::Memory.
 * Everything is inline; nothing here is mutable global state. C++11. */
#ifndef EVLOOP_TESTS_UNIT_SUPPORT_HPP
#define EVLOOP_TESTS_UNIT_SUPPORT_HPP

#include <doctest/doctest.h>
#include "evloop.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

const int64_t kMs = 1000000; /* nanoseconds per millisecond */

const evloop::Backend kBackends[] = {evloop::Backend::Epoll, evloop::Backend::Poll};
const evloop::Mode kModes[] = {evloop::Mode::Native, evloop::Mode::Ecma};

inline const char* backend_name(evloop::Backend b) { return b == evloop::Backend::Poll ? "poll" : "epoll"; }
inline const char* mode_name(evloop::Mode m) { return m == evloop::Mode::Ecma ? "ecma" : "native"; }

/* ---- memory (internals only) ---- */
#ifdef EVLOOP_INTERNALS_DONE
inline void* test_alloc(void*, size_t n) { return malloc(n); }
inline void* test_realloc(void*, void* p, size_t n) { return realloc(p, n); }
inline void test_free(void*, void* p) { free(p); }

/* A detail::Memory on malloc, counting from 0 bytes. */
inline evloop::detail::Memory test_memory() {
  evloop::detail::Memory m;
  m.a = evloop::Allocator{test_alloc, test_realloc, test_free, nullptr};
  m.ctx = nullptr;
  m.bytes = 0;
  return m;
}
#endif

/* ---- file descriptors ---- */

/* Reads fd until it would block (or ends). */
inline void drain(int fd) {
  char buf[256];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

/* A non-blocking, close-on-exec pipe; both ends closed on destruction. */
struct Pipe {
  int r, w;
  Pipe() : r(-1), w(-1) {
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~Pipe() {
    close_r();
    close_w();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_r() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w);
    w = -1;
  }
  /* Writes all of s to the write end. */
  bool put(const char* s = "x") {
    size_t n = strlen(s);
    return ::write(w, s, n) == static_cast<ssize_t>(n);
  }
  void drain() { test_support::drain(r); }
};

/* Open fds of this process (the directory's own fd is counted each time). */
inline int count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (struct dirent* e = readdir(d))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* A new empty regular file in $TMPDIR (or /tmp), already unlinked: its fd, or
 * -1. The caller closes it. */
inline int open_unlinked_temp_file() {
  const char* dir = getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/evloop-unit-XXXXXX";
  int fd = mkstemp(&path[0]);
  if (fd >= 0) unlink(path.c_str());
  return fd;
}

/* ---- heaps and loops ---- */

/* The loop's clock in a TestHeap: the heap's VirtualClock, or the real one. */
enum class Time { Virtual, Real };

inline evloop::Options options_with(evloop::Backend backend) {
  evloop::Options o;
  o.backend = backend;
  return o;
}
inline evloop::Options options_with(evloop::Mode mode) {
  evloop::Options o;
  o.mode = mode;
  return o;
}

/* One Duktape heap with its loop, by default on the heap's virtual clock
 * (which overrides o.clock). loop is null when creation failed. */
struct TestHeap {
  duk_context* ctx;
  evloop::VirtualClock vclock;
  evloop::Loop* loop;
  explicit TestHeap(evloop::Options o = evloop::Options(), Time time = Time::Virtual)
      : ctx(duk_create_heap_default()), loop(nullptr) {
    if (time == Time::Virtual) o.clock = vclock.clock();
    if (ctx) loop = evloop::Loop::create(ctx, o);
  }
  explicit TestHeap(evloop::Backend backend, Time time = Time::Virtual) : TestHeap(options_with(backend), time) {}
  explicit TestHeap(evloop::Mode mode) : TestHeap(options_with(mode)) {}
  explicit TestHeap(Time time) : TestHeap(evloop::Options(), time) {}
  ~TestHeap() {
    if (loop) loop->destroy();
    if (ctx) duk_destroy_heap(ctx);
  }
  TestHeap(const TestHeap&) = delete;
  TestHeap& operator=(const TestHeap&) = delete;
};

/* Whether a heap (a TestHeap, or a test's own with a `loop` member) has its
 * loop and every binding of the build installed: REQUIRE(install_all(h))
 * starts most tests that run scripts. */
template <typename Heap>
bool install_all(Heap& h) {
  return h.loop && h.loop->install(evloop::kBindAll);
}

/* ---- one run per loop mode ---- */

/* Runs body(mode) once per loop, Mode::Native then Mode::Ecma, the mode's
 * name CAPTUREd so that a failure says which loop it was in. */
template <typename Body>
void for_each_mode(Body body) {
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
    CAPTURE(m);
    body(mode);
  }
}

/* for_each_mode with a fresh TestHeap per mode on the given clock, every
 * binding installed: body(heap, mode). */
template <typename Body>
void for_each_mode(Time time, Body body) {
  for_each_mode([&](evloop::Mode mode) {
    TestHeap h(options_with(mode), time);
    REQUIRE(install_all(h));
    body(h, mode);
  });
}

/* body(mode, backend) for each loop and each backend, both names CAPTUREd. */
template <typename Body>
void for_each_mode_and_backend(Body body) {
  for_each_mode([&](evloop::Mode mode) {
    for (evloop::Backend backend : kBackends) {
      std::string be = backend_name(backend);
      CAPTURE(be);
      body(mode, backend);
    }
  });
}

/* Evaluates `src`; the result as a string, or "ERROR: ..." */
inline std::string js(duk_context* ctx, const char* src) {
  std::string out;
  if (duk_peval_string(ctx, src) != 0) out = std::string("ERROR: ") + duk_safe_to_string(ctx, -1);
  else out = duk_safe_to_string(ctx, -1);
  duk_pop(ctx);
  return out;
}

/* Runs turns (each waiting at most wait_ms) until `done` evaluates true or
 * `turns` ran; whether it did. */
inline bool run_until(TestHeap& h, const char* done, int turns, int64_t wait_ms = 50) {
  for (int i = 0; i < turns; i++) {
    if (js(h.ctx, done) == "true") return true;
    h.loop->run_once(wait_ms);
  }
  return js(h.ctx, done) == "true";
}

/* ---- callbacks ---- */

/* Timer callback: ++*(int*)user. */
inline void count_tick(evloop::Loop&, evloop::TimerId, void* user) { ++*static_cast<int*>(user); }

/* Watcher callback: ++*(int*)user, then drains the fd. */
inline void count_fd(evloop::Loop&, int fd, unsigned, void* user) {
  ++*static_cast<int*>(user);
  drain(fd);
}

/* What an error hook received. */
struct HookLog {
  std::vector<std::string> reports;
  evloop::Loop* loop_seen = nullptr;
};
/* An ErrorHook writing to the HookLog in `user`. */
inline void hook(evloop::Loop& loop, const char* report, void* user) {
  HookLog* h = static_cast<HookLog*>(user);
  h->reports.push_back(report ? report : "(null)");
  h->loop_seen = &loop;
}

/* ---- watchdog ---- */

/* Guards a call that could block: after `seconds`, a task posted from another
 * thread requests exit with kWatchdogExit, so a loop that spins or hangs fails
 * the test instead of hanging the suite. */
const int kWatchdogExit = 99;
class Watchdog {
 public:
  Watchdog(evloop::Loop* loop, int seconds) : loop_(loop), done_(false), fired_(false) {
    task_.run = [](evloop::Loop& l, evloop::Task*) { l.request_exit(kWatchdogExit); };
    task_.next = nullptr;
    thread_ = std::thread([this, seconds] {
      std::unique_lock<std::mutex> lock(m_);
      if (!cv_.wait_for(lock, std::chrono::seconds(seconds), [this] { return done_; })) {
        fired_ = true;
        loop_->post(&task_);
      }
    });
  }
  /* Stops the watchdog; true when it had to fire. */
  bool stop() {
    {
      std::lock_guard<std::mutex> lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  evloop::Loop* loop_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_, fired_;
  evloop::Task task_;
  std::thread thread_;
};

/* ---- strings ---- */

inline bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

/* "a,b,c" */
template <typename T>
std::string join(const std::vector<T>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}
inline std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? "," : "") + v[i];
  return s;
}

}  // namespace test_support

#endif /* EVLOOP_TESTS_UNIT_SUPPORT_HPP */
