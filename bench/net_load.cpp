/* Load client of `make bench-net` (driven by bench/net_run.py). Prints one JSON line.
 *
 *   net_load rr   PORT CONNS COUNT [options]   round trips: each of CONNS connections
 *        sends a SIZE-byte message, waits for the whole echo, checks it, repeats, until
 *        COUNT round trips are done in all (after WARMUP untimed ones on the same
 *        connections). -> {"rt", "secs", "rt_per_s", server CPU figures}
 *   net_load bulk PORT BYTES [options]         streams BYTES over one connection while
 *        reading the echo at once (one poll loop), checks it byte for byte; STREAMS times,
 *        one connection each. -> {"mib_per_s": [one per stream], ...}
 *   net_load idle PORT CONNS                   opens CONNS connections, one round trip on
 *        each (so the server has accepted and served it), prints {"ready": CONNS}, then
 *        holds them open until stdin gives a line or EOF; closes them and prints {"done"}.
 *
 * options: --host A (127.0.0.1)  --size N (rr message bytes, 64)  --warmup N (rr, 2000)
 *          --streams N (bulk, 1)  --pid P: read the server's CPU time from /proc/P around the
 *          timed phase (utime/stime in clock ticks from /proc/P/stat, and the precise
 *          on-CPU ns of all its threads from /proc/P/task/x/schedstat)
 *          --sync (rr): after the warmup print {"warm": true} and wait for a line on stdin
 *          (lets a profiler zero its counters).
 *
 * Exit status 0 on success; 1 with {"error": ...} when a connection fails or an echo is
 * wrong. The client is single-threaded: with 64 connections it may itself be the limit for
 * the fastest servers (the benchmark reports ratios measured with the same client). */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

const char* g_host = "127.0.0.1";
int g_port = 0;
int g_pid = 0;

[[noreturn]] void fail(const char* fmt, const char* detail = "") {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, detail);
  std::string esc;
  for (const char* p = msg; *p; p++) {
    if (*p == '"' || *p == '\\') esc += '\\';
    esc += *p;
  }
  printf("{\"error\": \"%s\"}\n", esc.c_str());
  fflush(stdout);
  exit(1);
}

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// ---- the server's CPU time, read from /proc

struct Cpu {
  long long utime = -1, stime = -1;  // clock ticks, all threads (/proc/P/stat)
  long long run_ns = -1;             // on-CPU ns, sum over /proc/P/task/*/schedstat
};

Cpu read_cpu(int pid) {
  Cpu c;
  if (pid <= 0) return c;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return c;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char* p = strrchr(buf, ')');  // comm may hold spaces
  if (!p) return c;
  // after ") ": field 3 (state) ... field 14 utime, 15 stime
  p += 2;
  for (int field = 3; field < 14 && *p; field++) {
    p = strchr(p, ' ');
    if (!p) return c;
    p++;
  }
  if (sscanf(p, "%lld %lld", &c.utime, &c.stime) != 2) c.utime = c.stime = -1;
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* d = opendir(path);
  if (!d) return c;
  long long total = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char sp[300];
    snprintf(sp, sizeof sp, "/proc/%d/task/%.32s/schedstat", pid, e->d_name);
    FILE* sf = fopen(sp, "r");
    if (!sf) continue;
    long long ns = 0;
    if (fscanf(sf, "%lld", &ns) == 1) total += ns;
    fclose(sf);
  }
  closedir(d);
  c.run_ns = total;
  return c;
}

std::string cpu_json(const Cpu& a, const Cpu& b) {
  if (a.utime < 0 || b.utime < 0) return "";
  char out[256];
  snprintf(out, sizeof out, ", \"utime_ticks\": %lld, \"stime_ticks\": %lld, \"run_ns\": %lld, \"clk_tck\": %ld",
           b.utime - a.utime, b.stime - a.stime, (a.run_ns >= 0 && b.run_ns >= 0) ? b.run_ns - a.run_ns : -1,
           sysconf(_SC_CLK_TCK));
  return out;
}

// ---- sockets

sockaddr_in server_addr() {
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(g_port));
  if (inet_pton(AF_INET, g_host, &addr.sin_addr) != 1) fail("bad IPv4 address %s", g_host);
  return addr;
}

// A connected socket (blocking connect: on loopback the kernel completes the handshake
// without waiting for the server to accept), then non-blocking, TCP_NODELAY.
int connect_one() {
  sockaddr_in addr = server_addr();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket: %s", strerror(errno));
  timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int r;
  do {
    r = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) fail("connect: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl: %s", strerror(errno));
}

