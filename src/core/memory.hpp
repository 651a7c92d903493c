/* Memory: every byte the loop holds goes through one Allocator, by default the
 * Duktape heap's raw allocator. Containers are plain structs with explicit
 * free(): no destructors, so a longjmp can never skip one. */
#pragma once
#include "../api/api.hpp"
#include <stdint.h> /* uintptr_t: FastWriters */
#include <string.h> /* memset: FastWriters */

namespace evloop {
namespace detail {

struct Memory {
  Allocator a;
  duk_context* ctx;
  size_t bytes; /* live bytes, for Stats::native_bytes */

  /* A block from the host's allocator, or else the heap's. old null: a new
   * block. */
  void* block(void* old, size_t n) {
    if (old && a.realloc) return a.realloc(a.user, old, n);
    if (!old && a.alloc) return a.alloc(a.user, n);
    return duk_realloc_raw(ctx, old, n);
  }
  /* After the heap's allocator failed: runs Duktape's garbage collector, as
   * Duktape does for its own allocations (duk_*_raw skip that: a pool full
   * of collectable garbage failed evloop's reads with ENOMEM); false when
   * the host's allocator failed (nothing to collect). Script finalizers may
   * run and call any evloop API, so the caller looks at its state again
   * after (issue 18). */
  bool collect(bool host_allocator) {
    if (host_allocator) return false;
    duk_gc(ctx, 0);
    return true;
  }
  /* A size header keeps the byte count exact whatever the allocator. */
  void* alloc(size_t n) {
    size_t* p = static_cast<size_t*>(block(nullptr, n + sizeof(size_t)));
    if (!p && collect(a.alloc != nullptr)) p = static_cast<size_t*>(block(nullptr, n + sizeof(size_t)));
    if (!p) return nullptr;
    *p = n;
    bytes += n;
    return p + 1;
  }
  /* Without a collection: a finalizer run by one may grow the very table
   * being resized (RawArray::reserve collects, then looks again). */
  void* realloc(void* old, size_t n) {
    size_t* h = old ? static_cast<size_t*>(old) - 1 : nullptr;
    size_t was = h ? *h : 0;
    size_t* p = static_cast<size_t*>(block(h, n + sizeof(size_t)));
    if (!p) return nullptr; /* the old block is still valid */
    *p = n;
    bytes = bytes - was + n;
    return p + 1;
  }
  void free(void* ptr) {
    if (!ptr) return;
    size_t* h = static_cast<size_t*>(ptr) - 1;
    bytes -= *h;
    if (a.free) a.free(a.user, h); else duk_free_raw(ctx, h);
  }
};

/* A growable array of trivially copyable T. Growth is 1.2x: a pending timer
 * takes at most 53 bytes of tables on x86-64 (its slot 48, a heap entry of 4
 * when it heads a list of its own, the duration cache's share under 1), so
 * right after a resize it costs at most 64, the budget (1.25x gave 66, 1.5x
 * 80); amortised copying stays O(1) per element.
 * allocate_fixed() makes it a fixed-capacity array instead (EVLOOP_MAX_TIMERS,
 * EVLOOP_MAX_FDS): allocated once at start-up, never grown afterwards. */
template <typename T>
struct RawArray {
  T* data;
  size_t size;
  size_t capacity;
  bool fixed;

