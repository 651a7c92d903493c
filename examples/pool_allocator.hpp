/* A fixed-pool allocator for a Duktape heap, for the evloop CLI's --pool=BYTES
 * (small-device testing): one block of memory, handed to duk_create_heap as
 * its alloc/realloc/free functions with a PoolAllocator as the heap's udata.
 * evloop allocates through the heap's allocator by default
 * (Options::allocator), so the pool bounds evloop's memory too. When the pool
 * is full, a request fails and Duktape turns that into a JS Error.
 *
 *   PoolAllocator pool;
 *   if (!pool_init(&pool, block, size)) ...;   // block: any bytes, kept alive
 *   duk_context* ctx = duk_create_heap(pool_alloc, pool_realloc, pool_free, &pool, fatal);
 *
 * No global state: everything lives in the PoolAllocator (one per heap).
 *
 * Layout: blocks with 16-byte headers (size | in-use bit, size of the block
 * before), so payloads are 16-byte aligned and both neighbours of a block are
 * found in O(1): free() coalesces at once. Free blocks sit in segregated
 * lists: one per 16-byte size up to 1 KiB (Duktape's many small objects and
 * strings take exact fits from these), then one per power of two, searched
 * first-fit. A request is served from the smallest list that can hold it, and
 * the rest of a larger block is split off and listed again. realloc grows
 * into a free next block in place when it can. Measured: random requests of
 * 0-600 bytes mixed with ones up to 70 KB fill 97% of a 1 MiB pool before
 * the first refusal; Duktape filling it with 1 KiB Buffers, 99.3%
 * (tests/js/pool-exhaust-alloc.js with -v).
 *
 * Under AddressSanitizer the pool poisons what nobody may touch (free space,
 * the slack after each allocation), so ASan still sees overflows and
 * use-after-free inside the pool; block headers and free-list links stay
 * readable for the allocator itself.
 */
#ifndef EVLOOP_EXAMPLES_POOL_ALLOCATOR_HPP
#define EVLOOP_EXAMPLES_POOL_ALLOCATOR_HPP

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "duktape.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ALLOCATOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ALLOCATOR_ASAN 1
#endif
#endif
#if defined(POOL_ALLOCATOR_ASAN)
#include <sanitizer/asan_interface.h>
#define POOL_ALLOCATOR_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_ALLOCATOR_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_ALLOCATOR_POISON(p, n) ((void)(p), (void)(n))
#define POOL_ALLOCATOR_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace pool_allocator {

/* A block header. size: the whole block, header included, a multiple of
 * kAlign, with kInUse in bit 0; prev_size: the size of the block just before
 * it in memory (0 for the first block). A free block keeps its list links in
 * its payload (FreeLinks). */
struct BlockHeader {
  size_t size;
  size_t prev_size;
};
struct FreeLinks {
  BlockHeader* next;
  BlockHeader* prev;
};

const size_t kAlign = 16;
const size_t kHeader = 16; /* sizeof(BlockHeader), padded to kAlign on 32-bit */
const size_t kMinBlock = kHeader + kAlign; /* room for FreeLinks */
const size_t kInUse = 1;
const size_t kExactLists = 64; /* blocks of 32, 48, ... 1040 bytes */
const size_t kExactLimit = kMinBlock + kExactLists * kAlign;
const size_t kLists = kExactLists + 48; /* then [1056, 2048), [2048, 4096), ... */

static_assert(sizeof(BlockHeader) <= kHeader, "the block header must fit in kHeader bytes");
static_assert(sizeof(FreeLinks) <= kMinBlock - kHeader, "a free block must hold its links");

struct PoolAllocator {
  unsigned char* first; /* the first block, kAlign-aligned */
  unsigned char* last;  /* the end marker: a header flagged in use, size 0 */
  size_t pool_bytes;    /* as given to pool_init */
  BlockHeader* lists[kLists];
  /* Statistics, in block bytes (headers included). */
  size_t in_use;
  size_t peak;
  size_t live_blocks;
  uint64_t refused;         /* requests that did not fit */
  size_t largest_refused;   /* the largest of those, in bytes asked for */
};

