/* Fault injection through the Syscalls seam (the unit tests are built with
 * EVLOOP_FAULT_INJECTION) and a failing Duktape allocator, in both loops:
 * accept() failing with EMFILE, reads and writes returning EINTR, EAGAIN and
 * short counts, a connect completing with ECONNREFUSED, waits failing with
 * EINTR, allocation failing at the Nth call. For each: the loop keeps
 * running, the script gets the documented error, no byte is lost or
 * duplicated, nothing leaks (LeakSanitizer in build/asan/unit; fds counted
 * here), and the loop does not spin. Faults are drawn from a seeded LCG:
 * every run is the same. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <string>

using namespace test_support;

#ifndef EVLOOP_FAULT_INJECTION
#error "the unit tests are built with -DEVLOOP_FAULT_INJECTION (see the Makefile)"
#endif

namespace {

struct Faults {
  uint32_t seed = 12345;
  bool chaos_read = false;   /* EINTR, EAGAIN and short reads */
  bool chaos_write = false;  /* EINTR, EAGAIN and short writes */
  int emfile_left = 0;       /* accept() fails with EMFILE this many times */
  int refuse_connects = 0;   /* SO_ERROR reads ECONNREFUSED this many times */
  int eintr_every = 0;       /* every k-th wait fails with EINTR */
  int fail_waits_after = -1; /* waits after this many fail with wait_errno */
  int wait_errno = 0;
  int waits = 0, injected = 0, accepts = 0;
  uint32_t next() {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fffu;
  }
  /* -1 with errno EINTR or EAGAIN one time in four, else 0. */
  int maybe_fail() {
    uint32_t r = next() % 8;
    if (r > 1) return 0;
    errno = r == 0 ? EINTR : EAGAIN;
    injected++;
    return -1;
  }
};

ssize_t fault_read(void* u, int fd, void* buf, size_t n) {
  Faults* f = static_cast<Faults*>(u);
  if (f->chaos_read) {
    if (f->maybe_fail()) return -1;
    n = std::min<size_t>(n, 1 + f->next() % 700);
  }
  return ::read(fd, buf, n);
}
ssize_t fault_send(void* u, int fd, const void* buf, size_t n, int flags) {
  Faults* f = static_cast<Faults*>(u);
  if (f->chaos_write) {
    if (f->maybe_fail()) return -1;
    n = std::min<size_t>(n, 1 + f->next() % 700);
  }
  return ::send(fd, buf, n, flags);
}
ssize_t fault_sendmsg(void* u, int fd, const msghdr* m, int flags) {
  Faults* f = static_cast<Faults*>(u);
  if (!f->chaos_write) return ::sendmsg(fd, m, flags);
  if (f->maybe_fail()) return -1;
  /* A short write: part of the first chunk only. */
  iovec one = m->msg_iov[0];
  one.iov_len = std::min<size_t>(one.iov_len, 1 + f->next() % 700);
  msghdr shorter = *m;
  shorter.msg_iov = &one;
  shorter.msg_iovlen = 1;
  return ::sendmsg(fd, &shorter, flags);
}
int fault_accept(void* u, int fd, sockaddr* sa, socklen_t* len) {
  Faults* f = static_cast<Faults*>(u);
  f->accepts++;
  if (f->emfile_left > 0) {
    f->emfile_left--;
    f->injected++;
    errno = EMFILE;
    return -1;
  }
  return ::accept(fd, sa, len);
}
int fault_so_error(void* u, int fd) {
  Faults* f = static_cast<Faults*>(u);
  if (f->refuse_connects > 0) {
    f->refuse_connects--;
    f->injected++;
    return ECONNREFUSED;
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}
int fault_before_wait(void* u) {
  Faults* f = static_cast<Faults*>(u);
  f->waits++;
  if (f->fail_waits_after >= 0 && f->waits > f->fail_waits_after) {
    f->injected++;
    return f->wait_errno;
  }
  if (f->eintr_every && f->waits % f->eintr_every == 0) {
    f->injected++;
    return EINTR;
  }
  return 0;
}

evloop::Options faulty(evloop::Mode mode, Faults* f) {
  evloop::Options o;
  o.mode = mode;
  o.syscalls = evloop::Syscalls{fault_read, fault_send, fault_sendmsg, fault_accept,
                                nullptr, fault_so_error, fault_before_wait, f};
  return o;
}

/* An echo of `total` bytes (a deterministic pattern, written in uneven
 * pieces) checked byte for byte by the client: sets `result`. */
const char* kEchoScript =
    "var result = null, total = 200000, got = [], gotLen = 0;"
    "function byteAt(i) { return (i * 7 + (i >> 8)) & 255; }"
    "var server = net.createServer(function (s) { s.on('data', function (d) { s.write(d); }); s.on('end', function () { s.end(); }); });"
    "server.listen(0, '127.0.0.1', function () {"
    "  var c = net.connect(server.address().port, '127.0.0.1', function () {"
    "    var sent = 0, piece = 1;"
    "    while (sent < total) {"
    "      var n = Math.min(piece, total - sent), b = new Buffer(n);"
    "      for (var i = 0; i < n; i++) b[i] = byteAt(sent + i);"
    "      c.write(b); sent += n; piece = piece * 3 % 9973 + 1;"
    "    }"
    "    c.end();"
    "  });"
    "  c.on('data', function (d) { got.push(d); gotLen += d.length; });"
    "  c.on('error', function (e) { result = 'client error ' + e.code; });"
    "  c.on('close', function () {"
    "    if (result !== null) return;"
    "    if (gotLen !== total) { result = 'got ' + gotLen + ' of ' + total; server.close(); return; }"
    "    var all = Buffer.concat(got);"
    "    for (var i = 0; i < total; i++) if (all[i] !== byteAt(i)) { result = 'byte ' + i + ' differs'; break; }"
    "    if (result === null) result = 'ok';"
    "    server.close();"
    "  });"
    "}); 'started'";

}  // namespace

