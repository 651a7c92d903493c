/* Errors: errno names, Node-style system errors, and the error report path. */

#include <stdio.h>
#include <string.h>

namespace evloop {
namespace detail {

/* errno -> 'ENOENT' etc. (strerror gives the message but not the name). */
inline const char* errno_name(int err) {
  switch (err) {
#define EVLOOP_ERRNO(e) case e: return #e;
    EVLOOP_ERRNO(EPERM) EVLOOP_ERRNO(ENOENT) EVLOOP_ERRNO(EINTR) EVLOOP_ERRNO(EIO)
    EVLOOP_ERRNO(ENXIO) EVLOOP_ERRNO(E2BIG) EVLOOP_ERRNO(EBADF) EVLOOP_ERRNO(EAGAIN)
    EVLOOP_ERRNO(ENOMEM) EVLOOP_ERRNO(EACCES) EVLOOP_ERRNO(EFAULT) EVLOOP_ERRNO(EBUSY)
    EVLOOP_ERRNO(EEXIST) EVLOOP_ERRNO(EXDEV) EVLOOP_ERRNO(ENODEV) EVLOOP_ERRNO(ENOTDIR)
    EVLOOP_ERRNO(EISDIR) EVLOOP_ERRNO(EINVAL) EVLOOP_ERRNO(ENFILE) EVLOOP_ERRNO(EMFILE)
    EVLOOP_ERRNO(ENOTTY) EVLOOP_ERRNO(EFBIG) EVLOOP_ERRNO(ENOSPC) EVLOOP_ERRNO(ESPIPE)
    EVLOOP_ERRNO(EROFS) EVLOOP_ERRNO(EMLINK) EVLOOP_ERRNO(EPIPE) EVLOOP_ERRNO(ERANGE)
    EVLOOP_ERRNO(ENAMETOOLONG) EVLOOP_ERRNO(ENOSYS) EVLOOP_ERRNO(ENOTEMPTY) EVLOOP_ERRNO(ELOOP)
    EVLOOP_ERRNO(ENOTSOCK) EVLOOP_ERRNO(EDESTADDRREQ) EVLOOP_ERRNO(EMSGSIZE)
    EVLOOP_ERRNO(EPROTOTYPE) EVLOOP_ERRNO(ENOPROTOOPT) EVLOOP_ERRNO(EPROTONOSUPPORT)
    EVLOOP_ERRNO(EOPNOTSUPP) EVLOOP_ERRNO(EAFNOSUPPORT) EVLOOP_ERRNO(EADDRINUSE)
    EVLOOP_ERRNO(EADDRNOTAVAIL) EVLOOP_ERRNO(ENETDOWN) EVLOOP_ERRNO(ENETUNREACH)
    EVLOOP_ERRNO(ECONNABORTED) EVLOOP_ERRNO(ECONNRESET) EVLOOP_ERRNO(ENOBUFS)
    EVLOOP_ERRNO(EISCONN) EVLOOP_ERRNO(ENOTCONN) EVLOOP_ERRNO(ETIMEDOUT)
    EVLOOP_ERRNO(ECONNREFUSED) EVLOOP_ERRNO(EHOSTUNREACH) EVLOOP_ERRNO(EALREADY)
    EVLOOP_ERRNO(EINPROGRESS) EVLOOP_ERRNO(ECANCELED)
#undef EVLOOP_ERRNO
    default: return "EUNKNOWN";
  }
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
  duk_push_literal(ctx, "EMFILE");
  duk_put_prop_literal(ctx, -2, "code");
  duk_push_int(ctx, -EMFILE);
  duk_put_prop_literal(ctx, -2, "errno");
  duk_push_string(ctx, syscall);
  duk_put_prop_literal(ctx, -2, "syscall");
  duk_push_int(ctx, fd);
  duk_put_prop_literal(ctx, -2, "fd");
  return duk_throw(ctx);
}

/* A failed watch: errno err for fd, from `syscall`. EMFILE for an fd above
 * the limit gets the message that says so. */
inline duk_ret_t throw_watch_error(duk_context* ctx, int err, int fd, const char* syscall) {
  if (err == EMFILE && fd >= kFdLimit) return throw_fd_limit_error(ctx, fd, syscall);
  return throw_system_error(ctx, err, syscall, nullptr);
}

} /* namespace detail */
} /* namespace evloop */
