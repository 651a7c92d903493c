/* The configuration probe: built once per small-build configuration by
 * tests/run.py (section 'configs') with that configuration's EVLOOP_*
 * defines, it checks what the JS suite cannot see from a script: which
 * globals and bindings the build has, what a left-out feature does when
 * asked for (install fails naming the option; Mode::Ecma without the
 * ECMAScript loop fails Loop::create with ENOTSUP), the backend, and the
 * fixed capacities (EVLOOP_MAX_TIMERS, EVLOOP_MAX_FDS, select()'s
 * FD_SETSIZE): the limit is exact, exceeding it is a clear error, and the
 * loop's native memory does not grow after Loop::create.
 *
 *   probe <expected backend name>      prints FAIL lines, then "ok" or not
 *
 * Needs an fd limit (RLIMIT_NOFILE) above FD_SETSIZE + 8 for the select()
 * checks: tests/run.py raises it to 4096. C++11, no test framework (it is
 * compiled once per configuration; doctest would double the build time). */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

/* A build with an fd limit: EVLOOP_MAX_FDS, or select()'s FD_SETSIZE. */
#if defined(EVLOOP_MAX_FDS) || defined(EVLOOP_BACKEND_SELECT)
#define PROBE_FD_LIMIT 1
#endif

namespace {

int failures = 0;

#define PROBE_CHECK(cond, ...)                        \
  do {                                                \
    if (!(cond)) {                                    \
      failures++;                                     \
      printf("FAIL line %d: %s: ", __LINE__, #cond); \
      printf(__VA_ARGS__);                            \
      printf("\n");                                   \
    }                                                 \
  } while (0)

std::vector<std::string> reports; /* what the loop reported (error hook) */

void on_error(evloop::Loop&, const char* report, void*) { reports.push_back(report ? report : ""); }

/* A Duktape heap and its loop in `mode`, with the error hook. */
struct Heap {
  duk_context* ctx;
  evloop::Loop* loop;
  int create_errno;
  explicit Heap(evloop::Mode mode) : ctx(duk_create_heap_default()), loop(nullptr), create_errno(0) {
    evloop::Options o;
    o.mode = mode;
    o.on_error = on_error;
    errno = 0;
    loop = evloop::Loop::create(ctx, o);
    create_errno = errno;
  }
  ~Heap() {
    if (loop) loop->destroy();
    duk_destroy_heap(ctx);
  }
  /* Evaluates src: its result as a string, or "ERROR: " and the error. */
  std::string eval(const std::string& src) {
    std::string out;
    if (duk_peval_string(ctx, src.c_str()) != 0) out = std::string("ERROR: ") + duk_safe_to_string(ctx, -1);
    else out = duk_safe_to_string(ctx, -1);
    duk_pop(ctx);
    return out;
  }
};

#if defined(EVLOOP_MAX_TIMERS)
void noop_timer(evloop::Loop&, evloop::TimerId, void*) {}
#endif
#if defined(PROBE_FD_LIMIT)
void noop_watch(evloop::Loop&, int, unsigned, void*) {}
#endif

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

#if defined(PROBE_FD_LIMIT)
/* An open fd numbered exactly `fd` (a pipe end, dup'ed there unless the
 * pipe got that number itself), or -1. */
int open_fd_at(int fd) {
  int p[2];
  if (pipe(p) != 0) return -1;
  int got = p[0] == fd || p[1] == fd ? fd : dup2(p[0], fd);
  if (p[0] != fd) close(p[0]);
  if (p[1] != fd) close(p[1]);
  return got;
}
#endif

const char* mode_name(evloop::Mode m) { return m == evloop::Mode::Ecma ? "ecma" : "native"; }

/* ---- features: globals, bindings, loops ---- */

void check_features(evloop::Mode mode) {
  Heap h(mode);
  if (!h.loop) {
    PROBE_CHECK(h.loop, "[%s] Loop::create failed: %s", mode_name(mode), strerror(h.create_errno));
    return;
  }
  PROBE_CHECK(h.loop->install(evloop::kBindAll), "[%s] install(kBindAll) failed", mode_name(mode));
  struct {
    const char* expr;
    bool want;
  } globals[] = {
      {"typeof setTimeout === 'function' && typeof clearInterval === 'function'", true},
      {"typeof EventLoop === 'object' && typeof EventLoop.requestExit === 'function' && "
       "typeof EventLoop.now === 'function' && 'onerror' in EventLoop", true},
#if defined(EVLOOP_HAVE_POLL_BINDING)
      {"typeof EventLoop.watch === 'function' && typeof EventLoop.unwatch === 'function'", true},
      {"typeof Poll === 'object' && typeof Poll.poll === 'function'", true},
#else
      {"'watch' in EventLoop || 'unwatch' in EventLoop || typeof Poll !== 'undefined'", false},
#endif
#if defined(EVLOOP_HAVE_CLI)
      {"typeof print === 'function' && typeof process === 'object'", true},
#else
      {"typeof print !== 'undefined' || typeof process !== 'undefined'", false},
#endif
#if defined(EVLOOP_HAVE_FILEIO)
      {"typeof FileIo === 'object'", true},
#else
      {"typeof FileIo !== 'undefined'", false},
#endif
#if defined(EVLOOP_HAVE_SOCKETS)
      {"typeof Socket === 'object' && typeof EventLoop.server === 'function' && "
       "typeof EventLoop.setReader === 'function'", true},
#else
      {"typeof Socket !== 'undefined' || 'server' in EventLoop || 'setReader' in EventLoop", false},
#endif
#if defined(EVLOOP_HAVE_NET)
      {"typeof net === 'object' && typeof EventEmitter === 'function'", true},
#else
      {"typeof net !== 'undefined' || typeof EventEmitter !== 'undefined'", false},
#endif
  };
  for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
    std::string got = h.eval(globals[i].expr);
    PROBE_CHECK(got == (globals[i].want ? "true" : "false"), "[%s] %s -> %s", mode_name(mode), globals[i].expr,
                got.c_str());
  }
  /* A binding the build left out: install fails and names the option. */
  struct {
    unsigned bit;
    const char* option;
    bool have;
  } optional[] = {
#if defined(EVLOOP_HAVE_POLL_BINDING)
      {evloop::kBindPoll, "EVLOOP_NO_POLL", true},
#else
      {evloop::kBindPoll, "EVLOOP_NO_POLL", false},
#endif
#if defined(EVLOOP_HAVE_CLI)
      {evloop::kBindCli, "EVLOOP_NO_CLI", true},
#else
      {evloop::kBindCli, "EVLOOP_NO_CLI", false},
#endif
#if defined(EVLOOP_HAVE_FILEIO)
      {evloop::kBindFileIo, "EVLOOP_NO_FILEIO", true},
#else
      {evloop::kBindFileIo, "EVLOOP_NO_FILEIO", false},
#endif
#if defined(EVLOOP_HAVE_SOCKETS)
      {evloop::kBindSocket, "EVLOOP_NO_SOCKETS", true},
#else
      {evloop::kBindSocket, "EVLOOP_NO_SOCKETS", false},
#endif
#if defined(EVLOOP_HAVE_NET)
      {evloop::kBindNet, "EVLOOP_NO_NET", true},
#else
      {evloop::kBindNet, "EVLOOP_NO_NET", false},
#endif
  };
  for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
    PROBE_CHECK(((evloop::kBindAll & optional[i].bit) != 0) == optional[i].have, "kBindAll has bit %u: %d",
                optional[i].bit, (evloop::kBindAll & optional[i].bit) != 0);
    if (optional[i].have) continue;
    Heap fresh(mode);
    reports.clear();
    bool ok = fresh.loop && fresh.loop->install(evloop::kBindTimers | optional[i].bit);
    PROBE_CHECK(!ok, "[%s] install of a left-out binding (%s) succeeded", mode_name(mode), optional[i].option);
    PROBE_CHECK(reports.size() == 1 && contains(reports[0], optional[i].option),
                "[%s] the report of that install does not name %s: %s", mode_name(mode), optional[i].option,
                reports.empty() ? "(none)" : reports[0].c_str());
    /* nothing was installed */
    PROBE_CHECK(fresh.eval("typeof setTimeout") == "undefined", "[%s] install failed but installed timers",
                mode_name(mode));
  }
}

