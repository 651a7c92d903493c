/* libFuzzer target: bytes from the network, split at fuzz-chosen boundaries,
 * into sockets of both loops and into examples/http-server.js.
 *
 * Each input: a fresh heap and loop (mode and backend from the first byte,
 * a virtual clock), a server script chosen by the input (below), and a
 * loopback peer in this process that sends the fuzz data to it chunk by
 * chunk, running loop turns in between so every chunk is a separate read,
 * and reads what comes back. The op stream after the two header bytes:
 *
 *   0x00-0xDF  send the next (op + 1) bytes, then one turn
 *   0xE0-0xEF  (op - 0xDF) turns without sending
 *   0xF0       read everything the server sent so far
 *   0xF1       stop reading (the server's writes back up) until 0xF0
 *   0xF2       one turn that lets the virtual clock jump (timers fire)
 *   0xF3       half-close (shutdown SHUT_WR): nothing is sent after it
 *   0xF4       reset (SO_LINGER 0, close) and end the input
 *   0xF5       send a big chunk: u16 length, filled by repeating the next
 *              up to 16 bytes
 *   0xF6-0xFF  send the next (u8 + 1) bytes
 *
 * At the end of the ops the peer half-closes and reads until the server
 * closes (bounded turns).
 *
 * Targets (bits 2-4 of the first byte; the second byte holds variations):
 *   0 net server, echo of Buffers (pause/resume, drain, noDelay variations)
 *   1 net server, setEncoding('utf8'): the string must equal TextDecoder of
 *     all the bytes at once, whatever the chunk boundaries
 *   2 net client: the script connects to the peer's listener and echoes
 *   3 the seed API: EventLoop.server, setReader, EventLoop.write echo
 *   4 the seed Socket API: Poll.poll, Socket.accept/read/write/close echo
 *     from a zero-delay interval (the original example's style)
 *   5, 7 examples/http-server.js, unchanged, listening on 127.0.0.1 port 0
 *   6 net server, setEncoding(latin1 | hex | base64) and write(string, same):
 *     a byte-exact echo through the decoders
 *
 * Invariants: no crash, no sanitizer report, no hang, no fd leak; no error
 * reported by the loop (the scripts handle their errors: a report is an
 * exception inside net.js, the stream engines or the example); for the echo
 * targets the bytes back equal the bytes sent, in order (unless the peer
 * reset); the utf8 target's decode is boundary-independent; the HTTP
 * example answers with "HTTP/1.1 " responses and closes after the peer's
 * half-close.
 *
 * Environment: EVLOOP_FUZZ_VERBOSE=1 keeps the scripts' stdout and prints
 * each input's plan to stderr. */
#define EVLOOP_IMPLEMENTATION
#include "fuzz_common.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>
#include <vector>

namespace {

const int kMaxTurns = 3000;       /* turns an input may take in all */
const double kBudgetMs = 1500;    /* wall time an input may take */
const int kEndTurns = 400;        /* turns to see the server's close at the end */

std::string g_http;               /* examples/http-server.js */
bool g_verbose = false;
fuzz::Watchdog g_watchdog;

enum OpKind { kSend, kTurns, kDrain, kHold, kAdvance, kHalfClose, kReset };
struct Op {
  OpKind kind;
  std::string data; /* kSend */
  int n;            /* kTurns */
};

std::vector<Op> parse_ops(fuzz::Bytes& in, std::string* sent_all) {
  std::vector<Op> ops;
  bool half_closed = false;
  while (!in.empty() && ops.size() < 512) {
    uint8_t h = in.u8();
    Op op;
    op.n = 0;
    if (h <= 0xDF || h >= 0xF6 || h == 0xF5) {
      op.kind = kSend;
      if (h == 0xF5) {
        size_t len = 1 + in.u16();
        size_t pat = 1 + in.below(16);
        std::string p;
        for (size_t j = 0; j < pat && !in.empty(); j++) p += static_cast<char>(in.u8());
        if (p.empty()) p = "x";
        while (op.data.size() < len) op.data += p;
        op.data.resize(len);
      } else {
        size_t len = h <= 0xDF ? h + 1u : in.u8() + 1u;
        for (size_t j = 0; j < len && !in.empty(); j++) op.data += static_cast<char>(in.u8());
        if (op.data.empty()) continue;
      }
      if (!half_closed) *sent_all += op.data;
    } else if (h <= 0xEF) {
      op.kind = kTurns;
      op.n = h - 0xDF;
    } else if (h == 0xF0) {
      op.kind = kDrain;
    } else if (h == 0xF1) {
      op.kind = kHold;
    } else if (h == 0xF2) {
      op.kind = kAdvance;
    } else if (h == 0xF3) {
      op.kind = kHalfClose;
      half_closed = true;
    } else {
      op.kind = kReset;
      ops.push_back(op);
      break;
    }
    ops.push_back(op);
  }
  return ops;
}

/* ---- the scripts ---- */

/* Globals from the harness: FLAGS (the second byte), EXPECT (a Buffer of
 * every byte the peer sends before its half-close), PORT (the peer's
 * listener, target 2), __listening(port), __accepted() (the connection is
 * up and read), __fail(message), __relax() (the echo may be cut short: the
 * script destroyed the socket on purpose). */
const char* const kNetEcho = R"JS(
var server = net.createServer({ allowHalfOpen: true }, function (c) {
    c.on('error', function () {});
    if (FLAGS & 8) { c.setNoDelay(true); }
    if (FLAGS & 16) { c.setTimeout(5000, function () { __relax(); c.destroy(); }); }
    c.on('data', function (d) {
        if (!(d instanceof Buffer)) { __fail('data is not a Buffer: ' + typeof d); }
        var ok = c.write(d);
        if (FLAGS & 1) { c.pause(); setTimeout(function () { c.resume(); }, 0); }
        if (!ok && (FLAGS & 2)) { c.pause(); c.once('drain', function () { c.resume(); }); }
    });
    c.on('end', function () { if (FLAGS & 4) { setTimeout(function () { c.end(); }, 0); } else { c.end(); } });
    __accepted();
});
server.on('error', function (e) { __fail('server error: ' + e); });
server.listen(0, '127.0.0.1', function () { __listening(server.address().port); });
)JS";

