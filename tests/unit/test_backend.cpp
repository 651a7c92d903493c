/* The kernel backends, driven directly (no Loop): epoll and poll() must behave
 * the same for pipes, pausing, removal, closed fds, regular files, hang-ups. */
#include <doctest/doctest.h>
#define EVLOOP_INTERNALS
#include "evloop.hpp"
#include "support.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <initializer_list>
#include <string>

using evloop::Backend;
using evloop::detail::KernelBackend;
using evloop::detail::Memory;
using evloop::detail::ReadyEvent;
using namespace test_support;

namespace {

const int kMax = 16;

/* A KernelBackend on malloc, opened as `kind`; checks every byte is freed. */
struct TestBackend {
  Memory m;
  KernelBackend b;
  bool ok;
  explicit TestBackend(Backend kind) : m(test_memory()) { ok = b.open(m, kind); }
  ~TestBackend() {
    b.close(m);
    CHECK(m.bytes == 0);
  }
  int wait(int timeout_ms, ReadyEvent* out) { return b.wait(timeout_ms, out, kMax); }
  /* revents reported for fd in one wait (0: not reported), -1 on wait error. */
  int revents_of(int fd, int timeout_ms = 0) {
    ReadyEvent out[kMax];
    int n = wait(timeout_ms, out);
    if (n < 0) return -1;
    int got = 0;
    for (int i = 0; i < n; i++)
      if (out[i].fd == fd) got |= static_cast<int>(out[i].revents);
    return got;
  }
};

/* Calls body(kind) for each backend kind, the kind's name captured. */
template <typename Body>
void for_each_kind(Body body) {
  for (Backend kind : kBackends) {
    std::string backend = backend_name(kind);
    CAPTURE(backend);
    body(kind);
  }
}

/* Calls body(t) with a freshly opened TestBackend of each kind. */
template <typename Body>
void with_each_backend(Body body) {
  for_each_kind([&](Backend kind) {
    TestBackend t(kind);
    REQUIRE(t.ok);
    body(t);
  });
}

}  // namespace

TEST_CASE("backend: open reports its kind, name and fd") {
  {
    TestBackend t(Backend::Epoll);
    REQUIRE(t.ok);
    CHECK(t.b.kind() == Backend::Epoll);
    CHECK(std::string(t.b.name()) == "epoll");
    CHECK(t.b.pollable_fd() >= 0);
  }
  {
    TestBackend t(Backend::Poll);
    REQUIRE(t.ok);
    CHECK(t.b.kind() == Backend::Poll);
    CHECK(std::string(t.b.name()) == "poll");
    CHECK(t.b.pollable_fd() == -1);
  }
  {
    TestBackend t(Backend::Default);  // Linux default: epoll
    REQUIRE(t.ok);
    CHECK(t.b.kind() == Backend::Epoll);
  }
}

TEST_CASE("backend: wake() ends a wait, which reports nothing; the wake-up's fds are the backend's own") {
  with_each_backend([](TestBackend& t) {
    ReadyEvent out[kMax];
    CHECK(t.wait(0, out) == 0);
    t.b.wake();
    t.b.wake();  // two wake-ups before a wait: one wait takes both
    int64_t started = evloop::detail::monotonic_ns();
    CHECK(t.wait(5000, out) == 0);  // returns at once, reporting no fd
    CHECK(evloop::detail::monotonic_ns() - started < 2000000000);
    CHECK(t.wait(0, out) == 0);  // drained
    int owned = 0;
    for (int fd = 0; fd < 1024; fd++) owned += t.b.owns(fd);
    CHECK(owned >= 1);
    CHECK(!t.b.owns(-1));
    Pipe p;
    CHECK(!t.b.owns(p.r));
    CHECK(!t.b.owns(p.w));
  });
}

