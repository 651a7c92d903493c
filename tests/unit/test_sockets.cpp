/* Sockets through the C++ API, in both loops and both backends: destroy()
 * closes every socket fd the loop made, a socket fd number reused within one
 * poll round gets no stale event, and a listener out of fds (EMFILE) backs
 * off instead of spinning and keeps accepting once fds are free again; a
 * blocking pipe given to EventLoop.setReader cannot freeze the loop. */
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

const int kChunks = 6, kChunk = 65536; /* the blocking pipe test's writes */

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
    /* Two connections with data waiting on both accepted ends, so both
     * are ready in the same round. Whichever handler runs first closes
     * the other accepted end and opens a new socket, which the kernel
     * gives the lowest free number: the one just closed. That new stream
     * must not receive the old fd's event. (All fds opened by the loop:
     * it closes no other.) */
    std::string lfd = js(h.ctx, "var lfd = Socket.createServerSocket('127.0.0.1', 0); String(lfd)");
    sockaddr_in sa;
    socklen_t sa_len = sizeof sa;
    REQUIRE(getsockname(std::stoi(lfd), reinterpret_cast<sockaddr*>(&sa), &sa_len) == 0);
    CHECK(js(h.ctx, ("var c0 = Socket.connect('127.0.0.1', " + std::to_string(ntohs(sa.sin_port)) + ");"
                     "var c1 = Socket.connect('127.0.0.1', " + std::to_string(ntohs(sa.sin_port)) + ");"
                     "var fds = [Socket.accept(lfd).fd, Socket.accept(lfd).fd];"
                     "Socket.write(c0, 'a'); Socket.write(c1, 'b'); 'ok'").c_str()) == "ok");
    std::string script = std::string("var log = [], reused = -1;") +
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
    CHECK(js(h.ctx, "EventLoop.close(reused); EventLoop.close(fds[log[0]]); Socket.close(c0); Socket.close(c1);"
                    "Socket.close(lfd); 'ok'") == "ok");
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

/* The loop's fds and its host's (a native watcher's fd: the CLI's signal
 * pipe is one) are refused to every JS API with EPERM; a script cannot
 * reach a host's fd otherwise. A host's fd that a script adopted
 * (EventLoop.setReader) is never closed by the loop: EventLoop.close and
 * the end of stream only stop its use. */
static void host_watch_cb(evloop::Loop&, int, unsigned, void*) {}
TEST_CASE("a native watcher's fd is refused to JS (EPERM); an adopted fd is never closed") {
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
    CAPTURE(m);
    TestHeap h(options(mode, evloop::Backend::Epoll), Time::Real);
    REQUIRE(h.loop);
    REQUIRE(h.loop->install(evloop::kBindAll));
    int host[2], adopted[2];
    REQUIRE(pipe(host) == 0);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, adopted) == 0);
    REQUIRE(h.loop->watch(host[0], evloop::kReadable, host_watch_cb, nullptr));
    REQUIRE(h.loop->unref_fd(host[0]));
    std::string fd = std::to_string(host[0]);
    const char* const calls[] = {"Socket.close(F)", "Socket.read(F)", "Socket.write(F, 'x')", "Socket.accept(F)",
                                 "EventLoop.close(F)", "EventLoop.write(F, 'x')", "EventLoop.setReader(F, function () {})",
                                 "EventLoop.watch(F, 1, function () {})"};
    for (const char* call : calls) {
      std::string src = call;
      src.replace(src.find('F'), 1, fd);
      CAPTURE(src);
      CHECK(js(h.ctx, ("try { " + src + "; 'no error' } catch (e) { e.code + ' ' + /belongs to the event loop/.test(e.message) }").c_str()) ==
            "EPERM true");
    }
    CHECK(fcntl(host[0], F_GETFD) >= 0);
    /* adopted: read to the end of stream, then closed by the script */
    REQUIRE(::write(adopted[1], "hi", 2) == 2);
    ::shutdown(adopted[1], SHUT_WR);
    std::string a = std::to_string(adopted[0]);
    CHECK(js(h.ctx, ("var got = ''; EventLoop.setReader(" + a + ", function (fd, d) { got += d; }); 'ok'").c_str()) == "ok");
    h.loop->run_once(1000);
    h.loop->run_once(100);
    CHECK(js(h.ctx, "got") == "hi");
    CHECK(fcntl(adopted[0], F_GETFD) >= 0); /* the end of stream stopped its use only */
    CHECK(js(h.ctx, ("EventLoop.close(" + a + "); EventLoop.setReader(" + a + ", function () {}); EventLoop.close(" + a +
                     "); try { Socket.close(" + a + "); 'closed' } catch (e) { e.code }").c_str()) == "EBADF");
    CHECK(fcntl(adopted[0], F_GETFD) >= 0);
    h.loop->unwatch(host[0]);
    ::close(host[0]);
    ::close(host[1]);
    ::close(adopted[0]);
    ::close(adopted[1]);
  }
}

TEST_CASE("a blocking pipe given to EventLoop.setReader does not freeze the loop (issue 18), in both loops") {
  /* The writer sends 6 full pipes (64 KiB each) 60 ms apart: a loop that
   * read again after a full read blocked in read() until the next one, and
   * its 10 ms interval fired about once a chunk or less. */
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
    CAPTURE(m);
    TestHeap h(options(mode, evloop::Backend::Epoll), Time::Real);
    REQUIRE(h.loop);
    REQUIRE(h.loop->install(evloop::kBindAll));
    int p[2];
    REQUIRE(pipe(p) == 0); /* blocking, as a shell's stdin pipe */
    REQUIRE((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
    std::string fd = std::to_string(p[0]);
    CHECK(js(h.ctx, ("var got = 0, ticks = 0, ticksAtEnd = -1;"
                     "var iv = setInterval(function () { ticks++; }, 10);"
                     "EventLoop.setReader(" + fd + ", function (fd, d) {"
                     "  got += d.length;"
                     "  if (got === " + std::to_string(kChunks * kChunk) + ") { ticksAtEnd = ticks; clearInterval(iv); EventLoop.close(fd); }"
                     "}); 'ok'").c_str()) == "ok");
    int w = p[1];
    std::thread writer([w]() {
      std::vector<char> chunk(kChunk, 'x');
      for (int i = 0; i < kChunks; i++) {
        if (i) std::this_thread::sleep_for(std::chrono::milliseconds(60));
        size_t off = 0;
        while (off < chunk.size()) {
          ssize_t n = ::write(w, &chunk[off], chunk.size() - off);
          if (n <= 0) return;
          off += static_cast<size_t>(n);
        }
      }
    });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (js(h.ctx, "ticksAtEnd") == "-1" && std::chrono::steady_clock::now() < until) h.loop->run_once(100);
    writer.join();
    CHECK(js(h.ctx, "got") == std::to_string(kChunks * kChunk));
    /* ~300 ms of flow: ~30 ticks; the old code managed about 5 */
    int ticks = atoi(js(h.ctx, "ticksAtEnd").c_str());
    CAPTURE(ticks);
    CHECK(ticks >= 15);
    CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0); /* the loop did not change the shared flag */
    CHECK(fcntl(p[0], F_GETFD) >= 0);                /* nor close an fd it did not open */
    ::close(p[0]);
    ::close(p[1]);
  }
}
