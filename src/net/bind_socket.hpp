/* Sockets, the native layer shared by both loops: address parsing and name
 * resolution, Node-style network errors, the primitives the stream engines
 * and net.js call (a hidden `native` object, never global), and the seed
 * `Socket` global of Duktape's original example. Every fd made here is owned
 * by the loop (LoopImpl::own_fd): destroy() closes those still open, and
 * they are the only fds a script can close. An fd the loop or its host uses
 * itself (LoopImpl::host_fd) is refused to every call (EPERM). */
#pragma once
#include "../core/loop.hpp"
#include "../core/memory.hpp"
#include "../backend/backend.hpp"
#include "../core/errors.hpp"
#include "../bind/bind_eventloop.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* The socket syscalls, through the loop's Syscalls seam when built with
 * EVLOOP_FAULT_INJECTION (see api.hpp); else straight to the kernel. The
 * loop pointer is only read in that build. */
#ifdef EVLOOP_FAULT_INJECTION
#define EVLOOP_SYSCALL(l, name, real, ...) \
  ((l) && (l)->sys.name ? (l)->sys.name((l)->sys.user, __VA_ARGS__) : real(__VA_ARGS__))
#else
#define EVLOOP_SYSCALL(l, name, real, ...) real(__VA_ARGS__)
#endif

namespace evloop {
namespace detail {

/* ---- errors ---- */

/* errno for a code name ('ECONNREFUSED'), 0 when unknown. */
inline int errno_from_name(const char* name) {
  for (int e = 1; e < 256; e++)
    if (strcmp(errno_name(e), name) == 0) return e;
  return 0;
}

/* [ ... ] -> [ ... err ]: an Error shaped like Node's network errors:
 * "connect ECONNREFUSED 127.0.0.1:9" with code, errno (negative), syscall,
 * and address/port when given. */
inline void push_net_error(duk_context* ctx, int err, const char* syscall, const char* address, int port) {
  const char* code = errno_name(err);
  if (address && port >= 0)
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s %s %s:%d", syscall, code, address, port);
  else if (address)
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s %s %s", syscall, code, address);
  else
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s %s", syscall, code);
  duk_push_string(ctx, code);
  duk_put_prop_literal(ctx, -2, "code");
  duk_push_int(ctx, -err);
  duk_put_prop_literal(ctx, -2, "errno");
  duk_push_string(ctx, syscall);
  duk_put_prop_literal(ctx, -2, "syscall");
  if (address) {
    duk_push_string(ctx, address);
    duk_put_prop_literal(ctx, -2, "address");
  }
  if (port >= 0) {
    duk_push_int(ctx, port);
    duk_put_prop_literal(ctx, -2, "port");
  }
}
inline duk_ret_t throw_net_error(duk_context* ctx, int err, const char* syscall, const char* address, int port) {
  push_net_error(ctx, err, syscall, address, port);
  return duk_throw(ctx);
}

/* ---- addresses ---- */

struct SocketAddress {
  sockaddr_storage storage;
  socklen_t length;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

/* A port argument: an integer in 0..65535, else RangeError (as Node). */
inline int require_port(duk_context* ctx, duk_idx_t idx, const char* fn) {
  double v = duk_is_number(ctx, idx) ? duk_get_number(ctx, idx)
             : duk_is_string(ctx, idx) && duk_get_length(ctx, idx) ? duk_to_number(ctx, idx) : -1;
  if (!(v >= 0 && v <= 65535) || v != static_cast<double>(static_cast<int>(v)))
    (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s: port must be an integer in 0..65535", fn);
  return static_cast<int>(v);
}

/* A host argument: null/undefined/'' -> nullptr; else a string. */
inline const char* optional_host(duk_context* ctx, duk_idx_t idx, const char* fn) {
  if (duk_is_null_or_undefined(ctx, idx)) return nullptr;
  if (!duk_is_string(ctx, idx)) (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: host must be a string", fn);
  const char* h = require_c_string(ctx, idx, fn, "host");
  return h[0] ? h : nullptr;
}

inline bool parse_numeric(const char* host, int port, SocketAddress* out) {
  memset(out, 0, sizeof *out);
  sockaddr_in* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  sockaddr_in6* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

/* Numeric addresses never call the resolver. A name goes through
 * getaddrinfo, which may block (documented); IPv4 results are preferred, so
 * 'localhost' means 127.0.0.1 as in Node.js before v17. Throws ENOTFOUND. */
inline void resolve(duk_context* ctx, const char* host, int port, SocketAddress* out) {
  if (parse_numeric(host, port, out)) return;
  addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host, nullptr, &hints, &list);
  if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME || rc == EAI_NODATA) { /* no configured address: try any */
    hints.ai_flags = 0;
    rc = getaddrinfo(host, nullptr, &hints, &list);
  }
  addrinfo* pick = nullptr;
  for (addrinfo* a = rc == 0 ? list : nullptr; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) { pick = a; break; }
    if (a->ai_family == AF_INET6 && !pick) pick = a;
  }
  if (pick) {
    memset(out, 0, sizeof *out);
    memcpy(&out->storage, pick->ai_addr, pick->ai_addrlen);
    out->length = pick->ai_addrlen;
    if (pick->ai_family == AF_INET) reinterpret_cast<sockaddr_in*>(&out->storage)->sin_port = htons(static_cast<uint16_t>(port));
    else reinterpret_cast<sockaddr_in6*>(&out->storage)->sin6_port = htons(static_cast<uint16_t>(port));
  }
  if (list) freeaddrinfo(list);
  if (pick) return;
  duk_push_error_object(ctx, DUK_ERR_ERROR, "getaddrinfo ENOTFOUND %s", host);
  duk_push_literal(ctx, "ENOTFOUND");
  duk_put_prop_literal(ctx, -2, "code");
  duk_push_literal(ctx, "getaddrinfo");
  duk_put_prop_literal(ctx, -2, "syscall");
  duk_push_string(ctx, host);
  duk_put_prop_literal(ctx, -2, "hostname");
  (void)duk_throw(ctx);
}

/* [ ... ] -> [ ... {address, family, port} ] */
inline void push_address(duk_context* ctx, const sockaddr_storage* ss) {
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  const char* family = "IPv4";
  if (ss->ss_family == AF_INET6) {
    const sockaddr_in6* v6 = reinterpret_cast<const sockaddr_in6*>(ss);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
    family = "IPv6";
  } else if (ss->ss_family == AF_INET) {
    const sockaddr_in* v4 = reinterpret_cast<const sockaddr_in*>(ss);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  }
  duk_push_object(ctx);
  duk_push_string(ctx, text);
  duk_put_prop_literal(ctx, -2, "address");
  duk_push_string(ctx, family);
  duk_put_prop_literal(ctx, -2, "family");
  duk_push_int(ctx, port);
  duk_put_prop_literal(ctx, -2, "port");
}

inline void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
}

inline int new_socket(int family) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  return within_fd_limit(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
#else
  int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd >= 0) set_nonblocking(fd);
  return within_fd_limit(fd);
#endif
}

inline int close_keep_errno(int fd) {
  int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

/* A listening socket, non-blocking. No host: all interfaces, '::' dual-stack
 * with a fall back to 0.0.0.0 where IPv6 is missing. -1 with errno, and
 * `syscall` naming the call that failed. */
inline int open_listener(const SocketAddress& addr, int backlog, const char** syscall) {
  *syscall = "socket";
  int fd = new_socket(addr.storage.ss_family);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  *syscall = "bind";
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr.storage), addr.length) != 0) return close_keep_errno(fd);
  *syscall = "listen";
  if (::listen(fd, backlog) != 0) return close_keep_errno(fd);
  return fd;
}

