/* Native fd watchers through the public Loop API, on both backends: events,
 * pausing, unwatch, closed fds, fd reuse within one round, hang-ups, errors,
 * regular files and unref'd watchers. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace test_support;

namespace {

struct Event {
  int fd;
  unsigned revents;
  int turn;
};

struct WatchLog {
  std::vector<Event> events;
  int turn = 0;
  bool drain = true;
  bool unwatch_on_hangup = false;
  bool unwatch_result = true;
  size_t count(int fd) const {
    size_t n = 0;
    for (const Event& e : events) n += e.fd == fd;
    return n;
  }
};

void on_fd(evloop::Loop& loop, int fd, unsigned revents, void* user) {
  WatchLog* log = static_cast<WatchLog*>(user);
  Event e = {fd, revents, log->turn};
  log->events.push_back(e);
  if (log->drain && (revents & evloop::kReadable)) drain(fd);
  if (log->unwatch_on_hangup && (revents & (evloop::kHangup | evloop::kError | evloop::kInvalid)))
    log->unwatch_result = loop.unwatch(fd);
}

/* Calls body(h) with a fresh TestHeap on `kind`, the backend's name captured. */
template <typename Body>
void with_heap(evloop::Backend kind, Body body) {
  TestHeap h(kind);
  REQUIRE(h.loop);
  std::string backend = h.loop->backend_name();
  CAPTURE(backend);
  body(h);
}

/* with_heap() on each backend in turn. */
template <typename Body>
void with_each_backend(Body body) {
  for (evloop::Backend kind : kBackends) with_heap(kind, body);
}

}  // namespace

TEST_CASE("native watcher: a pipe's callback gets kReadable, then nothing once drained") {
  for (evloop::Backend kind : kBackends) {
    with_heap(kind, [&](TestHeap& h) {
      std::string backend = h.loop->backend_name();
      CHECK(backend == (kind == evloop::Backend::Epoll ? "epoll" : "poll"));
      Pipe p;
      WatchLog log;
      CHECK_FALSE(h.loop->watch(p.r, evloop::kReadable, nullptr, &log));  // no callback: refused
      REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
      CHECK(h.loop->stats().watched_fds == 1);
      CHECK(h.loop->alive());
      CHECK(h.loop->run_once(0));
      CHECK(log.events.empty());
      REQUIRE(p.put("abc"));
      uint64_t before = h.loop->stats().callbacks_run;
      CHECK(h.loop->run_once(0));
      REQUIRE(log.events.size() == 1);
      CHECK(log.events[0].fd == p.r);
      CHECK(log.events[0].revents == evloop::kReadable);
      CHECK(h.loop->stats().callbacks_run == before + 1);
      CHECK(h.loop->run_once(0));
      CHECK(log.events.size() == 1);  // drained: level-triggered, nothing more
      // Writable interest on the other end.
      WatchLog wlog;
      REQUIRE(h.loop->watch(p.w, evloop::kWritable, on_fd, &wlog));
      CHECK(h.loop->stats().watched_fds == 2);
      CHECK(h.loop->run_once(0));
      REQUIRE(wlog.events.size() == 1);
      CHECK(wlog.events[0].fd == p.w);
      CHECK(wlog.events[0].revents == evloop::kWritable);
      CHECK(h.loop->unwatch(p.w));
      CHECK(h.loop->unwatch(p.r));
    });
  }
}

TEST_CASE("native watcher: watch() again changes interest and callback") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog first, second;
    REQUIRE(h.loop->watch(p.w, evloop::kReadable, on_fd, &first));  // never readable
    CHECK(h.loop->run_once(0));
    CHECK(first.events.empty());
    REQUIRE(h.loop->watch(p.w, evloop::kWritable, on_fd, &second));
    CHECK(h.loop->stats().watched_fds == 1);  // still one watcher
    CHECK(h.loop->run_once(0));
    CHECK(first.events.empty());
    REQUIRE(second.events.size() == 1);
    CHECK(second.events[0].revents == evloop::kWritable);
    CHECK(h.loop->unwatch(p.w));
  });
}

