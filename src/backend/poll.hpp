/* The poll() backend: portable, and on Linux beside epoll (Backend::Poll) so
 * it is tested there too. Not in EVLOOP_BACKEND_SELECT builds (no poll()).
 * A pollfd array plus an fd -> index map; removal swaps with the last
 * entry. A paused fd (no interest) is stored negated, which poll() skips, so a
 * paused peer's hang-up cannot spin the loop. Wakes through a self-pipe; the
 * next timeout is only the wait's timeout (no pollable fd). */
#pragma once
#include "common.hpp"

#if !defined(EVLOOP_BACKEND_SELECT)
namespace evloop {
namespace detail {

struct PollBackend {
  RawArray<struct pollfd> fds;
  RawArray<int32_t> index_of_fd; /* -1: not registered */
  size_t rotate;                 /* first entry reported, so no fd starves */
  WakePipe wake_pipe;            /* its read end is in fds, never reported */

  bool open(Memory& m) {
    fds.init();
    index_of_fd.init();
    rotate = 0;
    wake_pipe.init();
    return open_fd_table(m, fds) && open_fd_table(m, index_of_fd) && wake_pipe.open() &&
           add(m, wake_pipe.read_fd, kReadable);
  }
  void close(Memory& m) {
    fds.release(m);
    index_of_fd.release(m);
    wake_pipe.close();
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
        if (p.fd == wake_pipe.read_fd) {
          wake_pipe.drain();
          continue;
        }
        out[got].fd = p.fd;
        out[got].revents = static_cast<unsigned short>(p.revents);
        got++;
      }
    }
    rotate = start + 1;
    return got;
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
