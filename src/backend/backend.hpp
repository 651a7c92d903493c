/* Backends: the kernel interface behind one small set of functions (open,
 * close, add, modify, remove, wait, fd, name), as Redis's ae does. The core
 * never sees epoll, pollfd or fd_set types. Both epoll and poll() are
 * compiled on Linux so the poll() one is tested there too;
 * EVLOOP_BACKEND_POLL compiles poll() only, EVLOOP_BACKEND_SELECT select()
 * only (for network stacks without poll(), such as lwIP). */
#pragma once
#include "../api/api.hpp"
#include "../core/memory.hpp"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#if defined(EVLOOP_HAVE_EPOLL)
#include <sys/epoll.h>
#endif

namespace evloop {
namespace detail {

struct ReadyEvent {
  int fd;
  unsigned revents;
};

/* The fds the loop can hold: below EVLOOP_MAX_FDS (its fd-indexed tables
 * have that size) and, with select(), below FD_SETSIZE (an fd_set holds no
 * more). An fd at or above the limit is refused with EMFILE. */
#if defined(EVLOOP_BACKEND_SELECT) && defined(EVLOOP_MAX_FDS)
const int kFdLimit = EVLOOP_MAX_FDS < FD_SETSIZE ? EVLOOP_MAX_FDS : FD_SETSIZE;
#elif defined(EVLOOP_BACKEND_SELECT)
const int kFdLimit = FD_SETSIZE;
#elif defined(EVLOOP_MAX_FDS)
const int kFdLimit = EVLOOP_MAX_FDS;
#else
const int kFdLimit = INT_MAX;
#endif

/* Opens a table indexed by fd (or bounded by the number of fds): with
 * EVLOOP_MAX_FDS, allocated once for every fd below the limit, never grown;
 * else empty, growing with use. */
template <typename T>
inline bool open_fd_table(Memory& m, RawArray<T>& table) {
  table.init();
#if defined(EVLOOP_MAX_FDS)
  return table.allocate_fixed(m, static_cast<size_t>(kFdLimit));
#else
  (void)m;
  return true;
#endif
}

/* A new fd (socket, accept) the loop cannot hold is closed at once: -1 with
 * errno EMFILE, as if the process were out of fds. */
inline int within_fd_limit(int fd) {
  if (fd < kFdLimit) return fd;
  ::close(fd);
  errno = EMFILE;
  return -1;
}

/* >>poll: a pollfd array plus an fd -> index map; removal swaps with the last
 * entry. A paused fd (no interest) is stored negated, which poll() skips, so a
 * paused peer's hang-up cannot spin the loop. */
#if !defined(EVLOOP_BACKEND_SELECT)
struct PollBackend {
  RawArray<struct pollfd> fds;
  RawArray<int32_t> index_of_fd; /* -1: not registered */
  size_t rotate;                 /* first entry reported, so no fd starves */

  void init() { /* closed state: close() frees nothing */
    fds.init();
    index_of_fd.init();
    rotate = 0;
  }
  bool open(Memory& m) {
    init();
    return open_fd_table(m, fds) && open_fd_table(m, index_of_fd);
  }
  void close(Memory& m) {
    fds.release(m);
    index_of_fd.release(m);
  }
  bool add(Memory& m, int fd, unsigned events) {
    /* Refuse a closed fd up front, as epoll_ctl does (EBADF). */
    if (fcntl(fd, F_GETFD) < 0) return false;
    if (!index_of_fd.reserve(m, static_cast<size_t>(fd) + 1)) return false;
    while (index_of_fd.size <= static_cast<size_t>(fd)) index_of_fd.data[index_of_fd.size++] = -1;
    struct pollfd p;
    p.fd = events ? fd : ~fd;
    p.events = static_cast<short>(events);
    p.revents = 0;
    if (!fds.push(m, p)) return false;
    index_of_fd[fd] = static_cast<int32_t>(fds.size - 1);
    return true;
  }
  bool modify(Memory&, int fd, unsigned events) {
    struct pollfd& p = fds[index_of_fd[fd]];
    p.fd = events ? fd : ~fd;
    p.events = static_cast<short>(events);
    return true;
  }
  void remove(int fd) {
    int32_t i = index_of_fd[fd];
    index_of_fd[fd] = -1;
    fds[i] = fds[fds.size - 1];
    fds.size--;
    if (static_cast<size_t>(i) < fds.size) {
      int moved = fds[i].fd < 0 ? ~fds[i].fd : fds[i].fd;
      index_of_fd[moved] = i;
    }
  }
  int wait(int timeout_ms, ReadyEvent* out, int max) {
    int n = ::poll(fds.data, static_cast<nfds_t>(fds.size), timeout_ms);
    if (n <= 0) return n;
    int got = 0;
    size_t count = fds.size;
    size_t start = count ? rotate % count : 0;
    for (size_t k = 0; k < count && got < max; k++) {
      struct pollfd& p = fds[(start + k) % count];
      if (p.revents && p.fd >= 0) {
        out[got].fd = p.fd;
        out[got].revents = static_cast<unsigned short>(p.revents);
        got++;
      }
    }
    rotate = start + 1;
    return got;
  }
};
#endif

#if defined(EVLOOP_HAVE_EPOLL)
/* >>epoll. Paused fds are deleted from the epoll set (epoll reports errors and
 * hang-ups even with no interest). Regular files cannot be added to epoll
 * (EPERM) yet are always ready, as poll() says: they are kept on a side list
 * and reported ready at every wait, so a redirected stdin stays watchable. */
struct EpollBackend {
  int epfd;
  RawArray<int32_t> always_ready; /* fds epoll refused with EPERM */
  RawArray<unsigned> interest;    /* per fd, for the always-ready list */

