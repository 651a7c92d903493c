/* The epoll backend: Linux's default (EVLOOP_HAVE_EPOLL: neither
 * EVLOOP_BACKEND_POLL nor EVLOOP_BACKEND_SELECT). Paused fds are deleted from
 * the epoll set (epoll reports errors and hang-ups even with no interest).
 * Regular files cannot be added to epoll (EPERM) yet are always ready, as
 * poll() says: they are kept on a side list and reported ready at every
 * wait, so a redirected stdin stays watchable. Wakes through an eventfd in
 * the set. Its epoll fd is pollable by a foreign loop (Loop::pollable_fd):
 * from then on a timerfd in the set is armed at the loop's next deadline, so
 * the epoll fd turns readable when a timer is due, not only on I/O. */
#pragma once
#include "common.hpp"

#if defined(EVLOOP_HAVE_EPOLL)
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

namespace evloop {
namespace detail {

struct EpollBackend {
  int epfd;
  int wake_fd;                    /* eventfd: Loop::wake, from any thread */
  int timer_fd;                   /* timerfd, once pollable_fd() was asked; else -1 */
  RawArray<int32_t> always_ready; /* fds epoll refused with EPERM */
  RawArray<unsigned> interest;    /* per fd, for the always-ready list */

  bool open(Memory& m) {
    epfd = wake_fd = timer_fd = -1;
    always_ready.init();
    interest.init();
    if (!open_fd_table(m, always_ready) || !open_fd_table(m, interest)) return false;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return false;
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return wake_fd >= 0 && ctl(EPOLL_CTL_ADD, wake_fd, EPOLLIN);
  }
  void close(Memory& m) {
    close_own(epfd);
    close_own(wake_fd);
    close_own(timer_fd);
    always_ready.release(m);
    interest.release(m);
  }
  static void close_own(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
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
  /* The eventfd and the timerfd are drained here, never reported. */
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
    int got = extra;
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == wake_fd || fd == timer_fd) {
        uint64_t count; /* the eventfd's wake-ups, the timerfd's expirations */
        if (::read(fd, &count, sizeof count) < 0) { /* EAGAIN: nothing to drain */
        }
        continue;
      }
      out[got].fd = fd;
      out[got].revents = evs[i].events & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP);
      got++;
    }
    return got;
  }
  void wake() {
    uint64_t one = 1;
    if (::write(wake_fd, &one, sizeof one) < 0) { /* EAGAIN: a wake-up is pending, nothing lost */
    }
  }
  int pollable_fd(bool* arms_deadline) {
    if (timer_fd < 0) {
      timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
      if (timer_fd >= 0 && !ctl(EPOLL_CTL_ADD, timer_fd, EPOLLIN)) close_own(timer_fd);
    }
    *arms_deadline = timer_fd >= 0;
    return epfd;
  }
  /* The timerfd fires in until_ns (-1: disarmed). */
  void arm_deadline(int64_t until_ns) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (until_ns >= 0) {
      its.it_value.tv_sec = static_cast<time_t>(until_ns / 1000000000);
      its.it_value.tv_nsec = static_cast<long>(until_ns % 1000000000);
    }
    timerfd_settime(timer_fd, 0, &its, nullptr);
  }
  bool owns(int fd) const { return fd >= 0 && (fd == epfd || fd == wake_fd || fd == timer_fd); }
};

} /* namespace detail */
} /* namespace evloop */
#endif