inline int listen_on(duk_context* ctx, LoopImpl* l, const char* host, int port, int backlog) {
  SocketAddress addr;
  const char* syscall = "listen";
  int fd;
  if (host) {
    resolve(ctx, host, port, &addr);
    fd = open_listener(addr, backlog, &syscall);
  } else {
    parse_numeric("::", port, &addr); /* dual-stack: IPV6_V6ONLY is off by default */
    fd = open_listener(addr, backlog, &syscall);
    if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
      parse_numeric("0.0.0.0", port, &addr);
      host = "0.0.0.0";
      fd = open_listener(addr, backlog, &syscall);
    }
  }
  if (fd < 0) {
    /* Node: "listen EADDRINUSE: address already in use :::8000" */
    int err = errno;
    char where[INET6_ADDRSTRLEN + 8];
    snprintf(where, sizeof where, "%s:%d", host ? host : "::", port);
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s %s: %s %s", strcmp(syscall, "bind") == 0 ? "listen" : syscall,
                          errno_name(err), strerror(err), where);
    duk_push_string(ctx, errno_name(err));
    duk_put_prop_literal(ctx, -2, "code");
    duk_push_int(ctx, -err);
    duk_put_prop_literal(ctx, -2, "errno");
    duk_push_literal(ctx, "listen");
    duk_put_prop_literal(ctx, -2, "syscall");
    duk_push_string(ctx, host ? host : "::");
    duk_put_prop_literal(ctx, -2, "address");
    duk_push_int(ctx, port);
    duk_put_prop_literal(ctx, -2, "port");
    (void)duk_throw(ctx);
  }
  if (!l->own_fd(fd)) {
    ::close(fd);
    return throw_net_error(ctx, ENOMEM, "listen", nullptr, -1);
  }
  return fd;
}

/* Starts a non-blocking connect; the fd (connecting or connected). */
inline int connect_to(duk_context* ctx, LoopImpl* l, const char* host, int port) {
  SocketAddress addr;
  resolve(ctx, host ? host : "localhost", port, &addr);
  int fd = new_socket(addr.storage.ss_family);
  if (fd < 0) return throw_net_error(ctx, errno, "socket", nullptr, -1);
  int rc;
  do rc = EVLOOP_SYSCALL(l, connect, ::connect, fd, addr.get(), addr.length);
  while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return throw_net_error(ctx, err, "connect", host ? host : "localhost", port);
  }
  if (!l->own_fd(fd)) {
    ::close(fd);
    return throw_net_error(ctx, ENOMEM, "connect", nullptr, -1);
  }
  return fd;
}

