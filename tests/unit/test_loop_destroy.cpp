/* destroy() releases everything: the loop's fds, every JS reference it held
 * (pending timers, closures, watchers), every byte from its allocator. Run
 * under build/asan/unit too (LeakSanitizer checks the rest at exit). */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <string>

using namespace test_support;

namespace {

/* A counting allocator on malloc, with its own size header. */
struct Counting {
  size_t allocs = 0, frees = 0, reallocs = 0;
  size_t live_blocks = 0, live_bytes = 0, total_bytes = 0;
};
struct alignas(16) Header {
  size_t size;
};
void* counting_alloc(void* user, size_t n) {
  Counting* c = static_cast<Counting*>(user);
  Header* h = static_cast<Header*>(malloc(sizeof(Header) + n));
  if (!h) return nullptr;
  h->size = n;
  c->allocs++;
  c->live_blocks++;
  c->live_bytes += n;
  c->total_bytes += n;
  return h + 1;
}
void counting_free(void* user, void* p) {
  if (!p) return;
  Counting* c = static_cast<Counting*>(user);
  Header* h = static_cast<Header*>(p) - 1;
  c->frees++;
  c->live_blocks--;
  c->live_bytes -= h->size;
  free(h);
}
void* counting_realloc(void* user, void* p, size_t n) {
  if (!p) return counting_alloc(user, n);
  Counting* c = static_cast<Counting*>(user);
  Header* h = static_cast<Header*>(p) - 1;
  size_t was = h->size;
  Header* nh = static_cast<Header*>(realloc(h, sizeof(Header) + n));
  if (!nh) return nullptr;
  nh->size = n;
  c->reallocs++;
  c->live_bytes = c->live_bytes - was + n;
  if (n > was) c->total_bytes += n - was;
  return nh + 1;
}

/* A native function for scripts: noteFinalized(tag) appends the tag. */
std::string* g_finalized = nullptr;
duk_ret_t note_finalized(duk_context* ctx) {
  if (g_finalized) *g_finalized += duk_safe_to_string(ctx, 0);
  return 0;
}

/* Calls body(backend, mode) for each backend and mode, the pair captured. */
template <typename Body>
void for_each_config(Body body) {
  for (evloop::Backend backend : kBackends) {
    for (evloop::Mode mode : kModes) {
      std::string config = std::string(backend_name(backend)) + "/" + mode_name(mode);
      CAPTURE(config);
      body(backend, mode);
    }
  }
}

}  // namespace

TEST_CASE("destroy closes every fd the loop opened") {
  for_each_config([](evloop::Backend backend, evloop::Mode mode) {
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    Pipe p;  // the host's own fds: not the loop's to close
    int before = count_open_fds();
    REQUIRE(before > 0);
    evloop::Options o;
    o.backend = backend;
    o.mode = mode;
    evloop::Loop* loop = evloop::Loop::create(ctx, o);
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    loop->pollable_fd();  // epoll: also creates the timer fd
    int fired = 0, seen = 0;
    REQUIRE(loop->add_timer(1000, 0, count_tick, &fired));
    REQUIRE(loop->watch(p.r, evloop::kReadable, count_fd, &seen));
    CHECK(js(ctx, "setTimeout(function(){}, 1000); 1") == "1");
    int during = count_open_fds();
    CHECK(during > before);  // at least the wake fd
    if (backend == evloop::Backend::Epoll) CHECK(during >= before + 3);  // epoll, eventfd, timerfd
    loop->destroy();
    CHECK(count_open_fds() == before);
    // The host's pipe is still open and usable.
    CHECK(fcntl(p.r, F_GETFD) >= 0);
    CHECK(::write(p.w, "x", 1) == 1);
    CHECK(fired == 0);
    CHECK(seen == 0);
    duk_destroy_heap(ctx);
  });
}

