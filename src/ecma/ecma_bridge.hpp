/* The native helper the ECMAScript loop calls: kernel waits, the loop clock,
 * error reports and exit. Passed to the embedded JS as an argument, never
 * made global. The JS source itself is in ecma_loop.js (embedded below by the
 * generator as kEcmaLoopJs). */
#pragma once
#include "../core/loop.hpp"
#include "../core/clock.hpp"
#include "../core/timer_heap.hpp"
#include "../core/errors.hpp"
#include "../embed/embedded_js.hpp"
#include "../bind/bind_eventloop.hpp"
#include "../bind/bind_poll.hpp"
#include "slots.hpp"
// @embed ecma_loop.js as kEcmaLoopJs
// @embed ecma_timers.js as kEcmaTimersJs
// @embed ecma_errors.js as kEcmaErrorsJs
// @embed ecma_watch.js as kEcmaWatchJs

namespace evloop {
namespace detail {

/* native.wait(deadline, maxWait, out, pendingTimers, callbacksRun, errors) -> n:
 * one turn of the native core (I/O, native timers, tasks) waiting until the
 * JS loop's earliest deadline (ms on the loop clock; null: none) or at most
 * maxWait ms (negative: no limit). Writes n/2 (fd, revents) pairs into out,
 * then the clock after the turn at out[n]; returns -1 instead when the loop
 * is exiting. Computing the timeout here saves the JS loop a native call
 * to now() a turn, and the exit flag another. */
inline duk_ret_t ecma_wait(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  double t = -1;
  if (duk_is_number(ctx, 0)) {
    t = duk_get_number(ctx, 0) - static_cast<double>(l->clock_now()) / 1e6;
    if (t < 0) t = 0;
  }
  double max_wait = duk_to_number(ctx, 1);
  if (max_wait >= 0 && (t < 0 || max_wait < t)) t = max_wait;
  if (t != t) t = 0; /* NaN would be a bug in the JS loop: never block on it */
  int64_t wait_ns = t < 0 ? -1 : static_cast<int64_t>(t > 1e12 ? 1e18 : t * 1e6 + 0.999);
  if (!duk_is_array(ctx, 2)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "native.wait: out must be an array");
  l->ecma_timers = static_cast<size_t>(duk_to_number(ctx, 3));
  l->counters.callbacks_run += static_cast<uint64_t>(duk_to_number(ctx, 4));
  double errors = duk_to_number(ctx, 5);
  l->counters.errors += static_cast<uint64_t>(errors);
  /* The last turn's callbacks failed and the heap is full: they would fail
   * again at once (issue 18), back off (LoopImpl::pause_after_failed_turn) */
  if (errors > 0 && !l->exiting && l->heap_exhausted()) l->ecma_turn_failed();
  l->ecma_waits++;
  duk_uarridx_t n = l->step(-1, wait_ns, 2);
  if (l->exiting) {
    duk_push_int(ctx, -1);
    return 1;
  }
  duk_push_number(ctx, static_cast<double>(l->clock_now()) / 1e6);
  duk_put_prop_index(ctx, 2, n);
  duk_push_uint(ctx, n);
  return 1;
}


/* setTimeout / setInterval of the ECMAScript loop: a stateless native entry
 * that does what needs no loop state, then calls the JS startTimer with the
 * timer state as `this`: startTimer(cb, deadline). It checks the callback (a
 * function, or a string for indirect eval), then converts the delay (the
 * order of the C++ loop), reads the clock (deadline = now + delay, so a
 * timer never fires before creation + delay) and, unless this is the common
 * case (a function, no extra arguments, no repeat), passes a spec in place
 * of the callback: [callback, interval (-1: none), args array or null,
 * isString]. `arguments` in JS costs ~11k instructions a call, a native
 * call ~2k, a property lookup by name from C ~360 (callgrind, here). The
 * state array and startTimer are found through the loop (heap pointers the
 * loop keeps, reachable from the stash only: a script can neither read nor
 * replace them, see tag_with_loop); the function itself carries only its
 * magic: 1 for setInterval, and kMagicDead once its loop is destroyed,
 * after which it throws (F3), also when the heap has a new loop. */
inline duk_ret_t ecma_timer_entry(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  bool interval = magic_value(ctx) == 1;
  bool is_string = duk_is_string(ctx, 0) != 0;
  if (!is_string && !duk_is_function(ctx, 0))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: callback must be a function",
                     interval ? "setInterval" : "setTimeout");
  int64_t delay = normalize_delay_ms(nargs > 1 ? duk_to_number(ctx, 1) : 0.0);
  LoopImpl* l = bound_loop(ctx);
  double deadline = static_cast<double>(l->clock_now()) / 1e6 + static_cast<double>(delay);
  duk_push_heapptr(ctx, l->ecma_start_timer); /* [ ... start ] */
  duk_push_heapptr(ctx, l->ecma_timer_state); /* [ ... start state ] */
  bool with_args = nargs > 2 && !is_string;
  if (with_args || interval || is_string) {
    duk_push_array(ctx);
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_number(ctx, interval ? static_cast<double>(delay) : -1.0);
    duk_put_prop_index(ctx, -2, 1);
    if (with_args) {
      duk_push_array(ctx);
      for (duk_idx_t i = 2; i < nargs; i++) {
        duk_dup(ctx, i);
        duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i - 2));
      }
    } else {
      duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 2);
    duk_push_boolean(ctx, is_string);
    duk_put_prop_index(ctx, -2, 3);
  } else {
    duk_dup(ctx, 0);
  }
  duk_push_number(ctx, deadline);
  duk_call_method(ctx, 2); /* errors propagate to the script's call */
  return 1;
}

