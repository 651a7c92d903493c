/* Public C++ API. Everything here is trivially destructible on purpose: Duktape
 * unwinds errors with longjmp, so no evloop object may need a destructor. */
#pragma once
#include "config.hpp"
#include "features.hpp" /* the Binding bits: enum Binding, kBindAll */

namespace evloop {

class Loop;

/* Event bits for watchers: the poll(2) values on every backend. */
enum : unsigned {
  kReadable = EVLOOP_POLLIN,
  kWritable = EVLOOP_POLLOUT,
  kPriority = EVLOOP_POLLPRI,
  kError = EVLOOP_POLLERR,
  kHangup = EVLOOP_POLLHUP,
  kInvalid = EVLOOP_POLLNVAL
};

/* Which loop runs the scripts: state in C++ structures, or state in JS
 * (not in EVLOOP_NO_ECMA_LOOP builds: Loop::create then fails, ENOTSUP). */
enum class Mode { Native, Ecma };

/* Kernel interface. Default = epoll on Linux, poll() elsewhere; select() in
 * EVLOOP_BACKEND_SELECT builds. A backend the build does not have falls back
 * to the build's default (backend_name() tells which runs). */
enum class Backend { Default, Epoll, Poll, Select };

typedef uint64_t TimerId; /* 0 is never a valid id */

typedef void (*TimerFn)(Loop& loop, TimerId id, void* user);
typedef void (*WatchFn)(Loop& loop, int fd, unsigned revents, void* user);
/* Receives every error a JS callback threw that EventLoop.onerror did not take:
 * `report` is the stack trace (or the message when there is none). */
typedef void (*ErrorHook)(Loop& loop, const char* report, void* user);

/* A replaceable clock. now_ns: monotonic nanoseconds. idle: when set, the loop
 * never blocks; it polls without waiting and, when nothing was ready, calls
 * idle(user, wait_ns) with the time it would have slept (a virtual clock moves
 * its time forward by that much). */
struct Clock {
  int64_t (*now_ns)(void* user);
  void (*idle)(void* user, int64_t wait_ns);
  void* user;
};

/* A virtual clock for tests and simulations: time moves only by advance() or,
 * with auto_advance, to the next due timer whenever the loop would sleep. */
struct VirtualClock {
  int64_t now = 0;
  bool auto_advance = true;
  void advance_ms(double ms) { now += static_cast<int64_t>(ms * 1e6); }
  Clock clock() {
    Clock c;
    c.now_ns = [](void* u) { return static_cast<VirtualClock*>(u)->now; };
    c.idle = [](void* u, int64_t wait_ns) {
      VirtualClock* v = static_cast<VirtualClock*>(u);
      if (v->auto_advance && wait_ns > 0) v->now += wait_ns;
    };
    c.user = this;
    return c;
  }
};

/* Where the loop's own memory comes from. Default (all null): the Duktape
 * heap's raw allocator (duk_alloc_raw), so a host that gives Duktape a fixed
 * pool bounds evloop's memory too. */
struct Allocator {
  void* (*alloc)(void* user, size_t size);
  void* (*realloc)(void* user, void* ptr, size_t size);
  void (*free)(void* user, void* ptr);
  void* user;
};

#ifdef EVLOOP_FAULT_INJECTION
/* A test seam (compiled only with EVLOOP_FAULT_INJECTION, in every TU): the
 * socket syscalls and the backend wait of one loop go through these when set
 * (null members: the real call), so a test can make accept() fail with
 * EMFILE, reads and writes return EINTR, EAGAIN or short counts, a connect
 * end in ECONNREFUSED, or a wait fail with EINTR, deterministically. Each
 * returns as the syscall would (-1 with errno set). */
struct Syscalls {
  ssize_t (*read)(void* user, int fd, void* buf, size_t n);
  ssize_t (*send)(void* user, int fd, const void* buf, size_t n, int flags);
  ssize_t (*sendmsg)(void* user, int fd, const struct msghdr* m, int flags);
  int (*accept)(void* user, int fd, struct sockaddr* sa, socklen_t* len);
  int (*connect)(void* user, int fd, const struct sockaddr* sa, socklen_t len);
  int (*so_error)(void* user, int fd);   /* what SO_ERROR reads (0: none) */
  int (*before_wait)(void* user);        /* an errno fails the wait (EINTR), 0 waits */
  void* user;
};
#endif

struct Options {
  Mode mode = Mode::Native;
  Backend backend = Backend::Default;
  Clock clock = Clock{nullptr, nullptr, nullptr};         /* null now_ns: CLOCK_MONOTONIC */
  Allocator allocator = Allocator{nullptr, nullptr, nullptr, nullptr};
  ErrorHook on_error = nullptr; /* null: print the report to stderr */
  void* on_error_user = nullptr;
  /* Called by process.exit(code) (kBindCli) before anything else happens. A
   * command line tool ends the process here (exit(code)), as Node.js does.
   * When null, or when it returns, the loop stops: no further callback runs,
   * and the script is unwound by an exit signal that try/catch can see. */
  void (*on_process_exit)(Loop& loop, int code, void* user) = nullptr;
  void* on_process_exit_user = nullptr;
#ifdef EVLOOP_FAULT_INJECTION
  Syscalls syscalls = Syscalls{nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#endif
};

/* A unit of work handed to the loop from any thread (Loop::post). The caller
 * owns the memory; it must stay valid until run() is called. */
struct Task {
  void (*run)(Loop& loop, Task* self);
  Task* next; /* used by the loop */
};

struct Stats {
  size_t pending_timers;      /* JS and native */
  size_t watched_fds;         /* JS and native, not counting the loop's own */
  uint64_t callbacks_run;     /* timer, watcher and task callbacks */
  uint64_t errors;            /* errors thrown by JS callbacks */
  uint64_t errors_reported;   /* of those, the ones EventLoop.onerror did not take */
  int64_t slowest_callback_ns;
  size_t native_bytes;        /* memory the loop holds through its allocator */
};

class Loop {
 public:
  /* A new loop for this Duktape heap (one loop per heap). Null on failure,
   * with errno (ENOTSUP: Mode::Ecma in an EVLOOP_NO_ECMA_LOOP build).
   * Stores itself in the heap stash so the JS bindings can find it. */
  static Loop* create(duk_context* ctx, const Options& options = Options());
  /* The loop of the heap `ctx` belongs to, or null. */
  static Loop* of(duk_context* ctx);
  /* Releases every callback reference, closes every fd the loop owns, frees
   * all memory. Call before duk_destroy_heap. Not from inside a callback. */
  void destroy();