TEST_CASE("destroy with pending JS timers, closures and watchers releases every reference") {
  for (evloop::Mode mode : kModes) {
    std::string config = mode_name(mode);
    CAPTURE(config);
    std::string finalized;
    g_finalized = &finalized;
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    evloop::VirtualClock vclock;
    evloop::Options o;
    o.mode = mode;
    o.clock = vclock.clock();
    evloop::Loop* loop = evloop::Loop::create(ctx, o);
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    duk_push_c_function(ctx, note_finalized, 1);
    duk_put_global_string(ctx, "noteFinalized");
    Pipe p;
    std::string script =
        "(function(){"
        "  function track(tag) { var o = { tag: tag }; Duktape.fin(o, function(){ noteFinalized(tag); }); return o; }"
        // Each closure gets its own scope: no object is reachable from another's.
        "  function hit(o) { return function(){ o.hit = 1; }; }"
        "  setTimeout(hit(track('t')), 1000);"
        "  setInterval(hit(track('i')), 50);"
        "  setTimeout(function(x){ x.hit = 1; }, 10, track('a'));"  // an argument, not a closure
        "  setTimeout('var fromString = 1', 10);"                    // a string callback
        "  EventLoop.watch(" + std::to_string(p.r) + ", Poll.POLLIN, hit(track('w')));"
        "  clearTimeout(setTimeout(hit(track('n')), 5));"
        "})(); 'ok'";
    CHECK(js(ctx, script.c_str()) == "ok");
    {
      Watchdog dog(loop, 10);
      CHECK(loop->run_once(0));  // nothing due yet
      CHECK_FALSE(dog.stop());   // run_once(0) returned by itself
    }
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    CHECK(finalized == "n");  // only the cleared timer's closure is garbage
    CHECK(loop->stats().pending_timers == 4);
    CHECK(loop->stats().watched_fds == 1);
    loop->destroy();
    CHECK(evloop::Loop::of(ctx) == nullptr);
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    // Every closure and argument the loop held is garbage now.
    std::string sorted = finalized;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == "aintw");
    // The bindings stay defined but fail cleanly without a loop.
    std::string r = js(ctx, "setTimeout(function(){}, 0)");
    CHECK(r.compare(0, 7, "ERROR: ") == 0);
    // The host's fd is untouched.
    CHECK(fcntl(p.r, F_GETFD) >= 0);
    duk_destroy_heap(ctx);
    g_finalized = nullptr;
  }
}

TEST_CASE("Options::allocator: every byte the loop allocated is freed by destroy") {
  for_each_config([](evloop::Backend backend, evloop::Mode mode) {
    Counting c;
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    evloop::VirtualClock vclock;
    evloop::Options o;
    o.backend = backend;
    o.mode = mode;
    o.clock = vclock.clock();
    o.allocator = evloop::Allocator{counting_alloc, counting_realloc, counting_free, &c};
    evloop::Loop* loop = evloop::Loop::create(ctx, o);
    REQUIRE(loop);
    CHECK(c.allocs >= 1);  // at least the loop itself
    // Stats::native_bytes is what the allocator holds, less evloop's own
    // size header per block.
    CHECK(loop->stats().native_bytes + c.live_blocks * sizeof(size_t) == c.live_bytes);
    REQUIRE(loop->install(evloop::kBindAll));
    loop->pollable_fd();
    int fired = 0, seen = 0;
    Pipe pipes[4];
    for (int i = 0; i < 200; i++) REQUIRE(loop->add_timer(i % 17, (i % 5) ? 0 : 3, count_tick, &fired));
    for (Pipe& p : pipes) REQUIRE(loop->watch(p.r, evloop::kReadable, count_fd, &seen));
    CHECK(js(ctx, "for (var k = 0; k < 100; k++) setTimeout(function(){}, k); 'ok'") == "ok");
    for (int turn = 0; turn < 5; turn++) loop->run_once(-1);
    CHECK(fired > 0);
    CHECK(c.live_bytes > 0);
    CHECK(loop->stats().native_bytes + c.live_blocks * sizeof(size_t) == c.live_bytes);
    size_t peak_allocs = c.allocs;
    loop->destroy();
    CHECK(c.live_blocks == 0);
    CHECK(c.live_bytes == 0);
    CHECK(c.frees == c.allocs);
    CHECK(c.allocs == peak_allocs);  // destroy itself allocates nothing
    CHECK(c.total_bytes > 0);
    duk_destroy_heap(ctx);
  });
}

TEST_CASE("create, install, destroy repeatedly on one heap leaves nothing behind") {
  Counting c;
  duk_context* ctx = duk_create_heap_default();
  REQUIRE(ctx);
  int before = count_open_fds();
  for (int round = 0; round < 20; round++) {
    evloop::Options o;
    o.mode = (round & 1) ? evloop::Mode::Ecma : evloop::Mode::Native;
    o.backend = (round & 2) ? evloop::Backend::Poll : evloop::Backend::Epoll;
    o.allocator = evloop::Allocator{counting_alloc, counting_realloc, counting_free, &c};
    evloop::Loop* loop = evloop::Loop::create(ctx, o);
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindTimers | evloop::kBindEventLoop));
    CHECK(js(ctx, "setInterval(function(){}, 10); 'ok'") == "ok");
    loop->destroy();
  }
  duk_gc(ctx, 0);
  CHECK(count_open_fds() == before);
  CHECK(c.live_blocks == 0);
  CHECK(c.allocs > 0);
  duk_destroy_heap(ctx);
}