TEST_CASE("faults: EINTR, EAGAIN and short reads and writes lose, duplicate or reorder no byte") {
  for_each_mode([&](evloop::Mode mode) {
    int fds_before = count_open_fds();
    Faults f;
    f.chaos_read = f.chaos_write = true;
    {
      TestHeap h(faulty(mode, &f), Time::Real);
      REQUIRE(install_all(h));
      REQUIRE(js(h.ctx, kEchoScript) == "started");
      CHECK(run_until(h, "result !== null", 20000, 100));
      CHECK(js(h.ctx, "result") == "ok");
      CHECK(f.injected > 100); /* the faults did happen */
      h.loop->run();           /* ends: everything closed */
      CHECK(h.loop->stats().watched_fds == 0);
    }
    CHECK(count_open_fds() == fds_before);
  });
}

TEST_CASE("faults: a backend whose wait fails with EBADF or EINVAL reports it and stops, never spins") {
  const int errs[] = {EBADF, EINVAL};
  for (evloop::Mode mode : kModes) {
    for (evloop::Backend backend : kBackends) {
      for (int err : errs) {
        std::string m = mode_name(mode);
        CAPTURE(m);
        CAPTURE(static_cast<int>(backend));
        CAPTURE(err);
        Faults f;
        f.fail_waits_after = 3; /* as if the backend's fd were closed under it */
        f.wait_errno = err;
        HookLog log;
        evloop::Options o = faulty(mode, &f);
        o.backend = backend;
        o.on_error = hook;
        o.on_error_user = &log;
        TestHeap h(o, Time::Real);
        REQUIRE(h.loop);
        REQUIRE(h.loop->install(evloop::kBindAll));
        REQUIRE(js(h.ctx, "var ticks = 0; setInterval(function () { ticks++; }, 2); 'ok'") == "ok");
        Watchdog dog(h.loop, 10);
        CHECK(h.loop->run() == 1);
        CHECK(f.waits <= 5); /* one failed wait, not a spin */
        REQUIRE(log.reports.size() == 1);
        CHECK(log.reports[0].find(err == EBADF ? "EBADF: bad file descriptor" : "EINVAL: invalid argument") !=
              std::string::npos);
        CHECK(!h.loop->run_once(0)); /* stopped for good */
      }
    }
  }
}