  duk_context* context();
  Mode mode();
  const char* backend_name();

  /* Registers JS globals (a mask of Binding). With Mode::Ecma, the timers and
   * EventLoop come from the embedded ECMAScript loop. False on failure (the
   * error was reported). */
  bool install(unsigned bindings);
  /* process.argv for kBindCli: ['evloop', script, ...args]. */
  void set_argv(int argc, const char* const* argv);

  /* Runs until no timer is pending and no fd is watched, or an exit is
   * requested. Returns the exit code (0 unless request_exit set one). */
  int run();
  /* One turn: waits at most max_wait_ms (-1: until the next timer; 0: no
   * wait), runs what is due. True while there is work left. */
  bool run_once(int64_t max_wait_ms);
  bool alive();

  void request_exit(int code = 0);
  bool exit_requested();
  int exit_code();

  /* For a foreign loop: an fd (epoll backend; else -1) that becomes
   * readable when this loop has I/O, a posted task or a due timer, and how
   * long until the next timer, JS or native (-1: none). The ECMAScript
   * loop's JS timers reach the fd's timer at the end of each turn. */
  int pollable_fd();
  int64_t next_timeout_ms();

  /* The only thread-safe calls (wake() is also async-signal-safe). */
  void wake();
  void post(Task* task);

  /* Native timers, in the same heap as the JS ones. repeat_ms 0: one-shot.
   * 0 when no timer can be added (EVLOOP_MAX_TIMERS pending, or no memory). */
  TimerId add_timer(int64_t delay_ms, int64_t repeat_ms, TimerFn fn, void* user);
  bool cancel_timer(TimerId id);

  /* Native fd watchers. events 0 pauses a watcher without removing it.
   * A watcher that sees kError or kInvalid is removed before its callback.
   * watch() is false with errno on failure: EBADF, EMFILE (an fd beyond
   * EVLOOP_MAX_FDS or select()'s FD_SETSIZE), ENOMEM. */
  bool watch(int fd, unsigned events, WatchFn fn, void* user);
  bool set_events(int fd, unsigned events);
  bool unwatch(int fd);
  /* A native watcher that does not keep run() going (like uv_unref): e.g. a
   * host's signal pipe. */
  bool unref_fd(int fd);

  Stats stats();
  void set_error_hook(ErrorHook hook, void* user);
  /* Loop time in ns on the loop's clock. */
  int64_t now_ns();

 protected:
  Loop() {}
};

} /* namespace evloop */
