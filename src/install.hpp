/* Loop::install: registers the JS bindings a host asks for. */

namespace evloop {
namespace detail {

#if defined(EVLOOP_HAVE_SOCKETS)
extern const char kNetSource[];
#if defined(EVLOOP_HAVE_ECMA_LOOP)
extern const char kEcmaStreamSource[];
#endif

/* [ ] -> [ ]: the seed Socket global, then net.js over the stream engine of
 * the loop's kind: C++ (stream.hpp) or, with the ECMAScript loop, JS
 * (ecma_stream.js, given the loop's control.streamLoop). net.js gets the
 * timer functions as they are now, so a script replacing them later cannot
 * break it. Runs under duk_safe_call (see install_protected). */
inline void install_sockets(LoopImpl* l, unsigned bindings) {
  duk_context* ctx = l->ctx;
  if (bindings & kBindSocket) install_socket_global(ctx);
  duk_push_literal(ctx, "evloop:net.js");
  duk_compile_string_filename(ctx, DUK_COMPILE_EVAL, kNetSource);
  duk_call(ctx, 0);             /* [ net ] */
  push_socket_natives(ctx, l); /* [ net native ] */
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (l->ecma) {
    duk_push_heapptr(ctx, l->ecma);
    duk_get_prop_literal(ctx, -1, "streamLoop");
    duk_remove(ctx, -2);
  } else {
    duk_push_undefined(ctx); /* the C++ loop */
  }
  if (duk_is_object(ctx, -1)) { /* [ net native streamLoop ] */
    duk_push_literal(ctx, "evloop:ecma_stream.js");
    duk_compile_string_filename(ctx, DUK_COMPILE_EVAL, kEcmaStreamSource);
    duk_call(ctx, 0);  /* [ net native streamLoop makeStream ] */
    duk_dup(ctx, -3);
    duk_dup(ctx, -3);
    duk_call(ctx, 2);  /* [ net native streamLoop stream ] */
    duk_remove(ctx, -2);
  } else {
    duk_pop(ctx);
    push_native_stream(ctx, l);
  }
#else
  push_native_stream(ctx, l); /* the only loop: the C++ one */
#endif
  duk_push_global_object(ctx); /* [ net native stream global ] */
  duk_get_prop_literal(ctx, -1, "setTimeout");
  duk_get_prop_literal(ctx, -2, "clearTimeout");
  duk_push_uint(ctx, bindings);
  duk_call(ctx, 6);
  duk_pop(ctx);
}
#endif /* EVLOOP_HAVE_SOCKETS */

struct InstallArgs {
  LoopImpl* loop;
  unsigned bindings;
};

/* Registration allocates and may throw: it runs under duk_safe_call. A
 * binding the build left out is an error that names its option, before
 * anything is installed. */
inline duk_ret_t install_protected(duk_context* ctx, void* udata) {
  InstallArgs* a = static_cast<InstallArgs*>(udata);
  unsigned b = a->bindings;
  static const struct {
    unsigned bit;
    const char* name;
    const char* option;
  } left_out[] = {{kBindFileIo, "kBindFileIo", "EVLOOP_NO_FILEIO"},
                  {kBindSocket, "kBindSocket", "EVLOOP_NO_SOCKETS"},
                  {kBindNet, "kBindNet", "EVLOOP_NO_NET"}};
  for (size_t i = 0; i < sizeof left_out / sizeof left_out[0]; i++)
    if ((b & left_out[i].bit) && !(kBindAll & left_out[i].bit))
      return duk_error(ctx, DUK_ERR_ERROR, "evloop: install: %s is not in this build (%s)", left_out[i].name,
                       left_out[i].option);
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  if (a->loop->mode_ == Mode::Ecma) {
    if (b & (kBindTimers | kBindEventLoop)) install_ecma_loop(a->loop, b & (kBindTimers | kBindEventLoop));
  } else
#endif
  {
    if (b & kBindTimers) install_native_timers(ctx, a->loop);
    if (b & kBindEventLoop) install_native_eventloop(ctx);
  }
  if (b & kBindPoll) install_poll(ctx);
#if defined(EVLOOP_HAVE_FILEIO)
  if (b & kBindFileIo) install_fileio(ctx);
#endif
  if (b & kBindCli) install_cli(a->loop);
#if defined(EVLOOP_HAVE_SOCKETS)
  if (b & (kBindSocket | kBindNet)) install_sockets(a->loop, b);
#endif
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