const char* const kNetUtf8 = R"JS(
var server = net.createServer({ allowHalfOpen: true }, function (c) {
    var s = '';
    c.on('error', function () {});
    c.setEncoding(FLAGS & 1 ? 'utf-8' : 'utf8');
    c.on('data', function (d) {
        if (typeof d !== 'string') { __fail('data is not a string: ' + typeof d); }
        s += d;
        if (FLAGS & 2) { c.pause(); setTimeout(function () { c.resume(); }, 0); }
    });
    c.on('end', function () {
        var want = new TextDecoder('utf-8').decode(EXPECT);
        if (s !== want) {
            __fail('utf8 decoding depends on the chunk boundaries: got ' + Duktape.enc('jx', s).slice(0, 300) +
                   ', want ' + Duktape.enc('jx', want).slice(0, 300));
        }
        c.end(EXPECT);
    });
    __accepted();
});
server.on('error', function (e) { __fail('server error: ' + e); });
server.listen(0, '127.0.0.1', function () { __listening(server.address().port); });
)JS";

const char* const kNetClient = R"JS(
var c = net.connect({ port: PORT, host: '127.0.0.1', allowHalfOpen: true }, function () {
    if (FLAGS & 8) { c.setNoDelay(true); }
    __accepted();
});
c.on('error', function (e) { if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { __fail('client error: ' + e); } });
c.on('data', function (d) {
    var ok = c.write(d);
    if (FLAGS & 1) { c.pause(); setTimeout(function () { c.resume(); }, 0); }
    if (!ok && (FLAGS & 2)) { c.pause(); c.once('drain', function () { c.resume(); }); }
});
c.on('end', function () { c.end(); });
)JS";

const char* const kSeedReader = R"JS(
var lfd = EventLoop.server('127.0.0.1', 0, function (fd, addr, port) {
    if (typeof addr !== 'string' || typeof port !== 'number') { __fail('onAccept arguments'); }
    EventLoop.setReader(fd, function (fd, data) {
        if (!data || typeof data.length !== 'number') { __fail('setReader data: ' + data); }
        EventLoop.write(fd, (FLAGS & 1) && data.length ? new Uint8Array(data) : data);
    });
    __accepted();
});
__listening(__port(lfd));
)JS";

