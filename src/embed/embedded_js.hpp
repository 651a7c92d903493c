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

} /* namespace detail */
} /* namespace evloop */
