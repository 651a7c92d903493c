/* The CMake example's program (examples/cmake/CMakeLists.txt): a Duktape heap,
 * an evloop::Loop and a script with one timer. */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <stdio.h>

int main() {
  duk_context* ctx = duk_create_heap_default();
  evloop::Loop* loop = ctx ? evloop::Loop::create(ctx) : nullptr;
  if (!loop || !loop->install(evloop::kBindAll)) return 1;
  int rc = duk_peval_string(ctx, "setTimeout(function (a, b) { print('hello from a timer:', a + b); }, 10, 40, 2);");
  if (rc != 0) fprintf(stderr, "%s\n", duk_safe_to_stacktrace(ctx, -1));
  duk_pop(ctx);
  int status = rc != 0 ? 1 : loop->run();
  loop->destroy();
  duk_destroy_heap(ctx);
  return status;
}