TEST_CASE("native watcher: set_events(fd, 0) pauses without spinning, even after a hang-up") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    log.drain = false;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    REQUIRE(p.put());
    CHECK(h.loop->set_events(p.r, 0));
    for (int i = 0; i < 3; i++) CHECK(h.loop->run_once(0));
    CHECK(log.events.empty());
    p.close_w();  // the peer goes away while paused
    for (int i = 0; i < 3; i++) CHECK(h.loop->run_once(0));
    CHECK(log.events.empty());
    CHECK(h.loop->stats().watched_fds == 1);  // paused, not removed
    CHECK(h.loop->alive());
    // Resumed: data and hang-up are delivered.
    CHECK(h.loop->set_events(p.r, evloop::kReadable));
    CHECK(h.loop->run_once(0));
    REQUIRE(log.events.size() == 1);
    CHECK((log.events[0].revents & evloop::kReadable) != 0);
    CHECK((log.events[0].revents & evloop::kHangup) != 0);
    CHECK(h.loop->set_events(p.r, 0));
    CHECK(h.loop->run_once(0));
    CHECK(log.events.size() == 1);
    CHECK_FALSE(h.loop->set_events(p.w + 100, evloop::kReadable));  // not watched
    CHECK(h.loop->unwatch(p.r));
  });
}

TEST_CASE("native watcher: unwatch stops it and the loop is done") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    CHECK(h.loop->unwatch(p.r));
    CHECK_FALSE(h.loop->unwatch(p.r));  // twice
    CHECK_FALSE(h.loop->set_events(p.r, evloop::kReadable));
    CHECK(h.loop->stats().watched_fds == 0);
    REQUIRE(p.put());
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(log.events.empty());
    CHECK_FALSE(h.loop->alive());
    CHECK(h.loop->run() == 0);  // returns at once: nothing is left
    CHECK(log.events.empty());
    // Watch again: the pending data is there.
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    CHECK(h.loop->run_once(0));
    CHECK(log.events.size() == 1);
    CHECK(h.loop->unwatch(p.r));
    CHECK_FALSE(h.loop->unwatch(-1));
    CHECK_FALSE(h.loop->unwatch(100000));
  });
}

TEST_CASE("native watcher: unwatch from inside its own callback") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    log.unwatch_on_hangup = true;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    p.close_w();
    CHECK_FALSE(h.loop->run_once(0));  // the callback removed the only watcher
    REQUIRE(log.events.size() == 1);
    CHECK((log.events[0].revents & evloop::kHangup) != 0);
    CHECK(log.unwatch_result);
    CHECK(h.loop->run() == 0);
    CHECK(log.events.size() == 1);
  });
}

TEST_CASE("native watcher: a hang-up is reported and repeats until handled") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    p.close_w();
    CHECK(h.loop->run_once(0));
    CHECK(h.loop->run_once(0));
    REQUIRE(log.events.size() == 2);
    CHECK((log.events[0].revents & evloop::kHangup) != 0);
    CHECK((log.events[1].revents & evloop::kHangup) != 0);
    CHECK(h.loop->stats().watched_fds == 1);  // a hang-up does not remove the watcher
    CHECK(h.loop->unwatch(p.r));
  });
}

TEST_CASE("native watcher: an fd in error is removed before its callback runs") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    log.unwatch_on_hangup = true;  // unwatch() inside the callback must find nothing
    REQUIRE(h.loop->watch(p.w, evloop::kWritable, on_fd, &log));
    p.close_r();  // writing end of a pipe with no reader: POLLERR
    CHECK_FALSE(h.loop->run_once(0));
    REQUIRE(log.events.size() == 1);
    CHECK((log.events[0].revents & evloop::kError) != 0);
    CHECK_FALSE(log.unwatch_result);
    CHECK(h.loop->stats().watched_fds == 0);
    CHECK(h.loop->run_once(0) == false);
    CHECK(log.events.size() == 1);
  });
}

TEST_CASE("native watcher: an fd closed under its watcher does not make the loop spin") {
  SUBCASE("poll: the callback gets kInvalid once and the watcher is gone") {
    TestHeap h(evloop::Backend::Poll);
    REQUIRE(h.loop);
    Pipe p;
    WatchLog log;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    int fd = p.r;
    p.close_r();
    CHECK_FALSE(h.loop->run_once(10));  // returns; nothing left to do
    REQUIRE(log.events.size() == 1);
    CHECK(log.events[0].fd == fd);
    CHECK((log.events[0].revents & evloop::kInvalid) != 0);
    CHECK(h.loop->stats().watched_fds == 0);
    for (int i = 0; i < 3; i++) h.loop->run_once(0);
    CHECK(log.events.size() == 1);
    CHECK(h.loop->run() == 0);
  }
  SUBCASE("epoll: closing removes it from the kernel set; no callback, no spin") {
    TestHeap h(evloop::Backend::Epoll);
    REQUIRE(h.loop);
    Pipe p;
    WatchLog log;
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    REQUIRE(p.put());
    int fd = p.r;
    p.close_r();
    for (int i = 0; i < 3; i++) h.loop->run_once(10);  // virtual clock: returns at once
    CHECK(log.events.empty());
    CHECK(h.loop->now_ns() == 30 * kMs);  // each turn went idle: nothing was ready
    CHECK(h.loop->unwatch(fd));           // the stale registration can still be dropped
    CHECK(h.loop->stats().watched_fds == 0);
    CHECK(h.loop->run() == 0);
  }
}

