/* The embedded JS sources (ecma_loop.js, ecma_stream.js, net.js): each is
 * an EmbeddedJs the generator defines next to its text. An
 * EVLOOP_COMPRESSED_JS build holds them deflated (62.6 KB of JS in 16.9 KB)
 * and inflates one into a temporary buffer on the Duktape heap when it is
 * compiled: at start-up for the ECMAScript loop, on first use for net. */
#pragma once
#include "../api/config.hpp"
#include "inflate.hpp"

namespace evloop {
namespace detail {

struct EmbeddedJs {
  const char* data;
  size_t size;     /* bytes at data */
  size_t inflated; /* the source's length when data is deflated; 0: data is the source */
};

/* [ ... ] -> [ ... function ]: compiles js (DUK_COMPILE_EVAL) as `filename`.
 * Throws like duk_compile (syntax errors cannot happen: the suites compile
 * every source), or when the buffer cannot be allocated. */
inline void compile_embedded(duk_context* ctx, const char* filename, const EmbeddedJs& js) {
#if !defined(EVLOOP_COMPRESSED_JS)
  duk_push_string(ctx, filename);
  duk_compile_lstring_filename(ctx, DUK_COMPILE_EVAL, js.data, js.size);
#else
  uint8_t* text = static_cast<uint8_t*>(duk_push_fixed_buffer(ctx, js.inflated));
  if (!inflate(reinterpret_cast<const uint8_t*>(js.data), js.size, text, js.inflated))
    (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: %s: the embedded source does not inflate", filename);
  duk_push_string(ctx, filename);
  duk_compile_lstring_filename(ctx, DUK_COMPILE_EVAL, reinterpret_cast<const char*>(text), js.inflated);
  duk_remove(ctx, -2); /* the buffer */
#endif
}

/* ---- Placeholders of JS compiled on first use ----
 * net.js (install.hpp) and the ECMAScript loop's parts (ecma_bridge.hpp) are
 * installed as placeholders that load the source on first use, then put
 * the real function wherever a placeholder is still in place. */

/* [ ... ] -> [ ... ]: makes obj[name] a writable, configurable data property
 * holding the value at index `value`. */
inline void define_data(duk_context* ctx, duk_idx_t obj, const char* name, duk_idx_t value, bool enumerable = false) {
  obj = duk_normalize_index(ctx, obj);
  value = duk_normalize_index(ctx, value);
  duk_push_string(ctx, name);
  duk_dup(ctx, value);
  duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE | DUK_DEFPROP_SET_CONFIGURABLE |
                             (enumerable ? DUK_DEFPROP_SET_ENUMERABLE : DUK_DEFPROP_CLEAR_ENUMERABLE));
}

/* True if obj's own property `name` still holds the placeholder function at
 * index `placeholder`: as its getter (accessor), else as its value (and,
 * with writable_only, in a writable property). */
inline bool placeholder_in_place(duk_context* ctx, duk_idx_t obj, const char* name, duk_idx_t placeholder,
                                 bool accessor, bool writable_only = false) {
  obj = duk_normalize_index(ctx, obj);
  placeholder = duk_normalize_index(ctx, placeholder);
  duk_push_string(ctx, name);
  duk_get_prop_desc(ctx, obj, 0); /* [ desc | undefined ] */
  bool ours = false;
  if (duk_is_object(ctx, -1)) {
    duk_get_prop_string(ctx, -1, accessor ? "get" : "value");
    ours = duk_is_function(ctx, placeholder) && duk_strict_equals(ctx, -1, placeholder);
    duk_pop(ctx);
    if (ours && writable_only) {
      duk_get_prop_literal(ctx, -1, "writable");
      ours = duk_to_boolean(ctx, -1) != 0;
      duk_pop(ctx);
    }
  }
  duk_pop(ctx);
  return ours;
}

/* ---- Built-ins captured at install ----
 * net.js and ecma_stream.js are compiled on first use, after the script may
 * have replaced Array.prototype.push, Function.prototype.call, Math.floor
 * and the like; a broken shim then lost queued bytes (issue 18: 274,837
 * bytes of a 4 MiB write, and a spin). So the built-ins they call are taken
 * here, at install, into their env (the state object): call and apply
 * uncurried (env.call(fn, self, a, b) is fn.call(self, a, b) with the
 * original call; one bind at install), the rest as the functions themselves
 * (constructors, static functions, and prototype methods used through
 * env.call). */
struct CapturedBuiltin {
  const char* global;    /* a global object */
  const char* property;  /* nullptr: the global itself; else a property of it */
  bool of_prototype;     /* property of global.prototype */
  const char* key;       /* its name in env */
};

/* [ ... env ... ] -> [ ... env ... ] */
inline void capture_builtins(duk_context* ctx, duk_idx_t env) {
  static const CapturedBuiltin list[] = {
      {"Array", "slice", true, "slice"},        {"Array", "splice", true, "splice"},
      {"Array", "concat", true, "concat"},      {"Function", "bind", true, "bind"},
      {"Math", "floor", false, "floor"},        {"Math", "ceil", false, "ceil"},
      {"Math", "min", false, "min"},            {"String", "fromCharCode", false, "fromCharCode"},
      {"String", "replace", true, "replace"},
      {"Uint8Array", "subarray", true, "subarray"},
      {"ArrayBuffer", "isView", false, "isView"},
      {"Object", "keys", false, "keys"},        {"Object", "create", false, "create"},
      {"Object", "defineProperty", false, "defineProperty"},
      {"Object", "getPrototypeOf", false, "getPrototypeOf"},
      {"Error", nullptr, false, "Error"},       {"TypeError", nullptr, false, "TypeError"},
      {"RangeError", nullptr, false, "RangeError"}, {"Uint8Array", nullptr, false, "Uint8Array"},
      {"ArrayBuffer", nullptr, false, "ArrayBuffer"}, {"String", nullptr, false, "String"},
      {"Number", nullptr, false, "Number"},      {"TextEncoder", "encode", true, "encode"}};
  env = duk_normalize_index(ctx, env);
  duk_push_global_object(ctx);
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
    duk_get_prop_string(ctx, -1, list[i].global);
    if (list[i].property) { /* undefined when a build lacks the global */
      if (list[i].of_prototype && duk_is_object(ctx, -1)) {
        duk_get_prop_literal(ctx, -1, "prototype");
        duk_remove(ctx, -2);
      }
      if (duk_is_object(ctx, -1)) duk_get_prop_string(ctx, -1, list[i].property);
      else duk_push_undefined(ctx);
      duk_remove(ctx, -2);
    }
    duk_put_prop_string(ctx, env, list[i].key);
  }
  /* call.bind(call) and call.bind(apply): [ global ] -> [ global ] */
  duk_get_prop_literal(ctx, -1, "Function");
  duk_get_prop_literal(ctx, -1, "prototype");
  duk_remove(ctx, -2); /* [ global FP ] */
  static const char* const uncurried[] = {"call", "apply"};
  for (int i = 0; i < 2; i++) {
    duk_get_prop_literal(ctx, -1, "bind");
    duk_get_prop_literal(ctx, -2, "call");         /* this: call */
    duk_get_prop_string(ctx, -3, uncurried[i]);    /* the bound this: call or apply */
    duk_call_method(ctx, 1);
    duk_put_prop_string(ctx, env, uncurried[i]);
  }
  duk_pop_2(ctx);
}

} /* namespace detail */
} /* namespace evloop */