void check_loops() {
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  check_features(evloop::Mode::Ecma);
#else
  {
    Heap h(evloop::Mode::Ecma);
    PROBE_CHECK(!h.loop, "Loop::create(Mode::Ecma) succeeded without the ECMAScript loop");
    PROBE_CHECK(h.create_errno == ENOTSUP, "Loop::create(Mode::Ecma): errno %d, want ENOTSUP", h.create_errno);
    PROBE_CHECK(!evloop::Loop::of(h.ctx), "a failed create left a loop on the heap");
    /* the heap is still usable for a C++ loop */
    evloop::Loop* l = evloop::Loop::create(h.ctx);
    PROBE_CHECK(l, "Loop::create(Mode::Native) after a failed Mode::Ecma failed");
    if (l) l->destroy();
  }
#endif
  check_features(evloop::Mode::Native);
}

/* ---- backend ---- */

void check_backend(const char* want) {
  Heap h(evloop::Mode::Native);
  if (!h.loop) return;
  PROBE_CHECK(strcmp(h.loop->backend_name(), want) == 0, "backend %s, want %s", h.loop->backend_name(), want);
#if defined(EVLOOP_BACKEND_SELECT) && defined(EVLOOP_HAVE_POLL_BINDING)
  /* A watched fd closed under the loop: the watcher hears POLLNVAL once and
   * is removed (select() itself would fail the wait with EBADF). */
  int p[2];
  PROBE_CHECK(pipe(p) == 0, "pipe");
  h.loop->install(evloop::kBindAll);
  std::string src = "var got = []; EventLoop.watch(" + std::to_string(p[0]) +
                    ", Poll.POLLIN, function (fd, rev) { got.push(rev); });";
  PROBE_CHECK(h.eval(src) == "undefined", "watch");
  close(p[0]);
  close(p[1]);
  h.loop->run_once(100);
  std::string got = h.eval("got.join(',') + ' ' + EventLoop.unwatch(" + std::to_string(p[0]) + ")");
  PROBE_CHECK(got == "32 false", "a closed watched fd: %s, want POLLNVAL (32) and the watcher gone", got.c_str());
  PROBE_CHECK(!h.loop->alive(), "the loop is still alive after its only watcher's fd closed");
  /* Poll.poll refuses fds select() cannot hold */
  got = h.eval("try { Poll.poll({2000: {events: Poll.POLLIN}}, 0); 'no error' } catch (e) { e.name + ': ' + e.message }");
  PROBE_CHECK(contains(got, "RangeError") && contains(got, "FD_SETSIZE"), "Poll.poll(fd 2000): %s", got.c_str());
#endif
}