  void init() {
    data = nullptr;
    size = capacity = 0;
    fixed = false;
  }
  bool allocate_fixed(Memory& m, size_t n) {
    if (!reserve(m, n)) return false;
    fixed = true;
    return true;
  }
  bool reserve(Memory& m, size_t want) {
    for (bool collected = false;; collected = true) {
      if (want <= capacity) return true;
      if (fixed) return false;
      size_t cap = capacity < 8 ? 8 : capacity + capacity / 5;
      if (cap < want) cap = want;
      if (cap > SIZE_MAX / sizeof(T)) return false;
      T* p = static_cast<T*>(m.realloc(data, cap * sizeof(T)));
      if (p) {
        data = p;
        capacity = cap;
        return true;
      }
      /* Once, after a collection: its finalizers may have grown (moved)
       * this array meanwhile, so data and capacity are read again. */
      if (collected || !m.collect(data ? m.a.realloc != nullptr : m.a.alloc != nullptr)) return false;
    }
  }
  bool push(Memory& m, const T& v) {
    if (size == capacity && !reserve(m, size + 1)) return false;
    data[size++] = v;
    return true;
  }
  void release(Memory& m) {
    m.free(data);
    init();
  }
  T& operator[](size_t i) { return data[i]; }
};

/* Socket#write's way from its `this` to the fd whose write fast path is on
 * for it (both engines: stream.writeCap, native.fastCap): owner heap
 * pointer -> fd, open addressing with linear probing. It replaces reading
 * this._wfd, a property a script can write, which cost ~370 instructions a
 * write (callgrind, echo round trip: C++ loop 4,811 -> 4,446, see
 * socket_write). An entry only says where to look: the write path then
 * checks the stream's own owner and cap, so a stale or missing entry can
 * only send the write to the slow path, never to another connection. The
 * owners are compared, never dereferenced. Out of memory: no entry (the
 * slow path, as without the fast path). */
struct FastWriters {
  struct Entry {
    void* owner; /* null: free */
    int fd;
  };
  Entry* slots;
  size_t mask; /* slots - 1 (a power of two), 0 before the first insert */
  size_t count;
  bool fixed;  /* EVLOOP_MAX_FDS: allocated at open for every fd, never grown */

  void init() {
    slots = nullptr;
    mask = count = 0;
    fixed = false;
  }
  static size_t hash(const void* p) {
    uintptr_t x = reinterpret_cast<uintptr_t>(p) >> 3; /* heap objects are aligned */
    return static_cast<size_t>(x ^ (x >> 9) ^ (x >> 17));
  }
  /* The fd of owner's entry, or -1. */
  int find(const void* owner) const {
    if (!count) return -1;
    for (size_t i = hash(owner) & mask;; i = (i + 1) & mask) {
      if (slots[i].owner == owner) return slots[i].fd;
      if (!slots[i].owner) return -1;
    }
  }
  /* Space for n entries at most half full: false without memory. The
   * allocation may collect garbage, and a finalizer then change this table:
   * the old one stays consistent meanwhile and is rehashed after. */
  bool reserve(Memory& m, size_t n) {
    size_t want = 8;
    while (want < 2 * n) want *= 2;
    if (slots && want <= mask + 1) return true;
    if (fixed) return false;
    Entry* fresh = static_cast<Entry*>(m.alloc(want * sizeof(Entry)));
    if (!fresh) return false;
    if (slots && want <= mask + 1) { /* a finalizer grew it meanwhile */
      m.free(fresh);
      return true;
    }
    memset(fresh, 0, want * sizeof(Entry));
    Entry* old = slots;
    size_t old_size = old ? mask + 1 : 0;
    slots = fresh;
    mask = want - 1;
    for (size_t i = 0; i < old_size; i++)
      if (old[i].owner) place(old[i]);
    m.free(old);
    return true;
  }
  void place(Entry e) {
    size_t i = hash(e.owner) & mask;
    while (slots[i].owner && slots[i].owner != e.owner) i = (i + 1) & mask;
    slots[i] = e;
  }
  /* owner -> fd (replacing owner's entry); false without memory. */
  bool put(Memory& m, void* owner, int fd) {
    if (find(owner) < 0) {
      if (!reserve(m, count + 1)) return false;
      if (find(owner) < 0) count++; /* (a finalizer may have added it) */
    }
    Entry e = {owner, fd};
    place(e);
    return true;
  }
  /* Removes owner's entry when it names fd (another fd: owner has moved
   * on, its entry is not this stream's to drop). Allocates nothing. */
  void erase(const void* owner, int fd) {
    if (!count || !owner) return;
    size_t i = hash(owner) & mask;
    for (; slots[i].owner != owner; i = (i + 1) & mask)
      if (!slots[i].owner) return;
    if (slots[i].fd != fd) return;
    /* backward-shift deletion: no tombstones, probes stay short */
    for (size_t j = (i + 1) & mask; slots[j].owner; j = (j + 1) & mask) {
      size_t home = hash(slots[j].owner) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) { /* j may move back to i */
        slots[i] = slots[j];
        i = j;
      }
    }
    slots[i].owner = nullptr;
    count--;
  }
  void release(Memory& m) {
    m.free(slots);
    init();
  }
};

} /* namespace detail */
} /* namespace evloop */