TEST_CASE("backend: epoll's pollable fd turns readable at the armed deadline, the timer unreported") {
  TestBackend t(Backend::Epoll);
  REQUIRE(t.ok);
  CHECK(!t.b.arms_deadline);
  int fd = t.b.pollable_fd();
  REQUIRE(fd >= 0);
  CHECK(t.b.owns(fd));
  CHECK(t.b.arms_deadline);
  t.b.arm_deadline(1000000);  // 1 ms
  struct pollfd p = {fd, POLLIN, 0};
  CHECK(::poll(&p, 1, 2000) == 1);
  ReadyEvent out[kMax];
  CHECK(t.wait(0, out) == 0);  // the timerfd drained, not reported
  CHECK(::poll(&p, 1, 0) == 0);
  t.b.arm_deadline(-1);        // disarmed: stays quiet
  CHECK(::poll(&p, 1, 20) == 0);
  TestBackend q(Backend::Poll);
  REQUIRE(q.ok);
  CHECK(q.b.pollable_fd() == -1);
  CHECK(!q.b.arms_deadline);
}

TEST_CASE("backend: a pipe becomes readable after a write; writable interest") {
  with_each_backend([](TestBackend& t) {
    Pipe p;
    REQUIRE(p.r >= 0);
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    CHECK(t.revents_of(p.r) == 0);  // nothing written yet
    REQUIRE(p.put());
    int ev = t.revents_of(p.r, 1000);
    CHECK((ev & evloop::kReadable) != 0);
    CHECK((ev & evloop::kWritable) == 0);
    // Level-triggered: still readable until drained.
    CHECK((t.revents_of(p.r) & evloop::kReadable) != 0);
    p.drain();
    CHECK(t.revents_of(p.r) == 0);

    // The write end with writable interest.
    REQUIRE(t.b.add(t.m, p.w, evloop::kWritable));
    ReadyEvent out[kMax];
    int n = t.wait(1000, out);
    REQUIRE(n == 1);
    CHECK(out[0].fd == p.w);
    CHECK(out[0].revents == evloop::kWritable);
    t.b.remove(p.w);
    t.b.remove(p.r);
    CHECK(t.wait(0, out) == 0);
  });
}

TEST_CASE("backend: modify to 0 pauses; a paused fd reports nothing even after hang-up") {
  with_each_backend([](TestBackend& t) {
    Pipe p;
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    REQUIRE(p.put());
    CHECK((t.revents_of(p.r) & evloop::kReadable) != 0);
    REQUIRE(t.b.modify(t.m, p.r, 0));
    CHECK(t.revents_of(p.r) == 0);  // data pending, but paused
    p.close_w();                    // the peer hangs up: still nothing (no spin)
    ReadyEvent out[kMax];
    for (int i = 0; i < 3; i++) CHECK(t.wait(0, out) == 0);
    // Resumed: the data and the hang-up show up.
    REQUIRE(t.b.modify(t.m, p.r, evloop::kReadable));
    int ev = t.revents_of(p.r, 1000);
    CHECK((ev & evloop::kReadable) != 0);
    CHECK((ev & evloop::kHangup) != 0);
    // Pause again after having been active, then change interest while paused.
    REQUIRE(t.b.modify(t.m, p.r, 0));
    CHECK(t.wait(0, out) == 0);
    REQUIRE(t.b.modify(t.m, p.r, evloop::kReadable | evloop::kPriority));
    CHECK((t.revents_of(p.r) & evloop::kReadable) != 0);
    t.b.remove(p.r);
  });
}

TEST_CASE("backend: modify changes the interest set") {
  with_each_backend([](TestBackend& t) {
    Pipe p;
    REQUIRE(t.b.add(t.m, p.w, evloop::kReadable));  // a write end is never readable
    CHECK(t.revents_of(p.w) == 0);
    REQUIRE(t.b.modify(t.m, p.w, evloop::kWritable));
    CHECK(t.revents_of(p.w, 1000) == static_cast<int>(evloop::kWritable));
    REQUIRE(t.b.modify(t.m, p.w, evloop::kReadable));
    CHECK(t.revents_of(p.w) == 0);
    t.b.remove(p.w);
  });
}