/* ---- data ---- */

/* The bytes of a write argument: a buffer as is; a string as UTF-8. Duktape
 * keeps a non-BMP character written as a surrogate pair in CESU-8 form (two
 * 3-byte sequences) and a lone surrogate as such; both are rewritten to
 * valid UTF-8 (the pair as one 4-byte sequence, a lone one as U+FFFD) in a
 * buffer pushed on the stack. Returns null for other types. */
inline const char* bytes_of(duk_context* ctx, duk_idx_t idx, size_t* len) {
  if (duk_is_string(ctx, idx)) {
    const unsigned char* s = reinterpret_cast<const unsigned char*>(duk_get_lstring(ctx, idx, len));
    size_t n = *len, i = 0;
    while (i < n && !(s[i] == 0xED && i + 1 < n && s[i + 1] >= 0xA0)) i++;
    if (i == n) return reinterpret_cast<const char*>(s); /* the common case: nothing to fix */
    unsigned char* out = static_cast<unsigned char*>(duk_push_fixed_buffer(ctx, n)); /* never grows */
    size_t o = 0;
    for (i = 0; i < n;) {
      if (s[i] == 0xED && i + 2 < n && s[i + 1] >= 0xA0) {
        unsigned hi = ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); /* low 12 bits of 0xD800.. */
        if (s[i + 1] < 0xB0 && i + 5 < n && s[i + 3] == 0xED && s[i + 4] >= 0xB0) {
          unsigned lo = ((s[i + 4] & 0x3Fu) << 6) | (s[i + 5] & 0x3Fu);
          unsigned cp = 0x10000 + (((hi & 0x3FF) << 10) | (lo & 0x3FF));
          out[o++] = static_cast<unsigned char>(0xF0 | (cp >> 18));
          out[o++] = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
          out[o++] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
          out[o++] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
          i += 6;
        } else {
          out[o++] = 0xEF, out[o++] = 0xBF, out[o++] = 0xBD;
          i += 3;
        }
      } else {
        out[o++] = s[i++];
      }
    }
    *len = o;
    return reinterpret_cast<const char*>(out);
  }
  /* Any buffer (Buffer, typed array, ArrayBuffer, DataView, plain) as its
   * bytes, as Node writes a typed array. */
  void* p = duk_get_buffer_data(ctx, idx, len);
  if (!p && !duk_is_buffer_data(ctx, idx)) return nullptr;
  return p ? static_cast<const char*>(p) : "";
}