/* native.timerEntry(startTimer, state, repeat, name) -> the global function.
 * Keeps startTimer in state[ST_START_TIMER] (kStStartTimer) and both as the loop's heap pointers (see
 * ecma_timer_entry). */
inline duk_ret_t ecma_make_timer_entry(duk_context* ctx) {
  LoopImpl* l = bound_loop(ctx);
  if (!duk_is_function(ctx, 0) || !duk_is_array(ctx, 1))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "timerEntry: a function and an array expected");
  duk_dup(ctx, 0);
  duk_put_prop_index(ctx, 1, kStStartTimer); /* keeps it reachable */
  l->ecma_start_timer = duk_get_heapptr(ctx, 0);
  l->ecma_timer_state = duk_get_heapptr(ctx, 1);
  duk_push_c_function(ctx, ecma_timer_entry, DUK_VARARGS);
  duk_set_magic(ctx, -1, duk_to_boolean(ctx, 2) ? 1 : 0);
  duk_push_literal(ctx, "name");
  duk_dup(ctx, 3);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  tag_with_loop(ctx, l); /* dead with the loop */
  return 1;
}

/* native.interest(fd, events, fresh[, weak]): watch or change interest for
 * the JS loop; fresh re-registers the fd (a new callback: maybe a new file);
 * weak (streams): keeps the loop alive only while events != 0. */
