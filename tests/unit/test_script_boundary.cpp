/* The script boundary (issue 18) where a script alone cannot set it up:
 * bytes from outside the heap. A hostile script's own attacks are in
 * the scripts in tests/security. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <stdlib.h>
#include <string>

using namespace test_support;

/* process.argv and process.env were pushed as raw bytes: an argument
 * "\xFFloop" was the hidden key of the loop pointer on setTimeout (the C++
 * loop) and of the ECMAScript loop's timer state. They are decoded as UTF-8
 * now, each invalid byte U+FFFD, so no outside string is a Duktape symbol. */
TEST_CASE("argv and env with invalid UTF-8 never name a hidden key") {
  setenv("EVLOOP_TEST_\xff", "\xff" "loop", 1);
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
    CAPTURE(m);
    TestHeap h(mode);
    REQUIRE(h.loop);
    const char* argv[] = {"evloop", "\xff" "loop", "\x80" "x", "caf\xc3\xa9", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    h.loop->set_argv(6, argv);
    REQUIRE(h.loop->install(evloop::kBindAll));
    CHECK(js(h.ctx, "var a = process.argv; String(a[1] === '\\ufffdloop' && a[2] === '\\ufffdx' && a[3] === 'caf\\u00e9')") ==
          "true");
    CHECK(js(h.ctx, "String(process.argv[4] === '\\ufffd\\ufffd\\ufffd' && process.argv[5] === '\\ufffd\\ufffd\\ufffd\\ufffd')") ==
          "true");
    CHECK(js(h.ctx, "typeof setTimeout[process.argv[1]] + ' ' + typeof setInterval[process.argv[1]]") ==
          "undefined undefined");
    CHECK(js(h.ctx, "String(process.env['EVLOOP_TEST_\\ufffd'] === '\\ufffdloop')") == "true");
  }
  unsetenv("EVLOOP_TEST_\xff");
}