  bool open(Memory& m) {
    epfd = -1;
    always_ready.init();
    interest.init();
    if (!open_fd_table(m, always_ready) || !open_fd_table(m, interest)) return false;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd >= 0;
  }
  void close(Memory& m) {
    if (epfd >= 0) ::close(epfd);
    epfd = -1;
    always_ready.release(m);
    interest.release(m);
  }
  bool ctl(int op, int fd, unsigned events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev) == 0;
  }
  bool add(Memory& m, int fd, unsigned events) {
    if (fcntl(fd, F_GETFD) < 0) return false; /* EBADF, also for a paused add; before any growth */
    if (!interest.reserve(m, static_cast<size_t>(fd) + 1)) return false;
    while (interest.size <= static_cast<size_t>(fd)) interest.data[interest.size++] = 0;
    interest[fd] = events;
    if (!events || ctl(EPOLL_CTL_ADD, fd, events)) return true;
    return errno == EPERM && always_ready.push(m, fd);
  }
  bool modify(Memory& m, int fd, unsigned events) {
    unsigned was = interest[fd];
    interest[fd] = events;
    if (find_always_ready(fd) >= 0) return true;
    if (!was) {
      if (!events || ctl(EPOLL_CTL_ADD, fd, events)) return true;
      return errno == EPERM && always_ready.push(m, fd);
    }
    if (!events) {
      ctl(EPOLL_CTL_DEL, fd, 0);
      return true;
    }
    return ctl(EPOLL_CTL_MOD, fd, events);
  }
  void remove(int fd) {
    int i = find_always_ready(fd);
    if (i >= 0) always_ready[i] = always_ready[--always_ready.size];
    else if (interest[fd]) ctl(EPOLL_CTL_DEL, fd, 0); /* EBADF when already closed: fine */
    interest[fd] = 0;
  }
  int find_always_ready(int fd) {
    for (size_t i = 0; i < always_ready.size; i++)
      if (always_ready[i] == fd) return static_cast<int>(i);
    return -1;
  }
  int wait(int timeout_ms, ReadyEvent* out, int max) {
    struct epoll_event evs[EVLOOP_MAX_EVENTS_PER_WAIT];
    int extra = 0;
    for (size_t i = 0; i < always_ready.size && extra < max; i++) {
      unsigned want = interest[always_ready[i]] & (kReadable | kWritable);
      if (want) {
        out[extra].fd = always_ready[i];
        out[extra].revents = want;
        extra++;
      }
    }
    if (extra) timeout_ms = 0;
    int cap = max - extra < EVLOOP_MAX_EVENTS_PER_WAIT ? max - extra : EVLOOP_MAX_EVENTS_PER_WAIT;
    int n = cap > 0 ? epoll_wait(epfd, evs, cap, timeout_ms) : 0;
    if (n < 0) return extra ? extra : n;
    for (int i = 0; i < n; i++) {
      out[extra + i].fd = evs[i].data.fd;
      out[extra + i].revents = evs[i].events & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP);
    }
    return extra + n;
  }
};
#endif

#if defined(EVLOOP_BACKEND_SELECT)
/* >>select: for network stacks without poll() (lwIP on some
 * microcontrollers). The interest is three fd_sets, copied for each wait; a
 * paused fd is in none, so a paused peer's hang-up cannot spin the loop.
 * select() has no POLLHUP or POLLERR: a hang-up or an error shows as
 * readiness (a read then returns 0 or the error). A watched fd closed under
 * the loop fails the whole select() with EBADF: the closed fds are then
 * looked for and reported as POLLNVAL, as poll() reports them. An fd at or
 * above FD_SETSIZE cannot be in an fd_set: add() refuses it (EMFILE). */
struct SelectBackend {
  fd_set want_read, want_write, want_priority;
  int max_fd;    /* highest fd with interest, -1: none */
  size_t rotate; /* where the next report starts, so no fd starves */

