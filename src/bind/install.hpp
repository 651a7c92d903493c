/* Loop::install: registers the JS bindings a host asks for. */
#pragma once
#include "../core/loop.hpp"
#include "../core/errors.hpp"
#include "../embed/embedded_js.hpp"
#include "bind_timers.hpp"
#include "bind_eventloop.hpp"
#include "bind_poll.hpp"
#include "bind_fileio.hpp"
#include "bind_cli.hpp"
#include "../ecma/ecma_bridge.hpp"
#include "../net/bind_socket.hpp"
#include "../net/stream.hpp"
#include "bindings.hpp"
// @embed ../net/ecma_stream.js as kEcmaStreamJs
// @embed ../net/net.js as kNetJs

namespace evloop {
namespace detail {

#if defined(EVLOOP_HAVE_SOCKETS)
extern const EmbeddedJs kNetJs;
#if defined(EVLOOP_HAVE_ECMA_LOOP)
extern const EmbeddedJs kEcmaStreamJs;
#endif

/* ---- net.js, loaded on first use ----
 * Compiling net.js (and ecma_stream.js) took most of the start-up time
 * (an empty script, median CPU time: ./evloop -c 6.4 -> 2.5 ms, ./evloop
 * 8.7 -> 4.1 ms; the --pool peak 367 -> 151 KB and 473 -> 204 KB), so
 * install only puts placeholders in place: the globals `net` and
 * `EventEmitter` (kBindNet) are accessors, the seed EventLoop.server/
 * connect/setReader/write/close (kBindSocket) native stubs. The first get
 * of either global or the first call of a stub loads net.js, which returns
 * its exports; every placeholder still in place (a script may have
 * assigned, deleted or redefined one meanwhile) then becomes what net.js
 * defined before: a data property, writable, configurable, not enumerable.
 * A stub saved earlier forwards to the real function. Assigning a global
 * before any use loads nothing (the setter makes it a data property).
 *
 * All of it shares one state object, in the heap stash (EVLOOP_STASH_NET:
 * never on anything a script reaches, see tag_with_loop): the env net.js
 * gets (the globals it uses, as at install), the EventLoop object and the
 * ECMAScript stream loop as at install, the placeholders, and once loaded
 * the exports. The placeholders are tagged with the loop (tag_with_loop),
 * so one used after Loop::destroy throws, also when the heap has a new
 * loop (with its own state). Loading runs in a JS call (a getter or a
 * stub): its errors (out of memory while compiling) are thrown to the
 * script, and a later use tries again. (A host reading `net` from C++ does
 * so in a protected call, as it would for any getter.) */

const int kNetSeeds = 5;
inline const char* net_seed_name(int i) {
  static const char* const names[kNetSeeds] = {"server", "connect", "setReader", "write", "close"};
  return names[i];
}
#if defined(EVLOOP_HAVE_NET)
inline const char* net_global_name(int i) { return i ? "EventEmitter" : "net"; }
inline const char* net_getter_key(int i) { return i ? "getEventEmitter" : "getNet"; }
#endif

/* [ ... ] -> [ ... state ]: the state of the running placeholder's loop;
 * throws once that loop is destroyed. */
inline duk_idx_t push_net_state(duk_context* ctx) {
  if (!loop_of_function(ctx)) (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: the event loop of net was destroyed");
  duk_push_heap_stash(ctx);
  duk_get_prop_literal(ctx, -1, EVLOOP_STASH_NET);
  duk_remove(ctx, -2);
  if (!duk_is_object(ctx, -1)) (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: the event loop of net was destroyed");
  return duk_get_top_index(ctx);
}

/* True if obj's own property `name` is still the placeholder holder[key]
 * (its getter for an accessor, else its value). */
inline bool net_placeholder_in_place(duk_context* ctx, duk_idx_t obj, const char* name, duk_idx_t holder,
                                     const char* key, bool accessor) {
  obj = duk_normalize_index(ctx, obj);
  duk_get_prop_string(ctx, holder, key);
  bool ours = placeholder_in_place(ctx, obj, name, -1, accessor);
  duk_pop(ctx);
  return ours;
}

/* [ ... state ... ] -> [ ... state ... exports ]: loads net.js once. */
inline void net_load(duk_context* ctx, duk_idx_t state) {
  state = duk_normalize_index(ctx, state);
  if (duk_get_prop_literal(ctx, state, "exports")) return;
  duk_pop(ctx);
  LoopImpl* l = loop_of_function(ctx); /* push_net_state checked it */
  if (!l) (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: the event loop of net was destroyed");
  compile_embedded(ctx, "evloop:net.js", kNetJs);
  duk_call(ctx, 0);            /* [ factory ] */
  push_socket_natives(ctx, l); /* [ factory native ] */
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (duk_get_prop_literal(ctx, state, "streamLoop")) {
    duk_call(ctx, 0); /* [ factory native streamLoop ]: loads ecma_watch.js (ecma_bridge.hpp) */
    compile_embedded(ctx, "evloop:ecma_stream.js", kEcmaStreamJs);
    duk_call(ctx, 0); /* [ factory native streamLoop makeStream ] */
    duk_dup(ctx, -3);
    duk_dup(ctx, -3);
    duk_dup(ctx, state);
    duk_call(ctx, 3); /* [ factory native streamLoop stream ] */
    duk_remove(ctx, -2);
  } else {
    duk_pop(ctx);
    push_native_stream(ctx, l);
  }
#else
  push_native_stream(ctx, l); /* the only loop: the C++ one */
#endif
  duk_dup(ctx, state);
  duk_call(ctx, 3); /* [ exports ] */
  duk_dup_top(ctx);
  duk_put_prop_literal(ctx, state, "exports");
  /* Every placeholder still in place becomes the real thing. */
  duk_idx_t exports = duk_get_top_index(ctx);
#if defined(EVLOOP_HAVE_NET)
  duk_push_global_object(ctx);
  for (int i = 0; i < 2; i++)
    if (net_placeholder_in_place(ctx, -1, net_global_name(i), state, net_getter_key(i), true)) {
      duk_get_prop_string(ctx, exports, net_global_name(i));
      define_data(ctx, -2, net_global_name(i), -1);
      duk_pop(ctx);
    }
  duk_pop(ctx);
#endif
  if (duk_get_prop_literal(ctx, state, "eventLoop")) {
    duk_get_prop_literal(ctx, state, "stubs"); /* [ exports eventLoop stubs ] */
    for (int i = 0; i < kNetSeeds; i++)
      if (net_placeholder_in_place(ctx, -2, net_seed_name(i), -1, net_seed_name(i), false)) {
        duk_get_prop_string(ctx, exports, net_seed_name(i));
        define_data(ctx, -3, net_seed_name(i), -1);
        duk_pop(ctx);
      }
    duk_pop(ctx);
  }
  duk_pop(ctx);
}

#if defined(EVLOOP_HAVE_NET)
/* The getter of `net` / `EventEmitter` (magic 0 / 1) until the first load. */
inline duk_ret_t net_global_get(duk_context* ctx) {
  duk_idx_t state = push_net_state(ctx);
  net_load(ctx, state);
  duk_get_prop_string(ctx, -1, net_global_name(magic_value(ctx) & 1));
  return 1;
}

/* Their setter: `net = x` before any use makes `net` a data property, as the
 * assignment would have, without loading net.js. */
inline duk_ret_t net_global_set(duk_context* ctx) {
  duk_push_global_object(ctx);
  define_data(ctx, -1, net_global_name(magic_value(ctx) & 1), 0);
  return 0;
}
#endif

/* A seed EventLoop function (magic: net_seed_name) until the first load:
 * loads, then calls the real one with the same `this` and arguments. */
inline duk_ret_t net_seed_stub(duk_context* ctx) {
  duk_idx_t nargs = duk_get_top(ctx);
  duk_idx_t state = push_net_state(ctx);
  net_load(ctx, state); /* [ args state exports ] */
  duk_get_prop_string(ctx, -1, net_seed_name(magic_value(ctx) % kNetSeeds));
  duk_push_this(ctx);
  for (duk_idx_t i = 0; i < nargs; i++) duk_dup(ctx, i);
  duk_call_method(ctx, nargs);
  return 1;
}

/* [ ... ] -> [ ... fn ]: a placeholder function of the loop's net state. */
inline void push_net_placeholder(duk_context* ctx, LoopImpl* l, duk_c_function fn, duk_idx_t nargs, int magic) {
  duk_push_c_function(ctx, fn, nargs);
  duk_set_magic(ctx, -1, magic);
  tag_with_loop(ctx, l);
}

/* [ ] -> [ ]: the seed Socket global, then the placeholders of net.js
 * (above). net.js runs over the stream engine of the loop's kind as it is
 * at install: C++ (stream.hpp) or, with the ECMAScript loop, JS
 * (ecma_stream.js, given the loop's control.streamLoop). Runs under
 * duk_safe_call (see install_protected). */
inline void install_sockets(LoopImpl* l, unsigned bindings) {
  duk_context* ctx = l->ctx;
  if (bindings & kBindSocket) install_socket_global(ctx);
  duk_idx_t state = duk_get_top(ctx);
  duk_push_bare_object(ctx); /* no prototype: a script's Object.prototype cannot reach in */
  duk_push_heap_stash(ctx);
  duk_dup(ctx, state);
  duk_put_prop_literal(ctx, -2, EVLOOP_STASH_NET);
  duk_pop(ctx);
  duk_idx_t global = state + 1;
  duk_push_global_object(ctx);
  static const char* const env[] = {"setTimeout", "clearTimeout", "Buffer", "TextDecoder", "TextEncoder", "Duktape"};
  for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
    duk_get_prop_string(ctx, global, env[i]);
    duk_put_prop_string(ctx, state, env[i]);
  }
  capture_builtins(ctx, state); /* before the script runs: see embedded_js.hpp */
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (l->ecma) {
    duk_push_heapptr(ctx, l->ecma);
    duk_get_prop_literal(ctx, -1, "streamLoop"); /* a placeholder that returns it */
    if (duk_is_function(ctx, -1)) duk_put_prop_literal(ctx, state, "streamLoop");
    else duk_pop(ctx);
    duk_pop(ctx);
  }
#endif
#if defined(EVLOOP_HAVE_NET)
  if (bindings & kBindNet)
    for (int i = 0; i < 2; i++) {
      duk_push_string(ctx, net_global_name(i));
      push_net_placeholder(ctx, l, net_global_get, 0, i);
      duk_dup_top(ctx);
      duk_put_prop_string(ctx, state, net_getter_key(i));
      push_net_placeholder(ctx, l, net_global_set, 1, i); /* [ ... name get set ] */
      duk_def_prop(ctx, global,
                   DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_HAVE_SETTER | DUK_DEFPROP_SET_CONFIGURABLE |
                       DUK_DEFPROP_CLEAR_ENUMERABLE);
    }
#endif
  if (bindings & kBindSocket) {
    duk_get_prop_literal(ctx, global, "EventLoop"); /* the seed API goes on this one */
    if (duk_is_object(ctx, -1)) {
      duk_idx_t event_loop = duk_get_top_index(ctx);
      duk_dup(ctx, event_loop);
      duk_put_prop_literal(ctx, state, "eventLoop");
      duk_push_bare_object(ctx); /* stubs */
      for (int i = 0; i < kNetSeeds; i++) {
        push_net_placeholder(ctx, l, net_seed_stub, DUK_VARARGS, i);
        duk_dup_top(ctx);
        duk_put_prop_string(ctx, -3, net_seed_name(i));
        define_data(ctx, event_loop, net_seed_name(i), -1);
        duk_pop(ctx);
      }
      duk_put_prop_literal(ctx, state, "stubs");
    }
    duk_pop(ctx);
  }
  duk_set_top(ctx, state);
}
#endif /* EVLOOP_HAVE_SOCKETS */

/* ---- Duktape.act without evloop's own functions ----
 * Duktape.act(level).function hands a callback the functions below it on
 * the call stack: in the ECMAScript loop its run/turn/runTimers, in both
 * loops net.js's and the stream engine's internals, and natives only
 * evloop's JS calls (native.wait, the socket primitives). Called out of
 * turn they corrupt the loop (a nested turn inside a turn). So install
 * replaces Duktape.act with the same function (duk_inspect_callstack_entry,
 * as Duktape's own, with the same levels: -1 is act itself) that leaves
 * `function` out of an activation of evloop's compiled code (file name
 * "evloop:...") or of a native marked kMagicInternal. Everything else it
 * returns as Duktape does. */
inline bool is_evloop_internal(duk_context* ctx, duk_idx_t idx) {
  if (duk_is_c_function(ctx, idx)) return (duk_get_magic(ctx, idx) & kMagicInternal) != 0;
  if (!duk_is_ecmascript_function(ctx, idx)) return false;
  idx = duk_normalize_index(ctx, idx);
  duk_push_literal(ctx, "fileName");
  duk_get_prop_desc(ctx, idx, 0); /* own property only: no getter of a script runs */
  bool ours = false;
  if (duk_is_object(ctx, -1)) {
    duk_get_prop_literal(ctx, -1, "value");
    const char* file = duk_get_string(ctx, -1);
    ours = file && strncmp(file, "evloop:", 7) == 0;
    duk_pop(ctx);
  }
  duk_pop(ctx);
  return ours;
}
inline duk_ret_t js_duktape_act(duk_context* ctx) {
  duk_inspect_callstack_entry(ctx, duk_to_int(ctx, 0));
  if (duk_is_object(ctx, -1)) {
    duk_get_prop_literal(ctx, -1, "function");
    bool hide = is_evloop_internal(ctx, -1);
    duk_pop(ctx);
    if (hide) duk_del_prop_literal(ctx, -1, "function");
  }
  return 1;
}
/* [ ] -> [ ]: Duktape.act, if the heap has one, becomes js_duktape_act. */
inline void harden_duktape_act(duk_context* ctx) {
  duk_get_global_literal(ctx, "Duktape");
  if (duk_is_object(ctx, -1) && duk_has_prop_literal(ctx, -1, "act")) {
    duk_push_literal(ctx, "act");
    duk_push_c_function(ctx, js_duktape_act, 1);
    duk_push_literal(ctx, "name");
    duk_push_literal(ctx, "act");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
  }
  duk_pop(ctx);
}

struct InstallArgs {
  LoopImpl* loop;
  unsigned bindings;
};

/* The installer of kBindTimers and kBindEventLoop (bindings.hpp): each loop
 * has its own; the ECMAScript loop installs both at once. */
inline void install_loop_bindings(LoopImpl* l, unsigned bindings) {
  bindings &= kBindTimers | kBindEventLoop;
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (l->mode_ == Mode::Ecma) {
    install_ecma_loop(l, bindings);
    return;
  }
#endif
  if (bindings & kBindTimers) install_native_timers(l->ctx, l);
  if (bindings & kBindEventLoop) install_native_eventloop(l->ctx);
}

/* Registration allocates and may throw: it runs under duk_safe_call. A
 * binding the build left out is an error that names its option, before
 * anything is installed. The bindings and their installers are the feature
 * table's (src/features.json, generated into bindings.hpp). */
inline duk_ret_t install_protected(duk_context* ctx, void* udata) {
  InstallArgs* a = static_cast<InstallArgs*>(udata);
  const char* option = nullptr;
  if (const char* name = left_out_binding(a->bindings, &option))
    return duk_error(ctx, DUK_ERR_ERROR, "evloop: install: %s is not in this build (%s)", name, option);
  harden_duktape_act(ctx);
  static const BindingInstaller installers[] = {EVLOOP_BINDING_INSTALLERS};
  for (size_t i = 0; i < sizeof installers / sizeof installers[0]; i++)
    if (a->bindings & installers[i].bits) installers[i].install(a->loop, a->bindings);
  return 0;
}

} /* namespace detail */

bool Loop::install(unsigned bindings) {
  detail::LoopImpl* l = detail::impl(this);
  if (l->mode_ == Mode::Ecma && l->ecma) bindings &= ~static_cast<unsigned>(kBindTimers | kBindEventLoop);
  detail::InstallArgs args = {l, bindings};
  bool ok = duk_safe_call(l->ctx, detail::install_protected, &args, 0, 1) == DUK_EXEC_SUCCESS;
  if (ok) l->installed |= bindings;
  else {
    l->counters.errors++;
    l->report_default();
  }
  duk_pop(l->ctx);
  return ok;
}

} /* namespace evloop */
