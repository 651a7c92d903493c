/* Clock helpers: the JS delay rules, the millisecond wait rounding, saturating
 * deadline arithmetic and the monotonic clock. */
#include <doctest/doctest.h>
#define EVLOOP_INTERNALS
#include "evloop.hpp"

#include <cmath>
#include <limits>

using evloop::detail::add_saturated;
using evloop::detail::monotonic_ns;
using evloop::detail::normalize_delay_ms;
using evloop::detail::wait_ms_ceil;

TEST_CASE("normalize_delay_ms follows the HTML/Node delay rules") {
  CHECK(normalize_delay_ms(std::numeric_limits<double>::quiet_NaN()) == 0);
  CHECK(normalize_delay_ms(-1.0) == 0);
  CHECK(normalize_delay_ms(-1e300) == 0);
  CHECK(normalize_delay_ms(-std::numeric_limits<double>::infinity()) == 0);
  CHECK(normalize_delay_ms(0.0) == 0);
  CHECK(normalize_delay_ms(-0.0) == 0);
  CHECK(normalize_delay_ms(0.9) == 0);
  CHECK(normalize_delay_ms(0.999999) == 0);
  CHECK(normalize_delay_ms(1.0) == 1);
  CHECK(normalize_delay_ms(1.5) == 1);
  CHECK(normalize_delay_ms(10.7) == 10);  // truncated, not rounded
  CHECK(normalize_delay_ms(2147483646.9) == 2147483646);
  CHECK(normalize_delay_ms(2147483647.0) == 2147483647);  // 2^31-1 is still valid
  CHECK(normalize_delay_ms(2147483647.5) == 1);           // above 2^31-1
  CHECK(normalize_delay_ms(2147483648.0) == 1);           // 2^31 -> 1
  CHECK(normalize_delay_ms(1e300) == 1);
  CHECK(normalize_delay_ms(std::numeric_limits<double>::infinity()) == 1);
}

TEST_CASE("wait_ms_ceil never rounds a wait down and caps it") {
  CHECK(wait_ms_ceil(INT64_MIN) == 0);
  CHECK(wait_ms_ceil(-1) == 0);
  CHECK(wait_ms_ceil(0) == 0);
  CHECK(wait_ms_ceil(1) == 1);             // 1 ns -> 1 ms, never 0
  CHECK(wait_ms_ceil(999999) == 1);
  CHECK(wait_ms_ceil(1000000) == 1);       // exactly 1 ms -> 1, not 2
  CHECK(wait_ms_ceil(1000001) == 2);
  CHECK(wait_ms_ceil(1500000) == 2);
  CHECK(wait_ms_ceil(10000000) == 10);
  const int64_t cap_ns = static_cast<int64_t>(EVLOOP_MAX_WAIT_MS) * 1000000;
  CHECK(wait_ms_ceil(cap_ns - 1) == EVLOOP_MAX_WAIT_MS);
  CHECK(wait_ms_ceil(cap_ns) == EVLOOP_MAX_WAIT_MS);
  CHECK(wait_ms_ceil(cap_ns + 1) == EVLOOP_MAX_WAIT_MS);
  CHECK(wait_ms_ceil(static_cast<int64_t>(INT32_MAX) * 1000000) == EVLOOP_MAX_WAIT_MS);
  CHECK(wait_ms_ceil(INT64_MAX / 2) == EVLOOP_MAX_WAIT_MS);
  CHECK(wait_ms_ceil(INT64_MAX - 999999) == EVLOOP_MAX_WAIT_MS);  // the largest that cannot overflow
}

TEST_CASE("add_saturated clamps at the int64 limits") {
  CHECK(add_saturated(1, 2) == 3);
  CHECK(add_saturated(-5, 3) == -2);
  CHECK(add_saturated(0, INT64_MAX) == INT64_MAX);
  CHECK(add_saturated(0, INT64_MIN) == INT64_MIN);
  CHECK(add_saturated(INT64_MAX, 0) == INT64_MAX);
  CHECK(add_saturated(INT64_MAX, 1) == INT64_MAX);
  CHECK(add_saturated(INT64_MAX - 1, 1) == INT64_MAX);
  CHECK(add_saturated(INT64_MAX - 1, 2) == INT64_MAX);
  CHECK(add_saturated(INT64_MAX, INT64_MAX) == INT64_MAX);
  CHECK(add_saturated(INT64_MAX, -1) == INT64_MAX - 1);
  CHECK(add_saturated(INT64_MIN, -1) == INT64_MIN);
  CHECK(add_saturated(INT64_MIN + 1, -2) == INT64_MIN);
  CHECK(add_saturated(INT64_MIN, INT64_MIN) == INT64_MIN);
  CHECK(add_saturated(INT64_MIN, 1) == INT64_MIN + 1);
  CHECK(add_saturated(INT64_MAX, INT64_MIN) == -1);
  CHECK(add_saturated(INT64_MIN, INT64_MAX) == -1);
  // A deadline from a late virtual epoch plus the longest JS delay.
  const int64_t longest = static_cast<int64_t>(INT32_MAX) * 1000000;
  CHECK(add_saturated(INT64_MAX - longest / 2, longest) == INT64_MAX);
}

TEST_CASE("monotonic_ns is positive and never goes backwards") {
  int64_t prev = monotonic_ns();
  CHECK(prev > 0);
  bool ok = true;
  for (int i = 0; i < 100000; i++) {
    int64_t now = monotonic_ns();
    if (now < prev) ok = false;
    prev = now;
  }
  CHECK(ok);
  // The loop's default clock reads the same source.
  int64_t a = monotonic_ns();
  int64_t b = evloop::detail::monotonic_clock_now(nullptr);
  int64_t c = monotonic_ns();
  CHECK(a <= b);
  CHECK(b <= c);
}