// Blocking: writes all of len, reads exactly len back and checks it.
void round_trip_blocking(int fd, const char* msg, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = send(fd, msg + done, len - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("send: %s", n < 0 ? strerror(errno) : "0");
    done += static_cast<size_t>(n);
  }
  std::vector<char> back(len);
  done = 0;
  while (done < len) {
    ssize_t n = recv(fd, back.data() + done, len - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("recv (echo of a connection's first message): %s", strerror(errno));
    if (n == 0) fail("the server closed the connection%s", "");
    done += static_cast<size_t>(n);
  }
  if (memcmp(back.data(), msg, len) != 0) fail("wrong echo%s", "");
}

// ---- rr: round trips over CONNS connections

struct RrConn {
  int fd;
  size_t got;  // bytes of the current echo received
};

void rr_phase(std::vector<RrConn>& conns, int epfd, const std::string& msg, long long count) {
  long long issued = 0, completed = 0;
  const size_t size = msg.size();
  std::vector<char> buf(size);
  auto send_msg = [&](RrConn& c) {
    ssize_t n;
    do {
      n = send(c.fd, msg.data(), size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    // The socket's send buffer is empty (the previous echo came back whole), so a small
    // message always goes whole.
    if (n != static_cast<ssize_t>(size)) fail("send: %s", n < 0 ? strerror(errno) : "partial");
    c.got = 0;
    issued++;
  };
  for (auto& c : conns) {
    if (issued >= count) break;
    send_msg(c);
  }
  epoll_event events[1024];
  while (completed < count) {
    int n = epoll_wait(epfd, events, 1024, 10000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("epoll_wait: %s", strerror(errno));
    if (n == 0) fail("no echo for 10 s%s", "");
    for (int i = 0; i < n; i++) {
      RrConn& c = conns[events[i].data.u32];
      ssize_t r = recv(c.fd, buf.data(), size - c.got, 0);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r < 0) fail("recv: %s", strerror(errno));
      if (r == 0) fail("the server closed a connection%s", "");
      if (memcmp(buf.data(), msg.data() + c.got, static_cast<size_t>(r)) != 0) fail("wrong echo%s", "");
      c.got += static_cast<size_t>(r);
      if (c.got < size) continue;
      completed++;
      if (issued < count) send_msg(c);
    }
  }
}

int mode_rr(int conns_n, long long count, size_t size, long long warmup, bool sync) {
  std::string msg(size, 0);
  for (size_t i = 0; i < size; i++) msg[i] = static_cast<char>('a' + i % 26);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  std::vector<RrConn> conns(static_cast<size_t>(conns_n));
  for (int i = 0; i < conns_n; i++) {
    conns[i].fd = connect_one();
    round_trip_blocking(conns[i].fd, msg.data(), size);
    set_nonblocking(conns[i].fd);
    conns[i].got = 0;
    epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  if (warmup > 0) rr_phase(conns, epfd, msg, warmup);
  if (sync) {
    printf("{\"warm\": true}\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) {
    }
  }
  Cpu a = read_cpu(g_pid);
  double t0 = now_s();
  rr_phase(conns, epfd, msg, count);
  double secs = now_s() - t0;
  Cpu b = read_cpu(g_pid);
  for (auto& c : conns) close(c.fd);
  close(epfd);
  printf("{\"mode\": \"rr\", \"conns\": %d, \"size\": %zu, \"rt\": %lld, \"secs\": %.6f, \"rt_per_s\": %.1f%s}\n",
         conns_n, size, count, secs, count / secs, cpu_json(a, b).c_str());
  return 0;
}

// ---- bulk: one stream of BYTES, written and read back at once

uint64_t g_rng = 0x9E3779B97F4A7C15ull;
uint64_t next_rand() {  // xorshift64*
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 0x2545F4914F6CDD1Dull;
}

double bulk_stream(const std::vector<char>& data) {
  const size_t total = data.size();
  const size_t chunk = 64 * 1024;
  std::vector<char> buf(256 * 1024);
  int fd = connect_one();
  set_nonblocking(fd);
  size_t sent = 0, got = 0;
  double t0 = now_s();
  while (got < total) {
    pollfd p;
    p.fd = fd;
    p.events = static_cast<short>(POLLIN | (sent < total ? POLLOUT : 0));
    p.revents = 0;
    int n = poll(&p, 1, 10000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("poll: %s", strerror(errno));
    if (n == 0) fail("bulk: no progress for 10 s%s", "");
    if ((p.revents & POLLOUT) && sent < total) {
      ssize_t w = send(fd, data.data() + sent, std::min(chunk, total - sent), MSG_NOSIGNAL);
      if (w > 0) sent += static_cast<size_t>(w);
      else if (w < 0 && errno != EAGAIN && errno != EINTR) fail("bulk send: %s", strerror(errno));
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      for (;;) {
        ssize_t r = recv(fd, buf.data(), buf.size(), 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (r < 0) fail("bulk recv: %s", strerror(errno));
        if (r == 0) fail("bulk: the server closed the connection%s", "");
        if (got + static_cast<size_t>(r) > total) fail("bulk: more bytes echoed than sent%s", "");
        if (memcmp(buf.data(), data.data() + got, static_cast<size_t>(r)) != 0) fail("bulk: wrong echo%s", "");
        got += static_cast<size_t>(r);
        if (static_cast<size_t>(r) < buf.size()) break;
      }
    }
  }
  double secs = now_s() - t0;
  close(fd);
  return secs;
}

int mode_bulk(long long bytes, int streams) {
  std::vector<char> data(static_cast<size_t>(bytes));
  for (size_t i = 0; i + 8 <= data.size(); i += 8) {
    uint64_t v = next_rand();
    memcpy(&data[i], &v, 8);
  }
  std::vector<double> rates;
  Cpu a = read_cpu(g_pid);
  double all = 0;
  for (int s = 0; s < streams; s++) {
    double secs = bulk_stream(data);
    all += secs;
    rates.push_back(bytes / (1024.0 * 1024.0) / secs);
  }
  Cpu b = read_cpu(g_pid);
  std::string list;
  for (double r : rates) {
    char one[32];
    snprintf(one, sizeof one, "%s%.1f", list.empty() ? "" : ", ", r);
    list += one;
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  printf("{\"mode\": \"bulk\", \"bytes\": %lld, \"streams\": %d, \"secs\": %.6f, \"mib_per_s\": %.1f, "
         "\"mib_per_s_each\": [%s]%s}\n",
         bytes, streams, all, sorted[sorted.size() / 2], list.c_str(), cpu_json(a, b).c_str());
  return 0;
}

// ---- idle: CONNS open connections, held until stdin says so

int mode_idle(int conns_n) {
  std::string msg(64, 'i');
  std::vector<int> fds;
  for (int i = 0; i < conns_n; i++) {
    int fd = connect_one();
    round_trip_blocking(fd, msg.data(), msg.size());
    fds.push_back(fd);
  }
  printf("{\"ready\": %d}\n", conns_n);
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) {
  }
  for (int fd : fds) close(fd);
  printf("{\"mode\": \"idle\", \"done\": %d}\n", conns_n);
  return 0;
}

long long parse_size(const char* s) {
  char* end = nullptr;
  double v = strtod(s, &end);
  if (end == s) fail("bad number %s", s);
  switch (*end) {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return static_cast<long long>(v);
}

[[noreturn]] void usage() {
  fputs("usage: net_load rr PORT CONNS COUNT | bulk PORT BYTES | idle PORT CONNS\n"
        "       [--host A] [--size N] [--warmup N] [--streams N] [--pid P] [--sync]\n",
        stderr);
  exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<const char*> pos;
  size_t size = 64;
  long long warmup = 2000;
  int streams = 1;
  bool sync = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--host" && has_value) g_host = argv[++i];
    else if (a == "--size" && has_value) size = static_cast<size_t>(parse_size(argv[++i]));
    else if (a == "--warmup" && has_value) warmup = parse_size(argv[++i]);
    else if (a == "--streams" && has_value) streams = atoi(argv[++i]);
    else if (a == "--pid" && has_value) g_pid = atoi(argv[++i]);
    else if (a == "--sync") sync = true;
    else if (a.size() > 1 && a[0] == '-') usage();
    else pos.push_back(argv[i]);
  }
  if (pos.size() < 3) usage();
  std::string mode = pos[0];
  g_port = atoi(pos[1]);
  if (mode == "rr" && pos.size() >= 4) {
    int conns = atoi(pos[2]);
    long long count = parse_size(pos[3]);
    if (conns < 1 || count < 1 || size < 1) usage();
    return mode_rr(conns, count, size, warmup, sync);
  }
  if (mode == "bulk") {
    long long bytes = parse_size(pos[2]);
    if (bytes < 8 || streams < 1) usage();
    return mode_bulk(bytes, streams);
  }
  if (mode == "idle") {
    int conns = atoi(pos[2]);
    if (conns < 1) usage();
    return mode_idle(conns);
  }
  usage();
}