  bool open(Memory&) {
    FD_ZERO(&want_read);
    FD_ZERO(&want_write);
    FD_ZERO(&want_priority);
    max_fd = -1;
    rotate = 0;
    return true;
  }
  void close(Memory&) {}
  bool wanted(int fd) const {
    return FD_ISSET(fd, &want_read) || FD_ISSET(fd, &want_write) || FD_ISSET(fd, &want_priority);
  }
  void set(int fd, unsigned events) {
    if (events & kReadable) FD_SET(fd, &want_read);
    else FD_CLR(fd, &want_read);
    if (events & kWritable) FD_SET(fd, &want_write);
    else FD_CLR(fd, &want_write);
    if (events & kPriority) FD_SET(fd, &want_priority);
    else FD_CLR(fd, &want_priority);
    if (events && fd > max_fd) max_fd = fd;
    while (max_fd >= 0 && !wanted(max_fd)) max_fd--;
  }
  bool add(Memory&, int fd, unsigned events) {
    if (fd < 0 || fd >= FD_SETSIZE) {
      errno = fd < 0 ? EBADF : EMFILE;
      return false;
    }
    if (fcntl(fd, F_GETFD) < 0) return false; /* EBADF, as epoll_ctl and poll() */
    set(fd, events);
    return true;
  }
  bool modify(Memory&, int fd, unsigned events) {
    set(fd, events);
    return true;
  }
  void remove(int fd) { set(fd, 0); }
  int wait(int timeout_ms, ReadyEvent* out, int max) {
    fd_set r = want_read, w = want_write, p = want_priority;
    struct timeval tv;
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    int n = ::select(max_fd + 1, &r, &w, &p, timeout_ms < 0 ? nullptr : &tv);
    if (n < 0 && errno == EBADF) return closed_fds(out, max);
    if (n <= 0) return n;
    /* From the fd after the last one reported: when more are ready than
     * `max`, the next wait starts with those left out (no fd starves). */
    int got = 0, count = max_fd + 1, fd = static_cast<int>(rotate % static_cast<size_t>(count));
    for (int k = 0; k < count && got < max; k++, fd = fd + 1 < count ? fd + 1 : 0) {
      unsigned ev = (FD_ISSET(fd, &r) ? kReadable : 0u) | (FD_ISSET(fd, &w) ? kWritable : 0u) |
                    (FD_ISSET(fd, &p) ? kPriority : 0u);
      if (ev) {
        out[got].fd = fd;
        out[got].revents = ev;
        got++;
        rotate = static_cast<size_t>(fd) + 1;
      }
    }
    return got;
  }
  /* After EBADF: the watched fds that are closed, as POLLNVAL. */
  int closed_fds(ReadyEvent* out, int max) {
    int got = 0;
    for (int fd = 0; fd <= max_fd && got < max; fd++)
      if (wanted(fd) && fcntl(fd, F_GETFD) < 0) {
        out[got].fd = fd;
        out[got].revents = kInvalid;
        got++;
      }
    if (!got) errno = EBADF;
    return got ? got : -1;
  }
};
#endif

/* The dispatching front: the build's backend, or on Linux epoll or poll(),
 * chosen at create() time. */
struct KernelBackend {
  Backend kind;
#if defined(EVLOOP_BACKEND_SELECT)
  SelectBackend select;
#define EVLOOP_BACKEND_CALL(call) (select.call)
#else
  PollBackend poll;
#if defined(EVLOOP_HAVE_EPOLL)
  EpollBackend epoll;
#define EVLOOP_BACKEND_CALL(call) (kind == Backend::Epoll ? epoll.call : poll.call)
#else
#define EVLOOP_BACKEND_CALL(call) (poll.call)
#endif
#endif

  bool open(Memory& m, Backend wanted) {
#if defined(EVLOOP_BACKEND_SELECT)
    (void)wanted;
    kind = Backend::Select;
    return select.open(m);
#else
#if defined(EVLOOP_HAVE_EPOLL)
    kind = wanted == Backend::Poll ? Backend::Poll : Backend::Epoll;
    if (kind == Backend::Epoll) {
      poll.init();
      return epoll.open(m);
    }
#else
    (void)wanted;
    kind = Backend::Poll;
#endif
    return poll.open(m);
#endif
  }
  void close(Memory& m) {
#if defined(EVLOOP_BACKEND_SELECT)
    select.close(m);
#else
    poll.close(m);
#if defined(EVLOOP_HAVE_EPOLL)
    if (kind == Backend::Epoll) epoll.close(m);
#endif
#endif
  }
  bool add(Memory& m, int fd, unsigned events) { return EVLOOP_BACKEND_CALL(add(m, fd, events)); }
  bool modify(Memory& m, int fd, unsigned events) { return EVLOOP_BACKEND_CALL(modify(m, fd, events)); }
  void remove(int fd) { EVLOOP_BACKEND_CALL(remove(fd)); }
  int wait(int timeout_ms, ReadyEvent* out, int max) {
    return EVLOOP_BACKEND_CALL(wait(timeout_ms, out, max));
  }
  int fd() {
#if defined(EVLOOP_HAVE_EPOLL)
    if (kind == Backend::Epoll) return epoll.epfd;
#endif
    return -1;
  }
  const char* name() const {
    return kind == Backend::Epoll ? "epoll" : kind == Backend::Select ? "select" : "poll";
  }
#undef EVLOOP_BACKEND_CALL
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
