/* Sockets through the C++ API, in both loops and both backends: destroy()
 * closes every socket fd the loop made, a socket fd number reused within one
 * poll round gets no stale event, and a listener out of fds (EMFILE) backs
 * off instead of spinning and keeps accepting once fds are free again. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

using namespace test_support;

namespace {

evloop::Options options(evloop::Mode mode, evloop::Backend backend) {
  evloop::Options o;
  o.mode = mode;
  o.backend = backend;
  return o;
}

}  // namespace

TEST_CASE("destroy() closes every socket fd the loop made, in both loops") {
  for_each_mode_and_backend([&](evloop::Mode mode, evloop::Backend backend) {
    int before = count_open_fds();
    {
      TestHeap h(options(mode, backend), Time::Real);
      REQUIRE(install_all(h));
      /* A listener, a client, the accepted end, and a raw seed socket the
       * script never closes. */
      CHECK(js(h.ctx,
               "var got = 0, raw = Socket.createServerSocket('127.0.0.1', 0);"
               "var server = net.createServer(function (s) { s.on('data', function () { got++; }); });"
               "server.listen(0, '127.0.0.1', function () {"
               "  var c = net.connect(server.address().port, '127.0.0.1', function () { c.write('x'); });"
               "}); 'ok'") == "ok");
      CHECK(run_until(h, "got === 1", 200));
      CHECK(count_open_fds() >= before + 4);
    }
    CHECK(count_open_fds() == before);
  });
}

TEST_CASE("a socket fd number reused within one poll round gets no stale event") {
  for_each_mode_and_backend([&](evloop::Mode mode, evloop::Backend backend) {
    TestHeap h(options(mode, backend), Time::Real);
    REQUIRE(install_all(h));
    /* Two socket pairs with data waiting on both read ends, so both are
     * ready in the same round. Whichever handler runs first closes the
     * other read end and opens a new socket, which the kernel gives the
     * lowest free number: the one just closed. That new stream must not
     * receive the old fd's event. */
    int a[2], b[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    REQUIRE(::write(a[1], "a", 1) == 1);
    REQUIRE(::write(b[1], "b", 1) == 1);
    std::string script = "var fds = [" + std::to_string(a[0]) + ", " + std::to_string(b[0]) + "];" +
                         "var log = [], reused = -1;"
                         "function reader(i) { return function (fd, data) {"
                         "  log.push(i);"
                         "  if (reused >= 0) return;"
                         "  EventLoop.close(fds[1 - i]);"
                         "  reused = Socket.createServerSocket('127.0.0.1', 0);"
                         "  EventLoop.setReader(reused, function () { log.push('stale'); });"
                         "}; }"
                         "EventLoop.setReader(fds[0], reader(0)); EventLoop.setReader(fds[1], reader(1)); 'ok'";
    CHECK(js(h.ctx, script.c_str()) == "ok");
    h.loop->run_once(1000);
    CHECK(js(h.ctx, "reused === fds[0] || reused === fds[1]") == "true");
    CHECK(js(h.ctx, "log.join(',')").size() == 1); /* one handler ran, no stale event */
    CHECK(js(h.ctx, "EventLoop.close(reused); EventLoop.close(fds[log[0]]); 'ok'") == "ok");
    ::close(a[1]);
    ::close(b[1]);
  });
}

TEST_CASE("a listener out of fds (EMFILE) backs off, keeps listening and accepts later") {
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
      CAPTURE(m);
    TestHeap h(options(mode, evloop::Backend::Default)); /* virtual clock: turns are countable */
    REQUIRE(install_all(h));
    CHECK(js(h.ctx,
             "var accepted = 0, server = net.createServer(function (s) { accepted++; s.destroy(); });"
             "server.listen(0, '127.0.0.1'); 'ok'") == "ok");
    REQUIRE(run_until(h, "server.address() !== null", 20));
    int port = std::stoi(js(h.ctx, "server.address().port"));
    int client = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(client >= 0);
    sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    /* No fd left for accept(): the limit is what is open now. */
    rlimit saved;
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    int lowest_free = 0;
    while (fcntl(lowest_free, F_GETFD) >= 0) lowest_free++;
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(lowest_free);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    /* One virtual second: a listener that spun would take a turn for every
     * poll; backing off 100 ms at a time takes about ten. */
    int64_t start = h.vclock.now;
    int turns = 0;
    while (h.vclock.now - start < 1000 * kMs && turns < 1000) {
      h.loop->run_once(-1);
      turns++;
    }
    CHECK(js(h.ctx, "accepted") == "0");
    CHECK(turns < 50);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(run_until(h, "accepted === 1", 100));
    CHECK(js(h.ctx, "server.close(); 'ok'") == "ok");
    ::close(client);
    h.loop->run();
  }
}
