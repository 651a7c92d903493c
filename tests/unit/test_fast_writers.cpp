/* FastWriters (Socket#write's owner -> fd table, core/memory.hpp) against a
 * reference model: random puts and erases, with owners drawn from a few
 * clusters so that probe runs wrap and backward-shift deletion moves
 * entries; after every step each owner's find() must equal the model's. */
#include <doctest/doctest.h>
#define EVLOOP_INTERNALS
#include "evloop.hpp"
#include "support.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <vector>

using evloop::detail::FastWriters;
using evloop::detail::Memory;
using test_support::test_memory;

TEST_CASE("fast writers table finds what a model holds through puts and erases") {
  Memory m = test_memory();
  FastWriters t;
  t.init();
  std::mt19937 rng(18);
  std::vector<void*> owners;
  for (uintptr_t k = 1; k <= 300; k++) {
    /* aligned heap-like addresses: a dense run, ones 4 KiB apart (these two
     * hash to distinct slots) and random ones (these collide) */
    uintptr_t random_one = (static_cast<uintptr_t>(rng() & 0xfffff) + 1) << 4;
    owners.push_back(reinterpret_cast<void*>(k % 3 == 0 ? 0x10000 + k * 16 : k % 3 == 1 ? 0x4000000 + k * 4096 : random_one));
  }
  std::map<void*, int> model;
  for (int step = 0; step < 20000; step++) {
    void* owner = owners[rng() % owners.size()];
    int fd = static_cast<int>(rng() % 8);
    if (rng() % 3) {
      REQUIRE(t.put(m, owner, fd));
      model[owner] = fd;
    } else {
      t.erase(owner, fd); /* only when owner's entry names fd */
      std::map<void*, int>::iterator it = model.find(owner);
      if (it != model.end() && it->second == fd) model.erase(it);
    }
    REQUIRE(t.count == model.size());
    if (step % 97 == 0 || step > 19900)
      for (size_t i = 0; i < owners.size(); i++) {
        std::map<void*, int>::iterator it = model.find(owners[i]);
        CHECK(t.find(owners[i]) == (it == model.end() ? -1 : it->second));
      }
  }
  CHECK(t.count <= (t.mask + 1) / 2);
  t.release(m);
  CHECK(m.bytes == 0);
}
