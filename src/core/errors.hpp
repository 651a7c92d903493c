/* Errors: errno names, Node-style system errors, and the error report path. */
#pragma once
#include "../api/config.hpp"
#include "../backend/backend.hpp"

#include <stdio.h>
#include <string.h>

namespace evloop {
namespace detail {

/* errno -> 'ENOENT' etc. (strerror gives the message but not the name). A
 * table scanned in order, not a switch: a third of the code size (the switch
 * and its jump table were 1.5 KB of the smallest build). The socket errors'
 * names only in builds with sockets (nothing else raises them): 300 bytes of
 * the timers-only build. An errno without a name is "EUNKNOWN". */
#define EVLOOP_ERRNO_LIST(X) \
    X(EPERM) X(ENOENT) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES) \
    X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) \
    X(EMFILE) X(ENOTTY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(ERANGE) \
    X(ENAMETOOLONG) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ECANCELED) EVLOOP_ERRNO_SOCKET_LIST(X)
#if defined(EVLOOP_HAVE_SOCKETS)
#define EVLOOP_ERRNO_SOCKET_LIST(X) \
    X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) \
    X(EOPNOTSUPP) X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) \
    X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ETIMEDOUT) X(ECONNREFUSED) \
    X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS)
#else
#define EVLOOP_ERRNO_SOCKET_LIST(X)
#endif
inline const char* errno_name(int err) {
#define EVLOOP_ERRNO_CODE(e) static_cast<short>(e),
#define EVLOOP_ERRNO_NAME(e) #e "\0"
  static const short codes[] = {EVLOOP_ERRNO_LIST(EVLOOP_ERRNO_CODE)};
  static const char names[] = EVLOOP_ERRNO_LIST(EVLOOP_ERRNO_NAME);
#undef EVLOOP_ERRNO_CODE
#undef EVLOOP_ERRNO_NAME
  const char* name = names;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++, name += strlen(name) + 1)
    if (codes[i] == err) return name;
  return "EUNKNOWN";
}

/* Throws an Error shaped like Node's system errors:
 * "ENOENT: no such file or directory, open '/x/y'" with code, errno (negative,
 * as Node reports it), syscall and path. Never returns. */
inline duk_ret_t throw_system_error(duk_context* ctx, int err, const char* syscall,
                                    const char* path) {
  const char* code = errno_name(err);
  /* Node (libuv) words messages in lower case: "no such file or directory". */
  char message[128];
  snprintf(message, sizeof message, "%s", strerror(err));
  if (message[0] >= 'A' && message[0] <= 'Z' && !(message[1] >= 'A' && message[1] <= 'Z')) message[0] = static_cast<char>(message[0] - 'A' + 'a');
  if (path)
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s: %s, %s '%s'", code, message, syscall, path);
  else
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s: %s, %s", code, message, syscall);
  duk_push_string(ctx, code);
  duk_put_prop_literal(ctx, -2, "code");
  duk_push_int(ctx, -err);
  duk_put_prop_literal(ctx, -2, "errno");
  duk_push_string(ctx, syscall);
  duk_put_prop_literal(ctx, -2, "syscall");
  if (path) {
    duk_push_string(ctx, path);
    duk_put_prop_literal(ctx, -2, "path");
  }
  return duk_throw(ctx);
}

/* [ ... err ] -> throws err with Node's code, errno (negative), syscall and
 * the fd it is about: the shared tail of the fd errors. */
inline duk_ret_t throw_with_fd_props(duk_context* ctx, const char* code, int err, int fd, const char* syscall) {
  duk_push_string(ctx, code);
  duk_put_prop_literal(ctx, -2, "code");
  duk_push_int(ctx, -err);
  duk_put_prop_literal(ctx, -2, "errno");
  duk_push_string(ctx, syscall);
  duk_put_prop_literal(ctx, -2, "syscall");
  duk_push_int(ctx, fd);
  duk_put_prop_literal(ctx, -2, "fd");
  return duk_throw(ctx);
}

/* Throws the EMFILE error of an fd at or above the loop's limit (kFdLimit):
 * "EMFILE: fd 300 is out of the loop's fd range 0..255 (EVLOOP_MAX_FDS),
 * EventLoop.watch", with code EMFILE, errno, syscall and fd. */
inline duk_ret_t throw_fd_limit_error(duk_context* ctx, int fd, const char* syscall) {
#if defined(EVLOOP_MAX_FDS) && defined(EVLOOP_BACKEND_SELECT)
  const char* why = EVLOOP_MAX_FDS < FD_SETSIZE ? "EVLOOP_MAX_FDS" : "FD_SETSIZE of the select() backend";
#elif defined(EVLOOP_MAX_FDS)
  const char* why = "EVLOOP_MAX_FDS";
#elif defined(EVLOOP_BACKEND_SELECT)
  const char* why = "FD_SETSIZE of the select() backend";
#else
  const char* why = "int"; /* unreachable: no fd is at or above INT_MAX */
#endif
  duk_push_error_object(ctx, DUK_ERR_ERROR, "EMFILE: fd %d is out of the loop's fd range 0..%d (%s), %s", fd,
                        kFdLimit - 1, why, syscall);
  return throw_with_fd_props(ctx, "EMFILE", EMFILE, fd, syscall);
}

/* A failed watch: errno err for fd, from `syscall`. EMFILE for an fd above
 * the limit gets the message that says so. */
inline duk_ret_t throw_watch_error(duk_context* ctx, int err, int fd, const char* syscall) {
  if (err == EMFILE && fd >= kFdLimit) return throw_fd_limit_error(ctx, fd, syscall);
  return throw_system_error(ctx, err, syscall, nullptr);
}

/* A string argument the kernel gets as a C string (a path, a host name):
 * a NUL inside would silently cut it ('dir/victim.txt\0.log' opened
 * victim.txt), so it is refused as Node does: TypeError, code
 * ERR_INVALID_ARG_VALUE. -> the string. */
inline const char* require_c_string(duk_context* ctx, duk_idx_t idx, const char* fn, const char* what) {
  duk_size_t len = 0;
  const char* s = duk_require_lstring(ctx, idx, &len);
  if (strlen(s) != len) {
    duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "%s: the %s must be a string without null bytes", fn, what);
    duk_push_literal(ctx, "ERR_INVALID_ARG_VALUE");
    duk_put_prop_literal(ctx, -2, "code");
    (void)duk_throw(ctx);
  }
  return s;
}

} /* namespace detail */
} /* namespace evloop */
