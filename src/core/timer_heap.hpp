/* Timers: one FIFO list per duration inside a binary min-heap of the lists'
 * heads (as Node.js and the ECMAScript loop do), ordered by (deadline,
 * creation sequence), so equal deadlines fire in creation order. Timers of
 * one duration are created in deadline order, so creating one appends to its
 * list (O(1)) and firing pops a list head and re-sifts only that list among
 * the lists, not among all timers. Measured (bench/run.py, `cost native`, one
 * run, both builds interleaved, medians of 7): fire at 1M pending timers over
 * 1,000 durations 686 -> 147 ns per timer; the binary heap of all timers
 * sifted 20 levels of a 16 MB table per pop, each level a cache miss.
 *
 * Slots are reused through a free list; an id carries the slot and a
 * generation, so cancel by id is O(1) (O(log L) for a list head, L lists)
 * without a lookup table, and stale ids never match.
 *
 * A small direct-mapped cache finds a duration's tail. A timer is appended
 * only after a live tail whose deadline is not later than its own, so every
 * list stays sorted whatever the cache holds: a collision or a clock that
 * went back only starts a new list (a heap entry), never misorders. */
#pragma once
#include "../api/api.hpp"
#include "memory.hpp"

namespace evloop {
namespace detail {

enum : uint32_t {
  kSlotBits = 24,                       /* at most 16.7M timers pending at once */
  kSlotMask = (1u << kSlotBits) - 1,
  kGenerationLimit = 1u << 29,          /* ids stay below 2^53 (exact in JS) */
  kNotInHeap = 0xffffffffu,             /* find(): no such timer */
  kNoSlot = 0xffffffffu,                /* the end of a list or of the free list */
  kListHead = 0x80000000u,              /* TimerSlot::prev of a list head: | its heap position */
  kUnlinked = 0x7fffffffu               /* TimerSlot::prev of a free slot */
};

enum : uint32_t { kTimerJs = 1u, kTimerArgs = 2u, kTimerString = 4u };

/* Timers pending at once: EVLOOP_MAX_TIMERS (tables allocated once, at
 * create), else as many as the id format has slots. */
#if defined(EVLOOP_MAX_TIMERS)
const uint32_t kMaxTimers = EVLOOP_MAX_TIMERS;
#else
const uint32_t kMaxTimers = kSlotMask + 1u;
#endif
/* The tail cache (8 bytes an entry) grows with the slot table: at most one
 * entry per 8 slots (the next power of two above capacity / 16), from 8 to
 * 1,024 entries, so it adds at most a byte per timer (beyond the first 8
 * entries; one per 4 slots had made 64.5 bytes a timer at 1,919 timers);
 * 1,024 covers the benchmark's 1,000 distinct delays without a collision
 * (durations below 1,024 ms map to themselves). */
const uint32_t kListCacheMin = 8, kListCacheMax = 1024, kSlotsPerTail = 16;

/* The heap of lists holds each list's head slot; the head's deadline and
 * order are read from the slot. Heads of lists are few next to timers (one
 * per duration in use), and a HeapEntry of 4 bytes keeps a timer that heads
 * a list of its own (a duration no other pending timer has) at 52 bytes on
 * x86-64, within the 64-byte budget even right after the tables grew. */
struct HeapEntry {
  uint32_t slot;
};

/* 48 bytes on x86-64. */
struct TimerSlot {
  int64_t deadline;
  uint64_t order;           /* (sequence << kSlotBits) | slot */
  uint32_t next;            /* the next slot of its list, or of the free list; kNoSlot: none */
  uint32_t prev;            /* the previous slot; kListHead | heap position; kUnlinked: free */
  uint32_t generation : 29;
  uint32_t flags : 3;       /* kTimer* */
  int32_t repeat_ms;        /* -1: one-shot */
  TimerFn fn;               /* native timers */
  void* user;               /* native: user data */
  bool live() const { return prev != kUnlinked; }
};

struct ListCacheEntry {
  int32_t duration_ms;
  uint32_t tail;
};

struct TimerHeap {
  RawArray<HeapEntry> heap; /* list heads */
  RawArray<TimerSlot> slots;
  ListCacheEntry* tails;    /* duration -> the tail of its latest list (a hint) */
  uint32_t tails_mask;      /* entries - 1; 0: none yet */
  uint32_t free_head;       /* kNoSlot: none */
  uint32_t count;           /* pending timers */
  uint64_t sequence;