const char* const kSeedSync = R"JS(
var lfd = Socket.createServerSocket('127.0.0.1', 0), conns = {}, open = 0;
__listening(__port(lfd));
var iv = setInterval(function () {
    var set = {}, k, c, r, n, fd;
    set[lfd] = { events: Poll.POLLIN };
    for (k in conns) { set[k] = { events: Poll.POLLIN | (conns[k].out.length ? Poll.POLLOUT : 0) }; }
    Poll.poll(set, 0);
    if (set[lfd].revents & Poll.POLLIN) {
        r = Socket.accept(lfd);
        if (r) { conns[r.fd] = { out: [], eof: false }; open++; __accepted(); }
    }
    for (k in conns) {
        c = conns[k];
        fd = Number(k);
        try {
            if (set[k] && (set[k].revents & (Poll.POLLIN | Poll.POLLHUP | Poll.POLLERR)) && !c.eof) {
                r = Socket.read(fd);
                if (r !== null) {
                    if (r.length === 0) { c.eof = true; } else { c.out.push(r); }
                }
            }
            while (c.out.length) {
                n = Socket.write(fd, c.out[0]);
                if (n < c.out[0].length) { c.out[0] = c.out[0].subarray(n); break; }
                c.out.shift();
            }
        } catch (e) {   /* ECONNRESET, EPIPE: the peer reset */
            if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') { __fail('Socket.read/write: ' + e); }
            c.eof = true;
            c.out = [];
        }
        if (c.eof && !c.out.length) {
            Socket.close(fd);
            delete conns[k];
            if (--open === 0 && (FLAGS & 1)) { clearInterval(iv); Socket.close(lfd); }
        }
    }
}, 0);
)JS";

const char* const kNetEncoded = R"JS(
var ENC = ['latin1', 'hex', 'base64', 'binary'][FLAGS & 3];
var server = net.createServer({ allowHalfOpen: true }, function (c) {
    c.on('error', function () {});
    c.setEncoding(ENC);
    c.on('data', function (d) {
        if (typeof d !== 'string') { __fail('data is not a string: ' + typeof d); }
        c.write(d, ENC);
        if (FLAGS & 4) { c.pause(); setTimeout(function () { c.resume(); }, 0); }
    });
    c.on('end', function () { c.end(); });
    __accepted();
});
server.on('error', function (e) { __fail('server error: ' + e); });
server.listen(0, '127.0.0.1', function () { __listening(server.address().port); });
)JS";

/* ---- harness state of one input ---- */
struct State {
  int port = -1;
  bool accepted = false;
  bool relaxed = false;
  std::string failure;
};
State* g_state = nullptr;

duk_ret_t js_listening(duk_context* ctx) {
  g_state->port = duk_to_int(ctx, 0);
  return 0;
}
/* __port(fd): the local port of a listening fd of the seed API (which has
 * no address(); net's address() only answers for a net.Server's own fd). */
duk_ret_t js_port(duk_context* ctx) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int port = 0;
  if (getsockname(duk_to_int(ctx, 0), reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  duk_push_int(ctx, port);
  return 1;
}
duk_ret_t js_fail(duk_context* ctx) {
  if (g_state->failure.empty()) g_state->failure = duk_safe_to_string(ctx, 0);
  return 0;
}
duk_ret_t js_accepted(duk_context*) {
  g_state->accepted = true;
  return 0;
}
duk_ret_t js_relax(duk_context*) {
  g_state->relaxed = true;
  return 0;
}
/* print() for the HTTP example: "listening on PORT" gives the port. */
duk_ret_t js_print(duk_context* ctx) {
  duk_idx_t n = duk_get_top(ctx);
  std::string line;
  for (duk_idx_t j = 0; j < n; j++) line += std::string(j ? " " : "") + duk_safe_to_string(ctx, j);
  if (line.compare(0, 13, "listening on ") == 0) g_state->port = atoi(line.c_str() + 13);
  if (g_verbose) fprintf(stderr, "print: %s\n", line.c_str());
  return 0;
}
void on_process_exit(evloop::Loop&, int code, void*) {
  if (g_state->failure.empty()) g_state->failure = "process.exit(" + std::to_string(code) + ") from the script";
}

void put_global_fn(duk_context* ctx, const char* name, duk_c_function fn, duk_idx_t nargs) {
  duk_push_global_object(ctx);
  duk_push_c_function(ctx, fn, nargs);
  duk_put_prop_string(ctx, -2, name);
  duk_pop(ctx);
}

[[noreturn]] void fail(const char* what, const std::string& detail, const std::string& script_name) {
  fprintf(stderr, "fuzz_net_bytes: %s [%s]\n%s\n", what, script_name.c_str(), detail.c_str());
  abort();
}

/* The peer's end: a non-blocking loopback socket. */
struct Peer {
  int fd = -1;
  int listener = -1;
  bool holding = false, half_closed = false, reset = false, eof = false, broken = false;
  std::string got;

  void read_all() {
    if (fd < 0 || eof) return;
    char buf[65536];
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        got.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) eof = true;
      else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        eof = true; /* reset by the server (after a 400, say) */
        broken = true;
      }
      return;
    }
  }
  void close_all() {
    if (fd >= 0) close(fd);
    if (listener >= 0) close(listener);
    fd = listener = -1;
  }
};

