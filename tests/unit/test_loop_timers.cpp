/* Native timers through the public Loop API, on a VirtualClock: order, the
 * steady interval grid, cancellation (also from callbacks), stale ids, and how
 * run_once(max_wait) relates to the next deadline. */
#include <doctest/doctest.h>
#include "evloop.hpp"
#include "support.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace test_support;

namespace {

struct Fired {
  int tag;
  int64_t at_ns;
  evloop::TimerId id;
};

struct Recorder {
  std::vector<Fired> log;
};

struct Tagged {
  Recorder* rec;
  int tag;
};

void record_tick(evloop::Loop& loop, evloop::TimerId id, void* user) {
  Tagged* t = static_cast<Tagged*>(user);
  Fired f = {t->tag, loop.now_ns(), id};
  t->rec->log.push_back(f);
}

std::vector<int> tags_of(const Recorder& r) {
  std::vector<int> v;
  for (const Fired& f : r.log) v.push_back(f.tag);
  return v;
}
std::vector<int64_t> times_ms_of(const Recorder& r) {
  std::vector<int64_t> v;
  for (const Fired& f : r.log) v.push_back(f.at_ns / kMs);
  return v;
}

/* A repeating timer that records its ticks, optionally moves the virtual clock
 * inside the callback (a slow callback), and cancels itself after `stop_after`. */
struct Ticker {
  evloop::VirtualClock* vclock;
  std::vector<int64_t> at_ns;
  std::vector<int64_t> advance_ms;  // per tick: how far the callback "takes"
  size_t stop_after;
  std::vector<bool> cancel_results;
};

void ticker_tick(evloop::Loop& loop, evloop::TimerId id, void* user) {
  Ticker* t = static_cast<Ticker*>(user);
  t->at_ns.push_back(loop.now_ns());
  size_t k = t->at_ns.size() - 1;
  if (k < t->advance_ms.size()) t->vclock->advance_ms(static_cast<double>(t->advance_ms[k]));
  if (t->at_ns.size() >= t->stop_after) t->cancel_results.push_back(loop.cancel_timer(id));
}

std::vector<int64_t> ms(const std::vector<int64_t>& ns) {
  std::vector<int64_t> v;
  for (int64_t x : ns) v.push_back(x / kMs);
  return v;
}

}  // namespace

TEST_CASE("native timers fire in deadline order, equal deadlines in creation order") {
  TestHeap h;
  REQUIRE(h.loop);
  Recorder rec;
  const int64_t delays[] = {30, 10, 20, 10, 0, 20, 10};
  Tagged tags[7];
  for (int i = 0; i < 7; i++) {
    tags[i] = Tagged{&rec, i};
    REQUIRE(h.loop->add_timer(delays[i], 0, record_tick, &tags[i]) != 0);
  }
  CHECK(h.loop->stats().pending_timers == 7);
  CHECK(h.loop->alive());
  CHECK(h.loop->run() == 0);
  CHECK(join(tags_of(rec)) == "4,1,3,6,2,5,0");
  CHECK(join(times_ms_of(rec)) == "0,10,10,10,20,20,30");
  CHECK(h.loop->stats().pending_timers == 0);
  CHECK_FALSE(h.loop->alive());
}

TEST_CASE("native timers: random delays pop sorted by (deadline, creation), never early or late") {
  TestHeap h;
  REQUIRE(h.loop);
  Recorder rec;
  std::mt19937 rng(7);
  const int n = 300;
  std::vector<Tagged> tags(n);
  std::vector<int64_t> delay(n);
  for (int i = 0; i < n; i++) {
    delay[i] = static_cast<int64_t>(rng() % 40);  // many equal deadlines
    tags[i] = Tagged{&rec, i};
    REQUIRE(h.loop->add_timer(delay[i], 0, record_tick, &tags[i]) != 0);
  }
  std::vector<int> want(n);
  for (int i = 0; i < n; i++) want[i] = i;
  std::stable_sort(want.begin(), want.end(), [&](int a, int b) { return delay[a] < delay[b]; });
  CHECK(h.loop->run() == 0);
  REQUIRE(rec.log.size() == static_cast<size_t>(n));
  CHECK(tags_of(rec) == want);
  bool on_time = true;
  for (const Fired& f : rec.log) on_time = on_time && f.at_ns == delay[f.tag] * kMs;
  CHECK(on_time);
}