#if defined(EVLOOP_BACKEND_SELECT)
/* The select() backend driven directly, as tests/unit/test_backend.cpp
 * drives epoll and poll(): interest changes, pausing, removal, fairness,
 * refusals. */
void* probe_alloc(void*, size_t n) { return malloc(n); }
void* probe_realloc(void*, void* p, size_t n) { return realloc(p, n); }
void probe_free(void*, void* p) { free(p); }

int revents_of(evloop::detail::KernelBackend& b, int fd, int timeout_ms) {
  evloop::detail::ReadyEvent out[8];
  int n = b.wait(timeout_ms, out, 8), got = 0;
  for (int i = 0; i < n; i++)
    if (out[i].fd == fd) got |= static_cast<int>(out[i].revents);
  return n < 0 ? -1 : got;
}

void check_select_backend() {
  using evloop::detail::KernelBackend;
  evloop::detail::Memory m;
  m.a = evloop::Allocator{probe_alloc, probe_realloc, probe_free, nullptr};
  m.ctx = nullptr;
  m.bytes = 0;
  KernelBackend b;
  PROBE_CHECK(b.open(m, evloop::Backend::Epoll) && b.kind() == evloop::Backend::Select, "open: kind %d",
              static_cast<int>(b.kind()));
  PROBE_CHECK(b.pollable_fd() == -1 && strcmp(b.name(), "select") == 0, "fd %d, name %s", b.pollable_fd(),
              b.name());
  /* the self-pipe wake-up: ends a wait, reports nothing, is the backend's own */
  b.wake();
  time_t started = time(nullptr);
  PROBE_CHECK(revents_of(b, -1, 5000) == 0 && revents_of(b, -1, 0) == 0, "wake(): a wait failed");
  PROBE_CHECK(time(nullptr) - started < 3, "wake(): the wait ran to its timeout");
  int owned = 0;
  for (int fd = 0; fd < FD_SETSIZE; fd++) owned += b.owns(fd);
  PROBE_CHECK(owned == 2, "the wake-up's fds: %d owned, want 2", owned);
  int p[2], q[2];
  PROBE_CHECK(pipe(p) == 0 && pipe(q) == 0, "pipe");
  /* readable after a write; writable interest; modify; pause */
  PROBE_CHECK(b.add(m, p[0], evloop::kReadable), "add");
  PROBE_CHECK(revents_of(b, p[0], 0) == 0, "an empty pipe is readable");
  PROBE_CHECK(write(p[1], "x", 1) == 1, "write");
  PROBE_CHECK(revents_of(b, p[0], 1000) == static_cast<int>(evloop::kReadable), "no readable event");
  PROBE_CHECK(b.add(m, p[1], evloop::kWritable), "add the write end");
  PROBE_CHECK(revents_of(b, p[1], 1000) == static_cast<int>(evloop::kWritable), "no writable event");
  PROBE_CHECK(b.modify(m, p[1], evloop::kReadable) && revents_of(b, p[1], 0) == 0, "modify to readable");
  PROBE_CHECK(b.modify(m, p[0], 0) && revents_of(b, p[0], 0) == 0, "a paused fd reports");
  close(p[1]);
  b.remove(p[1]);
  evloop::detail::ReadyEvent out[8];
  PROBE_CHECK(b.wait(0, out, 8) == 0, "a paused fd whose peer hung up reports (a spin)");
  PROBE_CHECK(b.modify(m, p[0], evloop::kReadable) && (revents_of(b, p[0], 1000) & evloop::kReadable),
              "resumed: the data and the hang-up do not show as readable");
  b.remove(p[0]);
  PROBE_CHECK(b.wait(0, out, 8) == 0, "a removed fd reports");
  /* fairness: more ready fds than a wait takes are all reported in turn */
  int fds[4];
  for (int i = 0; i < 4; i++) {
    int r[2];
    PROBE_CHECK(pipe(r) == 0 && write(r[1], "x", 1) == 1, "pipe");
    fds[i] = r[0];
    close(r[1]);
    PROBE_CHECK(b.add(m, fds[i], evloop::kReadable), "add");
  }
  int seen = 0;
  for (int round = 0; round < 4; round++) {
    int n = b.wait(0, out, 1);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < 4; k++)
        if (out[i].fd == fds[k]) seen |= 1 << k;
  }
  PROBE_CHECK(seen == 15, "4 waits of 1 event reported fds %x of 4 ready ones (starvation)", seen);
  /* a watched fd closed under the backend: POLLNVAL (select() fails the
   * whole wait with EBADF: the closed fd is looked for) */
  close(fds[0]);
  int nval = 0, n = b.wait(0, out, 8);
  for (int i = 0; i < n; i++)
    if (out[i].fd == fds[0] && out[i].revents == evloop::kInvalid) nval++;
  PROBE_CHECK(nval == 1, "a closed watched fd: %d POLLNVAL reports in %d events", nval, n);
  b.remove(fds[0]);
  PROBE_CHECK(b.wait(0, out, 8) == 3, "after removing the closed fd, not the 3 ready ones");
  for (int i = 1; i < 4; i++) {
    b.remove(fds[i]);
    close(fds[i]);
  }
  /* refusals: a closed fd (EBADF), one at or above FD_SETSIZE (EMFILE) */
  errno = 0;
  PROBE_CHECK(!b.add(m, fds[0], evloop::kReadable) && errno == EBADF, "add(closed fd): errno %d", errno);
  int high = dup2(q[0], FD_SETSIZE + 3);
  errno = 0;
  PROBE_CHECK(high == FD_SETSIZE + 3 && !b.add(m, high, evloop::kReadable) && errno == EMFILE,
              "add(fd %d): errno %d, want EMFILE", high, errno);
  if (high >= 0) close(high);
  close(q[0]);
  close(q[1]);
  b.close(m);
  PROBE_CHECK(m.bytes == 0, "%zu bytes left", m.bytes);
}
#endif

