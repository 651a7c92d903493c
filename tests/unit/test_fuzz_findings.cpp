/* Regression tests for what the fuzzers found (tests/fuzz; docs/RELIABILITY.md,
 * "Fuzzing", where each finding has its number, repro and status). A test
 * for a finding that is still open is marked doctest::may_fail(): it runs
 * and prints its failed checks, but does not fail the suite; drop the mark
 * when the fix lands. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

using namespace test_support;

/* F1: EventLoop.watch, EventLoop.setReader, EventLoop.write and new
 * net.Socket({fd}) grow the loop's fd-indexed watcher table to fd + 1
 * entries before the backend refuses the fd: EventLoop.watch(50000000, 1,
 * cb) on a closed number takes 1.7 GB and a second or more before it throws
 * EBADF; fuzz_js_api (EVLOOP_FUZZ_HUGE_FDS=1) found EventLoop.write(
 * 0x7ffffffe, s) asking for 64 GiB (ENOMEM, or the OOM killer where the
 * allocation succeeds). A number that is no open fd must cost nothing. */
TEST_CASE("F1: an fd number that is not open grows no table (watch, setReader, write, net.Socket)") {
  for_each_mode([&](evloop::Mode mode) {
    TestHeap h(mode);
    REQUIRE(install_all(h));
    size_t before = h.loop->stats().native_bytes;
    CHECK(js(h.ctx, "try { EventLoop.watch(1000000, 1, function () {}); 'no error' } catch (e) { e.code }") == "EBADF");
    CHECK(js(h.ctx, "try { EventLoop.setReader(1000001, function () {}); 'no error' } catch (e) { e.code }") == "EBADF");
    CHECK(js(h.ctx, "try { new net.Socket({ fd: 1000002 }); 'no error' } catch (e) { e.code }") == "EBADF");
    CHECK(js(h.ctx, "try { EventLoop.write(1000003, 'x'); 'no error' } catch (e) { e.code }") == "EBADF");
    size_t after = h.loop->stats().native_bytes;
    CAPTURE(before);
    CAPTURE(after);
    CHECK(after < before + 64 * 1024);
  });
}

/* F2: the seed API closes an fd at end of stream (EventLoop.setReader, as
 * the original) and drops what EventLoop.write queued for it: a peer that
 * sends a request and half-closes (HTTP/1.0 clients, `nc -N`) loses the tail
 * of the answer, although write() "queues what the kernel did not take
 * (never loses bytes)". Here a net client sends 16 MiB to a seed echo
 * server without reading, ends, and reads only after the server has seen
 * the end of stream: it must get all 16 MiB back before the close. */
TEST_CASE("F2: the seed API flushes queued writes before it closes at end of stream") {
  for_each_mode(Time::Real, [&](TestHeap& h, evloop::Mode) {
    std::string lfd = js(h.ctx,
                         "var SIZE = 16 * 1024 * 1024, got = 0, done = false, how = '';"
                         "var lfd = EventLoop.server('127.0.0.1', 0, function (fd) {"
                         "  EventLoop.setReader(fd, function (fd, data) { EventLoop.write(fd, data); });"
                         "});"
                         "String(lfd)");
    /* the seed API has no address() (net's answers only for a net.Server) */
    sockaddr_in sa;
    socklen_t sa_len = sizeof sa;
    REQUIRE(getsockname(std::stoi(lfd), reinterpret_cast<sockaddr*>(&sa), &sa_len) == 0);
    std::string port = std::to_string(ntohs(sa.sin_port));
    CHECK(js(h.ctx,
             ("var port = " + port + ";"
             "var c = net.connect(port, '127.0.0.1', function () {"
             "  c.pause();"
             "  c.end(new Uint8Array(SIZE), function () {"
             "    setTimeout(function () { c.resume(); }, 300);"   /* the server has seen the end by then */
             "  });"
             "});"
             "c.on('data', function (d) { got += d.length; });"
             "c.on('error', function (e) { how = e.code; });"
             "c.on('close', function () { done = true; EventLoop.close(lfd); });"
             "'ok'").c_str()) == "ok");
    Watchdog dog(h.loop, 20);
    h.loop->run();
    CHECK_FALSE(dog.stop());
    CHECK(js(h.ctx, "done") == "true");
    CHECK(js(h.ctx, "how") == "");
    CHECK(js(h.ctx, "got === SIZE ? 'all' : got + ' of ' + SIZE") == "all");
  });
}

/* F3: a heap may outlive its loop and get a new one (test_loop_after_destroy);
 * a net.Socket of the destroyed loop keeps its fd number, which the new loop
 * hands to a new socket, and its methods then act on that socket: in the
 * C++ loop old.write() sends into the new connection, and in both loops
 * old.destroy() closes the new socket's fd (its next write fails EBADF). An
 * object of a destroyed loop must throw or do nothing. */
namespace {
std::string run_turns_and_eval(evloop::Loop* loop, duk_context* ctx, const char* src, int turns = 20) {
  for (int i = 0; i < turns; i++) loop->run_once(5);
  return js(ctx, src);
}
}  // namespace

TEST_CASE("F3: a net.Socket of a destroyed loop does not reach the new loop's sockets") {
  for_each_mode([&](evloop::Mode mode) {
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    evloop::Loop* loop = evloop::Loop::create(ctx, options_with(mode));
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    CHECK(js(ctx, "var old, srv1 = net.createServer(function () {});"
                  "srv1.listen(0, '127.0.0.1', function () { old = net.connect(srv1.address().port, '127.0.0.1'); }); 'ok'") == "ok");
    CHECK(run_turns_and_eval(loop, ctx, "old._fd >= 0") == "true");
    loop->destroy();
    loop = evloop::Loop::create(ctx, options_with(mode));
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    /* A new connection, most likely on the old socket's fd number. */
    CHECK(js(ctx, "var got = '', errors = [], peer, fresh;"
                  "var srv2 = net.createServer(function (s) { peer = s; s.on('data', function (d) { got += d; }); });"
                  "srv2.listen(0, '127.0.0.1', function () {"
                  "  fresh = net.connect(srv2.address().port, '127.0.0.1');"
                  "  fresh.on('error', function (e) { errors.push(e.code); });"
                  "}); 'ok'") == "ok");
    CHECK(run_turns_and_eval(loop, ctx, "peer !== undefined") == "true");
    std::string same = js(ctx, "String(old._fd === fresh._fd || old._fd === peer._fd)");
    CAPTURE(same);
    js(ctx, "try { old.write('stale'); } catch (e) {} 'ok'");
    CHECK(run_turns_and_eval(loop, ctx, "got") == "");
    js(ctx, "try { old.destroy(); } catch (e) {} 'ok'");
    js(ctx, "fresh.write('fresh'); 'ok'");
    CHECK(run_turns_and_eval(loop, ctx, "got + ' ' + errors.join(',')") == "fresh ");
    loop->destroy();
    duk_destroy_heap(ctx);
  });
}
