/* Globals for command line tools: print(...) and process (argv, env, exit). */
#pragma once
#include "../core/loop.hpp"

extern char** environ;

namespace evloop {
namespace detail {

/* print(...): arguments joined by spaces plus a newline, to stdout. A single
 * buffer argument is written as raw bytes (as the original's print). */
inline duk_ret_t js_print(duk_context* ctx) {
  duk_idx_t n = duk_get_top(ctx);
  if (n == 1 && duk_is_buffer_data(ctx, 0)) {
    duk_size_t len = 0;
    const void* p = duk_get_buffer_data(ctx, 0, &len);
    fwrite(p, 1, len, stdout);
    return 0;
  }
  for (duk_idx_t i = 0; i < n; i++) duk_to_string(ctx, i); /* may throw: nothing written yet */
  duk_push_literal(ctx, " ");
  duk_insert(ctx, 0);
  duk_join(ctx, n);
  duk_size_t len = 0;
  const char* s = duk_get_lstring(ctx, -1, &len);
  fwrite(s, 1, len, stdout);
  fputc('\n', stdout);
  return 0;
}

/* process.exit([code]): the host's Options::on_process_exit first (the CLI
 * ends the process there); otherwise no further callback runs, the host's
 * run() returns with the code, and the loop's exit signal unwinds the
 * script (recognised by the loop, never reported as an error). */
inline duk_ret_t js_process_exit(duk_context* ctx) {
  int code = duk_is_undefined(ctx, 0) ? 0 : duk_to_int(ctx, 0);
  LoopImpl* l = loop_of(ctx);
  fflush(stdout);
  if (l->exit_hook) l->exit_hook(*l, code, l->exit_user);
  l->exiting = false;
  l->request_exit(code);
  duk_push_heapptr(ctx, l->exit_signal);
  return duk_throw(ctx);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none:
 * shortest form only, no surrogates, at most U+10FFFF (RFC 3629). */
inline size_t utf8_sequence(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((p[i] & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
  if (c == 0xed && p[1] > 0x9f) return 0; /* a surrogate */
  if (c == 0xf0 && p[1] < 0x90) return 0; /* overlong */
  if (c == 0xf4 && p[1] > 0x8f) return 0; /* above U+10FFFF */
  return len;
}
/* [ ... ] -> [ ... string ]: bytes from outside (argv, environ) decoded as
 * UTF-8, each invalid byte as U+FFFD (as TextDecoder does). Pushed raw, a
 * string starting with 0xFF or 0x80..0xBF would be a Duktape symbol: a
 * hidden key (`./evloop x.js $'\xffloop'` named the key of the loop's
 * internals), never what a script gets from process.argv. */
inline void push_outside_string(duk_context* ctx, const char* s, size_t n) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s);
  size_t valid = 0, len;
  while (valid < n && (len = utf8_sequence(p + valid, n - valid)) != 0) valid += len;
  if (valid == n) { /* the usual case: as it is */
    duk_push_lstring(ctx, s, n);
    return;
  }
  unsigned char* out = static_cast<unsigned char*>(duk_push_fixed_buffer(ctx, 3 * n)); /* U+FFFD: 3 bytes */
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    len = utf8_sequence(p + i, n - i);
    if (len) {
      memcpy(out + o, p + i, len);
      o += len;
      i += len;
    } else {
      out[o++] = 0xef;
      out[o++] = 0xbf;
      out[o++] = 0xbd;
      i++;
    }
  }
  duk_push_lstring(ctx, reinterpret_cast<const char*>(out), o);
  duk_remove(ctx, -2);
}

inline void install_cli(LoopImpl* l, unsigned) {
  duk_context* ctx = l->ctx;
  duk_push_global_object(ctx);
  duk_push_c_function(ctx, js_print, DUK_VARARGS);
  duk_put_prop_literal(ctx, -2, "print");
  duk_push_object(ctx); /* process */
  duk_push_array(ctx);
  for (int i = 0; i < l->argc; i++) {
    push_outside_string(ctx, l->argv[i], strlen(l->argv[i]));
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i));
  }
  duk_put_prop_literal(ctx, -2, "argv");
  duk_push_object(ctx);
  for (char** e = environ; e && *e; e++) {
    const char* eq = strchr(*e, '=');
    if (!eq) continue;
    push_outside_string(ctx, *e, static_cast<size_t>(eq - *e));
    push_outside_string(ctx, eq + 1, strlen(eq + 1));
    duk_put_prop(ctx, -3);
  }
  duk_put_prop_literal(ctx, -2, "env");
  duk_push_c_function(ctx, js_process_exit, 1);
  duk_put_prop_literal(ctx, -2, "exit");
  duk_put_prop_literal(ctx, -2, "process");
  duk_pop(ctx);
}

} /* namespace detail */
} /* namespace evloop */
