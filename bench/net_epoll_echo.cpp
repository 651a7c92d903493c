/* Minimal C++ epoll echo server: the practical limit of `make bench-net`.
 *
 *   net_epoll_echo PORT [HOST]      (HOST default 127.0.0.1)
 *
 * What any event-loop echo server has to do at the least, and nothing more:
 * level-triggered epoll, non-blocking sockets, one shared 64 KiB read buffer,
 * each read written straight back; what the kernel does not take is queued per
 * connection and flushed on EPOLLOUT (write interest only while the queue is
 * non-empty; reading pauses while more than 1 MiB is queued). Runs until killed. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

const size_t kReadSize = 64 * 1024;
const size_t kPauseAbove = 1024 * 1024;

struct Conn {
  std::string queue;  // bytes the kernel did not take yet
  size_t sent = 0;    // of queue
  bool reading = true;
  bool writing = false;
};

int g_epfd = -1;
std::vector<Conn*> g_conns;  // by fd

void set_interest(int fd, Conn* c) {
  epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (c->reading ? EPOLLIN : 0u) | (c->writing ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  epoll_ctl(g_epfd, EPOLL_CTL_MOD, fd, &ev);
}

void close_conn(int fd) {
  epoll_ctl(g_epfd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  delete g_conns[fd];
  g_conns[fd] = nullptr;
}

// Writes what can be written of data; queues the rest. false: connection closed.
bool send_or_queue(int fd, Conn* c, const char* data, size_t len) {
  if (c->queue.size() == c->sent) {
    while (len > 0) {
      ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
      if (n > 0) {
        data += n;
        len -= static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        close_conn(fd);
        return false;
      }
    }
    if (len == 0) return true;
    c->queue.clear();
    c->sent = 0;
  }
  c->queue.append(data, len);
  bool pause = c->queue.size() - c->sent > kPauseAbove;
  if (!c->writing || (pause && c->reading)) {
    c->writing = true;
    if (pause) c->reading = false;
    set_interest(fd, c);
  }
  return true;
}

void on_readable(int fd, Conn* c, char* buf) {
  for (;;) {
    ssize_t n = recv(fd, buf, kReadSize, 0);
    if (n > 0) {
      if (!send_or_queue(fd, c, buf, static_cast<size_t>(n))) return;
      if (!c->reading || static_cast<size_t>(n) < kReadSize) return;  // level-triggered: back later
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {  // end of stream or error
      close_conn(fd);
      return;
    }
  }
}

void on_writable(int fd, Conn* c) {
  while (c->sent < c->queue.size()) {
    ssize_t n = send(fd, c->queue.data() + c->sent, c->queue.size() - c->sent, MSG_NOSIGNAL);
    if (n > 0) {
      c->sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      close_conn(fd);
      return;
    }
  }
  bool empty = c->sent == c->queue.size();
  if (empty) {
    c->queue.clear();
    c->sent = 0;
  }
  bool reading = c->queue.size() - c->sent <= kPauseAbove;
  if (empty || reading != c->reading) {
    c->writing = !empty;
    c->reading = reading;
    set_interest(fd, c);
  }
}

void on_accept(int lfd) {
  for (;;) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or EMFILE and the like: the benchmark never gets there
    }
    if (static_cast<size_t>(fd) >= g_conns.size()) g_conns.resize(static_cast<size_t>(fd) * 2 + 1, nullptr);
    g_conns[fd] = new Conn();
    epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) close_conn(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: net_epoll_echo PORT [HOST]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int port = atoi(argv[1]);
  const char* host = argc > 2 ? argv[2] : "127.0.0.1";
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "net_epoll_echo: bad IPv4 address %s\n", host);
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 511) < 0) {
    fprintf(stderr, "net_epoll_echo: %s:%d: %s\n", host, port, strerror(errno));
    return 1;
  }
  g_epfd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(g_epfd, EPOLL_CTL_ADD, lfd, &ev);

  static char buf[kReadSize];
  epoll_event events[256];
  for (;;) {
    int n = epoll_wait(g_epfd, events, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        on_accept(lfd);
        continue;
      }
      // An earlier event of this round may have closed fd (and accept reused it:
      // then the new connection just sees a spurious, harmless readiness).
      Conn* c = static_cast<size_t>(fd) < g_conns.size() ? g_conns[fd] : nullptr;
      if (!c) continue;
      uint32_t e = events[i].events;
      if (e & (EPOLLOUT | EPOLLERR)) {
        on_writable(fd, c);
        c = g_conns[fd];
        if (!c) continue;
      }
      if (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(fd, c, buf);
    }
  }
}
