/* The select() backend (EVLOOP_BACKEND_SELECT builds only), for network
 * stacks without poll() (lwIP on some microcontrollers). The interest is
 * three fd_sets, copied for each wait; a paused fd is in none, so a paused
 * peer's hang-up cannot spin the loop. select() has no POLLHUP or POLLERR: a
 * hang-up or an error shows as readiness (a read then returns 0 or the
 * error). A watched fd closed under the loop fails the whole select() with
 * EBADF: the closed fds are then looked for and reported as POLLNVAL, as
 * poll() reports them. An fd at or above FD_SETSIZE cannot be in an fd_set:
 * add() refuses it (EMFILE). Wakes through a self-pipe; the next timeout is
 * only the wait's timeout (no pollable fd). */
#pragma once
#include "common.hpp"

#if defined(EVLOOP_BACKEND_SELECT)
namespace evloop {
namespace detail {

struct SelectBackend {
  fd_set want_read, want_write, want_priority;
  int max_fd;         /* highest fd with interest, -1: none */
  size_t rotate;      /* where the next report starts, so no fd starves */
  WakePipe wake_pipe; /* its read end is in want_read, never reported */

  bool open(Memory& m) {
    FD_ZERO(&want_read);
    FD_ZERO(&want_write);
    FD_ZERO(&want_priority);
    max_fd = -1;
    rotate = 0;
    wake_pipe.init();
    return wake_pipe.open() && add(m, wake_pipe.read_fd, kReadable);
  }
  void close(Memory&) { wake_pipe.close(); }
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
    if (FD_ISSET(wake_pipe.read_fd, &r)) {
      wake_pipe.drain();
      FD_CLR(wake_pipe.read_fd, &r);
    }
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
  void wake() { wake_pipe.signal(); }
  int pollable_fd(bool* arms_deadline) {
    *arms_deadline = false;
    return -1;
  }
  void arm_deadline(int64_t) {}
  bool owns(int fd) const { return wake_pipe.owns(fd); }
};

} /* namespace detail */
} /* namespace evloop */
#endif
