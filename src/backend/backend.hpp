/* Backends: the kernel interface behind one contract, as Redis's ae does.
 * The core (core/loop.hpp) holds a KernelBackend and never sees epoll,
 * pollfd, fd_set, eventfd or timerfd. Each backend is one file with a state
 * struct only it touches, with these members:
 *   bool open(Memory&)      its kernel object and its wake-up; false with
 *                           errno (close() then undoes a partial open)
 *   void close(Memory&)     frees all, closes its own fds
 *   bool add(Memory&, int fd, unsigned events)  interest in fd (0: paused);
 *                           false with errno (EBADF for a closed fd)
 *   bool modify(Memory&, int fd, unsigned events)  an added fd's interest
 *   void remove(int fd)     fd may be closed already
 *   int wait(int timeout_ms, ReadyEvent* out, int max)  -1 ms: no limit;
 *                           how many events, or -1 with errno. Its own fds
 *                           (wake-up, timer) are drained here, never reported.
 *   void wake()             from any thread: ends the current or next wait
 *   int pollable_fd(bool* arms_deadline)  an fd a foreign loop can poll for
 *                           this loop (-1: none); *arms_deadline true: from
 *                           now on arm_deadline() follows the next deadline
 *   void arm_deadline(int64_t until_ns)  the next deadline, -1: none
 *   bool owns(int fd) const its own fds, which no script may touch
 * plus one row in backend_table() and one member of BackendState below.
 * Both epoll and poll() are compiled on Linux so the poll() one is tested
 * there too; EVLOOP_BACKEND_POLL compiles poll() only, EVLOOP_BACKEND_SELECT
 * select() only (for network stacks without poll(), such as lwIP). */
#pragma once
#include "common.hpp"
#include "epoll.hpp"
#include "poll.hpp"
#include "select.hpp"

namespace evloop {
namespace detail {

/* One backend's row: its kind, names and the contract's functions over its
 * state (BackendFns: the members of its struct). */
struct BackendOps {
  Backend kind;
  const char* name;      /* Loop::backend_name() */
  const char* wait_call; /* the system call a failed wait names */
  bool (*open)(void* state, Memory& m);
  void (*close)(void* state, Memory& m);
  bool (*add)(void* state, Memory& m, int fd, unsigned events);
  bool (*modify)(void* state, Memory& m, int fd, unsigned events);
  void (*remove)(void* state, int fd);
  int (*wait)(void* state, int timeout_ms, ReadyEvent* out, int max);
  void (*wake)(void* state);
  int (*pollable_fd)(void* state, bool* arms_deadline);
  void (*arm_deadline)(void* state, int64_t until_ns);
  bool (*owns)(const void* state, int fd);
};

template <typename B>
struct BackendFns {
  static B& of(void* state) { return *static_cast<B*>(state); }
  static bool open(void* s, Memory& m) { return of(s).open(m); }
  static void close(void* s, Memory& m) { of(s).close(m); }
  static bool add(void* s, Memory& m, int fd, unsigned events) { return of(s).add(m, fd, events); }
  static bool modify(void* s, Memory& m, int fd, unsigned events) { return of(s).modify(m, fd, events); }
  static void remove(void* s, int fd) { of(s).remove(fd); }
  static int wait(void* s, int timeout_ms, ReadyEvent* out, int max) { return of(s).wait(timeout_ms, out, max); }
  static void wake(void* s) { of(s).wake(); }
  static int pollable_fd(void* s, bool* arms_deadline) { return of(s).pollable_fd(arms_deadline); }
  static void arm_deadline(void* s, int64_t until_ns) { of(s).arm_deadline(until_ns); }
  static bool owns(const void* s, int fd) { return static_cast<const B*>(s)->owns(fd); }
};
#define EVLOOP_BACKEND_ROW(kind, Type, name, wait_call)                                                     \
  {kind, name, wait_call, &BackendFns<Type>::open, &BackendFns<Type>::close, &BackendFns<Type>::add,       \
   &BackendFns<Type>::modify, &BackendFns<Type>::remove, &BackendFns<Type>::wait, &BackendFns<Type>::wake, \
   &BackendFns<Type>::pollable_fd, &BackendFns<Type>::arm_deadline, &BackendFns<Type>::owns}

/* The backends this build has, its default first: Backend::Default, and a
 * kind the build lacks, choose the first row (backend_name() tells which).
 * Constant: initialized at compile time, no guard, nothing mutable. */
inline const BackendOps* backend_table(size_t* count) {
  static const BackendOps rows[] = {
#if defined(EVLOOP_HAVE_EPOLL)
      EVLOOP_BACKEND_ROW(Backend::Epoll, EpollBackend, "epoll", "epoll_wait"),
#endif
#if !defined(EVLOOP_BACKEND_SELECT)
      EVLOOP_BACKEND_ROW(Backend::Poll, PollBackend, "poll", "poll"),
#endif
#if defined(EVLOOP_BACKEND_SELECT)
      EVLOOP_BACKEND_ROW(Backend::Select, SelectBackend, "select", "select"),
#endif
  };
  *count = sizeof rows / sizeof rows[0];
  return rows;
}
#undef EVLOOP_BACKEND_ROW

/* The state of whichever backend runs: one at a time. */
union BackendState {
#if defined(EVLOOP_HAVE_EPOLL)
  EpollBackend epoll;
#endif
#if !defined(EVLOOP_BACKEND_SELECT)
  PollBackend poll;
#endif
#if defined(EVLOOP_BACKEND_SELECT)
  SelectBackend select;
#endif
};

/* The core's handle: the chosen row and its state. */
struct KernelBackend {
  const BackendOps* ops; /* null until open() */
  bool arms_deadline;    /* pollable_fd() asked: arm_deadline() whenever the next deadline moves */
  BackendState state;

  bool open(Memory& m, Backend wanted) {
    size_t count;
    const BackendOps* rows = backend_table(&count);
    ops = &rows[0];
    for (size_t i = 0; i < count; i++)
      if (rows[i].kind == wanted) ops = &rows[i];
    arms_deadline = false;
    return ops->open(&state, m);
  }
  void close(Memory& m) {
    if (ops) ops->close(&state, m);
  }
  bool add(Memory& m, int fd, unsigned events) { return ops->add(&state, m, fd, events); }
  bool modify(Memory& m, int fd, unsigned events) { return ops->modify(&state, m, fd, events); }
  void remove(int fd) { ops->remove(&state, fd); }
  int wait(int timeout_ms, ReadyEvent* out, int max) { return ops->wait(&state, timeout_ms, out, max); }
  void wake() { ops->wake(&state); }
  int pollable_fd() { return ops->pollable_fd(&state, &arms_deadline); }
  void arm_deadline(int64_t until_ns) { ops->arm_deadline(&state, until_ns); }
  bool owns(int fd) const { return ops && ops->owns(&state, fd); }
  Backend kind() const { return ops->kind; }
  const char* name() const { return ops->name; }
  const char* wait_call() const { return ops->wait_call; }
};

/* Blocks until fd is writable or in error (Socket.connect blocks, as the
 * original did), with the build's own wait call. */
inline void wait_writable(int fd) {
#if defined(EVLOOP_BACKEND_SELECT)
  if (fd < 0 || fd >= FD_SETSIZE) return;
  for (;;) {
    fd_set w, e;
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(fd, &w);
    FD_SET(fd, &e);
    if (::select(fd + 1, nullptr, &w, &e, nullptr) >= 0 || errno != EINTR) return;
  }
#else
  struct pollfd p = {fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
#endif
}

} /* namespace detail */
} /* namespace evloop */