TEST_CASE("faults: accept() failing with EMFILE backs off (no spin) and then accepts") {
  for_each_mode([&](evloop::Mode mode) {
    Faults f;
    f.emfile_left = 5;
    TestHeap h(faulty(mode, &f)); /* virtual clock: time moves only when the loop would sleep */
    REQUIRE(install_all(h));
    REQUIRE(js(h.ctx,
               "var accepted = 0, result = null, server = net.createServer(function (s) { accepted++; s.end('hi'); });"
               "server.listen(0, '127.0.0.1', function () {"
               "  var c = net.connect(server.address().port, '127.0.0.1');"
               "  c.setEncoding('utf8'); var text = '';"
               "  c.on('data', function (d) { text += d; });"
               "  c.on('close', function () { result = text; server.close(); });"
               "}); 'ok'") == "ok");
    int64_t start = h.vclock.now;
    int turns = 0;
    while (js(h.ctx, "result === null") == "true" && turns < 2000) {
      h.loop->run_once(-1);
      turns++;
    }
    CHECK(js(h.ctx, "result") == "hi");
    CHECK(js(h.ctx, "accepted") == "1");
    CHECK(f.emfile_left == 0);
    /* Five failures, each followed by a 100 ms pause: at least 500 ms of
     * virtual time, and a handful of turns, not thousands. */
    CHECK(h.vclock.now - start >= 500 * kMs);
    CHECK(turns < 60);
  });
}

TEST_CASE("faults: a connect that completes with ECONNREFUSED gives 'error' then 'close', once each") {
  for_each_mode([&](evloop::Mode mode) {
    Faults f;
    f.refuse_connects = 1;
    TestHeap h(faulty(mode, &f), Time::Real);
    REQUIRE(install_all(h));
    REQUIRE(js(h.ctx,
               "var log = [], server = net.createServer(function (s) { s.destroy(); });"
               "server.listen(0, '127.0.0.1', function () {"
               "  var c = net.connect(server.address().port, '127.0.0.1', function () { log.push('connect'); });"
               "  c.on('error', function (e) { log.push('error ' + e.code + ' ' + e.syscall); });"
               "  c.on('close', function (hadError) { log.push('close ' + hadError); server.close(); });"
               "}); 'ok'") == "ok");
    h.loop->run();
    CHECK(js(h.ctx, "log.join(',')") == "error ECONNREFUSED connect,close true");
  });
}

TEST_CASE("faults: waits failing with EINTR are retried: timers on time, I/O done, no spin") {
  for_each_mode([&](evloop::Mode mode) {
    Faults f;
    f.eintr_every = 2;
    TestHeap h(faulty(mode, &f), Time::Real);
    REQUIRE(install_all(h));
    REQUIRE(js(h.ctx,
               "var fired = [], t0 = EventLoop.now(), echoed = null;"
               "setTimeout(function () { fired.push(EventLoop.now() - t0); }, 30);"
               "setTimeout(function () { fired.push(EventLoop.now() - t0); }, 60);"
               "var server = net.createServer(function (s) { s.on('data', function (d) { s.end(d); }); });"
               "server.listen(0, '127.0.0.1', function () {"
               "  var c = net.connect(server.address().port, '127.0.0.1', function () { c.write('ping'); });"
               "  c.setEncoding('utf8'); c.on('data', function (d) { echoed = d; });"
               "  c.on('close', function () { server.close(); });"
               "}); 'ok'") == "ok");
    h.loop->run();
    CHECK(js(h.ctx, "echoed") == "ping");
    CHECK(js(h.ctx, "fired.length === 2 && fired[0] >= 30 && fired[1] >= 60") == "true");
    CHECK(f.injected > 0);
    CHECK(f.waits < 200); /* a spinning loop would wait thousands of times in 60 ms */
  });
}