TEST_CASE("backend: remove and re-add") {
  with_each_backend([](TestBackend& t) {
    Pipe a, b;
    REQUIRE(t.b.add(t.m, a.r, evloop::kReadable));
    REQUIRE(t.b.add(t.m, b.r, evloop::kReadable));
    REQUIRE(a.put());
    REQUIRE(b.put());
    t.b.remove(a.r);
    // Only b is left (in the poll backend a.r's entry was swapped with b.r's).
    ReadyEvent out[kMax];
    int n = t.wait(1000, out);
    REQUIRE(n == 1);
    CHECK(out[0].fd == b.r);
    t.b.remove(b.r);
    CHECK(t.wait(0, out) == 0);
    // Re-added: reported again.
    REQUIRE(t.b.add(t.m, a.r, evloop::kReadable));
    n = t.wait(1000, out);
    REQUIRE(n == 1);
    CHECK(out[0].fd == a.r);
    CHECK((out[0].revents & evloop::kReadable) != 0);
    // Re-added paused: nothing; then resumed.
    t.b.remove(a.r);
    REQUIRE(t.b.add(t.m, a.r, 0));
    CHECK(t.wait(0, out) == 0);
    REQUIRE(t.b.modify(t.m, a.r, evloop::kReadable));
    CHECK((t.revents_of(a.r, 1000) & evloop::kReadable) != 0);
    t.b.remove(a.r);
  });
}

TEST_CASE("backend: many fds, all reported, removal from the middle keeps the rest") {
  with_each_backend([](TestBackend& t) {
    Pipe p[6];
    for (int i = 0; i < 6; i++) {
      REQUIRE(t.b.add(t.m, p[i].r, evloop::kReadable));
      REQUIRE(p[i].put());
    }
    t.b.remove(p[1].r);
    t.b.remove(p[4].r);
    ReadyEvent out[kMax];
    int n = t.wait(1000, out);
    REQUIRE(n == 4);
    int seen = 0;
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 6; k++)
        if (out[i].fd == p[k].r) seen |= 1 << k;
    CHECK(seen == ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 5)));
    for (int k : {0, 2, 3, 5}) t.b.remove(p[k].r);
  });
}

TEST_CASE("backend: adding a closed fd fails with EBADF") {
  with_each_backend([](TestBackend& t) {
    int fd;
    {
      Pipe p;
      fd = p.r;
    }  // both ends closed now
    REQUIRE(fd >= 0);
    REQUIRE(fcntl(fd, F_GETFD) < 0);
    errno = 0;
    CHECK_FALSE(t.b.add(t.m, fd, evloop::kReadable));
    CHECK(errno == EBADF);
    // Added paused (no interest yet): must fail the same way.
    errno = 0;
    bool added_paused = t.b.add(t.m, fd, 0);
    CHECK_FALSE(added_paused);
    CHECK(errno == EBADF);
    if (added_paused) t.b.remove(fd);
    ReadyEvent out[kMax];
    CHECK(t.wait(0, out) == 0);
  });
}