namespace {
/* Two pipes A and B ready in the same round. The first callback replaces the
 * other fd: closes it, opens a new pipe at the same fd number, watches it. The
 * new watcher must not get the old fd's event of that round. */
struct Swap {
  int a, b;            // read ends of A and B
  bool unwatch_first;  // unwatch the old fd before closing it (else just close it)
  bool swapped = false;
  int victim = -1;
  int new_w = -1;
  int round = 0;
  bool watch_ok = false;
  std::vector<int> new_rounds;  // rounds in which the new watcher ran
  std::vector<unsigned> new_revents;
  int old_calls_for_victim = 0;
};

void swap_new_cb(evloop::Loop&, int fd, unsigned revents, void* user) {
  Swap* s = static_cast<Swap*>(user);
  s->new_rounds.push_back(s->round);
  s->new_revents.push_back(revents);
  drain(fd);
}

void swap_old_cb(evloop::Loop& loop, int fd, unsigned, void* user) {
  Swap* s = static_cast<Swap*>(user);
  if (s->swapped) {
    if (fd == s->victim) s->old_calls_for_victim++;
    drain(fd);
    return;
  }
  s->swapped = true;
  drain(fd);
  s->victim = fd == s->a ? s->b : s->a;
  if (s->unwatch_first) loop.unwatch(s->victim);
  ::close(s->victim);
  int np[2];
  if (pipe2(np, O_NONBLOCK | O_CLOEXEC) != 0) return;
  if (np[0] != s->victim) {  // make sure the number is reused
    dup2(np[0], s->victim);
    ::close(np[0]);
  }
  s->new_w = np[1];
  if (::write(s->new_w, "n", 1) != 1) return;  // the new pipe is ready too
  s->watch_ok = loop.watch(s->victim, evloop::kReadable, swap_new_cb, user);
}

void run_swap(evloop::Backend kind, bool unwatch_first) {
  TestHeap h(kind);
  REQUIRE(h.loop);
  Pipe a, b;
  Swap s;
  s.a = a.r;
  s.b = b.r;
  s.unwatch_first = unwatch_first;
  REQUIRE(h.loop->watch(a.r, evloop::kReadable, swap_old_cb, &s));
  REQUIRE(h.loop->watch(b.r, evloop::kReadable, swap_old_cb, &s));
  REQUIRE(a.put());
  REQUIRE(b.put());
  s.round = 1;
  h.loop->run_once(0);
  REQUIRE(s.swapped);
  CHECK(s.watch_ok);
  CHECK(s.old_calls_for_victim == 0);
  CHECK(s.new_rounds.empty());  // the old fd's event of round 1 was not delivered
  // Later rounds: the new pipe's own data reaches the new watcher.
  s.round = 2;
  REQUIRE(s.new_w >= 0);
  REQUIRE(::write(s.new_w, "m", 1) == 1);  // fresh data, whatever round 1 consumed
  h.loop->run_once(0);
  CHECK(join(s.new_rounds) == "2");
  if (!s.new_revents.empty()) CHECK(s.new_revents[0] == evloop::kReadable);
  CHECK(s.old_calls_for_victim == 0);
  // The victim fd now belongs to the new pipe; close it and its writer.
  h.loop->unwatch(s.victim);
  ::close(s.victim);
  if (s.new_w >= 0) ::close(s.new_w);
  if (s.victim == a.r) a.r = -1;
  else b.r = -1;
  h.loop->unwatch(a.r);
  h.loop->unwatch(b.r);
}
}  // namespace

TEST_CASE("native watcher: an fd number reused within one round does not get the stale event") {
  for (evloop::Backend kind : kBackends) {
    std::string backend = backend_name(kind);
    CAPTURE(backend);
    run_swap(kind, true);
  }
}

TEST_CASE("native watcher: an fd closed without unwatch and reused in the same round") {
  // The same as above, but the callback closes the old fd without unwatch()
  // and then calls watch() on the reused number.
  for (evloop::Backend kind : kBackends) {
    std::string backend = backend_name(kind);
    CAPTURE(backend);
    run_swap(kind, false);
  }
}

