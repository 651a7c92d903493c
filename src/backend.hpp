/* Backends: the kernel interface behind one small set of functions (open,
 * close, add, modify, remove, wait, fd, name), as Redis's ae does. The core
 * never sees epoll or pollfd types. Both backends are compiled on Linux so the
 * poll() one is tested there too; EVLOOP_BACKEND_POLL compiles poll() only. */

#include <errno.h>
#include <fcntl.h>
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

/* >>poll: a pollfd array plus an fd -> index map; removal swaps with the last
 * entry. A paused fd (no interest) is stored negated, which poll() skips, so a
 * paused peer's hang-up cannot spin the loop. */
struct PollBackend {
  RawArray<struct pollfd> fds;
  RawArray<int32_t> index_of_fd; /* -1: not registered */
  size_t rotate;                 /* first entry reported, so no fd starves */

  bool open(Memory&) {
    fds.init();
    index_of_fd.init();
    rotate = 0;
    return true;
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

#if defined(EVLOOP_HAVE_EPOLL)
/* >>epoll. Paused fds are deleted from the epoll set (epoll reports errors and
 * hang-ups even with no interest). Regular files cannot be added to epoll
 * (EPERM) yet are always ready, as poll() says: they are kept on a side list
 * and reported ready at every wait, so a redirected stdin stays watchable. */
struct EpollBackend {
  int epfd;
  RawArray<int32_t> always_ready; /* fds epoll refused with EPERM */
  RawArray<unsigned> interest;    /* per fd, for the always-ready list */

  bool open(Memory&) {
    always_ready.init();
    interest.init();
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
    if (!interest.reserve(m, static_cast<size_t>(fd) + 1)) return false;
    while (interest.size <= static_cast<size_t>(fd)) interest.data[interest.size++] = 0;
    if (fcntl(fd, F_GETFD) < 0) return false; /* EBADF, also for a paused add */
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

/* The dispatching front: one of the two, chosen at create() time. */
struct KernelBackend {
  Backend kind;
  PollBackend poll;
#if defined(EVLOOP_HAVE_EPOLL)
  EpollBackend epoll;
#define EVLOOP_BACKEND_CALL(call) (kind == Backend::Epoll ? epoll.call : poll.call)
#else
#define EVLOOP_BACKEND_CALL(call) (poll.call)
#endif

  bool open(Memory& m, Backend wanted) {
#if defined(EVLOOP_HAVE_EPOLL)
    kind = wanted == Backend::Poll ? Backend::Poll : Backend::Epoll;
    if (kind == Backend::Epoll) {
      poll.open(m);
      return epoll.open(m);
    }
#else
    (void)wanted;
    kind = Backend::Poll;
#endif
    return poll.open(m);
  }
  void close(Memory& m) {
    poll.close(m);
#if defined(EVLOOP_HAVE_EPOLL)
    if (kind == Backend::Epoll) epoll.close(m);
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
  const char* name() const { return kind == Backend::Epoll ? "epoll" : "poll"; }
#undef EVLOOP_BACKEND_CALL
};

} /* namespace detail */
} /* namespace evloop */