TEST_CASE("native timers: a zero delay runs on the next turn without moving the clock") {
  TestHeap h;
  REQUIRE(h.loop);
  h.vclock.auto_advance = false;
  int fired = 0;
  REQUIRE(h.loop->add_timer(0, 0, count_tick, &fired));
  CHECK(h.loop->next_timeout_ms() == 0);
  CHECK_FALSE(h.loop->run_once(0));
  CHECK(fired == 1);
  CHECK(h.loop->now_ns() == 0);
  // Negative delay: the same as 0. Null callback: refused.
  REQUIRE(h.loop->add_timer(-5, 0, count_tick, &fired));
  CHECK(h.loop->add_timer(1, 0, nullptr, nullptr) == 0);
  CHECK_FALSE(h.loop->run_once(0));
  CHECK(fired == 2);
  CHECK(h.loop->stats().pending_timers == 0);
}

TEST_CASE("native timers: a timer created by a callback never runs in the same turn") {
  TestHeap h;
  REQUIRE(h.loop);
  h.vclock.auto_advance = false;
  struct Chain {
    int runs;
    int turn;
    std::vector<int> turns;
  } chain = {0, 0, {}};
  struct Self {
    static void tick(evloop::Loop& loop, evloop::TimerId, void* user) {
      Chain* c = static_cast<Chain*>(user);
      c->turns.push_back(c->turn);
      if (++c->runs < 5) loop.add_timer(0, 0, tick, user);
    }
  };
  REQUIRE(h.loop->add_timer(0, 0, Self::tick, &chain));
  for (chain.turn = 0; chain.turn < 10 && h.loop->run_once(0); chain.turn++) {
  }
  CHECK(join(chain.turns) == "0,1,2,3,4");
  CHECK(h.loop->now_ns() == 0);  // no sleeping between zero-delay turns
}

TEST_CASE("native repeat timers keep a steady grid") {
  TestHeap h;
  REQUIRE(h.loop);
  Ticker t;
  t.vclock = &h.vclock;
  t.stop_after = 5;

  SUBCASE("plain interval") {
    REQUIRE(h.loop->add_timer(10, 10, ticker_tick, &t));
    CHECK(h.loop->run() == 0);
    CHECK(join(ms(t.at_ns)) == "10,20,30,40,50");
  }
  SUBCASE("first delay differs from the interval") {
    REQUIRE(h.loop->add_timer(5, 10, ticker_tick, &t));
    CHECK(h.loop->run() == 0);
    CHECK(join(ms(t.at_ns)) == "5,15,25,35,45");
  }
  SUBCASE("slow callbacks do not make the grid drift") {
    t.advance_ms = {3, 3, 3, 3, 3};
    REQUIRE(h.loop->add_timer(10, 10, ticker_tick, &t));
    CHECK(h.loop->run() == 0);
    CHECK(join(ms(t.at_ns)) == "10,20,30,40,50");
  }
  SUBCASE("missed ticks are skipped, not fired in a burst") {
    t.advance_ms = {25};  // the first callback takes 25 ms: grid points 20 and 30 pass
    REQUIRE(h.loop->add_timer(10, 10, ticker_tick, &t));
    CHECK(h.loop->run() == 0);
    // One late tick (at 35) stands for both missed points, then back on the grid.
    CHECK(join(ms(t.at_ns)) == "10,35,40,50,60");
  }
  SUBCASE("a callback that ends exactly on the next grid point") {
    t.advance_ms = {10};  // ends exactly at 20: that tick is due, not missed
    t.stop_after = 3;
    REQUIRE(h.loop->add_timer(10, 10, ticker_tick, &t));
    CHECK(h.loop->run() == 0);
    CHECK(join(ms(t.at_ns)) == "10,20,30");
  }
  // Cancelling itself from inside its own callback worked (run() returned).
  REQUIRE(t.cancel_results.size() == 1);
  CHECK(t.cancel_results[0]);
  CHECK(h.loop->stats().pending_timers == 0);
}

TEST_CASE("native repeat timer shares rounds with one-shots in deadline order") {
  TestHeap h;
  REQUIRE(h.loop);
  Recorder rec;
  Tagged rep = {&rec, 100}, a = {&rec, 1}, b = {&rec, 2};
  evloop::TimerId rid = h.loop->add_timer(10, 10, record_tick, &rep);
  REQUIRE(rid);
  REQUIRE(h.loop->add_timer(20, 0, record_tick, &a));  // created after: same deadline as tick 2, after it
  REQUIRE(h.loop->add_timer(25, 0, record_tick, &b));
  for (int i = 0; i < 4; i++) h.loop->run_once(-1);
  CHECK(h.loop->cancel_timer(rid));
  CHECK(h.loop->run() == 0);
  // The interval was rescheduled at 10 ms with a new sequence number, so at
  // 20 ms the one-shot created at 0 ms (earlier sequence) goes first.
  CHECK(join(tags_of(rec)) == "100,1,100,2,100");
  CHECK(join(times_ms_of(rec)) == "10,20,20,25,30");
}