inline const char* require_bytes(duk_context* ctx, duk_idx_t idx, size_t* len, const char* fn) {
  const char* p = bytes_of(ctx, idx, len);
  if (!p) (void)duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: data must be a string or a buffer", fn);
  return p;
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* SO_NOSIGPIPE is set instead where it exists */
#endif

/* send() that never raises SIGPIPE; -1 with errno (EINTR retried). */
inline ssize_t send_some(LoopImpl* l, int fd, const char* p, size_t n) {
  (void)l;
  ssize_t rc;
  do rc = EVLOOP_SYSCALL(l, send, ::send, fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (rc < 0 && errno == EINTR);
  return rc;
}

inline ssize_t sendmsg_some(LoopImpl* l, int fd, const msghdr* m) {
  (void)l;
  ssize_t rc;
  do rc = EVLOOP_SYSCALL(l, sendmsg, ::sendmsg, fd, m, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (rc < 0 && errno == EINTR);
  return rc;
}

inline char* read_buffer_of(LoopImpl* l) {
  if (!l->read_buffer) l->read_buffer = static_cast<char*>(l->mem.alloc(EVLOOP_READ_BUFFER_SIZE));
  return l->read_buffer;
}

/* [ ... ] -> [ ... Buffer ]: a fresh Node Buffer holding a copy of p[0..n). */
inline void push_node_buffer(duk_context* ctx, const char* p, size_t n) {
  void* d = duk_push_fixed_buffer(ctx, n);
  if (n) memcpy(d, p, n);
  duk_push_buffer_object(ctx, -1, 0, n, DUK_BUFOBJ_NODEJS_BUFFER);
  duk_remove(ctx, -2);
}

/* recv() on a socket: it skips the VFS layer of read() (measured with perf
 * on the echo benchmark: ~0.1 us of kernel time a read less); read() for
 * anything else (the seed API's Socket.read of a pipe). MSG_DONTWAIT: a
 * socket the loop did not open may be blocking (an inherited stdin socket),
 * and the loop must never sleep in recv(); on the loop's own (non-blocking)
 * sockets it changes nothing. A blocking pipe or tty has no such flag: the
 * engines read it once per readiness (fd_reads_block). */
inline ssize_t recv_or_read(int fd, void* buf, size_t n) {
  ssize_t rc = ::recv(fd, buf, n, MSG_DONTWAIT);
  if (rc < 0 && errno == ENOTSOCK) rc = ::read(fd, buf, n);
  return rc;
}

/* Whether a read of fd may block: an fd the loop did not open (stdin given
 * to EventLoop.setReader, say) whose O_NONBLOCK is off, checked once when a
 * stream adopts it. The loop does not set O_NONBLOCK on such an fd: the flag
 * belongs to the open file description, shared with the processes that
 * hold the same pipe or tty (a shell, the parent), which would then see
 * EAGAIN where they expect to wait. Instead the engines read it once per
 * readiness: the readiness guarantees that one read returns at once, a
 * second one after a full buffer would block the whole loop until the
 * writer writes again (issue 18: a 100 ms interval fired once in 4 s).
 * The loop's own fds are non-blocking: no system call for them. */
inline bool fd_reads_block(LoopImpl* l, int fd) {
  if (l->owns_fd(fd)) return false;
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && !(flags & O_NONBLOCK);
}

/* One read into the loop's buffer: > 0 bytes, 0 at end of stream, -1 with
 * errno (EAGAIN: nothing now). EINTR retried. */
inline ssize_t read_some(LoopImpl* l, int fd) {
  char* buf = read_buffer_of(l);
  if (!buf) {
    errno = ENOMEM;
    return -1;
  }
  ssize_t rc;
  do rc = EVLOOP_SYSCALL(l, read, recv_or_read, fd, buf, EVLOOP_READ_BUFFER_SIZE);
  while (rc < 0 && errno == EINTR);
  return rc;
}

/* accept() that leaves the new fd non-blocking and close-on-exec. */
inline int accept_one(LoopImpl* l, int fd, sockaddr_storage* ss) {
  (void)l;
  socklen_t len = sizeof *ss;
  memset(ss, 0, sizeof *ss);
  int c;
#ifdef EVLOOP_FAULT_INJECTION
  if (l && l->sys.accept) {
    do c = l->sys.accept(l->sys.user, fd, reinterpret_cast<sockaddr*>(ss), &len);
    while (c < 0 && errno == EINTR);
    if (c >= 0) set_nonblocking(c);
    return c;
  }
#endif
#if defined(__linux__)
  do c = ::accept4(fd, reinterpret_cast<sockaddr*>(ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (c < 0 && errno == EINTR);
#else
  do c = ::accept(fd, reinterpret_cast<sockaddr*>(ss), &len);
  while (c < 0 && errno == EINTR);
  if (c >= 0) set_nonblocking(c);
#endif
  return within_fd_limit(c); /* above EVLOOP_MAX_FDS: closed, EMFILE */
}

inline int socket_error(LoopImpl* l, int fd) {
  (void)l;
#ifdef EVLOOP_FAULT_INJECTION
  if (l && l->sys.so_error) return l->sys.so_error(l->sys.user, fd);
#endif
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  return err;
}

/* ---- native.* primitives (hidden; see the contract in stream.hpp) ---- */

inline duk_ret_t native_listen(duk_context* ctx) {
  const char* host = optional_host(ctx, 0, "listen");
  int port = require_port(ctx, 1, "listen");
  int backlog = duk_is_number(ctx, 2) ? duk_get_int(ctx, 2) : 511;
  if (backlog <= 0) backlog = 511;
  duk_push_int(ctx, listen_on(ctx, bound_loop(ctx), host, port, backlog));
  return 1;
}

inline duk_ret_t native_connect(duk_context* ctx) {
  const char* host = optional_host(ctx, 0, "connect");
  int port = require_port(ctx, 1, "connect");
  duk_push_int(ctx, connect_to(ctx, bound_loop(ctx), host, port));
  return 1;
}

/* [ ] -> [ [fd, address, port, family] ], protected (see native_accept). */
struct AcceptedFd {
  int fd;
  const sockaddr_storage* ss;
};
inline duk_ret_t push_accepted(duk_context* ctx, void* udata) {
  AcceptedFd* a = static_cast<AcceptedFd*>(udata);
  duk_push_array(ctx);
  duk_push_int(ctx, a->fd);
  duk_put_prop_index(ctx, -2, 0);
  push_address(ctx, a->ss); /* [ arr addr ] */
  duk_get_prop_literal(ctx, -1, "address");
  duk_put_prop_index(ctx, -3, 1);
  duk_get_prop_literal(ctx, -1, "port");
  duk_put_prop_index(ctx, -3, 2);
  duk_get_prop_literal(ctx, -1, "family");
  duk_put_prop_index(ctx, -3, 3);
  duk_pop(ctx);
  return 1;
}

inline bool close_socket(LoopImpl* l, int fd);

/* native.accept(fd) -> [fd, address, port, family] | null (none pending) */
inline duk_ret_t native_accept(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "accept");
  sockaddr_storage ss;
  int c = accept_one(l, fd, &ss);
  if (c < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) return throw_net_error(ctx, errno, "accept", nullptr, -1);
    duk_push_null(ctx);
    return 1;
  }
  if (!l->own_fd(c)) {
    ::close(c); /* that connection is lost, as one refused for memory */
    return throw_net_error(ctx, ENOMEM, "accept", nullptr, -1);
  }
  AcceptedFd a = {c, &ss};
  if (duk_safe_call(ctx, push_accepted, &a, 0, 1) != DUK_EXEC_SUCCESS) {
    close_socket(l, c); /* out of memory: closed, not leaked; the error goes on */
    return duk_throw(ctx);
  }
  return 1;
}

/* native.read(fd) -> Buffer | null (end of stream) | undefined (EAGAIN) */
inline duk_ret_t native_read(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "read");
  ssize_t n = read_some(l, fd);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return throw_net_error(ctx, errno, "read", nullptr, -1);
  }
  if (n == 0) {
    duk_push_null(ctx);
    return 1;
  }
  push_node_buffer(ctx, l->read_buffer, static_cast<size_t>(n));
  return 1;
}

/* native.readsBlock(fd) -> true when a read of fd may block (see
 * fd_reads_block): the ECMAScript engine then reads it once per readiness */
inline duk_ret_t native_reads_block(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "readsBlock");
  duk_push_boolean(ctx, fd_reads_block(l, fd));
  return 1;
}