inline duk_ret_t ecma_interest(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  int fd = require_script_fd(ctx, l, 0, "EventLoop.watch");
  unsigned events = static_cast<unsigned>(duk_to_uint32(ctx, 1));
  Watcher* w = l->watcher(fd);
  if (w && w->kind != kWatchEcma) return throw_system_error(ctx, EEXIST, "EventLoop.watch", nullptr);
  if (!l->set_watcher(fd, events, kWatchEcma, nullptr, nullptr, duk_to_boolean(ctx, 2) != 0, duk_to_boolean(ctx, 3) != 0))
    return throw_watch_error(ctx, errno, fd, "EventLoop.watch");
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

extern const EmbeddedJs kEcmaLoopJs;
extern const EmbeddedJs kEcmaTimersJs;
extern const EmbeddedJs kEcmaErrorsJs;
extern const EmbeddedJs kEcmaWatchJs;

/* ---- The parts of the ECMAScript loop compiled on first use ----
 * (ecma_loop.js, "Parts compiled on first use"). Compiling ecma_loop.js was
 * most of the start-up (an empty script: 15.1M instructions, 12M of them
 * the compiler); an empty script or one of plain timeouts runs none of
 * these parts. ecma_push_lazy makes a placeholder: a native function
 * (magic: its index in kEcmaLazy, the part and the name of the function it
 * stands for) that on its first call loads the part, then calls
 * the part's function `name` with the same `this` and arguments. Loading
 * compiles the part's source, a function expression, and calls it with env
 * (it puts its functions into the state array itself); then every
 * placeholder of that part that env[ENV_PLACEHOLDERS] lists (object, name, placeholder,
 * ...) and that is still the value of its own property there becomes the
 * real function, as net.js's placeholders (install.hpp); one saved earlier
 * forwards. The exports are kept in env[ENV_EXPORTS + part]. Loading runs in the
 * JS call of the placeholder: its errors (out of memory while compiling)
 * go to the caller, and a later call tries again. The env is the loop's
 * (LoopImpl::ecma_env): a placeholder carries nothing a script could read
 * or replace; it is tagged with the loop, so one of a destroyed loop throws
 * (clearTimeout's does nothing, as the C++ loop's). */
const int kEcmaParts = 3;
struct EcmaLazy {
  int part;
  const char* name;
  bool internal; /* called by the loop's JS only: hidden from Duktape.act */
};
enum EcmaLazyIndex { kLazyPlace, kLazyRunSpec, kLazyTooMany, kLazyHandleError, kLazyClearTimer, kLazyRequestExit,
                     kLazyWatch, kLazyUnwatch, kLazyGetStreamLoop, kLazyCount };
inline const EcmaLazy& ecma_lazy(int index) {
  static const EcmaLazy table[kLazyCount] = {
      {0, "place", true},       {0, "runSpec", true},      {0, "tooMany", true},
      {1, "handleError", true}, {0, "clearTimer", false},  {1, "requestExit", false},
      {2, "watch", false},      {2, "unwatch", false},     {2, "getStreamLoop", true}};
  return table[index >= 0 && index < kLazyCount ? index : kLazyGetStreamLoop];
}

/* [ ... ] -> [ ... exports ]: loads part `part` of the env at `env` once. */
inline void ecma_lazy_load(duk_context* ctx, duk_idx_t env, int part) {
  static const EmbeddedJs* const sources[kEcmaParts] = {&kEcmaTimersJs, &kEcmaErrorsJs, &kEcmaWatchJs};
  static const char* const files[kEcmaParts] = {"evloop:ecma_timers.js", "evloop:ecma_errors.js",
                                                "evloop:ecma_watch.js"};
  env = duk_normalize_index(ctx, env);
  if (duk_get_prop_index(ctx, env, kEnvExports + static_cast<duk_uarridx_t>(part)) && duk_is_object(ctx, -1))
    return;
  duk_pop(ctx);
  compile_embedded(ctx, files[part], *sources[part]);
  duk_call(ctx, 0); /* [ factory ] */
  duk_dup(ctx, env);
  duk_call(ctx, 1); /* [ exports ] */
  duk_dup_top(ctx);
  duk_put_prop_index(ctx, env, kEnvExports + static_cast<duk_uarridx_t>(part));
  duk_idx_t exports = duk_get_top_index(ctx);
  duk_get_prop_index(ctx, env, kEnvPlaceholders); /* [ exports list ] */
  duk_uarridx_t n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
  for (duk_uarridx_t i = 0; i + 2 < n; i += 3) {
    duk_get_prop_index(ctx, -1, i);     /* object */
    duk_get_prop_index(ctx, -2, i + 1); /* name */
    duk_get_prop_index(ctx, -3, i + 2); /* [ exports list object name placeholder ] */
    if (duk_is_object(ctx, -3) && duk_is_string(ctx, -2) && duk_is_c_function(ctx, -1) &&
        ecma_lazy(duk_get_magic(ctx, -1) & kMagicValueMask).part == part &&
        placeholder_in_place(ctx, -3, duk_get_string(ctx, -2), -1, false, true)) {
      /* a writable data property: only its value changes */
      duk_get_prop_string(ctx, exports, ecma_lazy(duk_get_magic(ctx, -1) & kMagicValueMask).name);
      /* [ ... object name placeholder fn ] */
      duk_dup(ctx, -3);
      duk_swap_top(ctx, -2);
      duk_def_prop(ctx, -5, DUK_DEFPROP_HAVE_VALUE);
    }
    duk_pop_3(ctx);
  }
  duk_pop(ctx); /* [ exports ] */
}

/* A placeholder (magic: its kEcmaLazy index): loads the part, then calls
 * the real function with the same `this` and arguments. */
inline duk_ret_t ecma_lazy_call(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  int index = magic_value(ctx);
  LoopImpl* l = index == kLazyClearTimer ? loop_of_function(ctx) : loop_of(ctx);
  if (!l || !l->ecma_env) return 0; /* clearTimeout of a destroyed loop: nothing to clear */
  const EcmaLazy& lazy = ecma_lazy(index);
  duk_push_heapptr(ctx, l->ecma_env);
  ecma_lazy_load(ctx, -1, lazy.part); /* [ args env exports ] */
  duk_get_prop_string(ctx, -1, lazy.name); /* [ args env exports real ] */
  duk_push_this(ctx);
  for (duk_idx_t i = 0; i < nargs; i++) duk_dup(ctx, i);
  duk_call_method(ctx, nargs);
  return 1;
}

/* [ ... ] -> [ ... placeholder ]: the placeholder kEcmaLazy[index] (above). */
inline void ecma_push_lazy(duk_context* ctx, LoopImpl* l, int index) {
  duk_push_c_function(ctx, ecma_lazy_call, DUK_VARARGS);
  duk_set_magic(ctx, -1, index);
  tag_with_loop(ctx, l);
  if (ecma_lazy(index).internal) mark_internal(ctx);
}

/* [ ... ] -> [ ... ]: defines obj[key] = the value at `value`, writable and
 * configurable, enumerable or not (the globals are not; the EventLoop
 * object's properties are, as in an object literal) and, for a
 * placeholder, lists it in env[ENV_PLACEHOLDERS] (the env at index 0). */
inline void ecma_define(duk_context* ctx, duk_idx_t obj, const char* key, duk_idx_t value, bool placeholder,
                        bool enumerable = false) {
  obj = duk_normalize_index(ctx, obj);
  value = duk_normalize_index(ctx, value);
  define_data(ctx, obj, key, value, enumerable);
  if (!placeholder) return;
  duk_get_prop_index(ctx, 0, kEnvPlaceholders);
  duk_uarridx_t n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
  duk_dup(ctx, obj);
  duk_put_prop_index(ctx, -2, n);
  duk_push_string(ctx, key);
  duk_put_prop_index(ctx, -2, n + 1);
  duk_dup(ctx, value);
  duk_put_prop_index(ctx, -2, n + 2);
  duk_pop(ctx);
}

/* native.bind(env, bindings, setTimeout, setInterval, now) -> the
 * placeholder of control.streamLoop. Puts the placeholders of ecma_loop.js
 * in place (state[ST_PLACE..ST_HANDLE_ERROR], env[ENV_CLEAR_TIMEOUT]) and defines the globals the bindings ask
 * for (kBindTimers, kBindEventLoop): done here, not in JS, because each
 * byte of ecma_loop.js costs ~850 instructions of start-up to compile. */
inline duk_ret_t ecma_bind(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  unsigned bindings = duk_to_uint32(ctx, 1);
  duk_set_top(ctx, 5);
  if (!duk_is_array(ctx, 0)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "bind: env must be an array");
  l->ecma_env = duk_get_heapptr(ctx, 0); /* reachable: the control object's closures hold it */
  duk_get_prop_index(ctx, 0, kEnvState);  /* 5: state */
  duk_get_prop_index(ctx, 0, kEnvGlobal); /* 6: global */
  static const struct {
    int lazy;
    duk_uarridx_t slot;
  } in_state[] = {{kLazyPlace, kStPlace}, {kLazyRunSpec, kStRunSpec}, {kLazyTooMany, kStTooMany},
                  {kLazyHandleError, kStHandleError}};
  for (size_t i = 0; i < sizeof in_state / sizeof in_state[0]; i++) {
    ecma_push_lazy(ctx, l, in_state[i].lazy);
    duk_put_prop_index(ctx, 5, in_state[i].slot);
  }
  ecma_push_lazy(ctx, l, kLazyClearTimer); /* 7 */
  duk_dup(ctx, 7);
  duk_put_prop_index(ctx, 0, kEnvClearTimeout);
  duk_dup(ctx, 2);
  duk_put_prop_index(ctx, 0, kEnvSetTimeout);
  if (bindings & kBindTimers) {
    ecma_define(ctx, 6, "setTimeout", 2, false);
    ecma_define(ctx, 6, "setInterval", 3, false);
    ecma_define(ctx, 6, "clearTimeout", 7, true);
    ecma_define(ctx, 6, "clearInterval", 7, true);
  }
  if (bindings & kBindEventLoop) {
    duk_push_object(ctx); /* 8: EventLoop, its properties in this order */
    ecma_push_lazy(ctx, l, kLazyRequestExit); /* 9 */
#if defined(EVLOOP_HAVE_POLL_BINDING) /* EVLOOP_NO_POLL: no JS fd watchers, as in the C++ loop */
    static const int watchers[] = {kLazyWatch, kLazyUnwatch};
    for (size_t i = 0; i < 2; i++) {
      ecma_push_lazy(ctx, l, watchers[i]);
      ecma_define(ctx, 8, ecma_lazy(watchers[i]).name, -1, true, true);
      duk_pop(ctx);
    }
#endif
    ecma_define(ctx, 8, "requestExit", 9, true, true);
    duk_dup(ctx, 4);
    duk_put_prop_literal(ctx, 8, "now");
    duk_push_null(ctx);
    duk_put_prop_literal(ctx, 8, "onerror");
    duk_dup(ctx, 8);
    duk_put_prop_index(ctx, 0, kEnvEventLoop);
    ecma_define(ctx, 6, "EventLoop", 8, false);
    ecma_define(ctx, 6, "requestEventLoopExit", 9, true);
  }
  ecma_push_lazy(ctx, l, kLazyGetStreamLoop);
  return 1;
}

/* [ ] -> [ ]: compiles the embedded loop, calls it with the helper, keeps the
 * control object in the stash. Runs under duk_safe_call (see install). */
inline void install_ecma_loop(LoopImpl* l, unsigned bindings) {
  duk_context* ctx = l->ctx;
  static const duk_function_list_entry fns[] = {
      {"wait", ecma_wait, 6},         {"now", js_now, 0},
      {"interest", ecma_interest, 4}, {"forget", ecma_forget, 1},
      {"report", ecma_report, 1},
      {"requestExit", js_request_exit, 1}, {"isExitSignal", ecma_is_exit_signal, 1},
      {"hasWork", ecma_has_work, 0},  {"timerEntry", ecma_make_timer_entry, 4},
      {"bind", ecma_bind, 5},
      {nullptr, nullptr, 0}};
  compile_embedded(ctx, "evloop:ecma_loop.js", kEcmaLoopJs);
  duk_call(ctx, 0); /* the source is one function expression: its value */
  duk_push_object(ctx);
  for (const duk_function_list_entry* f = fns; f->key; f++) {
    duk_push_c_function(ctx, f->value, f->nargs);
    tag_with_loop(ctx, l); /* an old loop's JS calling them throws, never reaches a new loop */
    mark_internal(ctx);    /* Duktape.act does not hand them out */
    duk_put_prop_string(ctx, -2, f->key);
  }
  put_poll_constants(ctx);
  duk_push_uint(ctx, kMaxTimers);
  duk_put_prop_literal(ctx, -2, "MAX_TIMERS");
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
