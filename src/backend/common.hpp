/* What every backend shares: the event record a wait fills, the fd limit and
 * the fd-indexed tables, and the self-pipe that wakes a poll() or select()
 * wait (epoll wakes through an eventfd: backend/epoll.hpp). */
#pragma once
#include "../api/api.hpp"
#include "../core/memory.hpp"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

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

/* The wake-up of a backend without an eventfd: Loop::wake (any thread)
 * writes a byte, the wait sees the read end readable and drains it. Both
 * ends non-blocking: a full pipe means a wake-up is already pending. */
struct WakePipe {
  int read_fd, write_fd;

  void init() { read_fd = write_fd = -1; }
  bool open() {
    int p[2];
    if (pipe(p) != 0) return false;
    for (int i = 0; i < 2; i++) {
      fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
      fcntl(p[i], F_SETFD, FD_CLOEXEC);
    }
    read_fd = p[0];
    write_fd = p[1];
    return true;
  }
  void close() {
    if (read_fd >= 0) ::close(read_fd);
    if (write_fd >= 0) ::close(write_fd);
    init();
  }
  void signal() {
    char one = 1;
    if (::write(write_fd, &one, 1) < 0) { /* EAGAIN: a wake-up is pending, nothing lost */
    }
  }
  void drain() {
    char buf[64];
    while (::read(read_fd, buf, sizeof buf) > 0) {
    }
  }
  bool owns(int fd) const { return fd == read_fd || fd == write_fd; }
};

} /* namespace detail */
} /* namespace evloop */