  void init() {
    heap.init();
    slots.init();
    tails = nullptr;
    tails_mask = 0;
    free_head = kNoSlot;
    count = 0;
    sequence = 0;
  }
  void release(Memory& m) {
    heap.release(m);
    slots.release(m);
    m.free(tails);
    tails = nullptr;
    tails_mask = 0;
    free_head = kNoSlot;
    count = 0;
  }
  /* With EVLOOP_MAX_TIMERS: every table at its full size, once. */
  bool open(Memory& m) {
#if defined(EVLOOP_MAX_TIMERS)
    return heap.allocate_fixed(m, kMaxTimers) && slots.allocate_fixed(m, kMaxTimers) && fit_tails(m);
#else
    (void)m;
    return true;
#endif
  }
  size_t pending() const { return count; }
  /* kMaxTimers pending: the next insert is refused (a RangeError in JS). A
   * live slot is always in a list (a firing one-shot is freed first, an
   * interval rescheduled first), so lists never outnumber timers. */
  bool full() const { return count >= kMaxTimers; }

  /* Makes sure the next insert() cannot fail: call before any step that may
   * throw, so a failed allocation leaves nothing half-done. */
  bool prepare(Memory& m) {
    if (full() || !heap.reserve(m, heap.size + 1)) return false;
    if (free_head == kNoSlot && (slots.size > kSlotMask || !slots.reserve(m, slots.size + 1))) return false;
    if (tails && (tails_mask + 1u >= kListCacheMax || (tails_mask + 1u) * 2 * kSlotsPerTail > slots.capacity)) return true;
    return fit_tails(m);
  }
  /* The slot the next insert() will use. */
  uint32_t next_slot() const { return free_head != kNoSlot ? free_head : static_cast<uint32_t>(slots.size); }

  /* duration_ms: the list key (the delay the deadline was computed from). */
  uint32_t insert(Memory& m, int64_t deadline, int32_t duration_ms, int32_t repeat_ms, uint32_t flags,
                  TimerFn fn, void* user) {
    uint32_t slot;
    if (free_head != kNoSlot) {
      slot = free_head;
      free_head = slots[slot].next;
    } else {
      TimerSlot fresh;
      fresh.deadline = 0;
      fresh.order = 0;
      fresh.next = fresh.prev = kUnlinked;
      fresh.generation = 0;
      fresh.flags = 0;
      fresh.repeat_ms = -1;
      fresh.fn = nullptr;
      fresh.user = nullptr;
      slots.push(m, fresh); /* cannot fail after prepare() */
      slot = static_cast<uint32_t>(slots.size - 1);
    }
    TimerSlot& s = slots[slot];
    s.repeat_ms = repeat_ms;
    s.flags = flags & 7u;
    s.fn = fn;
    s.user = user;
    schedule(slot, deadline, duration_ms);
    return slot;
  }

  TimerId id_of(uint32_t slot) const {
    return (static_cast<uint64_t>(slots.data[slot].generation) << kSlotBits) + slot + 1;
  }
  /* The slot of a live timer id, or kNotInHeap. */
  uint32_t find(TimerId id) const {
    if (id == 0 || id >= (static_cast<uint64_t>(kGenerationLimit) << kSlotBits)) return kNotInHeap;
    uint32_t slot = static_cast<uint32_t>((id - 1) & kSlotMask);
    uint32_t gen = static_cast<uint32_t>((id - 1) >> kSlotBits);
    if (slot >= slots.size) return kNotInHeap;
    const TimerSlot& s = slots.data[slot];
    return (s.live() && s.generation == gen) ? slot : kNotInHeap;
  }

