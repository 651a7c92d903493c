/* JS timers for the C++ loop: setTimeout, setInterval, clearTimeout,
 * clearInterval. Validation and every call that may throw come first; the loop
 * state changes only after, with operations that cannot fail. */
#pragma once
#include "../core/loop.hpp"
#include "../core/clock.hpp"
#include "../core/timer_heap.hpp"
#include "../core/errors.hpp"

namespace evloop {
namespace detail {

/* One more timer than kMaxTimers (EVLOOP_MAX_TIMERS) are pending: a
 * RangeError, the same in both loops. */
inline duk_ret_t throw_timer_limit_error(duk_context* ctx, bool interval) {
  return duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s: too many pending timers (the limit is %lu)",
                   interval ? "setInterval" : "setTimeout", static_cast<unsigned long>(kMaxTimers));
}

/* magic 0: setTimeout, 1: setInterval */
inline duk_ret_t js_set_timer(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  bool interval = magic_value(ctx) == 1;
  uint32_t flags = kTimerJs;
  if (duk_is_string(ctx, 0)) flags |= kTimerString;
  else if (!duk_is_function(ctx, 0))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: callback must be a function",
                     interval ? "setInterval" : "setTimeout");
  int64_t delay = normalize_delay_ms(nargs > 1 ? duk_to_number(ctx, 1) : 0.0);
  LoopImpl* l = bound_loop(ctx); /* its loop destroyed: throws, even when the heap has a new one */
  if (nargs > 2 && !(flags & kTimerString)) {
    flags |= kTimerArgs;
    duk_push_array(ctx);
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 0);
    for (duk_idx_t i = 2; i < nargs; i++) {
      duk_dup(ctx, i);
      duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i - 1));
    }
  } else {
    duk_dup(ctx, 0);
  }
  /* [ cb delay args... value ]. Every step from here to start_timer that
   * allocates (prepare, the array's growth) may collect garbage, and a
   * finalizer then run may set or clear timers (issue 18): so the slot is
   * read after them, and the value is written into an index that exists. */
  if (l->timers.full()) return throw_timer_limit_error(ctx, interval);
  if (!l->timers.prepare(l->mem)) return throw_system_error(ctx, ENOMEM, "setTimeout", nullptr);
  uint32_t slot = l->timers.next_slot();
  duk_push_heapptr(ctx, l->timer_callbacks); /* [ cb delay args... value cbs ] */
  while (slot >= l->timer_callbacks_size) {
    /* Grows the array 1.25x ahead by writing its new last index: Duktape grows
     * an array 1.125x at a time, copying it into a new block each time (9x
     * its final size allocated, page faults and copying: ~140 instructions
     * per timer at 100k, callgrind). 1.25x, not 1.5x: Duktape heap bytes per
     * timer matter on a small device (1.5x took 25.5 at 100k, 1.125x 16.5).
     * Every index below `slot` has been written, so the array stays dense
     * enough to keep its array part. */
    uint32_t size = l->timer_callbacks_size + l->timer_callbacks_size / 4;
    if (size < 64) size = 64;
    if (size <= slot) size = slot + 1;
    if (size > kMaxTimers) size = kMaxTimers;
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, -2, size - 1); /* may throw (array growth): nothing changed yet */
    if (size > l->timer_callbacks_size) l->timer_callbacks_size = size;
    if (l->timers.full()) return throw_timer_limit_error(ctx, interval);
    if (!l->timers.prepare(l->mem)) return throw_system_error(ctx, ENOMEM, "setTimeout", nullptr);
    slot = l->timers.next_slot(); /* a finalizer may have taken or freed slots */
  }
  duk_swap_top(ctx, -2); /* [ ... cbs value ] */
  duk_put_prop_index(ctx, -2, slot); /* an existing index: allocates nothing */
  TimerId id = l->start_timer(delay, interval ? static_cast<int32_t>(delay) : -1, flags, nullptr, nullptr);
  duk_push_number(ctx, static_cast<double>(id));
  return 1;
}

/* Never throws: anything that is not a live timer id is ignored. Either
 * function clears either kind, as in browsers and Node.js. */
inline duk_ret_t js_clear_timer(duk_context* ctx) {
  if (!duk_is_number(ctx, 0)) return 0;
  double v = duk_get_number(ctx, 0);
  if (!(v >= 1 && v < 9007199254740992.0) || v != static_cast<double>(static_cast<uint64_t>(v))) return 0;
  LoopImpl* l = loop_of_function(ctx);
  if (!l) return 0; /* no loop any more: nothing to clear */
  uint32_t slot = l->timers.find(static_cast<TimerId>(v));
  if (slot != kNotInHeap && (l->timers.slots[slot].flags & kTimerJs)) l->cancel_slot(slot);
  return 0;
}

inline void install_native_timers(duk_context* ctx, LoopImpl* l) {
  static const struct {
    const char* name;
    duk_c_function fn;
    duk_idx_t nargs;
    int magic;
  } fns[] = {{"setTimeout", js_set_timer, DUK_VARARGS, 0},
             {"setInterval", js_set_timer, DUK_VARARGS, 1},
             {"clearTimeout", js_clear_timer, 1, 0},
             {"clearInterval", js_clear_timer, 1, 0}};
  duk_push_global_object(ctx);
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    duk_push_c_function(ctx, fns[i].fn, fns[i].nargs);
    duk_set_magic(ctx, -1, fns[i].magic);
    tag_with_loop(ctx, l);
    duk_push_literal(ctx, "name");
    duk_push_string(ctx, fns[i].name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE); /* .name is read-only */
    duk_put_prop_string(ctx, -2, fns[i].name);
  }
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
