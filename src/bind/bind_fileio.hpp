/* FileIo: synchronous whole-file read and write, as in the original example,
 * with Node-style errors. A held fd is never alive across a call that may
 * throw: reading runs under duk_safe_call and the fd is closed after it. */
#pragma once
#include "../core/loop.hpp"
#include "../core/errors.hpp"

#include <sys/stat.h>

namespace evloop {
namespace detail {

struct ReadFileArgs {
  int fd;
  int err; /* errno of a failed read, else 0 */
};

/* [ ] -> [ buffer ]: reads the whole fd into a dynamic buffer. */
inline duk_ret_t read_all_protected(duk_context* ctx, void* udata) {
  ReadFileArgs* a = static_cast<ReadFileArgs*>(udata);
  struct stat st;
  size_t cap = fstat(a->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
                   ? static_cast<size_t>(st.st_size) + 1 /* +1: sees EOF without a resize */
                   : 4096;
  char* buf = static_cast<char*>(duk_push_dynamic_buffer(ctx, cap));
  size_t len = 0;
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = static_cast<char*>(duk_resize_buffer(ctx, -1, cap));
    }
    ssize_t got = ::read(a->fd, buf + len, cap - len);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      a->err = errno;
      return 0;
    }
    if (got == 0) break;
    len += static_cast<size_t>(got);
  }
  duk_resize_buffer(ctx, -1, len);
  return 1;
}

/* FileIo.readfile(path) -> Buffer */
inline duk_ret_t js_readfile(duk_context* ctx) {
  const char* path = require_c_string(ctx, 0, "FileIo.readfile", "path");
  ReadFileArgs a = {-1, 0};
  do a.fd = ::open(path, O_RDONLY | O_CLOEXEC);
  while (a.fd < 0 && errno == EINTR);
  if (a.fd < 0) return throw_system_error(ctx, errno, "open", path);
  duk_int_t rc = duk_safe_call(ctx, read_all_protected, &a, 0, 1);
  ::close(a.fd);
  if (rc != DUK_EXEC_SUCCESS) return duk_throw(ctx);
  if (a.err) return throw_system_error(ctx, a.err, "read", path);
  duk_push_buffer_object(ctx, -1, 0, duk_get_length(ctx, -1), DUK_BUFOBJ_NODEJS_BUFFER);
  return 1;
}

/* FileIo.writefile(path, data): data is a string (written as UTF-8) or any
 * buffer (ArrayBuffer, typed array, Buffer). Replaces the file. */
inline duk_ret_t js_writefile(duk_context* ctx) {
  const char* path = require_c_string(ctx, 0, "FileIo.writefile", "path");
  const char* data;
  duk_size_t len = 0;
  if (duk_is_string(ctx, 1)) {
    data = duk_get_lstring(ctx, 1, &len);
  } else if (duk_is_buffer_data(ctx, 1)) {
    data = static_cast<const char*>(duk_get_buffer_data(ctx, 1, &len));
  } else {
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "FileIo.writefile: data must be a string or a buffer");
  }
  int fd;
  do fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return throw_system_error(ctx, errno, "open", path);
  int err = 0;
  for (size_t done = 0; done < len;) {
    ssize_t put = ::write(fd, data + done, len - done);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(put);
  }
  if (::close(fd) != 0 && !err && errno != EINTR) err = errno;
  if (err) return throw_system_error(ctx, err, "write", path);
  return 0;
}

inline void install_fileio(LoopImpl* l, unsigned) {
  duk_context* ctx = l->ctx;
  static const duk_function_list_entry fns[] = {
      {"readfile", js_readfile, 1}, {"writefile", js_writefile, 2}, {nullptr, nullptr, 0}};
  duk_push_global_object(ctx);
  duk_push_object(ctx);
  duk_put_function_list(ctx, -1, fns);
  duk_put_prop_literal(ctx, -2, "FileIo");
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
