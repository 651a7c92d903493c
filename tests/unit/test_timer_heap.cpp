/* TimerHeap against a reference model: random inserts and cancels; the pop
 * order must equal a sort by (deadline, creation order). Most timers get
 * deadline = clock + duration (they append to their duration's list), the
 * rest a random deadline under the same durations (new lists). */
#include <doctest/doctest.h>
#define EVLOOP_INTERNALS
#include "evloop.hpp"
#include "support.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using evloop::detail::TimerSlot;
using evloop::detail::Memory;
using evloop::detail::TimerHeap;
using test_support::test_memory;

TEST_CASE("timer heap pops in (deadline, creation) order against a model") {
  Memory m = test_memory();
  TimerHeap h;
  h.init();
  std::mt19937 rng(42);
  struct Model { int64_t deadline; uint64_t created; };
  std::map<evloop::TimerId, Model> live;
  uint64_t created = 0;
  int64_t clock = 0;
  for (int i = 0; i < 20000; i++) {
    if (live.empty() || rng() % 3 != 0) {
      REQUIRE(h.prepare(m));
      int32_t duration = static_cast<int32_t>(rng() % 8);
      int64_t deadline = rng() % 4 == 0 ? static_cast<int64_t>(rng() % 500)  // many equal deadlines
                                        : clock + duration * 60;
      clock += static_cast<int64_t>(rng() % 3);
      uint32_t slot = h.insert(m, deadline, duration, -1, evloop::detail::kTimerJs, nullptr, nullptr);
      evloop::TimerId id = h.id_of(slot);
      REQUIRE(live.count(id) == 0);
      live[id] = Model{deadline, created++};
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      uint32_t slot = h.find(it->first);
      REQUIRE(slot != evloop::detail::kNotInHeap);
      h.free_slot(slot);
      CHECK(h.find(it->first) == evloop::detail::kNotInHeap);  // stale id never matches
      live.erase(it);
    }
  }
  std::vector<std::pair<Model, evloop::TimerId>> want;
  for (auto& kv : live) want.push_back({kv.second, kv.first});
  std::sort(want.begin(), want.end(), [](const std::pair<Model, evloop::TimerId>& a,
                                         const std::pair<Model, evloop::TimerId>& b) {
    return a.first.deadline != b.first.deadline ? a.first.deadline < b.first.deadline
                                                : a.first.created < b.first.created;
  });
  REQUIRE(h.pending() == want.size());
  for (auto& w : want) {
    const TimerSlot* top = h.top();
    REQUIRE(top != nullptr);
    uint32_t slot = TimerHeap::slot_of(*top);
    CHECK(h.id_of(slot) == w.second);
    CHECK(top->deadline == w.first.deadline);
    h.free_slot(slot);
  }
  CHECK(h.pending() == 0);
  h.release(m);
  CHECK(m.bytes == 0);
}