/* ---- fixed capacity ---- */

void check_timer_limit(evloop::Mode mode) {
  Heap h(mode);
  if (!h.loop) return;
  h.loop->install(evloop::kBindAll);
  size_t bytes = h.loop->stats().native_bytes;
#if defined(EVLOOP_MAX_TIMERS)
  const long limit = EVLOOP_MAX_TIMERS;
  if (mode == evloop::Mode::Native) {
    /* native timers: exactly the limit, then add_timer returns 0 */
    long added = 0;
    while (added <= limit && h.loop->add_timer(1000, 0, noop_timer, nullptr)) added++;
    PROBE_CHECK(added == limit, "[native] %ld native timers added, want %ld", added, limit);
    PROBE_CHECK(h.loop->stats().native_bytes == bytes, "native memory grew from %zu to %zu bytes with timers",
                bytes, h.loop->stats().native_bytes);
    std::string got = h.eval("try { setTimeout(function () {}, 1); 'no error' } catch (e) { e.name + ': ' + e.message }");
    PROBE_CHECK(contains(got, "RangeError: setTimeout: too many pending timers"), "[native] setTimeout when full: %s",
                got.c_str());
    h.eval("try { setInterval(function () {}, 1); } catch (e) { }");
    PROBE_CHECK(h.loop->stats().native_bytes == bytes, "native memory grew from %zu to %zu bytes with timers",
                bytes, h.loop->stats().native_bytes);
  }
  /* JS timers (tests/js/limits-timers.js has the rest): exactly the limit */
  Heap j(mode);
  if (!j.loop) return;
  j.loop->install(evloop::kBindAll);
  std::string got = j.eval(
      "var n = 0, err = null; try { for (;;) { setTimeout(function () {}, 1000); n++; if (n > 1e7) break; } }"
      " catch (e) { err = e; } n + ' ' + (err && err.name)");
  PROBE_CHECK(got == std::to_string(limit) + " RangeError", "[%s] JS timers before the error: %s, want %ld",
              mode_name(mode), got.c_str(), limit);
#else
  (void)bytes;
  (void)mode;
#endif
}