inline size_t block_size(const BlockHeader* b) { return b->size & ~kInUse; }
inline bool block_in_use(const BlockHeader* b) { return (b->size & kInUse) != 0; }
inline BlockHeader* block_next(BlockHeader* b) {
  return reinterpret_cast<BlockHeader*>(reinterpret_cast<unsigned char*>(b) + block_size(b));
}
inline FreeLinks* block_links(BlockHeader* b) {
  return reinterpret_cast<FreeLinks*>(reinterpret_cast<unsigned char*>(b) + kHeader);
}
inline BlockHeader* block_of(void* payload) {
  return reinterpret_cast<BlockHeader*>(static_cast<unsigned char*>(payload) - kHeader);
}
inline void* block_payload(BlockHeader* b) { return reinterpret_cast<unsigned char*>(b) + kHeader; }

/* ASan: a free block keeps its header and links readable, the rest poisoned;
 * a block in use has its first n payload bytes usable, its slack poisoned. */
inline void poison_free_block(BlockHeader* b) {
  POOL_ALLOCATOR_POISON(reinterpret_cast<unsigned char*>(b) + kMinBlock, block_size(b) - kMinBlock);
}
inline void expose_payload(BlockHeader* b, size_t n) {
  unsigned char* payload = static_cast<unsigned char*>(block_payload(b));
  POOL_ALLOCATOR_UNPOISON(payload, n);
  POOL_ALLOCATOR_POISON(payload + n, block_size(b) - kHeader - n);
}

inline size_t list_of(size_t size) {
  if (size < kExactLimit) return (size - kMinBlock) / kAlign;
  size_t list = kExactLists, s = size >> 10;
  while (s > 1 && list + 1 < kLists) {
    s >>= 1;
    list++;
  }
  return list;
}

inline void list_insert(PoolAllocator* p, BlockHeader* b) {
  size_t i = list_of(block_size(b));
  FreeLinks* l = block_links(b);
  l->prev = nullptr;
  l->next = p->lists[i];
  if (l->next) block_links(l->next)->prev = b;
  p->lists[i] = b;
}

inline void list_remove(PoolAllocator* p, BlockHeader* b) {
  FreeLinks* l = block_links(b);
  if (l->prev) block_links(l->prev)->next = l->next;
  else p->lists[list_of(block_size(b))] = l->next;
  if (l->next) block_links(l->next)->prev = l->prev;
}

/* Sets b's size (flags kept) and tells the block after it. */
inline void block_resize(BlockHeader* b, size_t size) {
  b->size = size | (b->size & kInUse);
  block_next(b)->prev_size = size;
}

/* Cuts an in-use block down to `size` bytes; a large enough rest becomes a
 * free block, merged with a free block after it. */
inline void block_trim(PoolAllocator* p, BlockHeader* b, size_t size) {
  size_t have = block_size(b);
  if (have - size < kMinBlock) return;
  BlockHeader* rest = reinterpret_cast<BlockHeader*>(reinterpret_cast<unsigned char*>(b) + size);
  POOL_ALLOCATOR_UNPOISON(rest, kMinBlock);
  block_resize(b, size); /* sets rest->prev_size */
  rest->size = have - size; /* free */
  BlockHeader* after = block_next(rest);
  if (!block_in_use(after)) {
    list_remove(p, after);
    rest->size += block_size(after);
  }
  block_next(rest)->prev_size = rest->size;
  list_insert(p, rest);
  poison_free_block(rest);
}

/* The block size for a request of n bytes, or 0 when it cannot exist. */
inline size_t size_for(size_t n) {
  if (n > SIZE_MAX - kHeader - kAlign) return 0;
  size_t size = (n + kHeader + kAlign - 1) & ~(kAlign - 1);
  return size < kMinBlock ? kMinBlock : size;
}

inline void count_use(PoolAllocator* p, ptrdiff_t delta) {
  p->in_use = static_cast<size_t>(static_cast<ptrdiff_t>(p->in_use) + delta);
  if (p->in_use > p->peak) p->peak = p->in_use;
}

inline void* refuse(PoolAllocator* p, size_t n) {
  p->refused++;
  if (n > p->largest_refused) p->largest_refused = n;
  return nullptr;
}

/* Prepares a pool over `bytes` bytes at `memory` (the caller keeps them alive
 * while the heap lives). False when that is too small to hold one block. */
