/* The embedded JS sources (ecma_loop.js, ecma_stream.js, net.js): each is
 * an EmbeddedJs the generator defines next to its text. An
 * EVLOOP_COMPRESSED_JS build holds them deflated (62.6 KB of JS in 16.9 KB)
 * and inflates one into a temporary buffer on the Duktape heap when it is
 * compiled: at start-up for the ECMAScript loop, on first use for net. */

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

} /* namespace detail */
} /* namespace evloop */