/* native.write(fd, data, offset) -> bytes written (0: EAGAIN) */
inline duk_ret_t write_some(duk_context* ctx, LoopImpl* l) {
  int fd = require_script_fd(ctx, l, 0, "write");
  size_t len;
  const char* p = require_bytes(ctx, 1, &len, "write");
  double off = duk_is_number(ctx, 2) ? duk_get_number(ctx, 2) : 0;
  if (!(off >= 0 && off <= static_cast<double>(len))) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "write: offset out of range");
  size_t o = static_cast<size_t>(off);
  if (o == len) {
    duk_push_int(ctx, 0);
    return 1;
  }
  ssize_t n = send_some(l, fd, p + o, len - o);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) n = 0;
    else return throw_net_error(ctx, errno, "write", nullptr, -1);
  }
  duk_push_number(ctx, static_cast<double>(n));
  return 1;
}
inline duk_ret_t native_write(duk_context* ctx) { return write_some(ctx, bound_loop(ctx)); }

inline duk_ret_t native_shutdown(duk_context* ctx) {
  int fd = require_script_fd(ctx, bound_loop(ctx), 0, "shutdown");
  if (::shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN) return throw_net_error(ctx, errno, "shutdown", nullptr, -1);
  return 0;
}

/* Stops the loop's use of fd (a stream of the C++ loop's engine, a JS
 * watcher) and closes it if the loop opened it (own_fd). An fd the loop
 * did not open (stdin given to EventLoop.setReader, stdout to
 * EventLoop.write) is never closed: the loop only stops using it, so its
 * number cannot pass to the next socket. False with errno: EPERM for the
 * loop's or its host's own fds (nothing done), EBADF for an fd the loop
 * neither opened nor used. */
inline bool close_socket(LoopImpl* l, int fd) {
  if (l->host_fd(fd)) {
    errno = EPERM;
    return false;
  }
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (fd >= 0 && static_cast<size_t>(fd) < l->ecma_fast.size) {
    EcmaFastWrite off = {-1, 0, nullptr};
    l->fast_writers.erase(l->ecma_fast[static_cast<size_t>(fd)].owner, fd);
    l->ecma_fast[static_cast<size_t>(fd)] = off; /* a new socket on this number starts off */
  }
#endif
  Watcher* w = l->watcher(fd);
  bool used = w && (w->kind == kWatchStream || w->kind == kWatchJs);
  int released = used ? l->detach_watcher(fd) : 0;
  if (!l->owns_fd(fd)) {
    duk_pop_n(l->ctx, released); /* nothing of the loop's left to change: a finalizer may run */
    if (used) return true;
    errno = EBADF;
    return false;
  }
  l->disown_fd(fd);
  bool closed = ::close(fd) == 0 || errno == EINTR;
  int err = errno;
  duk_pop_n(l->ctx, released); /* last: a finalizer may run (and may open a new fd on this number) */
  errno = err;
  return closed;
}

inline duk_ret_t native_close(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "close");
  if (!close_socket(l, fd)) return throw_net_error(ctx, errno, "close", nullptr, -1);
  return 0;
}

/* native.soError(fd[, host, port]) -> null | Error */
inline duk_ret_t native_so_error(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "soError");
  int err = socket_error(l, fd);
  if (!err) {
    duk_push_null(ctx);
    return 1;
  }
  push_net_error(ctx, err, "connect", duk_get_string(ctx, 1), duk_is_number(ctx, 2) ? duk_get_int(ctx, 2) : -1);
  return 1;
}

inline duk_ret_t native_name(duk_context* ctx, bool peer) {
  int fd = require_script_fd(ctx, bound_loop(ctx), 0, peer ? "peername" : "sockname");
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) {
    duk_push_null(ctx);
    return 1;
  }
  push_address(ctx, &ss);
  return 1;
}
inline duk_ret_t native_sockname(duk_context* ctx) { return native_name(ctx, false); }
inline duk_ret_t native_peername(duk_context* ctx) { return native_name(ctx, true); }

