/* Regression tests for what the fuzzers found (tests/fuzz; docs/RELIABILITY.md,
 * "Fuzzing", where each finding has its number, repro and status). A test
 * for a finding that is still open is marked doctest::may_fail(): it runs
 * and prints its failed checks, but does not fail the suite; drop the mark
 * when the fix lands. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <string>

using namespace test_support;

/* F1: EventLoop.watch / EventLoop.setReader / new net.Socket({fd}) grow the
 * loop's fd-indexed watcher table to fd + 1 entries before the backend
 * refuses the fd: EventLoop.watch(50000000, 1, cb) on a closed number takes
 * 1.7 GB and seconds before it throws EBADF (2^31 - 1: ENOMEM, or the OOM
 * killer where the allocation succeeds). A number that is no open fd must
 * cost nothing. */
TEST_CASE("F1: an fd number that is not open grows no table (watch, setReader, net.Socket)" * doctest::may_fail()) {
  for (evloop::Mode mode : kModes) {
    std::string m = mode_name(mode);
    CAPTURE(m);
    TestHeap h(mode);
    REQUIRE(h.loop);
    REQUIRE(h.loop->install(evloop::kBindAll));
    size_t before = h.loop->stats().native_bytes;
    CHECK(js(h.ctx, "try { EventLoop.watch(1000000, 1, function () {}); 'no error' } catch (e) { e.code }") == "EBADF");
    CHECK(js(h.ctx, "try { EventLoop.setReader(1000001, function () {}); 'no error' } catch (e) { e.code }") == "EBADF");
    CHECK(js(h.ctx, "try { new net.Socket({ fd: 1000002 }); 'no error' } catch (e) { e.code }") == "EBADF");
    size_t after = h.loop->stats().native_bytes;
    CAPTURE(before);
    CAPTURE(after);
    CHECK(after < before + 64 * 1024);
  }
}