int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

int listen_loopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(sa.sin_port);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_http = fuzz::read_repo_file("examples/http-server.js");
  g_verbose = fuzz::env_flag("EVLOOP_FUZZ_VERBOSE");
  fuzz::quiet_stdout();
  g_watchdog.init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return -1;
  fuzz::Bytes in(data, size);
  uint8_t config = in.u8();
  uint8_t flags = in.u8();
  evloop::Mode mode = config & 1 ? evloop::Mode::Ecma : evloop::Mode::Native;
  evloop::Backend backend = config & 2 ? evloop::Backend::Poll : evloop::Backend::Epoll;
  unsigned target = (config >> 2) & 7;
  std::string sent_all;
  std::vector<Op> ops = parse_ops(in, &sent_all);

  static const char* const names[] = {"net echo", "net utf8", "net client echo", "seed setReader echo",
                                      "seed Socket echo", "http-server.js", "net encoded echo", "http-server.js"};
  std::string name = std::string(names[target]) + ", " +
                     (mode == evloop::Mode::Ecma ? "ECMAScript loop" : "C++ loop") + ", " +
                     (backend == evloop::Backend::Poll ? "poll" : "epoll") + ", flags " + std::to_string(flags);
  bool http = target == 5 || target == 7;
  bool echo = !http && target != 1;
  if (g_verbose) fprintf(stderr, "fuzz_net_bytes: %s, %zu ops, %zu bytes\n", name.c_str(), ops.size(), sent_all.size());

  int fd_before = fuzz::lowest_free_fd();
  State state;
  g_state = &state;
  Peer peer;
  g_watchdog.arm();
  {
    fuzz::Run run;
    run.options.on_process_exit = on_process_exit;
    if (!run.start(mode, backend)) abort();
    static const char* const argv[] = {"evloop", "examples/http-server.js", "0", "127.0.0.1"};
    run.loop->set_argv(4, argv);
    if (!run.loop->install(evloop::kBindAll)) fail("install failed", run.reports.first, name);
    duk_context* ctx = run.ctx;
    put_global_fn(ctx, "__listening", js_listening, 1);
    put_global_fn(ctx, "__fail", js_fail, 1);
    put_global_fn(ctx, "__port", js_port, 1);
    put_global_fn(ctx, "__relax", js_relax, 0);
    put_global_fn(ctx, "__accepted", js_accepted, 0);
    put_global_fn(ctx, "print", js_print, DUK_VARARGS);
    duk_push_global_object(ctx);
    duk_push_int(ctx, flags);
    duk_put_prop_string(ctx, -2, "FLAGS");
    void* p = duk_push_fixed_buffer(ctx, sent_all.size());
    if (!sent_all.empty()) memcpy(p, sent_all.data(), sent_all.size());
    duk_push_buffer_object(ctx, -1, 0, sent_all.size(), DUK_BUFOBJ_NODEJS_BUFFER);
    duk_remove(ctx, -2);
    duk_put_prop_string(ctx, -2, "EXPECT");
    if (target == 2) {
      int port = 0;
      peer.listener = listen_loopback(&port);
      if (peer.listener < 0) abort();
      duk_push_int(ctx, port);
      duk_put_prop_string(ctx, -2, "PORT");
    }
    duk_pop(ctx);

    const char* script = target == 0 ? kNetEcho : target == 1 ? kNetUtf8 : target == 2 ? kNetClient
                         : target == 3 ? kSeedReader : target == 4 ? kSeedSync : target == 6 ? kNetEncoded : nullptr;
    std::string err;
    if (!fuzz::eval(ctx, script ? std::string(script) : g_http, script ? "server.js" : "examples/http-server.js", &err))
      fail("the script failed", err, name);

    double deadline = fuzz::wall_ms() + kBudgetMs;
    int turns = 0;
    auto turn = [&](int64_t max_wait_ms) {
      turns++;
      run.loop->run_once(max_wait_ms);
      if (!state.failure.empty()) fail("the script reported a failure", state.failure, name);
      if (!peer.holding) peer.read_all();
    };
    auto out_of_time = [&]() { return turns >= kMaxTurns || fuzz::wall_ms() > deadline; };

    /* Connect the peer. */
    size_t listening_fds = 0;
    if (target == 2) {
      while (peer.fd < 0 && !out_of_time()) {
        turn(0);
        peer.fd = accept4(peer.listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      }
    } else {
      while (state.port < 0 && !out_of_time()) turn(0);
      listening_fds = run.loop->stats().watched_fds;
      if (state.port > 0) peer.fd = connect_loopback(state.port);
    }
    if (peer.fd < 0) fail("the peer could not connect", run.reports.first, name);
    /* Every chunk must be a read of its own, the first too: wait until the
     * server accepted and reads (its script says so; the HTTP example's
     * new connection shows as one more watched fd). */
    while (!state.accepted && !out_of_time() && turns < 200) {
      turn(0);
      if (http && run.loop->stats().watched_fds > listening_fds) break;
    }

    for (size_t o = 0; o < ops.size() && !out_of_time(); o++) {
      const Op& op = ops[o];
      switch (op.kind) {
        case kSend: {
          if (peer.half_closed || peer.broken) break;
          size_t off = 0;
          while (off < op.data.size() && !out_of_time()) {
            ssize_t n = send(peer.fd, op.data.data() + off, op.data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
              off += static_cast<size_t>(n);
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
              peer.broken = true; /* the server closed (HTTP 400) */
              break;
            } else {
              if (peer.holding) { /* both directions full: the peer must read */
                peer.holding = false;
              }
              turn(0);
            }
          }
          turn(0);
          break;
        }
        case kTurns:
          for (int j = 0; j < op.n; j++) turn(0);
          break;
        case kDrain:
          peer.holding = false;
          peer.read_all();
          break;
        case kHold:
          peer.holding = true;
          break;
        case kAdvance:
          turn(60000);
          break;
        case kHalfClose:
          if (!peer.half_closed) shutdown(peer.fd, SHUT_WR);
          peer.half_closed = true;
          turn(0);
          break;
        case kReset: {
          linger lg = {1, 0};
          setsockopt(peer.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
          close(peer.fd);
          peer.fd = -1;
          peer.reset = true;
          break;
        }
      }
    }

    /* The end: half-close, then the server must close its side. */
    bool finished_in_time = !out_of_time();
    if (!peer.reset) {
      peer.holding = false;
      if (!peer.half_closed) shutdown(peer.fd, SHUT_WR);
      peer.half_closed = true;
      int end_turns = 0;
      while (!peer.eof && end_turns < kEndTurns) {
        end_turns++;
        turn(end_turns % 50 == 49 ? 60000 : 0); /* now and then let timers (idle, backoff) fire */
      }
      if (!peer.eof && finished_in_time && !state.relaxed)
        fail("the server did not close after the peer's half-close", "received " + std::to_string(peer.got.size()) +
             " of " + std::to_string(sent_all.size()) + " bytes", name);
    }
    if (!peer.reset && finished_in_time && !state.relaxed) {
      if (echo && peer.got != sent_all && !peer.broken) {
        size_t same = 0;
        while (same < peer.got.size() && same < sent_all.size() && peer.got[same] == sent_all[same]) same++;
        fail("the echo differs from the bytes sent",
             "sent " + std::to_string(sent_all.size()) + " bytes, got " + std::to_string(peer.got.size()) +
             ", equal up to byte " + std::to_string(same), name);
      }
      if (target == 1 && peer.got != sent_all && !peer.broken)
        fail("the utf8 server did not send EXPECT back", "", name);
      if (http && !peer.got.empty() && peer.got.compare(0, 9, "HTTP/1.1 ") != 0)
        fail("the HTTP example's answer is no HTTP/1.1 response", peer.got.substr(0, 200), name);
    }
    if (g_verbose)
      fprintf(stderr, "fuzz_net_bytes: sent %zu bytes, got %zu back%s%s%s, %d turns\n", sent_all.size(), peer.got.size(),
              peer.eof ? ", then the server's close" : "", peer.reset ? ", peer reset" : "",
              state.relaxed ? ", relaxed" : "", turns);
    if (run.reports.count) fail("the loop reported an error", run.reports.first, name);

    /* Let the script see the peer go, then tear everything down. */
    peer.close_all();
    for (int j = 0; j < 5; j++) run.loop->run_once(0);
    if (run.reports.count) fail("the loop reported an error", run.reports.first, name);
    run.finish();
  }
  g_watchdog.disarm();
  g_state = nullptr;
  int fd_after = fuzz::lowest_free_fd();
  if (fd_after != fd_before)
    fail("fd leak", "the lowest free fd was " + std::to_string(fd_before) + " before the input, " +
         std::to_string(fd_after) + " after", name);
  return 0;
}
