/* The native helper the ECMAScript loop calls: kernel waits, the loop clock,
 * error reports and exit. Passed to the embedded JS as an argument, never
 * made global. The JS source itself is in ecma_loop.js (embedded below by the
 * generator as kEcmaLoopJs). */

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
  LoopImpl* l = loop_of(ctx);
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
  l->counters.errors += static_cast<uint64_t>(duk_to_number(ctx, 5));
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
 * call ~2k, a property lookup by name from C ~360 (callgrind, here), so the
 * function keeps one: its loop tag (EVLOOP_FN_LOOP, see tag_with_loop) holds
 * the state array, which holds startTimer and the loop pointer. Destroying
 * the loop deletes the tag, so the entry then finds no state and loop_of()
 * throws; the stale pointer in the state array is never read again. Magic
 * 1: setInterval. */
#define EVLOOP_ECMA_STATE DUK_HIDDEN_SYMBOL("state") /* read only once untagged */
#define EVLOOP_ECMA_STATE_START 6 /* state[6]: the JS startTimer */
#define EVLOOP_ECMA_STATE_LOOP 7  /* state[7]: the LoopImpl pointer */
inline duk_ret_t ecma_timer_entry(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  bool interval = duk_get_current_magic(ctx) == 1;
  bool is_string = duk_is_string(ctx, 0) != 0;
  if (!is_string && !duk_is_function(ctx, 0))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: callback must be a function",
                     interval ? "setInterval" : "setTimeout");
  int64_t delay = normalize_delay_ms(nargs > 1 ? duk_to_number(ctx, 1) : 0.0);
  duk_push_current_function(ctx);
  LoopImpl* l;
  if (duk_get_prop_literal(ctx, -1, EVLOOP_FN_LOOP)) {
    duk_get_prop_index(ctx, -1, EVLOOP_ECMA_STATE_LOOP); /* [ ... fn state loop ] */
    l = static_cast<LoopImpl*>(duk_get_pointer(ctx, -1));
    duk_pop(ctx);
  } else {
    /* Untagged: the loop was destroyed. loop_of() throws unless the heap
     * has a new loop; then, as always, the timer goes to this function's
     * own (disposed) state, on the heap's clock. */
    l = loop_of(ctx);
    duk_pop(ctx);
    duk_get_prop_literal(ctx, -1, EVLOOP_ECMA_STATE);
  }
  double deadline = static_cast<double>(l->clock_now()) / 1e6 + static_cast<double>(delay);
  duk_get_prop_index(ctx, -1, EVLOOP_ECMA_STATE_START); /* [ ... fn state start ] */
  duk_dup(ctx, -2);                                     /* [ ... fn state start state ] */
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
 * Stores startTimer and the loop pointer into the state array and tags the
 * function with it (see ecma_timer_entry). */