inline duk_ret_t native_set_no_delay(duk_context* ctx) {
  int fd = require_script_fd(ctx, bound_loop(ctx), 0, "setNoDelay");
  int on = duk_is_undefined(ctx, 1) ? 1 : duk_to_boolean(ctx, 1);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return 0;
}

inline duk_ret_t native_set_keep_alive(duk_context* ctx) {
  int fd = require_script_fd(ctx, bound_loop(ctx), 0, "setKeepAlive");
  int on = duk_to_boolean(ctx, 1);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
#ifdef TCP_KEEPIDLE
  int idle = duk_is_number(ctx, 2) ? duk_get_int(ctx, 2) : 0;
  if (on && idle > 0) setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
#endif
  return 0;
}

/* native.error(code, syscall) -> Error{code, errno, syscall} */
inline duk_ret_t native_error(duk_context* ctx) {
  const char* code = duk_require_string(ctx, 0);
  const char* syscall = duk_is_string(ctx, 1) ? duk_get_string(ctx, 1) : "write";
  int err = errno_from_name(code);
  if (!err) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "error: unknown code %s", code);
  push_net_error(ctx, err, syscall, nullptr, -1);
  return 1;
}

/* ---- Socket#write in native code (net.js takes it from its engine) ----
 * Called as socket.write(data, encoding, cb): [ data encoding cb this ].
 * The fast path (no encoding, no callback, the engine's fast path on for
 * this._wfd) sends without a JS call between the user's code and the
 * engine (measured: ~1k instructions a write less than a JS method calling
 * a native); anything else goes to net.js's writeSlow(socket, data,
 * encoding, cb), a queue that grew to afterQueued(socket, queued), both kept
 * by the loop (write_hooks, reachable from the stash only: a property of
 * the function, even under a hidden key, is a script's to read or replace,
 * see tag_with_loop). */
enum WriteHook { kWriteSlow, kWriteAfterQueued, kWriteFastRest };
/* [ ... ] -> [ ... hook ]: one of the loop's Socket#write hooks. */
inline void push_write_hook(duk_context* ctx, LoopImpl* l, WriteHook which) {
  if (!l->write_hooks[which]) (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: socket write is not set up");
  duk_push_heapptr(ctx, l->write_hooks[which]);
}
/* [ writeSlow afterQueued [fastRest] ... ] -> [ ... fn ]: keeps the hooks
 * at index 0..hooks-1 (stash and loop), then pushes the method. */
inline void push_write_method(duk_context* ctx, LoopImpl* l, duk_c_function fn, int hooks = 2) {
  duk_push_heap_stash(ctx);
  duk_push_array(ctx);
  for (int i = 0; i < hooks; i++) {
    duk_dup(ctx, i);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i));
  }
  duk_put_prop_literal(ctx, -2, EVLOOP_STASH_WRITE); /* keeps them reachable */
  duk_pop(ctx);
  for (int i = 0; i < 3; i++) l->write_hooks[i] = i < hooks ? duk_get_heapptr(ctx, i) : nullptr;
  duk_push_c_function(ctx, fn, 3);
  tag_with_loop(ctx, l);
  duk_push_literal(ctx, "name");
  duk_push_literal(ctx, "write");
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
}
/* The function both engines' Socket#write is: try_fast(ctx, l, fd) is the
 * engine's fast path for fd and the data at index 0; it pushes the bytes
 * queued after the write and returns true, or declines (false, nothing
 * written). fd is the one whose fast path is on for `this` (FastWriters),
 * found without reading a property of `this` (this._wfd: ~370
 * instructions); try_fast checks that the stream's owner is `this`. One
 * loop lookup serves the whole call (the fast path and the hook that
 * follows a queue that grew took one each). Echo round trip (make
 * bench-net-profile, instructions): C++ loop 4,811 -> 4,446, ECMAScript
 * loop 11,071..11,232 -> 10,634 (before the stash lookup: 4,467 and
 * 10,885). */
typedef bool (*FastWriteFn)(duk_context* ctx, LoopImpl* l, int fd);
inline duk_ret_t socket_write(duk_context* ctx, FastWriteFn try_fast) {
  duk_push_this(ctx); /* [ data encoding cb this ] */
  LoopImpl* l = bound_loop(ctx);
  if (duk_is_undefined(ctx, 1) && duk_is_undefined(ctx, 2) && duk_is_object(ctx, 3)) {
    int fd = l->fast_writers.find(duk_get_heapptr(ctx, 3));
    if (fd >= 0 && try_fast(ctx, l, fd)) {
      double queued = duk_get_number(ctx, -1);
      if (queued == 0) {
        duk_push_true(ctx);
        return 1;
      }
      push_write_hook(ctx, l, kWriteAfterQueued); /* a queue that grew: afterQueued(this, queued) */
      duk_push_undefined(ctx);
      duk_dup(ctx, 3);
      duk_push_number(ctx, queued);
      duk_call_method(ctx, 2);
      return 1;
    }
  }
  push_write_hook(ctx, l, kWriteSlow); /* writeSlow(this, data, encoding, cb) */
  duk_push_undefined(ctx);
  duk_dup(ctx, 3);
  duk_dup(ctx, 0);
  duk_dup(ctx, 1);
  duk_dup(ctx, 2);
  duk_call_method(ctx, 4);
  return 1;
}

