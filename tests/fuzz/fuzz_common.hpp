/* Shared by the libFuzzer targets in tests/fuzz: a byte reader, a fresh heap
 * and loop per input on a virtual clock, the watchdog that interrupts an
 * endless kernel wait, the fd-leak check, and reading files at start-up.
 * C++11, one translation unit per fuzzer (it defines EVLOOP_IMPLEMENTATION
 * before including this). */
#ifndef EVLOOP_TESTS_FUZZ_COMMON_HPP
#define EVLOOP_TESTS_FUZZ_COMMON_HPP

#include "evloop.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>

#ifndef EVLOOP_FUZZ_ROOT
#define EVLOOP_FUZZ_ROOT "." /* the repository, for the files read at start-up */
#endif

namespace fuzz {

/* ---- input ---- */

/* Reads the fuzz input from the front; past the end every read is 0, so
 * every input is valid and a shorter input is a prefix of the same choices
 * (which keeps minimised crashes readable). */
struct Bytes {
  const uint8_t* p;
  size_t n, i;
  Bytes(const uint8_t* data, size_t size) : p(data), n(size), i(0) {}
  bool empty() const { return i >= n; }
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  /* 0..k-1 (k <= 256) */
  unsigned below(unsigned k) { return k ? u8() % k : 0; }
  size_t left() const { return i < n ? n - i : 0; }
};

/* ---- environment ---- */

/* Unset or empty: `otherwise`; "0": false; anything else: true. */
inline bool env_flag(const char* name, bool otherwise = false) {
  const char* v = getenv(name);
  if (!v || !*v) return otherwise;
  return strcmp(v, "0") != 0;
}

inline double wall_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads a file of the repository (path relative to EVLOOP_FUZZ_ROOT, or
 * $EVLOOP_FUZZ_ROOT at run time); aborts when it is missing: the fuzzer
 * would test nothing. */
inline std::string read_repo_file(const char* rel) {
  const char* root = getenv("EVLOOP_FUZZ_ROOT");
  std::string path = std::string(root && *root ? root : EVLOOP_FUZZ_ROOT) + "/" + rel;
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) {
    fprintf(stderr, "fuzz: cannot read %s: %s (set EVLOOP_FUZZ_ROOT to the repository)\n", path.c_str(), strerror(errno));
    abort();
  }
  std::string s;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, got);
  fclose(f);
  return s;
}

/* Quiet stdout (scripts print): libFuzzer reports on stderr. */
inline void quiet_stdout() {
  if (env_flag("EVLOOP_FUZZ_VERBOSE")) return;
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) {
    fflush(stdout);
    dup2(devnull, 1);
    close(devnull);
  }
}

/* ---- fds ---- */

/* The lowest fd number not in use: equal before and after an input, or
 * the input leaked an fd (or closed one it did not own). */
inline int lowest_free_fd() {
  int fd = 0;
  while (fcntl(fd, F_GETFD) >= 0) fd++;
  return fd;
}

/* ---- watchdog ----
 * A kernel wait without a timeout (Poll.poll(set, -1) on fds that never
 * become ready) would block the input forever. A POSIX timer sends a
 * real-time signal with an empty handler (no SA_RESTART) to this thread
 * every 20 ms while an input runs: such a wait returns EINTR (the loop's
 * own waits and I/O retry EINTR, so the signal also exercises those paths).
 * libFuzzer's own -timeout (SIGALRM) stays the judge of a real hang. */
class Watchdog {
 public:
  Watchdog() : armed_(false), ok_(false) {}
  void init() {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    int sig = SIGRTMIN + 3;
    if (sigaction(sig, &sa, nullptr) != 0) return;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = sig;
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
    sev.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
    ok_ = timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0;
  }
  void arm(int period_ms = 20) {
    if (!ok_) return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_nsec = static_cast<long>(period_ms) * 1000000L;
    its.it_interval = its.it_value;
    armed_ = timer_settime(timer_, 0, &its, nullptr) == 0;
  }
  void disarm() {
    if (!ok_ || !armed_) return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    timer_settime(timer_, 0, &its, nullptr);
    armed_ = false;
  }

 private:
  static void on_signal(int) {}
  timer_t timer_;
  bool armed_, ok_;
};

/* ---- a heap with its loop ---- */

/* Error reports of a run (EventLoop.onerror did not take them). */
struct Reports {
  int count = 0;
  std::string first;
};
inline void on_error(evloop::Loop&, const char* report, void* user) {
  Reports* r = static_cast<Reports*>(user);
  if (r->count++ == 0) r->first = report ? report : "(null)";
}

/* A fresh Duktape heap and loop on a virtual clock (timers run without
 * sleeping; the kernel is polled without waiting). */
struct Run {
  duk_context* ctx = nullptr;
  evloop::Loop* loop = nullptr;
  evloop::VirtualClock vclock;
  Reports reports;
  evloop::Options options;

  bool start(evloop::Mode mode, evloop::Backend backend) {
    ctx = duk_create_heap_default();
    if (!ctx) return false;
    options.mode = mode;
    options.backend = backend;
    options.clock = vclock.clock();
    options.on_error = on_error;
    options.on_error_user = &reports;
    loop = evloop::Loop::create(ctx, options);
    return loop != nullptr;
  }
  /* Runs turns until the loop has no work, exits, or a bound is reached:
   * at most `turns` turns and `budget_ms` of wall time. Returns turns run. */
  int drive(int turns, double budget_ms, int64_t max_wait_ms = 60000) {
    double deadline = wall_ms() + budget_ms;
    int t = 0;
    while (t < turns && wall_ms() < deadline) {
      t++;
      if (!loop->run_once(max_wait_ms)) break;
    }
    return t;
  }
  void destroy_loop() {
    if (loop) loop->destroy();
    loop = nullptr;
  }
  void finish() {
    destroy_loop();
    if (ctx) duk_destroy_heap(ctx);
    ctx = nullptr;
  }
};

/* Evaluates src with a file name; true on success. On failure the error
 * text goes to *err when given. The value is popped. */
inline bool eval(duk_context* ctx, const std::string& src, const char* filename, std::string* err = nullptr) {
  duk_push_string(ctx, filename);
  bool ok = duk_pcompile_lstring_filename(ctx, 0, src.data(), src.size()) == 0;
  if (ok) ok = duk_pcall(ctx, 0) == 0;
  if (!ok && err) *err = duk_safe_to_string(ctx, -1);
  duk_pop(ctx);
  return ok;
}

}  // namespace fuzz

#endif /* EVLOOP_TESTS_FUZZ_COMMON_HPP */