  /* (Re)inserts an unlinked slot with a new deadline and a new sequence
   * number: at the tail of its duration's list when that keeps the list in
   * order, else as the head of a new list. */
  void schedule(uint32_t slot, int64_t deadline, int32_t duration_ms) {
    TimerSlot& s = slots[slot];
    s.deadline = deadline;
    s.order = (++sequence << kSlotBits) | slot;
    s.next = kNoSlot;
    count++;
    ListCacheEntry& c = tails[tail_index(duration_ms, tails_mask)];
    if (c.duration_ms == duration_ms && c.tail < slots.size) {
      TimerSlot& t = slots[c.tail];
      /* s is still unlinked here, so a tail that is s itself fails live(). */
      if (t.live() && t.next == kNoSlot && t.deadline <= deadline) {
        t.next = slot;
        s.prev = c.tail;
        c.tail = slot;
        return;
      }
    }
    c.duration_ms = duration_ms;
    c.tail = slot;
    sift_up(heap.size++, slot);
  }
  /* Takes a slot out of its list; the slot stays allocated. */
  void unschedule(uint32_t slot) {
    TimerSlot& s = slots[slot];
    uint32_t prev = s.prev, next = s.next;
    if (prev == kUnlinked) return;
    s.prev = kUnlinked;
    count--;
    if (!(prev & kListHead)) {
      slots[prev].next = next;
      if (next != kNoSlot) slots[next].prev = prev;
      return;
    }
    size_t pos = prev & ~kListHead;
    if (next != kNoSlot) { /* the next timer heads the list: its key is not smaller */
      sift_down(pos, next);
      return;
    }
    uint32_t last = heap[--heap.size].slot;
    if (pos == heap.size) return;
    if (pos > 0 && less(last, heap[(pos - 1) / 2].slot)) sift_up(pos, last);
    else sift_down(pos, last);
  }
  void free_slot(uint32_t slot) {
    unschedule(slot);
    TimerSlot& s = slots[slot];
    s.flags = 0;
    s.fn = nullptr;
    s.generation = (s.generation + 1) % kGenerationLimit;
    s.next = free_head;
    free_head = slot;
  }

  /* The earliest timer (the head of the earliest list), or null. */
  const TimerSlot* top() const { return heap.size ? &slots.data[heap.data[0].slot] : nullptr; }
  static uint32_t slot_of(const TimerSlot& s) { return static_cast<uint32_t>(s.order & kSlotMask); }
  static uint64_t sequence_of(const TimerSlot& s) { return s.order >> kSlotBits; }

 private:
  /* Sizes the tail cache to the slot table (see kListCacheMin), keeping
   * what it knows. */
  bool fit_tails(Memory& m) {
    size_t want = kListCacheMin;
    while (want < kListCacheMax && want * kSlotsPerTail <= slots.capacity) want *= 2;
    if (tails && want <= tails_mask + 1u) return true;
    ListCacheEntry* t = static_cast<ListCacheEntry*>(m.alloc(want * sizeof(ListCacheEntry)));
    if (!t) return !!tails; /* the old cache still works */
    uint32_t mask = static_cast<uint32_t>(want - 1);
    for (size_t i = 0; i < want; i++) {
      t[i].duration_ms = -1;
      t[i].tail = kNoSlot;
    }
    if (tails) {
      for (uint32_t i = 0; i <= tails_mask; i++) {
        if (tails[i].duration_ms >= 0) t[tail_index(tails[i].duration_ms, mask)] = tails[i];
      }
    }
    m.free(tails);
    tails = t;
    tails_mask = mask;
    return true;
  }
  static uint32_t tail_index(int32_t duration_ms, uint32_t mask) {
    uint32_t d = static_cast<uint32_t>(duration_ms);
    return (d ^ (d >> 10)) & mask;
  }
  bool less(uint32_t a, uint32_t b) const {
    const TimerSlot& x = slots.data[a];
    const TimerSlot& y = slots.data[b];
    return x.deadline < y.deadline || (x.deadline == y.deadline && x.order < y.order);
  }
  void place(size_t pos, uint32_t slot) {
    heap[pos].slot = slot;
    slots[slot].prev = kListHead | static_cast<uint32_t>(pos);
  }
  void sift_up(size_t pos, uint32_t slot) {
    while (pos > 0) {
      size_t parent = (pos - 1) / 2;
      if (!less(slot, heap[parent].slot)) break;
      place(pos, heap[parent].slot);
      pos = parent;
    }
    place(pos, slot);
  }
  void sift_down(size_t pos, uint32_t slot) {
    size_t n = heap.size;
    for (;;) {
      size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && less(heap[child + 1].slot, heap[child].slot)) child++;
      if (!less(heap[child].slot, slot)) break;
      place(pos, heap[child].slot);
      pos = child;
    }
    place(pos, slot);
  }
};

} /* namespace detail */
} /* namespace evloop */