#if defined(EVLOOP_HAVE_ECMA_LOOP)
/* native.fastCap(fd, cap, owner) -> the bytes the ECMAScript engine's native
 * write fast path took on fd since the last call; cap >= 0: it may send
 * chunks up to cap bytes for Socket#write called on owner (the engine's
 * owner of the stream), else off. Without memory for the table it stays
 * off. The owner is kept as a heap pointer, compared, never dereferenced:
 * the stream's handler keeps it alive while the cap is on (ecma_stream.js
 * turns it off before the record goes). */
inline duk_ret_t native_fast_cap(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, "fastCap");
  double cap = duk_get_number(ctx, 1); /* NaN: off */
  size_t i = static_cast<size_t>(fd);
  RawArray<EcmaFastWrite>& t = l->ecma_fast;
  if (i >= t.size && cap >= 0 && fd < kFdLimit && t.reserve(l->mem, i + 1)) {
    EcmaFastWrite off = {-1, 0, nullptr};
    while (t.size <= i) t.data[t.size++] = off;
  }
  double taken = 0;
  if (i < t.size) {
    void* owner = cap >= 0 ? duk_get_heapptr(ctx, 2) : nullptr;
    /* Socket#write finds fd from its this (FastWriters); without memory
     * for the entry, writes take the slow path. The put may collect
     * garbage, whose finalizers may call fastCap: t[i] is set after. */
    if (t[i].owner && t[i].owner != owner) l->fast_writers.erase(t[i].owner, fd);
    if (owner) (void)l->fast_writers.put(l->mem, owner, fd);
    taken = t[i].taken;
    t[i].taken = 0;
    t[i].cap = cap >= 0 ? cap : -1;
    t[i].owner = owner;
  }
  duk_push_number(ctx, taken);
  return 1;
}

/* The ECMAScript engine's Socket#write (native.writeMethod(writeSlow,
 * afterQueued, rest)): its fast path takes the fd's cap from ecma_fast; a
 * short write, EAGAIN or an error goes to the engine's rest(fd, data, sent,
 * err), which queues or stops (-> bytes queued). */
inline bool ecma_try_fast_write(duk_context* ctx, LoopImpl* l, int fd) {
  size_t i = static_cast<size_t>(fd);
  /* this (index 3) must be the stream's owner: a script's copy of _wfd on
   * another object, or a forged one, declines here (writeSlow then throws) */
  if (i >= l->ecma_fast.size || l->ecma_fast[i].cap < 0 || l->ecma_fast[i].owner != duk_get_heapptr(ctx, 3)) return false;
  duk_size_t len = 0;
  const char* p = static_cast<const char*>(duk_get_buffer_data(ctx, 0, &len));
  if (!p || len == 0 || static_cast<double>(len) > l->ecma_fast[i].cap) return false;
  l->ecma_fast[i].taken += static_cast<double>(len);
  ssize_t n = send_some(l, fd, p, len);
  if (n == static_cast<ssize_t>(len)) {
    duk_push_int(ctx, 0);
    return true;
  }
  int err = n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? errno : 0;
  push_write_hook(ctx, l, kWriteFastRest);
  duk_push_undefined(ctx);
  duk_push_int(ctx, fd);
  duk_dup(ctx, 0);
  duk_push_number(ctx, n > 0 ? static_cast<double>(n) : 0.0);
  if (err) push_net_error(ctx, err, "write", nullptr, -1);
  else duk_push_null(ctx);
  duk_call_method(ctx, 4);
  return true;
}
inline duk_ret_t ecma_socket_write(duk_context* ctx) { return socket_write(ctx, ecma_try_fast_write); }

inline duk_ret_t native_write_method(duk_context* ctx) {
  for (duk_idx_t i = 0; i < 3; i++)
    if (!duk_is_function(ctx, i)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "writeMethod: functions expected");
  LoopImpl* l = bound_loop(ctx);
  push_write_method(ctx, l, ecma_socket_write, 3);
  return 1;
}
#endif

/* [ ... ] -> [ ... native ]: the primitives object for the JS layers. The
 * hot ones are tagged with the loop (see tag_with_loop). */