TEST_CASE("backend: a regular file is watchable and always ready") {
  for_each_kind([](Backend kind) {
    int fd = open_unlinked_temp_file();
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "data", 4) == 4);
    {
      TestBackend t(kind);
      REQUIRE(t.ok);
      REQUIRE(t.b.add(t.m, fd, evloop::kReadable));
      // Reported at once however long the wait could be, on every wait.
      CHECK(t.revents_of(fd, 5000) == static_cast<int>(evloop::kReadable));
      CHECK(t.revents_of(fd, 5000) == static_cast<int>(evloop::kReadable));
      REQUIRE(t.b.modify(t.m, fd, evloop::kReadable | evloop::kWritable));
      CHECK(t.revents_of(fd, 5000) == static_cast<int>(evloop::kReadable | evloop::kWritable));
      // Paused: not reported.
      REQUIRE(t.b.modify(t.m, fd, 0));
      CHECK(t.revents_of(fd, 0) == 0);
      REQUIRE(t.b.modify(t.m, fd, evloop::kWritable));
      CHECK(t.revents_of(fd, 5000) == static_cast<int>(evloop::kWritable));
      t.b.remove(fd);
      CHECK(t.revents_of(fd, 0) == 0);
      // Re-added after removal.
      REQUIRE(t.b.add(t.m, fd, evloop::kReadable));
      CHECK(t.revents_of(fd, 5000) == static_cast<int>(evloop::kReadable));
      t.b.remove(fd);
    }
    {
      // Added paused first, then resumed: the same as added with interest.
      TestBackend t(kind);
      REQUIRE(t.ok);
      REQUIRE(t.b.add(t.m, fd, 0));
      CHECK(t.revents_of(fd, 0) == 0);
      CHECK(t.b.modify(t.m, fd, evloop::kReadable));
      CHECK(t.revents_of(fd, 1000) == static_cast<int>(evloop::kReadable));
      t.b.remove(fd);
    }
    ::close(fd);
  });
}

TEST_CASE("backend: a regular file does not hide a ready pipe") {
  for_each_kind([](Backend kind) {
    int fd = open_unlinked_temp_file();
    REQUIRE(fd >= 0);
    TestBackend t(kind);
    REQUIRE(t.ok);
    Pipe p;
    REQUIRE(t.b.add(t.m, fd, evloop::kReadable));
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    REQUIRE(p.put());
    ReadyEvent out[kMax];
    int n = t.wait(1000, out);
    bool file = false, pipe_ready = false;
    for (int i = 0; i < n; i++) {
      if (out[i].fd == fd) file = true;
      if (out[i].fd == p.r) pipe_ready = (out[i].revents & evloop::kReadable) != 0;
    }
    CHECK(file);
    CHECK(pipe_ready);
    t.b.remove(fd);
    t.b.remove(p.r);
    ::close(fd);
  });
}

TEST_CASE("backend: a hang-up is reported") {
  with_each_backend([](TestBackend& t) {
    Pipe p;
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    CHECK(t.revents_of(p.r) == 0);
    p.close_w();
    int ev = t.revents_of(p.r, 1000);
    CHECK((ev & evloop::kHangup) != 0);
    CHECK((ev & evloop::kReadable) == 0);  // no data: only the hang-up
    t.b.remove(p.r);

    // The write end sees an error when the reader goes away.
    Pipe q;
    REQUIRE(t.b.add(t.m, q.w, evloop::kWritable));
    q.close_r();
    int wev = t.revents_of(q.w, 1000);
    CHECK((wev & evloop::kError) != 0);
    t.b.remove(q.w);
  });
}

TEST_CASE("backend: a watched fd closed under the backend") {
  SUBCASE("poll reports POLLNVAL") {
    TestBackend t(Backend::Poll);
    REQUIRE(t.ok);
    Pipe p;
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    int fd = p.r;
    p.close_r();
    CHECK((t.revents_of(fd, 1000) & evloop::kInvalid) != 0);
    t.b.remove(fd);
    ReadyEvent out[kMax];
    CHECK(t.wait(0, out) == 0);
  }
  SUBCASE("epoll forgets it (close removes it from the set)") {
    TestBackend t(Backend::Epoll);
    REQUIRE(t.ok);
    Pipe p;
    REQUIRE(t.b.add(t.m, p.r, evloop::kReadable));
    REQUIRE(p.put());
    int fd = p.r;
    p.close_r();
    ReadyEvent out[kMax];
    CHECK(t.wait(0, out) == 0);
    t.b.remove(fd);  // EBADF inside: harmless
    CHECK(t.wait(0, out) == 0);
  }
}
