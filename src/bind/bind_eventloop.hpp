/* The EventLoop object of the C++ loop: fd watchers, exit, the loop clock.
 * (The ECMAScript loop defines the same API in JS.) */
#pragma once
#include "../core/loop.hpp"

namespace evloop {
namespace detail {

/* An fd argument: a non-negative integer, else RangeError. */
inline int require_fd(duk_context* ctx, duk_idx_t idx, const char* fn) {
  double v = duk_is_number(ctx, idx) ? duk_get_number(ctx, idx) : -1;
  if (!(v >= 0 && v <= 2147483647.0) || v != static_cast<double>(static_cast<int>(v)))
    (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s: fd must be a non-negative integer", fn);
  return static_cast<int>(v);
}

/* Throws the refusal of an fd the loop or its host owns (LoopImpl::host_fd):
 * "EPERM: fd 3 belongs to the event loop or its host, Socket.close". EPERM,
 * not EBADF: the fd is open and valid, the script is not permitted to use
 * it (EBADF would say it is closed, and scripts treat EBADF as "gone"). */
inline duk_ret_t throw_host_fd_error(duk_context* ctx, int fd, const char* syscall) {
  duk_push_error_object(ctx, DUK_ERR_ERROR, "EPERM: fd %d belongs to the event loop or its host, %s", fd, syscall);
  return throw_with_fd_props(ctx, "EPERM", EPERM, fd, syscall);
}

/* An fd argument a script may act on: require_fd, and none of the loop's
 * or its host's own fds (EPERM, above). */
inline int require_script_fd(duk_context* ctx, LoopImpl* l, duk_idx_t idx, const char* fn) {
  int fd = require_fd(ctx, idx, fn);
  if (l->host_fd(fd)) (void)throw_host_fd_error(ctx, fd, fn);
  return fd;
}

inline unsigned require_events(duk_context* ctx, duk_idx_t idx, const char* fn) {
  double v = duk_is_number(ctx, idx) ? duk_get_number(ctx, idx) : -1;
  if (!(v >= 0 && v <= 0xffff) || v != static_cast<double>(static_cast<unsigned>(v)))
    (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s: events must be a mask of Poll.POLL* bits", fn);
  return static_cast<unsigned>(v) & (kReadable | kWritable | kPriority);
}

/* EventLoop.watch(fd, events[, cb(fd, revents)]): adds a watcher or changes
 * its interest (and callback). events 0 pauses it. */
inline duk_ret_t js_watch(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = require_script_fd(ctx, l, 0, "EventLoop.watch");
  unsigned events = require_events(ctx, 1, "EventLoop.watch");
  bool have_cb = duk_is_function(ctx, 2);
  if (!have_cb && !duk_is_undefined(ctx, 2))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "EventLoop.watch: callback must be a function");
  if (!l->ensure_watcher_slot(fd)) return throw_watch_error(ctx, errno, fd, "EventLoop.watch");
  /* Growth first (either table's may collect garbage, and a finalizer may
   * then call any evloop API), the checks after, then only writes. */
  if (have_cb) l->reserve_js_index(l->watcher_callbacks, static_cast<duk_uarridx_t>(fd)); /* may throw */
  Watcher* w = l->watcher(fd);
  if (w && w->kind != kWatchJs)
    return throw_system_error(ctx, EEXIST, "EventLoop.watch", nullptr);
  if (!w && !have_cb)
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "EventLoop.watch: callback must be a function");
  if (have_cb) {
    /* The old callback stays on the value stack until this native returns:
     * its finalizer runs once the watcher is consistent (issue 18). */
    (void)l->take_js_value(l->watcher_callbacks, static_cast<duk_uarridx_t>(fd));
    duk_push_heapptr(ctx, l->watcher_callbacks);
    duk_dup(ctx, 2);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(fd)); /* an existing index: allocates nothing */
  }
  /* A new callback re-registers the fd (it may be a new file under a reused
   * number); without one only the interest changes. */
  if (!l->set_watcher(fd, events, kWatchJs, nullptr, nullptr, have_cb)) {
    int err = errno;
    if (!w) l->clear_js_watcher(fd);
    return throw_watch_error(ctx, err, fd, "EventLoop.watch");
  }
  return 0;
}

inline duk_ret_t js_unwatch(duk_context* ctx) {
  if (!duk_is_number(ctx, 0)) {
    duk_push_false(ctx);
    return 1;
  }
  int fd = require_fd(ctx, 0, "EventLoop.unwatch");
  LoopImpl* l = loop_of(ctx);
  Watcher* w = l->watcher(fd);
  duk_push_boolean(ctx, w && w->kind == kWatchJs && l->remove_watcher(fd));
  return 1;
}

/* requestExit([code]): no further callback runs. */
inline duk_ret_t js_request_exit(duk_context* ctx) {
  int code = duk_is_number(ctx, 0) ? duk_get_int(ctx, 0) : 0;
  loop_of(ctx)->request_exit(code);
  return 0;
}

/* EventLoop.now(): the loop clock in ms, with a fraction (like performance.now). */
inline duk_ret_t js_now(duk_context* ctx) {
  duk_push_number(ctx, static_cast<double>(loop_of(ctx)->clock_now()) / 1e6);
  return 1;
}

inline void install_native_eventloop(duk_context* ctx) {
  static const duk_function_list_entry fns[] = {
#if defined(EVLOOP_HAVE_POLL_BINDING) /* EVLOOP_NO_POLL drops the JS fd watchers */
      {"watch", js_watch, 3},
      {"unwatch", js_unwatch, 1},
#endif
      {"requestExit", js_request_exit, 1},
      {"now", js_now, 0},
      {nullptr, nullptr, 0}};
  duk_push_global_object(ctx);
  duk_push_object(ctx);
  duk_put_function_list(ctx, -1, fns);
  duk_push_null(ctx);
  duk_put_prop_literal(ctx, -2, "onerror");
  duk_put_prop_literal(ctx, -2, "EventLoop");
  duk_push_c_function(ctx, js_request_exit, 1);
  duk_put_prop_literal(ctx, -2, "requestEventLoopExit");
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