inline void push_socket_natives(duk_context* ctx, LoopImpl* l) {
  static const duk_function_list_entry fns[] = {
      {"listen", native_listen, 3},     {"connect", native_connect, 2},
      {"accept", native_accept, 1},     {"shutdown", native_shutdown, 1},
      {"close", native_close, 1},       {"soError", native_so_error, 3},
      {"sockname", native_sockname, 1}, {"peername", native_peername, 1},
      {"setNoDelay", native_set_no_delay, 2}, {"setKeepAlive", native_set_keep_alive, 3},
      {"error", native_error, 2},       {"write", native_write, 3},
      {"now", js_now, 0},               {"read", native_read, 1},
      {"readsBlock", native_reads_block, 1},
#if defined(EVLOOP_HAVE_ECMA_LOOP)
      {"fastCap", native_fast_cap, 3},  {"writeMethod", native_write_method, 3},
#endif
      {nullptr, nullptr, 0}};
  duk_push_object(ctx);
  for (const duk_function_list_entry* f = fns; f->key; f++) {
    duk_push_c_function(ctx, f->value, f->nargs);
    tag_with_loop(ctx, l); /* bound_loop(): dead once the loop is */
    mark_internal(ctx);    /* Duktape.act does not hand them out */
    duk_put_prop_string(ctx, -2, f->key);
  }
  duk_push_int(ctx, EVLOOP_READ_BUFFER_SIZE);
  duk_put_prop_literal(ctx, -2, "READ_BUFFER_SIZE");
}

/* ---- the seed Socket global (synchronous, as the original example) ---- */

inline duk_ret_t socket_create_server(duk_context* ctx) {
  const char* host = optional_host(ctx, 0, "Socket.createServerSocket");
  int port = require_port(ctx, 1, "Socket.createServerSocket");
  duk_push_int(ctx, listen_on(ctx, loop_of(ctx), host, port, 511));
  return 1;
}

/* Socket.connect blocks until connected (as the original), then the fd is
 * non-blocking. EventLoop.connect and net.connect never block. */
inline duk_ret_t socket_connect(duk_context* ctx) {
  const char* host = optional_host(ctx, 0, "Socket.connect");
  int port = require_port(ctx, 1, "Socket.connect");
  LoopImpl* l = loop_of(ctx);
  int fd = connect_to(ctx, l, host, port);
  wait_writable(fd);
  int err = socket_error(l, fd);
  if (err) {
    close_socket(l, fd);
    return throw_net_error(ctx, err, "connect", host ? host : "localhost", port);
  }
  duk_push_int(ctx, fd);
  return 1;
}

/* [ ] -> [ {fd, addr, port} ], protected */
inline duk_ret_t push_seed_accepted(duk_context* ctx, void* udata) {
  AcceptedFd* a = static_cast<AcceptedFd*>(udata);
  push_address(ctx, a->ss); /* [ addr ] -> { fd, addr, port } */
  duk_push_object(ctx);
  duk_push_int(ctx, a->fd);
  duk_put_prop_literal(ctx, -2, "fd");
  duk_get_prop_literal(ctx, -2, "address");
  duk_put_prop_literal(ctx, -2, "addr");
  duk_get_prop_literal(ctx, -2, "port");
  duk_put_prop_literal(ctx, -2, "port");
  duk_remove(ctx, -2);
  return 1;
}

inline duk_ret_t socket_accept(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = require_script_fd(ctx, l, 0, "Socket.accept");
  sockaddr_storage ss;
  int c = accept_one(l, fd, &ss);
  if (c < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      duk_push_null(ctx);
      return 1;
    }
    return throw_net_error(ctx, errno, "accept", nullptr, -1);
  }
  if (!l->own_fd(c)) {
    ::close(c);
    return throw_net_error(ctx, ENOMEM, "accept", nullptr, -1);
  }
  AcceptedFd a = {c, &ss};
  if (duk_safe_call(ctx, push_seed_accepted, &a, 0, 1) != DUK_EXEC_SUCCESS) {
    close_socket(l, c); /* out of memory: closed, not leaked */
    return duk_throw(ctx);
  }
  return 1;
}

inline duk_ret_t socket_read(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = require_script_fd(ctx, l, 0, "Socket.read");
  ssize_t n = read_some(l, fd);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      duk_push_null(ctx);
      return 1;
    }
    return throw_net_error(ctx, errno, "read", nullptr, -1);
  }
  push_node_buffer(ctx, l->read_buffer, static_cast<size_t>(n));
  return 1;
}

inline duk_ret_t socket_write(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  require_script_fd(ctx, l, 0, "Socket.write");
  duk_set_top(ctx, 2);
  return write_some(ctx, l);
}

inline duk_ret_t socket_close(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = require_script_fd(ctx, l, 0, "Socket.close");
  if (!close_socket(l, fd)) return throw_net_error(ctx, errno, "close", nullptr, -1);
  return 0;
}

inline void install_socket_global(duk_context* ctx) {
  static const duk_function_list_entry fns[] = {
      {"createServerSocket", socket_create_server, 2}, {"connect", socket_connect, 2},
      {"accept", socket_accept, 1}, {"read", socket_read, 1},
      {"write", socket_write, 2},   {"close", socket_close, 1},
      {nullptr, nullptr, 0}};
  duk_push_global_object(ctx);
  duk_push_object(ctx);
  duk_put_function_list(ctx, -1, fns);
  duk_put_prop_literal(ctx, -2, "Socket");
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
