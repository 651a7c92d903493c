/* Poll: the seed's native poll() wrapper, kept compatible.
 * Poll.poll(set, timeoutMs): set maps fd -> {events}; sets each entry's
 * revents and returns the array of fds that have any. No fixed size limit
 * (the seed's 20-entry array made its ECMAScript loop spin). A select()
 * build (EVLOOP_BACKEND_SELECT) has no poll(): the same contract on
 * select(), with fds below FD_SETSIZE. */
#pragma once
#include "../core/loop.hpp"
#include "../core/errors.hpp"

namespace evloop {
namespace detail {

#if defined(EVLOOP_BACKEND_SELECT)
struct PollEntry {
  int fd;
  short events;
  short revents;
};
/* poll() on select(): a closed fd gets POLLNVAL (select() would fail the
 * whole call); a hang-up or an error shows as readiness, as select() says. */
inline int poll_entries(PollEntry* fds, duk_uarridx_t n, int timeout_ms) {
  fd_set r, w, p;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_ZERO(&p);
  int max_fd = -1, invalid = 0;
  for (duk_uarridx_t i = 0; i < n; i++) {
    int fd = fds[i].fd;
    if (fcntl(fd, F_GETFD) < 0) {
      fds[i].revents = static_cast<short>(kInvalid);
      invalid++;
      continue;
    }
    if (fds[i].events & kReadable) FD_SET(fd, &r);
    if (fds[i].events & kWritable) FD_SET(fd, &w);
    if (fds[i].events & kPriority) FD_SET(fd, &p);
    if (fd > max_fd) max_fd = fd;
  }
  struct timeval tv;
  if (invalid) timeout_ms = 0;
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  int rc = ::select(max_fd + 1, &r, &w, &p, timeout_ms < 0 ? nullptr : &tv);
  if (rc < 0) return invalid ? invalid : rc;
  int ready = invalid;
  for (duk_uarridx_t i = 0; i < n; i++) {
    int fd = fds[i].fd;
    if (fds[i].revents) continue;
    unsigned ev = (FD_ISSET(fd, &r) ? kReadable : 0u) | (FD_ISSET(fd, &w) ? kWritable : 0u) |
                  (FD_ISSET(fd, &p) ? kPriority : 0u);
    fds[i].revents = static_cast<short>(ev & static_cast<unsigned>(fds[i].events));
    if (fds[i].revents) ready++;
  }
  return ready;
}
#else
typedef struct pollfd PollEntry;
inline int poll_entries(PollEntry* fds, duk_uarridx_t n, int timeout_ms) { return ::poll(fds, n, timeout_ms); }
#endif

inline duk_ret_t js_poll(duk_context* ctx) {
  if (!duk_is_object(ctx, 0)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Poll.poll: set must be an object");
  double t = duk_is_undefined(ctx, 1) ? -1 : duk_to_number(ctx, 1);
  int64_t timeout_ns = t != t || t < 0 ? -1 : (t > EVLOOP_MAX_WAIT_MS ? EVLOOP_MAX_WAIT_MS : t) * 1e6;
  LoopImpl* l = loop_of(ctx);
  duk_set_top(ctx, 2);
  /* Pass 1: collect fds and interest; the pollfd array is a GC-managed buffer
   * so an error thrown midway leaks nothing. */
  duk_uarridx_t count = 0;
  duk_enum(ctx, 0, DUK_ENUM_OWN_PROPERTIES_ONLY);
  while (duk_next(ctx, -1, 0)) {
    count++;
    duk_pop(ctx);
  }
  duk_pop(ctx);
  PollEntry* fds = static_cast<PollEntry*>(duk_push_fixed_buffer(ctx, count * sizeof(PollEntry) + 1));
  duk_uarridx_t n = 0;
  duk_enum(ctx, 0, DUK_ENUM_OWN_PROPERTIES_ONLY); /* [ set t buf enum ] */
  while (n < count && duk_next(ctx, -1, 1)) {     /* [ ... enum key val ] */
    double fd = duk_to_number(ctx, -2);
    if (!(fd >= 0 && fd <= 2147483647.0) || fd != static_cast<double>(static_cast<int>(fd)))
      return duk_error(ctx, DUK_ERR_RANGE_ERROR, "Poll.poll: keys must be fds");
    if (!duk_is_object(ctx, -1)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Poll.poll: set[%d] must be an object", static_cast<int>(fd));
#if defined(EVLOOP_BACKEND_SELECT)
    if (fd >= FD_SETSIZE)
      return duk_error(ctx, DUK_ERR_RANGE_ERROR, "Poll.poll: fd %d is out of select()'s range 0..%d (FD_SETSIZE)",
                       static_cast<int>(fd), FD_SETSIZE - 1);
#endif
    duk_get_prop_literal(ctx, -1, "events");
    fds[n].fd = static_cast<int>(fd);
    fds[n].events = static_cast<short>(duk_to_uint32(ctx, -1) & 0xffff);
    fds[n].revents = 0;
    n++;
    duk_pop_3(ctx);
  }
  duk_pop(ctx);
  int timeout = l->kernel_timeout_ms(timeout_ns);
  int rc;
  do rc = poll_entries(fds, n, timeout);
  while (rc < 0 && errno == EINTR && timeout == 0);
  if (rc < 0 && errno != EINTR) return throw_system_error(ctx, errno, "poll", nullptr);
  if (rc <= 0) l->idle_if_virtual(timeout_ns);
  duk_push_array(ctx); /* [ set t buf result ] */
  duk_uarridx_t changed = 0;
  for (duk_uarridx_t i = 0; i < n; i++) {
    if (fds[i].revents) {
      duk_push_int(ctx, fds[i].fd);
      duk_put_prop_index(ctx, -2, changed++);
    }
    duk_get_prop_index(ctx, 0, static_cast<duk_uarridx_t>(fds[i].fd));
    if (duk_is_object(ctx, -1)) {
      duk_push_int(ctx, fds[i].revents);
      duk_put_prop_literal(ctx, -2, "revents");
    }
    duk_pop(ctx);
  }
  return 1;
}

inline void put_poll_constants(duk_context* ctx) {
  static const duk_number_list_entry consts[] = {
      {"POLLIN", kReadable}, {"POLLPRI", kPriority}, {"POLLOUT", kWritable}, {"POLLERR", kError},
      {"POLLHUP", kHangup},  {"POLLNVAL", kInvalid}, {nullptr, 0.0}};
  duk_put_number_list(ctx, -1, consts);
}

inline void install_poll(LoopImpl* l, unsigned) {
  duk_context* ctx = l->ctx;
  duk_push_global_object(ctx);
  duk_push_object(ctx);
  duk_push_c_function(ctx, js_poll, 2);
  duk_put_prop_literal(ctx, -2, "poll");
  put_poll_constants(ctx);
  duk_put_prop_literal(ctx, -2, "Poll");
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