TEST_CASE("native watcher: a closed fd cannot be watched (EBADF)") {
  with_each_backend([](TestHeap& h) {
    int fd;
    {
      Pipe p;
      fd = p.r;
    }
    WatchLog log;
    errno = 0;
    CHECK_FALSE(h.loop->watch(fd, evloop::kReadable, on_fd, &log));
    CHECK(errno == EBADF);
    CHECK(h.loop->stats().watched_fds == 0);
    errno = 0;
    bool paused_ok = h.loop->watch(fd, 0, on_fd, &log);  // paused from the start
    CHECK_FALSE(paused_ok);
    CHECK(errno == EBADF);
    CHECK(h.loop->stats().watched_fds == 0);
    if (paused_ok) h.loop->unwatch(fd);
    CHECK_FALSE(h.loop->watch(-1, evloop::kReadable, on_fd, &log));
    CHECK_FALSE(h.loop->alive());
  });
}

TEST_CASE("native watcher: a regular file is always ready") {
  with_each_backend([](TestHeap& h) {
    int fd = open_unlinked_temp_file();
    REQUIRE(fd >= 0);
    WatchLog log;
    log.drain = false;
    REQUIRE(h.loop->watch(fd, evloop::kReadable, on_fd, &log));
    CHECK(h.loop->run_once(1000));
    CHECK(h.loop->run_once(1000));
    REQUIRE(log.events.size() == 2);
    CHECK(log.events[0].revents == evloop::kReadable);
    CHECK(h.loop->now_ns() == 0);  // never went idle: the file was ready at once
    CHECK(h.loop->set_events(fd, 0));
    CHECK(h.loop->run_once(0));
    CHECK(log.events.size() == 2);
    CHECK(h.loop->set_events(fd, evloop::kReadable));
    CHECK(h.loop->run_once(0));
    CHECK(log.events.size() == 3);
    CHECK(h.loop->unwatch(fd));
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(log.events.size() == 3);
    ::close(fd);
  });
}

TEST_CASE("unref_fd: the watcher does not keep run() alive but still gets events") {
  with_each_backend([](TestHeap& h) {
    Pipe p;
    WatchLog log;
    CHECK_FALSE(h.loop->unref_fd(p.r));  // not watched
    REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
    CHECK(h.loop->unref_fd(p.r));
    CHECK(h.loop->stats().watched_fds == 0);
    CHECK_FALSE(h.loop->alive());
    CHECK(h.loop->run() == 0);  // returns although the watcher exists
    // While a timer keeps the loop going, the unref'd watcher still works.
    int fired = 0;
    REQUIRE(h.loop->add_timer(10, 0, [](evloop::Loop&, evloop::TimerId, void* u) { ++*static_cast<int*>(u); },
                              &fired));
    REQUIRE(p.put());
    CHECK(h.loop->run() == 0);
    CHECK(fired == 1);
    REQUIRE(log.events.size() == 1);
    CHECK(log.events[0].revents == evloop::kReadable);
    CHECK(h.loop->unwatch(p.r));
    CHECK_FALSE(h.loop->unref_fd(p.r));
  });
}

namespace {
struct ZeroChain {
  int runs = 0;
  int limit = 50;
  WatchLog* log = nullptr;
  int io_seen_at_run = -1;
};
void zero_chain_tick(evloop::Loop& loop, evloop::TimerId, void* user) {
  ZeroChain* z = static_cast<ZeroChain*>(user);
  z->runs++;
  if (z->io_seen_at_run < 0 && !z->log->events.empty()) z->io_seen_at_run = z->runs;
  if (z->runs < z->limit) loop.add_timer(0, 0, zero_chain_tick, user);
}
}  // namespace

TEST_CASE("zero-delay timer chains do not starve watchers (counted or unref'd)") {
  for (evloop::Backend kind : kBackends) {
    for (int unref = 0; unref < 2; unref++) {
      with_heap(kind, [&](TestHeap& h) {
        CAPTURE(unref);
        Pipe p;
        WatchLog log;
        ZeroChain z;
        z.log = &log;
        REQUIRE(h.loop->watch(p.r, evloop::kReadable, on_fd, &log));
        if (unref) REQUIRE(h.loop->unref_fd(p.r));
        REQUIRE(p.put());
        REQUIRE(h.loop->add_timer(0, 0, zero_chain_tick, &z));
        for (int i = 0; i < 10; i++) h.loop->run_once(0);
        CHECK(log.events.size() == 1);  // served within the first few turns
        CHECK(z.runs == 10);
        CHECK(h.loop->unwatch(p.r));
      });
    }
  }
}
