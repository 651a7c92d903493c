/* Loop::install: registers the JS bindings a host asks for. */

namespace evloop {
namespace detail {

struct InstallArgs {
  LoopImpl* loop;
  unsigned bindings;
};

/* Registration allocates and may throw: it runs under duk_safe_call. */
inline duk_ret_t install_protected(duk_context* ctx, void* udata) {
  InstallArgs* a = static_cast<InstallArgs*>(udata);
  unsigned b = a->bindings;
  if (a->loop->mode_ == Mode::Ecma) {
    if (b & (kBindTimers | kBindEventLoop)) install_ecma_loop(a->loop, b & (kBindTimers | kBindEventLoop));
  } else {
    if (b & kBindTimers) install_native_timers(ctx, a->loop);
    if (b & kBindEventLoop) install_native_eventloop(ctx);
  }
  if (b & kBindPoll) install_poll(ctx);
  if (b & kBindFileIo) install_fileio(ctx);
  if (b & kBindCli) install_cli(a->loop);
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