TEST_CASE("cancel_timer from inside callbacks") {
  TestHeap h;
  REQUIRE(h.loop);

  SUBCASE("a repeat timer cancels itself by id") {
    Ticker t;
    t.vclock = &h.vclock;
    t.stop_after = 3;
    evloop::TimerId id = h.loop->add_timer(7, 7, ticker_tick, &t);
    REQUIRE(id);
    CHECK(h.loop->run() == 0);
    CHECK(join(ms(t.at_ns)) == "7,14,21");
    REQUIRE(t.cancel_results.size() == 1);
    CHECK(t.cancel_results[0]);
    CHECK_FALSE(h.loop->cancel_timer(id));  // gone now
  }

  SUBCASE("a one-shot cancelling itself gets false and cannot hit a new timer in its slot") {
    struct State {
      evloop::TimerId self;
      evloop::TimerId created;
      bool cancel_result;
      int created_fired;
    } s = {0, 0, true, 0};
    struct Cb {
      static void created(evloop::Loop&, evloop::TimerId, void* u) { static_cast<State*>(u)->created_fired++; }
      static void first(evloop::Loop& loop, evloop::TimerId id, void* u) {
        State* st = static_cast<State*>(u);
        st->self = id;
        st->created = loop.add_timer(5, 0, created, u);  // likely reuses the freed slot
        st->cancel_result = loop.cancel_timer(id);
      }
    };
    evloop::TimerId id = h.loop->add_timer(1, 0, Cb::first, &s);
    REQUIRE(id);
    CHECK(h.loop->run() == 0);
    CHECK(s.self == id);
    CHECK(s.created != 0);
    CHECK(s.created != id);
    CHECK_FALSE(s.cancel_result);
    CHECK(s.created_fired == 1);
  }

  SUBCASE("a timer cancels another one due in the same round: it must not fire") {
    struct State {
      evloop::TimerId victim;
      evloop::TimerId replacement;
      bool cancel_result;
      int victim_fired;
      int replacement_fired;
      int killer_fired;
    } s = {0, 0, false, 0, 0, 0};
    struct Cb {
      static void victim(evloop::Loop&, evloop::TimerId, void* u) { static_cast<State*>(u)->victim_fired++; }
      static void replacement(evloop::Loop&, evloop::TimerId, void* u) {
        static_cast<State*>(u)->replacement_fired++;
      }
      static void killer(evloop::Loop& loop, evloop::TimerId, void* u) {
        State* st = static_cast<State*>(u);
        st->killer_fired++;
        st->cancel_result = loop.cancel_timer(st->victim);
        // A zero-delay timer made now (it may take the victim's slot) waits for the next turn.
        st->replacement = loop.add_timer(0, 0, replacement, u);
      }
    };
    h.vclock.auto_advance = false;
    REQUIRE(h.loop->add_timer(10, 0, Cb::killer, &s));
    s.victim = h.loop->add_timer(10, 0, Cb::victim, &s);
    REQUIRE(s.victim);
    h.vclock.advance_ms(10);
    CHECK(h.loop->run_once(0));  // the replacement is still pending
    CHECK(s.killer_fired == 1);
    CHECK(s.cancel_result);
    CHECK(s.victim_fired == 0);
    CHECK(s.replacement_fired == 0);
    CHECK_FALSE(h.loop->cancel_timer(s.victim));  // stale, even if the slot was reused
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(s.replacement_fired == 1);
    CHECK(s.victim_fired == 0);
  }

  SUBCASE("a timer cancels a repeat timer due in the same round") {
    int rep_fired = 0;
    struct State {
      evloop::TimerId rep;
      bool result;
    } s = {0, false};
    struct Cb {
      static void killer(evloop::Loop& loop, evloop::TimerId, void* u) {
        State* st = static_cast<State*>(u);
        st->result = loop.cancel_timer(st->rep);
      }
    };
    REQUIRE(h.loop->add_timer(10, 0, Cb::killer, &s));
    s.rep = h.loop->add_timer(10, 10, count_tick, &rep_fired);
    CHECK(h.loop->run() == 0);
    CHECK(s.result);
    CHECK(rep_fired == 0);
  }
}