namespace {

/* A Duktape allocator that fails at the Nth allocation after the heap was
 * created: only that one (transient), or that one and every later one
 * (persistent). (Duktape 2.7's own duk_create_heap recurses without end
 * when allocations keep failing while it builds its built-ins: not ours to
 * test.) */
struct FailingHeap {
  bool armed = false;
  long count = 0;
  long fail_at = -1;
  bool persistent = false;
  bool failed = false;
  bool fail_now() {
    if (!armed) return false;
    count++;
    if (fail_at < 0) return false;
    if (count == fail_at || (persistent && count > fail_at)) {
      failed = true;
      return true;
    }
    return false;
  }
};
void* failing_alloc(void* u, duk_size_t n) {
  return static_cast<FailingHeap*>(u)->fail_now() ? nullptr : malloc(n);
}
void* failing_realloc(void* u, void* p, duk_size_t n) {
  if (n > 0 && static_cast<FailingHeap*>(u)->fail_now()) return nullptr;
  return realloc(p, n);
}
void failing_free(void*, void* p) { free(p); }

const char* kMemoryScript =
    "var done = false, server = net.createServer(function (s) { s.on('data', function (d) { s.end(d); }); });"
    "for (var i = 0; i < 50; i++) clearTimeout(setTimeout(function () {}, i));"
    "setInterval(function () {}, 5);"
    "server.listen(0, '127.0.0.1', function () {"
    "  var c = net.connect(server.address().port, '127.0.0.1', function () { c.write(new Buffer(3000)); });"
    "  c.on('data', function () {}); c.on('error', function () {});"
    "  c.on('close', function () { done = true; server.close(); EventLoop.requestExit(0); });"
    "});";

/* One heap whose allocator fails as `fh` says: create the loop, install,
 * run the script for a bounded number of turns, tear down. Nothing may
 * crash, hang or leak; errors are the script's business. */
void run_with_failing_heap(FailingHeap& fh, evloop::Mode mode) {
  duk_context* ctx = duk_create_heap(failing_alloc, failing_realloc, failing_free, &fh, nullptr);
  if (!ctx) return;
  fh.armed = true;
  evloop::Options o;
  o.mode = mode;
  o.on_error = [](evloop::Loop&, const char*, void*) {}; /* expected reports: not on stderr */
  evloop::Loop* loop = evloop::Loop::create(ctx, o);
  if (loop) {
    if (loop->install(evloop::kBindAll)) {
      if (duk_peval_string(ctx, kMemoryScript) != 0) { /* out of memory in the script: fine */
      }
      duk_pop(ctx);
      for (int i = 0; i < 400 && loop->run_once(20); i++) {
      }
    }
    loop->destroy();
  }
  duk_destroy_heap(ctx);
}

}  // namespace

TEST_CASE("faults: Duktape's allocator failing at the Nth call never crashes, hangs or leaks fds") {
  for_each_mode([&](evloop::Mode mode) {
    FailingHeap counting;
    run_with_failing_heap(counting, mode); /* how many allocations a clean run makes */
    long total = counting.count;
    REQUIRE(total > 1000);
    int fds_before = count_open_fds();
    int failures_seen = 0;
    for (int persistent = 0; persistent < 2; persistent++) {
      for (int k = 1; k <= 30; k++) {
        FailingHeap fh;
        fh.persistent = persistent != 0;
        fh.fail_at = total * k / 31;
        CAPTURE(fh.fail_at);
        CAPTURE(persistent);
        run_with_failing_heap(fh, mode);
        if (fh.failed) failures_seen++;
        CHECK(count_open_fds() == fds_before);
      }
    }
    CHECK(failures_seen >= 40); /* the failures were reached, not skipped */
  });
}