#if defined(PROBE_FD_LIMIT)
void check_fd_limit() {
  const int limit = evloop::detail::kFdLimit;
  Heap h(evloop::Mode::Native);
  if (!h.loop) return;
  h.loop->install(evloop::kBindAll);
  size_t bytes = h.loop->stats().native_bytes;
  /* the highest fd the loop holds works; the next one is EMFILE */
  int below = open_fd_at(limit - 1), at = open_fd_at(limit), far = open_fd_at(limit + 7);
  PROBE_CHECK(below == limit - 1 && at == limit && far == limit + 7, "cannot open fds %d..%d: %s", limit - 1,
              limit + 7, strerror(errno));
  PROBE_CHECK(h.loop->watch(below, evloop::kReadable, noop_watch, nullptr), "watch(fd %d) failed: %s", below,
              strerror(errno));
  h.loop->unwatch(below);
  errno = 0;
  PROBE_CHECK(!h.loop->watch(at, evloop::kReadable, noop_watch, nullptr) && errno == EMFILE,
              "watch(fd %d) at the limit: errno %d, want EMFILE", at, errno);
  errno = 0;
  PROBE_CHECK(!h.loop->watch(far, evloop::kReadable, noop_watch, nullptr) && errno == EMFILE,
              "watch(fd %d) above the limit: errno %d, want EMFILE", far, errno);
#if defined(EVLOOP_MAX_FDS)
  const char* why = EVLOOP_MAX_FDS <= limit ? "EVLOOP_MAX_FDS" : "FD_SETSIZE";
#else
  const char* why = "FD_SETSIZE";
#endif
  std::string got;
#if defined(EVLOOP_HAVE_POLL_BINDING) /* EventLoop.watch (EVLOOP_NO_POLL leaves it out) */
  for (int ecma = 0; ecma < 2; ecma++) { /* EventLoop.watch of each loop */
#if !defined(EVLOOP_HAVE_ECMA_LOOP)
    if (ecma) break;
#endif
    Heap js(ecma ? evloop::Mode::Ecma : evloop::Mode::Native);
    js.loop->install(evloop::kBindAll);
    got = js.eval("try { EventLoop.watch(" + std::to_string(at) +
                  ", Poll.POLLIN, function () {}); 'no error' } catch (e) { e.code + ' ' + e.message }");
    PROBE_CHECK(contains(got, "EMFILE EMFILE: fd ") && contains(got, why), "[%s] EventLoop.watch(fd %d): %s",
                ecma ? "ecma" : "native", at, got.c_str());
    PROBE_CHECK(js.eval("EventLoop.unwatch(" + std::to_string(at) + ")") == "false",
                "[%s] a failed watch left a watcher", ecma ? "ecma" : "native");
  }
  /* a closed fd above the limit is EBADF, as below it */
  close(far);
  got = h.eval("try { EventLoop.watch(" + std::to_string(far) +
               ", Poll.POLLIN, function () {}); 'no error' } catch (e) { e.code }");
  PROBE_CHECK(got == "EBADF", "EventLoop.watch(closed fd %d above the limit): %s, want EBADF", far, got.c_str());
#else
  (void)why;
  close(far);
#endif
#if defined(EVLOOP_HAVE_SOCKETS)
  /* a socket the loop cannot hold: socket() returns fd `limit` (the lowest
   * free one once 0..limit-1 are all taken) and is refused with EMFILE */
  std::vector<int> fillers;
  for (int fd = 0; fd < limit; fd++)
    if (fcntl(fd, F_GETFD) < 0) {
      int got_fd = open_fd_at(fd);
      if (got_fd >= 0) fillers.push_back(got_fd);
    }
  close(at);
  got = h.eval("try { Socket.createServerSocket('127.0.0.1', 0); 'no error' } catch (e) { e.code }");
  PROBE_CHECK(got == "EMFILE", "Socket.createServerSocket with fds 0..%d taken: %s, want EMFILE", limit - 1,
              got.c_str());
  PROBE_CHECK(fcntl(limit, F_GETFD) < 0, "the refused socket (fd %d) was left open", limit);
  for (size_t i = 0; i < fillers.size(); i++) close(fillers[i]);
  got = h.eval("var fd = Socket.createServerSocket('127.0.0.1', 0); Socket.close(fd); typeof fd");
  PROBE_CHECK(got == "number", "Socket.createServerSocket once fds were free again: %s", got.c_str());
#else
  close(at);
#endif
  close(below);
#if defined(EVLOOP_MAX_FDS)
  PROBE_CHECK(h.loop->stats().native_bytes == bytes, "native memory changed from %zu to %zu bytes", bytes,
              h.loop->stats().native_bytes);
#else
  (void)bytes; /* select() alone: the tables grow up to FD_SETSIZE entries */
#endif
}
#endif

