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

inline void install_cli(LoopImpl* l, unsigned) {
  duk_context* ctx = l->ctx;
  duk_push_global_object(ctx);
  duk_push_c_function(ctx, js_print, DUK_VARARGS);
  duk_put_prop_literal(ctx, -2, "print");
  duk_push_object(ctx); /* process */
  duk_push_array(ctx);
  for (int i = 0; i < l->argc; i++) {
    duk_push_string(ctx, l->argv[i]);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(i));
  }
  duk_put_prop_literal(ctx, -2, "argv");
  duk_push_object(ctx);
  for (char** e = environ; e && *e; e++) {
    const char* eq = strchr(*e, '=');
    if (!eq) continue;
    duk_push_lstring(ctx, *e, static_cast<duk_size_t>(eq - *e));
    duk_push_string(ctx, eq + 1);
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
