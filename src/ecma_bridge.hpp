/* The native helper the ECMAScript loop calls: kernel waits, the loop clock,
 * error reports and exit. Passed to the embedded JS as an argument, never
 * made global. The JS source itself is in ecma_loop.js (embedded below by the
 * generator as kEcmaLoopSource). */

namespace evloop {
namespace detail {

/* native.wait(timeoutMs, out, pendingTimers, callbacksRun, errors) -> n:
 * one turn of the native core (I/O, native timers, tasks) waiting at most
 * timeoutMs (-1: no limit); writes n/2 (fd, revents) pairs into out. */
inline duk_ret_t ecma_wait(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  double t = duk_to_number(ctx, 0);
  if (t != t) t = 0; /* NaN would be a bug in the JS loop: never block on it */
  int64_t wait_ns = t < 0 ? -1 : static_cast<int64_t>(t > 1e12 ? 1e18 : t * 1e6 + 0.999);
  if (!duk_is_array(ctx, 1)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "native.wait: out must be an array");
  l->ecma_timers = static_cast<size_t>(duk_to_number(ctx, 2));
  l->counters.callbacks_run += static_cast<uint64_t>(duk_to_number(ctx, 3));
  l->counters.errors += static_cast<uint64_t>(duk_to_number(ctx, 4));
  duk_uarridx_t n = l->step(-1, wait_ns, 1);
  duk_push_uint(ctx, n);
  return 1;
}

inline duk_ret_t ecma_now(duk_context* ctx) { return js_now(ctx); }

/* setTimeout / setInterval of the ECMAScript loop: a stateless native entry
 * that packs the extra arguments into an array and calls the JS startTimer
 * (cb, delay, args|null, repeat). Costs ~1.5k instructions against ~11k for
 * `arguments` in JS (callgrind, here). Magic 1: setInterval. */
inline duk_ret_t ecma_timer_entry(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  if (nargs < 2) duk_set_top(ctx, 2); /* missing cb / delay read as undefined */
  duk_push_current_function(ctx);
  duk_get_prop_literal(ctx, -1, DUK_HIDDEN_SYMBOL("start"));
  duk_push_undefined(ctx);
  duk_dup(ctx, 0);
  duk_dup(ctx, 1);
  if (nargs > 2) {
    duk_push_array(ctx);
    for (duk_idx_t i = 2; i < nargs; i++) {
      duk_dup(ctx, i);
      duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i - 2));
    }
  } else {
    duk_push_null(ctx);
  }
  duk_push_boolean(ctx, duk_get_current_magic(ctx) == 1);
  duk_call_method(ctx, 4); /* errors propagate to the script's call */
  return 1;
}

/* native.timerEntry(startTimer, repeat, name) -> the global function. */
inline duk_ret_t ecma_make_timer_entry(duk_context* ctx) {
  duk_push_c_function(ctx, ecma_timer_entry, DUK_VARARGS);
  duk_set_magic(ctx, -1, duk_to_boolean(ctx, 1) ? 1 : 0);
  duk_dup(ctx, 0);
  duk_put_prop_literal(ctx, -2, DUK_HIDDEN_SYMBOL("start"));
  duk_push_literal(ctx, "name");
  duk_dup(ctx, 2);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  return 1;
}

/* native.interest(fd, events, fresh): watch or change interest for the JS
 * loop; fresh re-registers the fd (a new callback: maybe a new file). */
inline duk_ret_t ecma_interest(duk_context* ctx) {
  int fd = require_fd(ctx, 0, "EventLoop.watch");
  unsigned events = static_cast<unsigned>(duk_to_uint32(ctx, 1));
  LoopImpl* l = loop_of(ctx);
  Watcher* w = l->watcher(fd);
  if (w && w->kind != kWatchEcma) return throw_system_error(ctx, EEXIST, "EventLoop.watch", nullptr);
  if (!l->set_watcher(fd, events, kWatchEcma, nullptr, nullptr, duk_to_boolean(ctx, 2) != 0))
    return throw_system_error(ctx, errno, "EventLoop.watch", nullptr);
  return 0;
}

inline duk_ret_t ecma_forget(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = duk_to_int(ctx, 0);
  Watcher* w = l->watcher(fd);
  duk_push_boolean(ctx, w && w->kind == kWatchEcma && l->remove_watcher(fd));
  return 1;
}

inline duk_ret_t ecma_report(duk_context* ctx) {
  duk_set_top(ctx, 1);
  loop_of(ctx)->report_default();
  return 0;
}

inline duk_ret_t ecma_exiting(duk_context* ctx) {
  duk_push_boolean(ctx, loop_of(ctx)->exiting);
  return 1;
}

inline duk_ret_t ecma_is_exit_signal(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  duk_push_boolean(ctx, l->exit_signal && duk_get_heapptr(ctx, 0) == l->exit_signal);
  return 1;
}

inline duk_ret_t ecma_has_work(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  duk_push_boolean(ctx, l->timers.pending() || l->user_watchers || l->tasks_pending());
  return 1;
}

extern const char kEcmaLoopSource[];

/* [ ] -> [ ]: compiles the embedded loop, calls it with the helper, keeps the
 * control object in the stash. Runs under duk_safe_call (see install). */
inline void install_ecma_loop(LoopImpl* l, unsigned bindings) {
  duk_context* ctx = l->ctx;
  static const duk_function_list_entry fns[] = {
      {"wait", ecma_wait, 5},         {"now", ecma_now, 0},
      {"interest", ecma_interest, 3}, {"forget", ecma_forget, 1},
      {"report", ecma_report, 1},     {"exiting", ecma_exiting, 0},
      {"requestExit", js_request_exit, 1}, {"isExitSignal", ecma_is_exit_signal, 1},
      {"hasWork", ecma_has_work, 0},  {"timerEntry", ecma_make_timer_entry, 3},
      {nullptr, nullptr, 0}};
  duk_push_literal(ctx, "evloop:ecma_loop.js");
  duk_compile_string_filename(ctx, DUK_COMPILE_EVAL, kEcmaLoopSource);
  duk_call(ctx, 0); /* the source is one function expression: its value */
  duk_push_object(ctx);
  duk_put_function_list(ctx, -1, fns);
  put_poll_constants(ctx);
  duk_push_uint(ctx, bindings);
  duk_push_global_object(ctx);
  duk_call(ctx, 3); /* [ control ] */
  l->ecma = duk_get_heapptr(ctx, -1);
  duk_push_heap_stash(ctx);
  duk_swap_top(ctx, -2);
  duk_put_prop_literal(ctx, -2, EVLOOP_STASH_ECMA);
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
