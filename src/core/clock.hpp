/* Time: monotonic nanoseconds. Deadlines and waits use the loop's clock (which
 * a host may replace); callback durations always use the real clock. */
#pragma once
#include "../api/config.hpp"

/* EVLOOP_MONOTONIC_NS(): the real clock, for targets without
 * clock_gettime(CLOCK_MONOTONIC) (newlib on a microcontroller): an
 * expression giving monotonic nanoseconds, e.g. a board's tick counter. */
#if !defined(EVLOOP_MONOTONIC_NS)
#include <time.h>
#endif

namespace evloop {
namespace detail {

inline int64_t monotonic_ns() {
#if defined(EVLOOP_MONOTONIC_NS)
  return static_cast<int64_t>(EVLOOP_MONOTONIC_NS());
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#endif
}

inline int64_t monotonic_clock_now(void*) { return monotonic_ns(); }

/* Saturating add: no deadline arithmetic can overflow, whatever a virtual
 * clock's epoch is. */
inline int64_t add_saturated(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

/* JS delay rules (HTML and Node.js): ToNumber already applied; NaN, negative
 * and below 1 are 0; above 2^31-1 ms is 1 ms; fractions are truncated. */
inline int64_t normalize_delay_ms(double ms) {
  if (!(ms >= 1.0)) return 0;
  if (ms > 2147483647.0) return 1;
  return static_cast<int64_t>(ms);
}

/* A wait of `ns` rounded up to whole ms, so a wake-up is never early enough
 * to fire a timer before its deadline; capped at EVLOOP_MAX_WAIT_MS. */
inline int wait_ms_ceil(int64_t ns) {
  if (ns <= 0) return 0;
  int64_t ms = (ns + 999999) / 1000000;
  return ms > EVLOOP_MAX_WAIT_MS ? EVLOOP_MAX_WAIT_MS : static_cast<int>(ms);
}

} /* namespace detail */
} /* namespace evloop */
