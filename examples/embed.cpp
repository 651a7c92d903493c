/* embed.cpp: a host program that embeds Duktape and evloop, adds its own
 * native C++ timer next to the script's JS timers, and runs a script.
 *
 *   build/embed
 */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <stdio.h>

struct HostState {
  int ticks;
};

/* A native timer: a host tick, in the same heap as the JS timers. */
static void host_tick(evloop::Loop& loop, evloop::TimerId id, void* user) {
  HostState* state = static_cast<HostState*>(user);
  printf("host tick %d at %.0f ms\n", ++state->ticks, loop.now_ns() / 1e6);
  if (state->ticks == 3) loop.cancel_timer(id);
}

static const char* kScript =
    "var n = 0;\n"
    "var id = setInterval(function () {\n"
    "  print('script tick', ++n);\n"
    "  if (n === 2) clearInterval(id);\n"
    "}, 150);\n"
    "setTimeout(function () { print('script done'); }, 400);\n";

int main() {
  duk_context* ctx = duk_create_heap_default();
  /* A virtual clock makes the output the same on every run; a real host
   * would leave Options::clock alone. */
  evloop::VirtualClock clock;
  evloop::Options options;
  options.clock = clock.clock();
  evloop::Loop* loop = evloop::Loop::create(ctx, options);
  if (!loop || !loop->install(evloop::kBindAll)) return 1;

  HostState state = {0};
  loop->add_timer(100, 100, host_tick, &state);

  int rc = duk_peval_string(ctx, kScript);
  if (rc != 0) fprintf(stderr, "%s\n", duk_safe_to_stacktrace(ctx, -1));
  duk_pop(ctx);

  int status = rc != 0 ? 1 : loop->run();
  evloop::Stats s = loop->stats();
  printf("callbacks run: %llu, errors: %llu\n", static_cast<unsigned long long>(s.callbacks_run),
         static_cast<unsigned long long>(s.errors));
  loop->destroy();
  duk_destroy_heap(ctx);
  return status;
}