/* With EVLOOP_MAX_FDS: watching every fd the loop holds allocates nothing. */
void check_fd_tables_fixed() {
#if defined(EVLOOP_MAX_FDS)
  Heap h(evloop::Mode::Native);
  if (!h.loop) return;
  size_t bytes = h.loop->stats().native_bytes;
  std::vector<int> opened;
  int watched = 0;
  for (int fd = 3; fd < evloop::detail::kFdLimit; fd++) {
    if (fcntl(fd, F_GETFD) < 0) {
      if (open_fd_at(fd) != fd) continue;
      opened.push_back(fd);
    }
    if (h.loop->watch(fd, evloop::kReadable, noop_watch, nullptr)) watched++;
  }
  PROBE_CHECK(watched > evloop::detail::kFdLimit / 2, "only %d fds watched", watched);
  PROBE_CHECK(h.loop->stats().native_bytes == bytes, "native memory grew from %zu to %zu bytes watching %d fds",
              bytes, h.loop->stats().native_bytes, watched);
  for (size_t i = 0; i < opened.size(); i++) {
    h.loop->unwatch(opened[i]);
    close(opened[i]);
  }
#endif
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: probe <expected backend name>\n");
    return 2;
  }
  check_loops();
  check_backend(argv[1]);
#if defined(EVLOOP_BACKEND_SELECT)
  check_select_backend();
#endif
  check_timer_limit(evloop::Mode::Native);
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  check_timer_limit(evloop::Mode::Ecma);
#endif
  check_fd_tables_fixed();
#if defined(PROBE_FD_LIMIT)
  check_fd_limit();
#endif
  if (!failures) printf("ok\n");
  return failures ? 1 : 0;
}