TEST_CASE("cancel_timer with stale or invalid ids returns false") {
  TestHeap h;
  REQUIRE(h.loop);
  int fired = 0;
  CHECK_FALSE(h.loop->cancel_timer(0));
  CHECK_FALSE(h.loop->cancel_timer(1));
  CHECK_FALSE(h.loop->cancel_timer(~static_cast<evloop::TimerId>(0)));
  evloop::TimerId a = h.loop->add_timer(10, 0, count_tick, &fired);
  REQUIRE(a);
  CHECK(h.loop->cancel_timer(a));
  CHECK_FALSE(h.loop->cancel_timer(a));  // twice
  // The slot is reused by the next timer; the old id must not reach it.
  evloop::TimerId b = h.loop->add_timer(10, 0, count_tick, &fired);
  REQUIRE(b);
  CHECK(b != a);
  CHECK_FALSE(h.loop->cancel_timer(a));
  CHECK(h.loop->stats().pending_timers == 1);
  CHECK(h.loop->run() == 0);
  CHECK(fired == 1);
  CHECK_FALSE(h.loop->cancel_timer(b));  // already fired
  // Ids stay exact as JS numbers (below 2^53) across many reuses.
  evloop::TimerId last = 0;
  for (int i = 0; i < 1000; i++) {
    last = h.loop->add_timer(1, 0, count_tick, &fired);
    REQUIRE(h.loop->cancel_timer(last));
  }
  CHECK(last < (static_cast<evloop::TimerId>(1) << 53));
  CHECK(fired == 1);
}

TEST_CASE("run_once(max_wait) returns no later than the next timer") {
  TestHeap h;
  REQUIRE(h.loop);
  int fired = 0;

  SUBCASE("auto-advancing clock: the wait stops at the deadline") {
    REQUIRE(h.loop->add_timer(50, 0, count_tick, &fired));
    CHECK(h.loop->run_once(20));  // shorter than the timer: only 20 ms pass
    CHECK(fired == 0);
    CHECK(h.loop->now_ns() == 20 * kMs);
    CHECK_FALSE(h.loop->run_once(1000));  // longer: returns at the deadline, with the timer run
    CHECK(fired == 1);
    CHECK(h.loop->now_ns() == 50 * kMs);
  }
  SUBCASE("manual clock: run_once(0) after advancing") {
    h.vclock.auto_advance = false;
    REQUIRE(h.loop->add_timer(50, 0, count_tick, &fired));
    CHECK(h.loop->run_once(0));
    CHECK(fired == 0);
    CHECK(h.loop->run_once(1000));  // virtual: no real sleep, no time passes
    CHECK(fired == 0);
    CHECK(h.loop->now_ns() == 0);
    CHECK(h.loop->next_timeout_ms() == 50);
    h.vclock.advance_ms(49.9999);
    CHECK(h.loop->next_timeout_ms() == 1);  // rounded up, never down
    CHECK(h.loop->run_once(0));
    CHECK(fired == 0);  // never early, not even by a fraction of a ms
    h.vclock.advance_ms(0.0001);
    CHECK(h.loop->now_ns() == 50 * kMs);
    CHECK(h.loop->next_timeout_ms() == 0);
    CHECK_FALSE(h.loop->run_once(0));
    CHECK(fired == 1);
    CHECK(h.loop->next_timeout_ms() == -1);
  }
  SUBCASE("run_once(-1) waits exactly until the next timer") {
    REQUIRE(h.loop->add_timer(30, 0, count_tick, &fired));
    REQUIRE(h.loop->add_timer(70, 0, count_tick, &fired));
    CHECK(h.loop->run_once(-1));
    CHECK(fired == 1);
    CHECK(h.loop->now_ns() == 30 * kMs);
    CHECK_FALSE(h.loop->run_once(-1));
    CHECK(fired == 2);
    CHECK(h.loop->now_ns() == 70 * kMs);
    CHECK_FALSE(h.loop->run_once(-1));  // nothing left: returns at once
  }
}

TEST_CASE("native timers: the longest delay is clamped, not overflowed") {
  TestHeap h;
  REQUIRE(h.loop);
  int fired = 0;
  REQUIRE(h.loop->add_timer(INT64_MAX, 0, count_tick, &fired));
  CHECK(h.loop->next_timeout_ms() == EVLOOP_MAX_WAIT_MS);
  CHECK(h.loop->run() == 0);
  CHECK(fired == 1);
  CHECK(h.loop->now_ns() == static_cast<int64_t>(INT32_MAX) * kMs);
}

TEST_CASE("native timers on a virtual clock near the int64 limit saturate") {
  TestHeap h;
  REQUIRE(h.loop);
  h.vclock.now = INT64_MAX - 5 * kMs;
  int fired = 0;
  REQUIRE(h.loop->add_timer(1000, 0, count_tick, &fired));  // deadline saturates at INT64_MAX
  CHECK(h.loop->next_timeout_ms() == 5);
  CHECK(h.loop->run() == 0);
  CHECK(fired == 1);
  CHECK(h.loop->now_ns() == INT64_MAX);
}
