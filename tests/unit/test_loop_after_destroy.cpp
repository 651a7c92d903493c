/* A heap may outlive its loop: the bindings must then throw, not touch freed
 * memory (the timer functions cache their loop pointer). */
#include <doctest/doctest.h>
#include "evloop.hpp"

#include <string>

TEST_CASE("bindings throw after the loop is destroyed, in both modes") {
  for (int mode = 0; mode < 2; mode++) {
    CAPTURE(mode);
    duk_context* ctx = duk_create_heap_default();
    REQUIRE(ctx);
    evloop::Options options;
    options.mode = mode ? evloop::Mode::Ecma : evloop::Mode::Native;
    evloop::Loop* loop = evloop::Loop::create(ctx, options);
    REQUIRE(loop);
    REQUIRE(loop->install(evloop::kBindAll));
    REQUIRE(duk_peval_string(ctx, "var keep = setTimeout; keep(function () {}, 5); 1") == 0);
    duk_pop(ctx);
    loop->destroy();
    CHECK(evloop::Loop::of(ctx) == nullptr);
    // Through the global and through a saved reference: an Error each time.
    CHECK(duk_peval_string(ctx, "setTimeout(function () {}, 1)") != 0);
    std::string first = duk_safe_to_string(ctx, -1);
    duk_pop(ctx);
    CHECK(duk_peval_string(ctx, "keep(function () {}, 1)") != 0);
    duk_pop(ctx);
    CHECK(first.find("Error") != std::string::npos);
    CHECK(duk_peval_string(ctx, "clearTimeout(1); 'clearTimeout never throws'") == 0);
    duk_pop(ctx);
    // A new loop on the same heap works again.
    evloop::Loop* again = evloop::Loop::create(ctx, options);
    REQUIRE(again);
    REQUIRE(again->install(evloop::kBindAll));
    REQUIRE(duk_peval_string(ctx, "var fired = 0; setTimeout(function () { fired++; }, 0); 1") == 0);
    duk_pop(ctx);
    again->run();
    REQUIRE(duk_peval_string(ctx, "fired") == 0);
    CHECK(duk_get_int(ctx, -1) == 1);
    duk_pop(ctx);
    again->destroy();
    duk_destroy_heap(ctx);
  }
}