inline duk_ret_t ecma_make_timer_entry(duk_context* ctx) {
  LoopImpl* l = loop_of(ctx);
  duk_dup(ctx, 0);
  duk_put_prop_index(ctx, 1, EVLOOP_ECMA_STATE_START);
  duk_push_pointer(ctx, l);
  duk_put_prop_index(ctx, 1, EVLOOP_ECMA_STATE_LOOP);
  duk_push_c_function(ctx, ecma_timer_entry, DUK_VARARGS);
  duk_set_magic(ctx, -1, duk_to_boolean(ctx, 2) ? 1 : 0);
  duk_push_literal(ctx, "name");
  duk_dup(ctx, 3);
  duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  duk_dup(ctx, 1);
  duk_put_prop_literal(ctx, -2, EVLOOP_ECMA_STATE);
  tag_with_loop(ctx, l); /* listed for untagging; the tag then holds the state */
  duk_dup(ctx, 1);
  duk_put_prop_literal(ctx, -2, EVLOOP_FN_LOOP);
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
 * these parts. native.lazy(env, part, name) makes a placeholder: a native
 * function (magic: part) that on its first call loads the part, then calls
 * the part's function `name` with the same `this` and arguments. Loading
 * compiles the part's source, a function expression, and calls it with env
 * (it puts its functions into the state array itself); then every
 * placeholder of that part that env[8] lists (object, name, placeholder,
 * ...) and that is still the value of its own property there becomes the
 * real function, as net.js's placeholders (install.hpp); one saved earlier
 * forwards. The exports are kept in env[5 + part]. Loading runs in the
 * JS call of the placeholder: its errors (out of memory while compiling)
 * go to the caller, and a later call tries again. */
#define EVLOOP_ECMA_LAZY_ENV DUK_HIDDEN_SYMBOL("evloop.lazyEnv")
#define EVLOOP_ECMA_LAZY_NAME DUK_HIDDEN_SYMBOL("evloop.lazyName")
const int kEcmaParts = 3;
const duk_uarridx_t kEcmaEnvExports = 5;      /* env[5 + part]: the part's exports once loaded */
const duk_uarridx_t kEcmaEnvPlaceholders = 8; /* env[8]: [object, name, placeholder, ...] */

/* [ ... ] -> [ ... exports ]: loads part `part` of the env at `env` once. */
inline void ecma_lazy_load(duk_context* ctx, duk_idx_t env, int part) {
  static const EmbeddedJs* const sources[kEcmaParts] = {&kEcmaTimersJs, &kEcmaErrorsJs, &kEcmaWatchJs};
  static const char* const files[kEcmaParts] = {"evloop:ecma_timers.js", "evloop:ecma_errors.js",
                                                "evloop:ecma_watch.js"};
  env = duk_normalize_index(ctx, env);
  if (duk_get_prop_index(ctx, env, kEcmaEnvExports + static_cast<duk_uarridx_t>(part)) && duk_is_object(ctx, -1))
    return;
  duk_pop(ctx);
  compile_embedded(ctx, files[part], *sources[part]);
  duk_call(ctx, 0); /* [ factory ] */
  duk_dup(ctx, env);
  duk_call(ctx, 1); /* [ exports ] */
  duk_dup_top(ctx);
  duk_put_prop_index(ctx, env, kEcmaEnvExports + static_cast<duk_uarridx_t>(part));
  duk_idx_t exports = duk_get_top_index(ctx);
  duk_get_prop_index(ctx, env, kEcmaEnvPlaceholders); /* [ exports list ] */
  duk_uarridx_t n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
  for (duk_uarridx_t i = 0; i + 2 < n; i += 3) {
    duk_get_prop_index(ctx, -1, i);     /* object */
    duk_get_prop_index(ctx, -2, i + 1); /* name */
    duk_get_prop_index(ctx, -3, i + 2); /* [ exports list object name placeholder ] */
    if (duk_is_object(ctx, -3) && duk_is_string(ctx, -2) && duk_is_function(ctx, -1) &&
        duk_get_magic(ctx, -1) == part && placeholder_in_place(ctx, -3, duk_get_string(ctx, -2), -1, false, true)) {
      /* a writable data property: only its value changes */
      duk_get_prop_literal(ctx, -1, EVLOOP_ECMA_LAZY_NAME);
      duk_get_prop(ctx, exports); /* [ ... object name placeholder fn ] */
      duk_dup(ctx, -3);
      duk_swap_top(ctx, -2);
      duk_def_prop(ctx, -5, DUK_DEFPROP_HAVE_VALUE);
    }
    duk_pop_3(ctx);
  }
  duk_pop(ctx); /* [ exports ] */
}

/* A placeholder (magic: its part): loads the part, then calls the real
 * function with the same `this` and arguments. */
inline duk_ret_t ecma_lazy_call(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  duk_push_current_function(ctx);
  duk_get_prop_literal(ctx, -1, EVLOOP_ECMA_LAZY_ENV);
  ecma_lazy_load(ctx, -1, duk_get_current_magic(ctx)); /* [ args fn env exports ] */
  duk_get_prop_literal(ctx, nargs, EVLOOP_ECMA_LAZY_NAME);
  duk_get_prop(ctx, -2); /* [ args fn env exports real ] */
  duk_push_this(ctx);
  for (duk_idx_t i = 0; i < nargs; i++) duk_dup(ctx, i);
  duk_call_method(ctx, nargs);
  return 1;
}

/* [ ... ] -> [ ... placeholder ]: a placeholder (above) of the env at index 0. */
inline void ecma_push_lazy(duk_context* ctx, int part, const char* name) {
  duk_push_c_function(ctx, ecma_lazy_call, DUK_VARARGS);
  duk_set_magic(ctx, -1, part);
  duk_dup(ctx, 0);
  duk_put_prop_literal(ctx, -2, EVLOOP_ECMA_LAZY_ENV);
  duk_push_string(ctx, name);
  duk_put_prop_literal(ctx, -2, EVLOOP_ECMA_LAZY_NAME);
}

/* [ ... ] -> [ ... ]: defines obj[key] = the value at `value`, writable and
 * configurable, enumerable or not (the globals are not; the EventLoop
 * object's properties are, as in an object literal) and, for a
 * placeholder, lists it in env[8] (the env at index 0). */
inline void ecma_define(duk_context* ctx, duk_idx_t obj, const char* key, duk_idx_t value, bool placeholder,
                        bool enumerable = false) {
  obj = duk_normalize_index(ctx, obj);
  value = duk_normalize_index(ctx, value);
  define_data(ctx, obj, key, value, enumerable);
  if (!placeholder) return;
  duk_get_prop_index(ctx, 0, kEcmaEnvPlaceholders);
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
 * in place (state[21-24], env[9]) and defines the globals the bindings ask
 * for (kBindTimers, kBindEventLoop): done here, not in JS, because each
 * byte of ecma_loop.js costs ~850 instructions of start-up to compile. */
inline duk_ret_t ecma_bind(duk_context* ctx) {
  unsigned bindings = duk_to_uint32(ctx, 1);
  duk_set_top(ctx, 5);
  duk_get_prop_index(ctx, 0, 1); /* 5: state */
  duk_get_prop_index(ctx, 0, 2); /* 6: global */
  static const struct {
    int part;
    const char* name;
    duk_uarridx_t slot;
  } in_state[] = {{0, "place", 21}, {0, "runSpec", 22}, {0, "tooMany", 23}, {1, "handleError", 24}};
  for (size_t i = 0; i < sizeof in_state / sizeof in_state[0]; i++) {
    ecma_push_lazy(ctx, in_state[i].part, in_state[i].name);
    duk_put_prop_index(ctx, 5, in_state[i].slot);
  }
  ecma_push_lazy(ctx, 0, "clearTimer"); /* 7 */
  duk_dup(ctx, 7);
  duk_put_prop_index(ctx, 0, 9);
  duk_dup(ctx, 2);
  duk_put_prop_index(ctx, 0, 10);
  if (bindings & kBindTimers) {
    ecma_define(ctx, 6, "setTimeout", 2, false);
    ecma_define(ctx, 6, "setInterval", 3, false);
    ecma_define(ctx, 6, "clearTimeout", 7, true);
    ecma_define(ctx, 6, "clearInterval", 7, true);
  }
  if (bindings & kBindEventLoop) {
    duk_push_object(ctx); /* 8: EventLoop, its properties in this order */
    ecma_push_lazy(ctx, 1, "requestExit"); /* 9 */
#if defined(EVLOOP_HAVE_POLL_BINDING) /* EVLOOP_NO_POLL: no JS fd watchers, as in the C++ loop */
    static const char* const watchers[] = {"watch", "unwatch"};
    for (size_t i = 0; i < 2; i++) {
      ecma_push_lazy(ctx, 2, watchers[i]);
      ecma_define(ctx, 8, watchers[i], -1, true, true);
      duk_pop(ctx);
    }
#endif
    ecma_define(ctx, 8, "requestExit", 9, true, true);
    duk_dup(ctx, 4);
    duk_put_prop_literal(ctx, 8, "now");
    duk_push_null(ctx);
    duk_put_prop_literal(ctx, 8, "onerror");
    duk_dup(ctx, 8);
    duk_put_prop_index(ctx, 0, 3); /* env[3] */
    ecma_define(ctx, 6, "EventLoop", 8, false);
    ecma_define(ctx, 6, "requestEventLoopExit", 9, true);
  }
  ecma_push_lazy(ctx, 2, "getStreamLoop");
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
  duk_put_function_list(ctx, -1, fns);
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
