/* Memory: every byte the loop holds goes through one Allocator, by default the
 * Duktape heap's raw allocator. Containers are plain structs with explicit
 * free(): no destructors, so a longjmp can never skip one. */
#pragma once
#include "../api/api.hpp"

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

} /* namespace detail */
} /* namespace evloop */