inline bool pool_init(PoolAllocator* p, void* memory, size_t bytes) {
  memset(p, 0, sizeof *p);
  uintptr_t start = reinterpret_cast<uintptr_t>(memory);
  uintptr_t aligned = (start + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1);
  if (bytes < aligned - start + kMinBlock + kHeader) return false;
  size_t usable = (bytes - (aligned - start)) & ~(kAlign - 1);
  p->first = reinterpret_cast<unsigned char*>(aligned);
  p->last = p->first + usable - kHeader;
  p->pool_bytes = bytes;
  POOL_ALLOCATOR_POISON(memory, bytes);
  POOL_ALLOCATOR_UNPOISON(p->first, kMinBlock);
  POOL_ALLOCATOR_UNPOISON(p->last, kHeader);
  BlockHeader* b = reinterpret_cast<BlockHeader*>(p->first);
  b->size = usable - kHeader;
  b->prev_size = 0;
  BlockHeader* end = reinterpret_cast<BlockHeader*>(p->last);
  end->size = kInUse; /* size 0, never merged, never handed out */
  end->prev_size = b->size;
  list_insert(p, b);
  return true;
}

/* duk_alloc_function. Size 0 gives NULL, which Duktape accepts. */
inline void* pool_alloc(void* udata, duk_size_t n) {
  PoolAllocator* p = static_cast<PoolAllocator*>(udata);
  if (n == 0) return nullptr;
  size_t size = size_for(n);
  if (size == 0) return refuse(p, n);
  for (size_t i = list_of(size); i < kLists; i++) {
    /* An exact list holds one size; a power-of-two list is searched first-fit. */
    BlockHeader* b = p->lists[i];
    while (b && block_size(b) < size) b = block_links(b)->next;
    if (!b) continue;
    list_remove(p, b);
    b->size |= kInUse;
    block_trim(p, b, size);
    p->live_blocks++;
    count_use(p, static_cast<ptrdiff_t>(block_size(b)));
    expose_payload(b, n);
    return block_payload(b);
  }
  return refuse(p, n);
}

/* duk_free_function: merges the block with free neighbours at once. */
inline void pool_free(void* udata, void* ptr) {
  if (!ptr) return;
  PoolAllocator* p = static_cast<PoolAllocator*>(udata);
  BlockHeader* b = block_of(ptr);
  size_t size = block_size(b);
  POOL_ALLOCATOR_UNPOISON(b, kMinBlock); /* its links */
  count_use(p, -static_cast<ptrdiff_t>(size));
  p->live_blocks--;
  b->size = size; /* free */
  BlockHeader* after = block_next(b);
  if (!block_in_use(after)) {
    list_remove(p, after);
    b->size += block_size(after);
  }
  if (b->prev_size) {
    BlockHeader* before = reinterpret_cast<BlockHeader*>(reinterpret_cast<unsigned char*>(b) - b->prev_size);
    if (!block_in_use(before)) {
      list_remove(p, before);
      before->size += b->size;
      b = before;
    }
  }
  block_next(b)->prev_size = b->size;
  list_insert(p, b);
  poison_free_block(b);
}

/* duk_realloc_function: shrinks in place, grows into a free next block when
 * it can, else moves. On failure the old block is untouched (NULL). */
inline void* pool_realloc(void* udata, void* ptr, duk_size_t n) {
  PoolAllocator* p = static_cast<PoolAllocator*>(udata);
  if (!ptr) return pool_alloc(udata, n);
  if (n == 0) {
    pool_free(udata, ptr);
    return nullptr;
  }
  size_t size = size_for(n);
  if (size == 0) return refuse(p, n);
  BlockHeader* b = block_of(ptr);
  size_t have = block_size(b);
  if (size > have) {
    BlockHeader* after = block_next(b);
    if (block_in_use(after) || have + block_size(after) < size) {
      void* moved = pool_alloc(udata, n);
      if (!moved) return nullptr;
      POOL_ALLOCATOR_UNPOISON(ptr, have - kHeader); /* its slack too: copied, then freed */
      memcpy(moved, ptr, have - kHeader);
      pool_free(udata, ptr);
      return moved;
    }
    list_remove(p, after);
    block_resize(b, have + block_size(after));
  }
  block_trim(p, b, size);
  count_use(p, static_cast<ptrdiff_t>(block_size(b)) - static_cast<ptrdiff_t>(have));
  expose_payload(b, n);
  return ptr;
}

} /* namespace pool_allocator */

#endif /* EVLOOP_EXAMPLES_POOL_ALLOCATOR_HPP */
