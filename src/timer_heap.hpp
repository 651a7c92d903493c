/* Timers: a binary min-heap ordered by (deadline, creation sequence), so equal
 * deadlines fire in creation order. Each heap entry caches its deadline next to
 * its key (as libev does) so sifting never touches the slot table. Slots are
 * reused through a free list; an id carries the slot and a generation, so
 * cancel by id is O(log n) without a lookup table and stale ids never match. */

namespace evloop {
namespace detail {

enum : uint32_t {
  kSlotBits = 24,                       /* at most 16.7M timers pending at once */
  kSlotMask = (1u << kSlotBits) - 1,
  kGenerationLimit = 1u << 29,          /* ids stay below 2^53 (exact in JS) */
  kNotInHeap = 0xffffffffu
};

enum : uint32_t { kTimerLive = 1u, kTimerJs = 2u, kTimerArgs = 4u, kTimerString = 8u };

/* Timers pending at once: EVLOOP_MAX_TIMERS (tables allocated once, at
 * create), else as many as the id format has slots. */
#if defined(EVLOOP_MAX_TIMERS)
const uint32_t kMaxTimers = EVLOOP_MAX_TIMERS;
#else
const uint32_t kMaxTimers = kSlotMask + 1u;
#endif

struct HeapEntry {
  int64_t deadline;
  uint64_t order; /* (sequence << kSlotBits) | slot */
};

struct TimerSlot {
  uint32_t heap_pos;   /* index in the heap, kNotInHeap when free or firing */
  uint32_t generation;
  int32_t repeat_ms;   /* -1: one-shot */
  uint32_t flags;      /* kTimer*; 0 when the slot is free */
  TimerFn fn;          /* native timers */
  void* user;          /* native: user data; free slots: next free slot + 1 */
};

struct TimerHeap {
  RawArray<HeapEntry> heap;
  RawArray<TimerSlot> slots;
  uint32_t free_head; /* slot + 1, 0: none */
  uint64_t sequence;

  void init() {
    heap.init();
    slots.init();
    free_head = 0;
    sequence = 0;
  }
  void release(Memory& m) {
    heap.release(m);
    slots.release(m);
    free_head = 0;
  }
  /* With EVLOOP_MAX_TIMERS: both tables at their full size, once. */
  bool open(Memory& m) {
#if defined(EVLOOP_MAX_TIMERS)
    return heap.allocate_fixed(m, kMaxTimers) && slots.allocate_fixed(m, kMaxTimers);
#else
    (void)m;
    return true;
#endif
  }
  size_t pending() const { return heap.size; }
  /* kMaxTimers pending: the next insert is refused (a RangeError in JS). A
   * live slot is always in the heap (a firing one-shot is freed first, an
   * interval rescheduled first), so slots never outnumber heap entries. */
  bool full() const { return heap.size >= kMaxTimers; }

  /* Makes sure the next insert() cannot fail: call before any step that may
   * throw, so a failed allocation leaves nothing half-done. */
  bool prepare(Memory& m) {
    if (full() || !heap.reserve(m, heap.size + 1)) return false;
    if (free_head) return true;
    if (slots.size > kSlotMask) return false;
    return slots.reserve(m, slots.size + 1);
  }
  /* The slot the next insert() will use. */
  uint32_t next_slot() const {
    return free_head ? free_head - 1 : static_cast<uint32_t>(slots.size);
  }

  uint32_t insert(Memory& m, int64_t deadline, int32_t repeat_ms, uint32_t flags, TimerFn fn,
                  void* user) {
    uint32_t slot;
    if (free_head) {
      slot = free_head - 1;
      free_head = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(slots[slot].user));
    } else {
      TimerSlot fresh = {kNotInHeap, 0, -1, 0, nullptr, nullptr};
      slots.push(m, fresh); /* cannot fail after prepare() */
      slot = static_cast<uint32_t>(slots.size - 1);
    }
    TimerSlot& s = slots[slot];
    s.repeat_ms = repeat_ms;
    s.flags = flags | kTimerLive;
    s.fn = fn;
    s.user = user;
    schedule(slot, deadline);
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
    return (s.flags && s.generation == gen) ? slot : kNotInHeap;
  }

  /* (Re)inserts a live slot with a new deadline and a new sequence number. */
  void schedule(uint32_t slot, int64_t deadline) {
    HeapEntry e = {deadline, (++sequence << kSlotBits) | slot};
    size_t pos = heap.size++;
    sift_up(pos, e);
  }
  /* Takes a slot out of the heap; the slot stays allocated. */
  void unschedule(uint32_t slot) {
    uint32_t pos = slots[slot].heap_pos;
    if (pos == kNotInHeap) return;
    slots[slot].heap_pos = kNotInHeap;
    HeapEntry last = heap[--heap.size];
    if (pos == heap.size) return;
    if (pos > 0 && less(last, heap[(pos - 1) / 2])) sift_up(pos, last);
    else sift_down(pos, last);
  }
  void free_slot(uint32_t slot) {
    unschedule(slot);
    TimerSlot& s = slots[slot];
    s.flags = 0;
    s.fn = nullptr;
    s.generation = (s.generation + 1) % kGenerationLimit;
    s.user = reinterpret_cast<void*>(static_cast<uintptr_t>(free_head));
    free_head = slot + 1;
  }

  const HeapEntry* top() const { return heap.size ? &heap.data[0] : nullptr; }
  static uint32_t slot_of(const HeapEntry& e) { return static_cast<uint32_t>(e.order & kSlotMask); }
  static uint64_t sequence_of(const HeapEntry& e) { return e.order >> kSlotBits; }

 private:
  static bool less(const HeapEntry& a, const HeapEntry& b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.order < b.order);
  }
  void place(size_t pos, const HeapEntry& e) {
    heap[pos] = e;
    slots[slot_of(e)].heap_pos = static_cast<uint32_t>(pos);
  }
  void sift_up(size_t pos, HeapEntry e) {
    while (pos > 0) {
      size_t parent = (pos - 1) / 2;
      if (!less(e, heap[parent])) break;
      place(pos, heap[parent]);
      pos = parent;
    }
    place(pos, e);
  }
  void sift_down(size_t pos, HeapEntry e) {
    size_t n = heap.size;
    for (;;) {
      size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && less(heap[child + 1], heap[child])) child++;
      if (!less(heap[child], e)) break;
      place(pos, heap[child]);
      pos = child;
    }
    place(pos, e);
  }
};

} /* namespace detail */
} /* namespace evloop */
