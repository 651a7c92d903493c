/* The loop core: timers, fd watchers, posted tasks, the wake fd, one turn of
 * the loop, and the path every callback error takes. Shared by both loops: the
 * C++ loop keeps JS timers here too; the ECMAScript loop keeps its own and
 * calls step() through its native helper for I/O, native timers and tasks. */
#pragma once
#include "../api/api.hpp"
#include "memory.hpp"
#include "clock.hpp"
#include "timer_heap.hpp"
#include "../backend/backend.hpp"
#include "errors.hpp"
#include <new> /* placement new: Loop::create */


namespace evloop {
namespace detail {

enum WatcherKind : uint8_t { kWatchNone, kWatchNative, kWatchJs, kWatchEcma, kWatchStream };
/* Streams exist only with sockets: a constant, so that a build without them
 * (EVLOOP_NO_SOCKETS) drops the stream code from the watcher paths. */
#if defined(EVLOOP_HAVE_SOCKETS)
const bool kHaveStreams = true;
#else
const bool kHaveStreams = false;
#endif

struct Watcher {
  unsigned events;
  uint8_t kind;
  bool counted;         /* keeps the loop alive (see Loop::unref_fd) */
  bool weak;            /* keeps it alive only while events != 0 (streams, as libuv) */
  uint32_t added_round; /* events of this round are not for this watcher */
  WatchFn fn;
  void* user;
};

/* Heap stash keys. Only C reaches the heap stash (duk_push_heap_stash);
 * the keys are hidden symbols only to keep them out of a host's way. */
#define EVLOOP_STASH_LOOP DUK_HIDDEN_SYMBOL("evloop")
#define EVLOOP_STASH_TIMERS DUK_HIDDEN_SYMBOL("evloop.timers")
#define EVLOOP_STASH_WATCHERS DUK_HIDDEN_SYMBOL("evloop.watchers")
#define EVLOOP_STASH_EXIT DUK_HIDDEN_SYMBOL("evloop.exit")
#define EVLOOP_STASH_ECMA DUK_HIDDEN_SYMBOL("evloop.ecma")
#define EVLOOP_STASH_DATA DUK_HIDDEN_SYMBOL("evloop.data")
#define EVLOOP_STASH_NET DUK_HIDDEN_SYMBOL("evloop.net")     /* net.js's state (install.hpp) */
#define EVLOOP_STASH_WRITE DUK_HIDDEN_SYMBOL("evloop.write") /* Socket#write's hooks (bind_socket.hpp) */

/* A byte stream or listener of the C++ loop's stream engine (stream.hpp):
 * kept in Watcher::user of a kWatchStream watcher, its JS handler in
 * watcher_callbacks[fd]. Queued bytes are a list of chunks in loop memory. */
struct Chunk {
  Chunk* next;
  size_t len, off, cap; /* bytes [off, len) are still to be written */
  /* the bytes follow */
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
};
enum StreamState : uint8_t { kStreamOpen, kStreamConnecting, kStreamListening };
struct Stream {
  int fd;
  uint8_t state;
  bool reading;   /* read interest wanted (off while paused or after EOF) */
  bool ending;    /* end() asked: shut the write side down once flushed */
  bool shut;      /* write side shut down */
  bool stopped;   /* an error was reported: no more I/O */
  bool eof;       /* the peer shut its write side down */
  int pending_error; /* errno of a failed write, reported from the loop */
  Chunk* head;
  Chunk* tail;
  size_t queued;
  TimerId backoff; /* a listener's accept back-off timer (EMFILE) */
  char* peer_host; /* while connecting: the address and port errors name */
  int peer_port;
  bool direct_data; /* data goes to data_fn with this = data_self, both kept
                       reachable by data_callbacks[2fd] and [2fd+1] */
  void* data_fn;
  void* data_self;
  double bytes_read;
  double write_cap;    /* Socket#write's fast path: its cap on queued bytes (-1: off; stream.writeCap) */
  double fast_written; /* bytes that path took since the last stream.writeCap */
  void* owner;         /* the JS object every stream.* call must name (stream.open): a heap
                          pointer compared with the caller's, never dereferenced; its
                          handler keeps it alive */
  bool read_once;      /* an adopted blocking fd: one read per readiness (fd_reads_block) */
};

/* The ECMAScript loop's native Socket#write fast path, per fd (its stream
 * engine keeps the rest of a stream's state in JS): the cap on a chunk it
 * may send (-1: off; the engine sets it while the stream is open and has
 * nothing queued) and the bytes it took since the engine last asked. */
struct EcmaFastWrite {
  double cap;
  double taken;
  void* owner; /* the JS socket Socket#write must be called on (heap pointer, compared only) */
};

struct LoopImpl : Loop {
  duk_context* ctx;
  Memory mem;
  Mode mode_;
  Clock clock;
  ErrorHook error_hook;
  void* error_user;
  void (*exit_hook)(Loop&, int, void*);
  void* exit_user;
  KernelBackend backend;
  TimerHeap timers;
  RawArray<Watcher> watchers; /* indexed by fd */
  size_t user_watchers;       /* native + JS that keep the loop alive */
  size_t all_watchers;        /* every watcher but the loop's own fds */
  uint32_t round;
  /* The C++ stream engine's read delivery (stream.hpp): the fd whose bytes
   * are being pushed as a Buffer, outside any protected call; if the turn
   * unwinds meanwhile (out of memory), fail_delivery fails that socket. */
  int delivering_fd;
  void (*fail_delivery)(LoopImpl* l, int fd);
  uint64_t ecma_waits;        /* turns the ECMAScript loop has waited (progress, for run()) */
  bool ecma_threw;            /* the last call_ecma ended in an error */
  int64_t failed_turn_pause_ns; /* the next pause after a failed turn (0: the last turn was good) */
  uint64_t failed_turn_waits;   /* ecma_waits at the ECMAScript loop's last failed turn */
#ifndef EVLOOP_NO_THREADS
  std::atomic<Task*> tasks;
#else
  Task* tasks;
#endif
  bool exiting;
  int exit_status;
  int depth;                  /* run/run_once nesting: a callback cannot re-enter */
  unsigned installed;
  Stats counters;
  int64_t now;                /* loop time of the current turn */
  void* timer_callbacks;      /* JS array: slot -> fn | [fn, args...] | source string */
  uint32_t timer_callbacks_size; /* its length, grown 1.25x ahead (bind_timers.hpp) */
  void* watcher_callbacks;    /* JS array: fd -> fn (a stream's handler) */
  void* data_callbacks;       /* JS array: 2fd -> a stream's data fn, 2fd+1 -> its this */
  void* exit_signal;          /* the value process.exit() throws */
  void* ecma;                 /* the ECMAScript loop's control object (Mode::Ecma) */
  /* Heap pointers of internals the natives use, kept reachable from the
   * stash (never from anything a script reaches; see tag_with_loop). */
  void* ecma_env;             /* the ECMAScript loop's env (ecma_loop.js), for its placeholders */
  void* ecma_timer_state;     /* its timer state array, `this` of startTimer */
  void* ecma_start_timer;     /* startTimer (also in state[ST_START_TIMER]) */
  void* write_hooks[3];       /* Socket#write's writeSlow, afterQueued, fastRest (bind_socket.hpp) */
  /* ecma, read through this: null in a build without the ECMAScript loop, so
   * the compiler drops the code that drives it (EVLOOP_NO_ECMA_LOOP). */
  void* ecma_on() const {
#if defined(EVLOOP_HAVE_ECMA_LOOP)
    return ecma;
#else
    return nullptr;
#endif
  }
  int argc;
  const char* const* argv;
  /* ECMAScript loop: the figures it hands over at each wait, for stats(). */
  size_t ecma_timers;
  /* Sockets: fds the loop created (closed by destroy) and the one read
   * buffer every socket read goes through, allocated on first use. */
  RawArray<uint8_t> owned_fds;
  char* read_buffer;
#if defined(EVLOOP_HAVE_SOCKETS) && defined(EVLOOP_HAVE_ECMA_LOOP)
  RawArray<EcmaFastWrite> ecma_fast; /* by fd, grown on first use (native.fastCap) */
#endif
#if defined(EVLOOP_HAVE_SOCKETS)
  FastWriters fast_writers; /* Socket#write: its this -> the fd of its fast path */
#endif
  ReadyEvent ready[EVLOOP_MAX_EVENTS_PER_WAIT];

#ifdef EVLOOP_FAULT_INJECTION
  Syscalls sys;
#endif

  int64_t clock_now() { return clock.now_ns(clock.user); }

  /* ---- watchers ---- */
  /* False with errno: EBADF (negative), EMFILE (an open fd at or above
   * kFdLimit; a closed one is EBADF, as below it), ENOMEM. */
  bool ensure_watcher_slot(int fd) {
    if (fd < 0 || fd >= kFdLimit) {
      errno = fd < 0 || fcntl(fd, F_GETFD) < 0 ? EBADF : EMFILE;
      return false;
    }
    /* A number that is no open fd must not grow the table (fuzz finding F1:
     * watch(50000000, ...) took 1.7 GB before the backend said EBADF). */
    if (static_cast<size_t>(fd) >= watchers.size && fcntl(fd, F_GETFD) < 0) {
      errno = EBADF;
      return false;
    }
    if (!watchers.reserve(mem, static_cast<size_t>(fd) + 1)) {
      errno = ENOMEM;
      return false;
    }
    while (watchers.size <= static_cast<size_t>(fd)) {
      Watcher none = {0, kWatchNone, false, false, 0, nullptr, nullptr};
      watchers.data[watchers.size++] = none;
    }
    return true;
  }
  Watcher* watcher(int fd) {
    if (fd < 0 || static_cast<size_t>(fd) >= watchers.size) return nullptr;
    Watcher* w = &watchers.data[fd];
    return w->kind == kWatchNone ? nullptr : w;
  }
  /* Adds a watcher, or changes the interest of the same owner's watcher.
   * `replace` (a new callback) re-registers the fd from scratch: the fd may
   * have been closed and its number reused since, and events already taken
   * from the kernel this round belong to the old file. False with errno set. */
  bool set_watcher(int fd, unsigned events, uint8_t kind, WatchFn fn, void* user, bool replace, bool weak = false) {
    Watcher* w = watcher(fd);
    int released = 0; /* JS values of a replaced watcher, on the value stack */
    if (w && (replace || w->kind != kind)) {
      released = detach_watcher(fd, kind != kWatchJs); /* a JS caller stored its new callback already */
      w = nullptr;
    }
    bool ok = set_watcher_now(fd, events, kind, fn, user, w, weak);
    int err = errno;
    duk_pop_n(ctx, released); /* a finalizer may run: the tables are consistent */
    errno = err;
    return ok;
  }
  bool set_watcher_now(int fd, unsigned events, uint8_t kind, WatchFn fn, void* user, Watcher* w, bool weak) {
    if (w) {
      if (w->events != events && !backend.modify(mem, fd, events)) return false;
      w->events = events;
      if (w->weak) set_counted(w, events != 0);
      return true;
    }
    if (!ensure_watcher_slot(fd)) return false;
    if (watcher(fd)) { /* growing the table collected garbage, and a finalizer watched fd */
      errno = EEXIST;
      return false;
    }
    if (!backend.add(mem, fd, events)) return false;
    bool counted = !weak || events != 0;
    Watcher nw = {events, kind, counted, weak, round, fn, user};
    watchers[fd] = nw;
    if (counted) user_watchers++;
    all_watchers++;
    return true;
  }
  void set_counted(Watcher* w, bool on) {
    if (w->counted == on) return;
    w->counted = on;
    if (on) user_watchers++;
    else user_watchers--;
  }
  bool remove_watcher(int fd, bool drop_js_callback = true) {
    int released = detach_watcher(fd, drop_js_callback);
    if (released < 0) return false;
    duk_pop_n(ctx, released); /* a finalizer may run: the tables are consistent */
    return true;
  }
  /* Takes fd's watcher out of every table. Its JS values (a callback, a
   * stream's handler, data fn and this) move from the stash arrays onto the
   * value stack: [ ... ] -> [ ... released(n) ], n returned (-1: no watcher).
   * The caller pops them once its own state is consistent: the last
   * reference to a value may go with the pop, and with it a finalizer
   * (Duktape.fin) runs, which may call any evloop API (issue 18: one that
   * watched fd 200 inside unwatch grew this table under remove_watcher). */
  int detach_watcher(int fd, bool drop_js_callback = true) {
    Watcher* w = watcher(fd);
    if (!w) return -1;
    backend.remove(fd);
    bool stream = kHaveStreams && w->kind == kWatchStream;
    bool drop_js = (w->kind == kWatchJs && drop_js_callback) || stream;
    Stream* s = stream ? static_cast<Stream*>(w->user) : nullptr;
    if (w->counted) user_watchers--;
    all_watchers--;
    w->counted = false;
    w->kind = kWatchNone;
    w->events = 0;
    int released = 0;
    if (drop_js) released += take_js_value(watcher_callbacks, static_cast<duk_uarridx_t>(fd));
    if (s) {
      if (s->direct_data) {
        released += take_js_value(data_callbacks, static_cast<duk_uarridx_t>(2 * fd));
        released += take_js_value(data_callbacks, static_cast<duk_uarridx_t>(2 * fd + 1));
      }
      free_stream(s);
    }
    return released;
  }
  /* [ ... ] -> [ ... value ]: moves array[idx] onto the value stack, leaving
   * undefined in its place (returns 1; 0 and nothing pushed without the
   * array). An existing index: allocates nothing, cannot throw. */
  int take_js_value(void* array, duk_uarridx_t idx) {
    if (!array) return 0;
    duk_push_heapptr(ctx, array);
    duk_get_prop_index(ctx, -1, idx);
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, -3, idx);
    duk_remove(ctx, -2);
    return 1;
  }
  /* Makes index idx of a stash array exist, so that a later write there
   * allocates nothing: an allocation may collect garbage, and a finalizer
   * run by that collection may call any evloop API, so natives grow the
   * array first, then check the loop's state, then write. May throw. */
  void reserve_js_index(void* array, duk_uarridx_t idx) {
    duk_push_heapptr(ctx, array);
    if (!duk_has_prop_index(ctx, -1, idx)) {
      duk_push_undefined(ctx);
      duk_put_prop_index(ctx, -2, idx);
    }
    duk_pop(ctx);
  }
  void free_stream(Stream* s) {
#if defined(EVLOOP_HAVE_SOCKETS)
    fast_writers.erase(s->owner, s->fd);
#endif
    if (s->backoff) {
      uint32_t slot = timers.find(s->backoff);
      if (slot != kNotInHeap) timers.free_slot(slot);
    }
    mem.free(s->peer_host);
    for (Chunk* c = s->head; c;) {
      Chunk* next = c->next;
      mem.free(c);
      c = next;
    }
    mem.free(s);
  }
  /* fds the loop created (listen, connect, accept): destroy() closes those
   * still open, and they are the only fds a script may close. False (out
   * of memory for the table): the caller closes fd and fails, since an fd
   * not marked here could never be closed again. */
  bool own_fd(int fd) {
    if (fd < 0 || !owned_fds.reserve(mem, static_cast<size_t>(fd) + 1)) return false;
    while (owned_fds.size <= static_cast<size_t>(fd)) owned_fds.data[owned_fds.size++] = 0;
    owned_fds[fd] = 1;
    return true;
  }
  void disown_fd(int fd) {
    if (fd >= 0 && static_cast<size_t>(fd) < owned_fds.size) owned_fds[fd] = 0;
  }
  bool owns_fd(int fd) const { return fd >= 0 && static_cast<size_t>(fd) < owned_fds.size && owned_fds.data[fd]; }
  /* An fd of the loop itself (its backend's: kernel object, wake-up, timer)
   * or of its host (one with a native watcher, e.g. the CLI's signal pipe):
   * no JS API may close, watch, read or write it (EPERM: see refuse_host_fd). */
  bool host_fd(int fd) {
    if (fd < 0) return false;
    if (backend.owns(fd)) return true;
    Watcher* w = watcher(fd);
    return w && w->kind == kWatchNative;
  }

  /* Drops a stream's data callback and its this (both indexes exist); a
   * finalizer may run: the caller's state must be consistent. */
  void clear_stream_data(int fd) {
    int released = take_js_value(data_callbacks, static_cast<duk_uarridx_t>(2 * fd));
    released += take_js_value(data_callbacks, static_cast<duk_uarridx_t>(2 * fd + 1));
    duk_pop_n(ctx, released);
  }

  /* Drops the JS reference. Writing undefined into an existing array index
   * allocates nothing, so this cannot throw. */
  void clear_js_watcher(int fd) {
    if (!watcher_callbacks) return;
    duk_push_heapptr(ctx, watcher_callbacks);
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(fd));
    duk_pop(ctx);
  }

  /* ---- errors ---- */
  /* The error a callback threw is on the stack top; this consumes nothing.
   * Runs inside a protected region. EventLoop.onerror gets the first look
   * (itself called through a nested safe call, so a throwing handler or a
   * throwing getter cannot unwind the turn); else the host hook or stderr. */
  void report_callback_error() {
    if (exit_signal && duk_get_heapptr(ctx, -1) == exit_signal) return;
    counters.errors++;
    if ((installed & kBindEventLoop) && mode_ == Mode::Native) {
      duk_dup_top(ctx);
      if (duk_safe_call(ctx, call_js_onerror, nullptr, 1, 1) == DUK_EXEC_SUCCESS) {
        bool taken = duk_get_boolean(ctx, -1) != 0;
        duk_pop(ctx);
        if (taken) return;
      } else {
        /* The handler itself failed: report that error instead (unless it
         * called process.exit). */
        if (duk_get_heapptr(ctx, -1) != exit_signal) report_default();
        duk_pop(ctx);
        return;
      }
    }
    report_default();
  }
  /* The fallback: host hook or stderr. Error on the stack top, not consumed. */
  void report_default() {
    counters.errors_reported++;
    duk_dup_top(ctx);
    const char* text = duk_safe_to_stacktrace(ctx, -1);
    if (error_hook) error_hook(*this, text, error_user);
    else {
      fflush(stdout);
      fprintf(stderr, "%s\n", text);
      fflush(stderr);
    }
    duk_pop(ctx);
  }
  /* [ ... err ] -> [ ... err taken ]: calls EventLoop.onerror(err) when it is
   * a function. A duk_safe_call function shares the caller's frame, so only
   * negative (top-relative) indexes are used. */
  static duk_ret_t call_js_onerror(duk_context* ctx, void*) {
    duk_get_global_literal(ctx, "EventLoop"); /* [ err EventLoop ] */
    if (!duk_is_object(ctx, -1)) {
      duk_push_false(ctx);
      return 1;
    }
    duk_get_prop_literal(ctx, -1, "onerror"); /* [ err EventLoop onerror ] */
    if (!duk_is_function(ctx, -1)) {
      duk_push_false(ctx);
      return 1;
    }
    duk_swap_top(ctx, -2); /* [ err onerror EventLoop ] */
    duk_dup(ctx, -3);      /* [ err onerror EventLoop err ] */
    duk_call_method(ctx, 1);
    duk_push_true(ctx);
    return 1;
  }

  /* ---- one callback ---- */
  /* Counts a callback that began at `started`; returns the time now (a run
   * of due timers starts the next one's accounting there). */
  int64_t account_callback(int64_t started) {
    counters.callbacks_run++;
    int64_t now_ns = monotonic_ns();
    if (now_ns - started > counters.slowest_callback_ns) counters.slowest_callback_ns = now_ns - started;
    return now_ns;
  }
  /* [ ... func this args(nargs) ] -> [ ... ]: a protected call (duk_pcall_method
   * catches everything the callback throws); errors are reported. */
  void call_js(duk_idx_t nargs) {
    int64_t started = monotonic_ns();
    if (duk_pcall_method(ctx, nargs) != DUK_EXEC_SUCCESS) report_callback_error();
    duk_pop(ctx);
    account_callback(started);
  }

  /* ---- timers ---- */
  TimerId start_timer(int64_t delay_ms, int32_t repeat_ms, uint32_t flags, TimerFn fn, void* user) {
    int64_t deadline = add_saturated(clock_now(), delay_ms * 1000000);
    uint32_t slot = timers.insert(mem, deadline, static_cast<int32_t>(delay_ms), repeat_ms, flags, fn, user);
    if (backend.arms_deadline) arm_deadline(); /* a foreign loop waits on pollable_fd() */
    return timers.id_of(slot);
  }
  /* The callback leaves its array for the value stack and is dropped last:
   * its finalizer may call clearTimeout on this very timer (issue 18: the
   * slot was freed twice) or setTimeout, which may reuse the slot. */
  void cancel_slot(uint32_t slot) {
    int released = (timers.slots[slot].flags & kTimerJs) ? take_js_value(timer_callbacks, slot) : 0;
    timers.free_slot(slot);
    if (backend.arms_deadline) arm_deadline();
    duk_pop_n(ctx, released);
  }
  /* Runs the timers due at `now` that existed when this round began: a timer
   * created by a callback runs on a later turn, so a zero-delay chain cannot
   * starve I/O. Intervals are rescheduled before their callback runs, on the
   * grid deadline + k * interval, skipping ticks already missed.
   * The callback array stays on the value stack for the whole run, and one
   * clock read per callback (~25 ns here) both ends its duration and starts
   * the next one, so a timer's duration includes the loop's few hundred ns of
   * bookkeeping for it. */
  void run_due_timers() {
    uint64_t round_limit = timers.sequence;
    duk_idx_t cbs = -1;  /* the callback array's index, once pushed */
    int64_t mark = 0;    /* real time when the current callback's accounting began */
    bool marked = false;
    while (!exiting) {
      const TimerSlot* top = timers.top();
      if (!top || top->deadline > now || TimerHeap::sequence_of(*top) > round_limit) break;
      if (!marked) {
        mark = monotonic_ns();
        marked = true;
      }
      uint32_t slot = TimerHeap::slot_of(*top);
      TimerSlot s = timers.slots[slot];
      TimerId id = timers.id_of(slot);
      if (s.repeat_ms >= 0) {
        int64_t interval = static_cast<int64_t>(s.repeat_ms) * 1000000;
        int64_t next = s.deadline + interval;
        if (next <= now) next = interval ? s.deadline + interval * ((now - s.deadline) / interval + 1) : now;
        timers.unschedule(slot);
        timers.schedule(slot, next, s.repeat_ms);
      }
      bool one_shot = s.repeat_ms < 0;
      if (!(s.flags & kTimerJs)) {
        if (one_shot) timers.free_slot(slot);
        s.fn(*this, id, s.user);
        mark = account_callback(mark);
        continue;
      }
      if (cbs < 0) {
        duk_push_heapptr(ctx, timer_callbacks);
        cbs = duk_get_top_index(ctx);
      }
      duk_get_prop_index(ctx, cbs, slot); /* [ cbs cb ] */
      if (one_shot) {
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, cbs, slot); /* existing index: cannot throw */
        timers.free_slot(slot);
      }
      if (s.flags & kTimerString) {
        /* Legacy string callback: indirect eval in the global scope. */
        if (duk_peval(ctx) != DUK_EXEC_SUCCESS) report_callback_error();
        duk_pop(ctx);
      } else if (s.flags & kTimerArgs) { /* [ cbs [fn, args...] ] */
        duk_idx_t arr = duk_get_top_index(ctx);
        duk_idx_t len = static_cast<duk_idx_t>(duk_get_length(ctx, arr));
        duk_get_prop_index(ctx, arr, 0);
        duk_push_undefined(ctx);
        for (duk_idx_t i = 1; i < len; i++) duk_get_prop_index(ctx, arr, static_cast<duk_uarridx_t>(i));
        if (duk_pcall_method(ctx, len - 1) != DUK_EXEC_SUCCESS) report_callback_error();
        duk_pop_2(ctx);
      } else {
        duk_push_undefined(ctx);
        if (duk_pcall_method(ctx, 0) != DUK_EXEC_SUCCESS) report_callback_error();
        duk_pop(ctx);
      }
      mark = account_callback(mark);
    }
    if (cbs >= 0) duk_pop(ctx);
  }

  /* ---- tasks ---- */
  bool tasks_pending() {
#ifndef EVLOOP_NO_THREADS
    return tasks.load(std::memory_order_acquire) != nullptr;
#else
    return tasks != nullptr;
#endif
  }
  void run_tasks() {
#ifndef EVLOOP_NO_THREADS
    Task* list = tasks.exchange(nullptr, std::memory_order_acq_rel);
#else
    Task* list = tasks;
    tasks = nullptr;
#endif
    Task* fifo = nullptr; /* the list is LIFO; run in posting order */
    while (list) {
      Task* next = list->next;
      list->next = fifo;
      fifo = list;
      list = next;
    }
    while (fifo) {
      Task* next = fifo->next;
      int64_t started = monotonic_ns();
      fifo->run(*this, fifo);
      account_callback(started);
      fifo = next;
    }
  }
  /* ---- one turn ---- */
  bool has_work() {
    return timers.pending() || user_watchers || tasks_pending();
  }
  /* How long the backend may block, in ns; -1: no limit. `ecma_wait_ns` is the
   * ECMAScript loop's own next deadline (-1: none). */
  int64_t wait_budget(int64_t max_wait_ns, int64_t ecma_wait_ns) {
    int64_t wait = max_wait_ns;
    if (tasks_pending()) return 0;
    if (const TimerSlot* top = timers.top()) {
      int64_t until = top->deadline - clock_now();
      if (until < 0) until = 0;
      if (wait < 0 || until < wait) wait = until;
    }
    if (ecma_wait_ns >= 0 && (wait < 0 || ecma_wait_ns < wait)) wait = ecma_wait_ns;
    return wait;
  }
  /* The kernel timeout for a wait of wait_ns (-1: no limit). A virtual clock
   * (Clock::idle) never blocks on a finite wait: the kernel is only polled and,
   * when nothing was ready, idle_if_virtual() moves the clock instead. */
  int kernel_timeout_ms(int64_t wait_ns) {
    if (wait_ns < 0) return -1;
    return clock.idle ? 0 : wait_ms_ceil(wait_ns);
  }
  void idle_if_virtual(int64_t wait_ns) {
    if (clock.idle && wait_ns > 0) clock.idle(clock.user, wait_ns);
  }
  /* Waits in the backend and dispatches what is ready. ECMAScript watchers'
   * events go to the array at `ecma_out` (fd, revents pairs); returns how
   * many pairs were written. */
  duk_uarridx_t poll_io(int64_t wait_ns, duk_idx_t ecma_out) {
    duk_uarridx_t written = 0;
    if (all_watchers == 0 && !backend.arms_deadline) {
      /* Nothing to ask the kernel (posted tasks are seen through the task
       * list, the backend's wake-up is drained by its next real wait; a
       * pollable backend's timer must be drained to quiet it): with a virtual
       * clock the wait is only a move of the clock, without a system call per
       * turn (1k timers over 1k deadlines: 1k turns). */
      if (wait_ns == 0) return 0;
      if (clock.idle) {
        idle_if_virtual(wait_ns);
        return 0;
      }
    }
    int timeout = kernel_timeout_ms(wait_ns);
    int n;
    for (;;) {
      int64_t before = clock_now();
#ifdef EVLOOP_FAULT_INJECTION
      if (int injected = sys.before_wait ? sys.before_wait(sys.user) : 0) {
        errno = injected;
        n = -1;
      } else
#endif
      n = backend.wait(timeout, ready, EVLOOP_MAX_EVENTS_PER_WAIT);
      if (n >= 0 || errno != EINTR) break;
      /* EINTR: wait again for what is left of the timeout. */
      if (timeout > 0) {
        int64_t left = wait_ns - (clock_now() - before);
        timeout = left > 0 ? wait_ms_ceil(left) : 0;
      }
    }
    if (n < 0 && errno != EAGAIN && errno != ENOMEM) {
      /* EBADF, EINVAL: the backend itself is broken (its fd closed under
       * it), and every wait would fail at once: a spin. Report and stop. */
      stop_on_backend_failure(errno);
      return 0;
    }
    if (n <= 0) {
      idle_if_virtual(wait_ns);
      return 0;
    }
    round++;
    /* The loop's own and the host's watchers first (the wake fd, the CLI's
     * signal pipe): the rest may run JS, fail for lack of memory and unwind
     * the turn, and an fd after them would wait for ever (issue 18: with a
     * full heap, SIGTERM sat behind a ready stdin). Only when several fds
     * are ready: the echo round trip has one. Those dispatched are marked
     * -1 for the main pass. */
    if (n > 1) {
      for (int i = 0; i < n && !exiting; i++) {
        Watcher* w = watcher(ready[i].fd);
        if (!w || w->kind != kWatchNative) continue;
        dispatch_host_watcher(ready[i].fd, ready[i].revents);
        ready[i].fd = -1;
      }
    }
    for (int i = 0; i < n && !exiting; i++) {
      int fd = ready[i].fd;
      Watcher* w = watcher(fd);
      /* Stale: removed, or replaced (fd reused) during this round. */
      if (!w || w->added_round == round) continue;
      unsigned revents = ready[i].revents & (w->events | kError | kHangup | kInvalid);
      if (!revents || !w->events) continue;
      Watcher copy = *w;
      if (kHaveStreams && copy.kind == kWatchStream) { /* handles its own errors (SO_ERROR) */
        copy.fn(*this, fd, revents, copy.user);
        continue;
      }
      if (copy.kind == kWatchNative) {
        dispatch_host_watcher(fd, ready[i].revents);
        continue;
      }
      if (copy.kind == kWatchJs) {
        duk_push_heapptr(ctx, watcher_callbacks);
        duk_get_prop_index(ctx, -1, static_cast<duk_uarridx_t>(fd));
        duk_remove(ctx, -2); /* [ cb ] */
      }
      /* An fd in error or closed under us would be reported forever: tell
       * the watcher once and stop watching it. */
      if (revents & (kError | kInvalid)) remove_watcher(fd);
      if (copy.kind == kWatchJs) {
        duk_push_undefined(ctx);
        duk_push_int(ctx, fd);
        duk_push_uint(ctx, revents);
        call_js(2);
      } else if (copy.kind == kWatchEcma && ecma_out >= 0) {
        duk_push_int(ctx, fd);
        duk_put_prop_index(ctx, ecma_out, written++);
        duk_push_uint(ctx, revents);
        duk_put_prop_index(ctx, ecma_out, written++);
      }
    }
    return written;
  }
  /* Dispatches a ready internal (wake, timer) or native (host) watcher of
   * this round; a native one in error or closed under us is dropped first,
   * as a JS one is. */
  void dispatch_host_watcher(int fd, unsigned ready_events) {
    Watcher* w = watcher(fd);
    /* Stale: removed, or replaced (fd reused) during this round. */
    if (!w || w->added_round == round) return;
    unsigned revents = ready_events & (w->events | kError | kHangup | kInvalid);
    if (!revents || !w->events) return;
    Watcher copy = *w;
    if (revents & (kError | kInvalid)) remove_watcher(fd);
    int64_t started = monotonic_ns();
    copy.fn(*this, fd, revents, copy.user);
    account_callback(started);
  }
  /* The loop stops first (run() returns 1; the ECMAScript loop sees the
   * exit in native.wait), then the error is reported: an Error with code,
   * errno and syscall (e.g. "EBADF: bad file descriptor, epoll_wait"),
   * through the error hook or stderr. Pushing it may fail for lack of
   * memory: the turn then unwinds with the loop already stopped. */
  void stop_on_backend_failure(int err) {
    if (!exiting) exit_status = 1;
    exiting = true;
    counters.errors++;
    const char* syscall = backend.wait_call();
    char message[96];
    snprintf(message, sizeof message, "%s", strerror(err));
    if (message[0] >= 'A' && message[0] <= 'Z') message[0] = static_cast<char>(message[0] - 'A' + 'a'); /* as Node */
    duk_push_error_object(ctx, DUK_ERR_ERROR, "%s: %s, %s", errno_name(err), message, syscall);
    duk_push_string(ctx, errno_name(err));
    duk_put_prop_literal(ctx, -2, "code");
    duk_push_int(ctx, -err);
    duk_put_prop_literal(ctx, -2, "errno");
    duk_push_string(ctx, syscall);
    duk_put_prop_literal(ctx, -2, "syscall");
    report_default();
    duk_pop(ctx);
  }
  /* The earliest timer deadline (ns on the loop clock), the ECMAScript
   * loop's JS timers included; -1: none. */
  int64_t next_deadline() {
    const TimerSlot* top = timers.top();
    int64_t d = top ? top->deadline : -1;
#if defined(EVLOOP_HAVE_ECMA_LOOP)
    if (ecma_on()) {
      double js = call_ecma("nextDeadline", 0); /* protected; reads only */
      int64_t e = js < 0 ? -1 : static_cast<int64_t>(js * 1e6);
      if (e >= 0 && (d < 0 || e < d)) d = e;
    }
#endif
    return d;
  }
  /* Once a foreign loop waits on pollable_fd(): tells the backend the next
   * deadline (epoll arms its timerfd), so that fd turns readable then. */
  void arm_deadline() {
    if (!backend.arms_deadline) return;
    int64_t deadline = next_deadline();
    int64_t until = -1;
    if (deadline >= 0) {
      until = deadline - clock_now();
      if (until <= 0) until = 1;
    }
    backend.arm_deadline(until);
  }
  /* One turn of the loop; runs inside a protected region (see step_protected). */
  duk_uarridx_t step(int64_t max_wait_ns, int64_t ecma_wait_ns, duk_idx_t ecma_out) {
    duk_uarridx_t got = 0;
    int64_t budget = wait_budget(max_wait_ns, ecma_wait_ns);
    if (budget < 0 && !timers.pending() && !user_watchers) budget = 0; /* nothing could end the wait */
    if (!exiting) got = poll_io(budget, ecma_out);
    now = clock_now();
    if (!exiting) run_due_timers();
    if (!exiting && tasks_pending()) run_tasks();
    if (!ecma_on()) arm_deadline(); /* the ECMAScript loop's timers run after this: Loop::run_once arms */
    return got;
  }

  struct StepArgs {
    LoopImpl* loop;
    int64_t max_wait_ns;
  };
  /* The C++ loop's turn runs under duk_safe_call: a failure outside any
   * callback (out of memory while pushing, say) unwinds to here, never past
   * the host's frame. Callbacks have their own duk_pcall inside. */
  static duk_ret_t step_protected(duk_context*, void* udata) {
    StepArgs* a = static_cast<StepArgs*>(udata);
    a->loop->step(a->max_wait_ns, -1, -1);
    return 0;
  }
  bool run_native_turn(int64_t max_wait_ns) {
    if (max_wait_ns < 0 && !has_work()) return false; /* would block forever */
    StepArgs args = {this, max_wait_ns};
    duk_idx_t top = duk_get_top(ctx);
    uint64_t errors_before = counters.errors;
    if (duk_safe_call(ctx, step_protected, &args, 0, 1) != DUK_EXEC_SUCCESS) {
      counters.errors++;
      int fd = delivering_fd;
      delivering_fd = -1;
      if (kHaveStreams && fd >= 0 && fail_delivery) fail_delivery(this, fd); /* the socket reports it */
      else report_default();
      duk_set_top(ctx, top);
      if (!exiting) pause_after_failed_turn();
    } else {
      duk_set_top(ctx, top);
      if (counters.errors != errors_before && !exiting && heap_exhausted()) pause_after_failed_turn();
      else failed_turn_pause_ns = 0;
    }
    return !exiting && has_work();
  }
  /* Callbacks that failed for lack of memory fail the same way next turn
   * (a watcher whose callback cannot even start leaves its fd ready): such
   * a turn counts as failed. Asked only after a turn with errors: can the
   * heap still give 4 KiB (after the collection Duktape runs first)? */
  static duk_ret_t probe_allocation(duk_context* c, void*) {
    duk_push_fixed_buffer(c, 4096);
    return 0;
  }
  bool heap_exhausted() {
    duk_idx_t top = duk_get_top(ctx);
    bool failed = duk_safe_call(ctx, probe_allocation, nullptr, 0, 1) != DUK_EXEC_SUCCESS;
    duk_set_top(ctx, top);
    return failed;
  }
  /* A turn that failed outside any callback (out of memory: a full heap
   * fails every turn the same way, and the ready fds stay ready) would be
   * retried at once, for ever, at 100% CPU (issue 18). Sleep before the
   * next one: 1 ms, doubling up to 100 ms while turns keep failing, back
   * to nothing after a good turn. A signal ends the sleep (EINTR), and the
   * next turn dispatches the host's watchers (the CLI's signal pipe) before
   * any JS (poll_io), so SIGTERM still ends the process within ~100 ms.
   * (A host driving run_once() sees the pause too: bounded, and only while
   * turns fail.) */
  void pause_after_failed_turn() {
    const int64_t first = 1000000, most = 100000000;
    int64_t pause = failed_turn_pause_ns ? failed_turn_pause_ns : first;
    failed_turn_pause_ns = pause * 2 < most ? pause * 2 : most;
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(pause / 1000000000);
    ts.tv_nsec = static_cast<long>(pause % 1000000000);
    nanosleep(&ts, nullptr);
    dispatch_ready_host_watchers();
  }
  /* The host's watchers (the CLI's signal pipe) and the loop's own, at once,
   * with no JS: a loop whose turns fail before their wait (the ECMAScript
   * loop's JS cannot even start) still sees SIGTERM. Other ready fds are
   * left: level-triggered, the next wait reports them again. */
  void dispatch_ready_host_watchers() {
    int n = backend.wait(0, ready, EVLOOP_MAX_EVENTS_PER_WAIT);
    if (n <= 0) return;
    round++;
    for (int i = 0; i < n && !exiting; i++) {
      Watcher* w = watcher(ready[i].fd);
      if (w && w->kind == kWatchNative) dispatch_host_watcher(ready[i].fd, ready[i].revents);
    }
  }
  /* The ECMAScript loop's turn failed (call_ecma reported it): the pause
   * grows only when no turn waited since the last failure (one wait: the
   * failed turn's own; none: it failed before its wait). */
  void ecma_turn_failed() {
    if (ecma_waits > failed_turn_waits + 1) failed_turn_pause_ns = 0;
    failed_turn_waits = ecma_waits;
    pause_after_failed_turn();
  }
  /* Mode::Ecma: [ control ] method call, protected by duk_pcall_method. */
  bool run_ecma(const char* method, int64_t max_wait_ms) {
    double result = call_ecma(method, max_wait_ms);
    return result != 0 && !exiting;
  }
  /* Calls control[method](arg) under duk_pcall_method; the result as a
   * number (booleans 0/1), 0 after an error (which is reported). */
  double call_ecma(const char* method, int64_t arg) {
    duk_idx_t top = duk_get_top(ctx);
    duk_push_heapptr(ctx, ecma);
    duk_get_prop_string(ctx, -1, method);
    duk_swap_top(ctx, -2);
    duk_push_number(ctx, static_cast<double>(arg));
    double result = 0;
    ecma_threw = duk_pcall_method(ctx, 1) != DUK_EXEC_SUCCESS;
    if (ecma_threw) report_callback_error();
    else result = duk_is_boolean(ctx, -1) ? (duk_get_boolean(ctx, -1) ? 1 : 0) : duk_get_number_default(ctx, -1, 0);
    duk_set_top(ctx, top);
    return result;
  }

  void release_everything();
};

inline LoopImpl* impl(Loop* l) { return static_cast<LoopImpl*>(l); }

/* ---- Finding the loop from a binding ----
 * Nothing a script can reach holds a pointer: Duktape's hidden symbols are
 * no boundary (CBOR.decode of invalid UTF-8 then substring() makes any
 * "\xFF..." key, so a property under one can be read and replaced). A
 * binding finds its loop in the heap stash, which only C code reaches
 * (duk_push_heap_stash; the global stash is the global object's internal
 * property, forgeable, so it is never used), and what it carries itself is
 * its magic, which scripts can neither read nor write.
 *
 * Magic bits: the low bits are the binding's own (setInterval vs
 * setTimeout, a placeholder's part, ...): read them through magic_value().
 * kMagicDead is set by Loop::destroy on every function tagged with the
 * loop (tag_with_loop lists them in the stash): a binding of a destroyed
 * loop then throws even when the heap has a new loop, which hands out the
 * old fd numbers again (fuzz finding F3: a stale net.Socket wrote into a
 * new connection). A function is never tagged for two loops, so one bit is
 * exact: no generation counter to wrap.
 *
 * Cost (callgrind): duk_push_heap_stash is ~270 instructions (Duktape looks
 * the stash up as an internal property of its heap object), the lookup in
 * the stash ~370: ~700 a lookup where the function's own tag took ~430.
 * setTimeout + firing, 100k timers: C++ loop 13.8k -> 14.1k instructions a
 * timer (+2.2%), ECMAScript loop 32.6k -> 33.0k (+1.4%); an echo round trip
 * (make bench-net-profile, one lookup in Socket#write; two in the
 * ECMAScript engine, native.read and the write): C++ 4,429 -> 4,754,
 * ECMAScript 10,910 -> 11,471; won back in Socket#write, which no longer
 * reads this._wfd but finds the fd in FastWriters (core/memory.hpp), and
 * looks the loop up once a call: 4,446 and 10,634. No cheaper place is C-only: the public API
 * reaches per-heap state only through a stash (the global and thread
 * stashes are internal properties of objects scripts hold) or the host's
 * allocator udata. kMagicInternal marks natives that
 * only evloop's own JS calls: Duktape.act does not hand them to scripts
 * (see harden_duktape_act). */
const int kMagicDead = 0x4000;
const int kMagicInternal = 0x2000;
const int kMagicValueMask = 0x1fff;
inline int magic_value(duk_context* ctx) { return duk_get_current_magic(ctx) & kMagicValueMask; }

/* The heap's loop, from the stash; null when there is none. */
inline LoopImpl* stash_loop(duk_context* ctx) {
  duk_push_heap_stash(ctx);
  duk_get_prop_literal(ctx, -1, EVLOOP_STASH_LOOP);
  LoopImpl* l = static_cast<LoopImpl*>(duk_get_pointer(ctx, -1));
  duk_pop_2(ctx);
  return l;
}

/* The loop of the running native, for the bindings. Throws when the heap
 * has none, or when the native was tagged with a loop since destroyed
 * (kMagicDead: F3, above), even when the heap has a new loop. A native that
 * was never tagged (the seed Socket, EventLoop.now, ...) gets the heap's
 * loop; duk_get_current_magic is 0 outside a native. */
inline LoopImpl* loop_of(duk_context* ctx) {
  if (duk_get_current_magic(ctx) & kMagicDead)
    (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: the event loop of this object was destroyed");
  LoopImpl* l = stash_loop(ctx);
  if (!l) (void)duk_error(ctx, DUK_ERR_ERROR, "evloop: this heap has no event loop");
  return l;
}

/* The same, null instead of throwing (clearTimeout never throws). */
inline LoopImpl* loop_of_function(duk_context* ctx) {
  if (duk_get_current_magic(ctx) & kMagicDead) return nullptr;
  return stash_loop(ctx);
}
/* The loop a tagged binding belongs to (kept for its call sites: the same
 * as loop_of, which now checks the tag for every native). */
inline LoopImpl* bound_loop(duk_context* ctx) { return loop_of(ctx); }
/* [ ... fn ] -> [ ... fn ]: binds a native function to the heap's loop `l`
 * for bound_loop(): lists it in the stash, so destroy() can mark it dead
 * (a script may outlive the loop on its heap: it must then get an error,
 * not another loop). The function itself holds nothing. */
#define EVLOOP_STASH_TAGGED DUK_HIDDEN_SYMBOL("evloop.tagged")
inline void tag_with_loop(duk_context* ctx, LoopImpl* l) {
  (void)l; /* the heap's loop: the stash holds it */
  duk_push_heap_stash(ctx);
  if (!duk_get_prop_literal(ctx, -1, EVLOOP_STASH_TAGGED)) {
    duk_pop(ctx);
    duk_push_array(ctx);
    duk_dup_top(ctx);
    duk_put_prop_literal(ctx, -3, EVLOOP_STASH_TAGGED);
  }
  duk_dup(ctx, -3);
  duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(duk_get_length(ctx, -2)));
  duk_pop_2(ctx);
}
/* [ ... fn ] -> [ ... fn ]: marks a native as evloop's own (kMagicInternal). */
inline void mark_internal(duk_context* ctx) { duk_set_magic(ctx, -1, duk_get_magic(ctx, -1) | kMagicInternal); }

/* [ ... ] -> [ ... ]: creates a stash array and returns its heap pointer. */
inline void* stash_new_array(duk_context* ctx, const char* key) {
  duk_push_heap_stash(ctx);
  duk_push_array(ctx);
  void* p = duk_get_heapptr(ctx, -1);
  duk_put_prop_string(ctx, -2, key);
  duk_pop(ctx);
  return p;
}

struct CreateArgs {
  LoopImpl* loop;
};
/* Stash set-up may run out of memory: done under duk_safe_call. */
inline duk_ret_t create_protected(duk_context* ctx, void* udata) {
  LoopImpl* l = static_cast<CreateArgs*>(udata)->loop;
  l->timer_callbacks = stash_new_array(ctx, EVLOOP_STASH_TIMERS);
  l->watcher_callbacks = stash_new_array(ctx, EVLOOP_STASH_WATCHERS);
  l->data_callbacks = stash_new_array(ctx, EVLOOP_STASH_DATA);
  duk_push_heap_stash(ctx);
  duk_push_object(ctx);
  duk_push_string(ctx, "process.exit");
  duk_put_prop_literal(ctx, -2, "message");
  l->exit_signal = duk_get_heapptr(ctx, -1);
  duk_put_prop_literal(ctx, -2, EVLOOP_STASH_EXIT);
  duk_push_pointer(ctx, l);
  duk_put_prop_literal(ctx, -2, EVLOOP_STASH_LOOP);
  duk_pop(ctx);
  return 0;
}

inline duk_ret_t release_protected(duk_context* ctx, void*) {
  duk_push_heap_stash(ctx);
  if (duk_get_prop_literal(ctx, -1, EVLOOP_STASH_TAGGED)) { /* the bindings die with the loop (kMagicDead) */
    duk_uarridx_t n = static_cast<duk_uarridx_t>(duk_get_length(ctx, -1));
    for (duk_uarridx_t i = 0; i < n; i++) {
      duk_get_prop_index(ctx, -1, i);
      if (duk_is_c_function(ctx, -1)) duk_set_magic(ctx, -1, duk_get_magic(ctx, -1) | kMagicDead);
      duk_pop(ctx);
    }
  }
  duk_pop(ctx);
  /* The loop out of reach first: the deletes below release callbacks, and
   * their finalizers may call evloop APIs, which must then find no loop. */
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_LOOP);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_TAGGED);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_TIMERS);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_WATCHERS);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_DATA);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_EXIT);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_ECMA);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_NET);
  duk_del_prop_literal(ctx, -1, EVLOOP_STASH_WRITE);
  duk_pop(ctx);
  return 0;
}

inline void LoopImpl::release_everything() {
  if (ecma_on()) run_ecma("dispose", 0); /* drops the JS loop's timers and watchers */
  duk_safe_call(ctx, release_protected, nullptr, 0, 1);
  duk_pop(ctx);
  timer_callbacks = watcher_callbacks = data_callbacks = exit_signal = ecma = nullptr;
  ecma_env = ecma_timer_state = ecma_start_timer = nullptr;
  write_hooks[0] = write_hooks[1] = write_hooks[2] = nullptr;
  for (size_t fd = 0; fd < watchers.size; fd++)
    if (kHaveStreams && watchers[fd].kind == kWatchStream) {
      free_stream(static_cast<Stream*>(watchers[fd].user));
      watchers[fd].kind = kWatchNone;
    }
  if (kHaveStreams) {
    for (size_t fd = 0; fd < owned_fds.size; fd++)
      if (owned_fds[fd]) ::close(static_cast<int>(fd));
    owned_fds.release(mem);
    mem.free(read_buffer);
    read_buffer = nullptr;
#if defined(EVLOOP_HAVE_SOCKETS) && defined(EVLOOP_HAVE_ECMA_LOOP)
    ecma_fast.release(mem);
#endif
#if defined(EVLOOP_HAVE_SOCKETS)
    fast_writers.release(mem);
#endif
  }
  backend.close(mem);
  timers.release(mem);
  watchers.release(mem);
}

} /* namespace detail */

/* ---- Loop: the public face of LoopImpl ---- */

Loop* Loop::create(duk_context* ctx, const Options& options) {
  if (!ctx || of(ctx)) return nullptr;
#if !defined(EVLOOP_HAVE_ECMA_LOOP)
  if (options.mode == Mode::Ecma) { /* compiled out: EVLOOP_NO_ECMA_LOOP */
    errno = ENOTSUP;
    return nullptr;
  }
#endif
  detail::Memory mem = {options.allocator, ctx, 0};
  void* raw = mem.alloc(sizeof(detail::LoopImpl));
  if (!raw) return nullptr;
  detail::LoopImpl* l = new (raw) detail::LoopImpl();
  l->ctx = ctx;
  l->mem = mem;
  l->mode_ = options.mode;
  l->clock = options.clock;
  if (!l->clock.now_ns) {
    l->clock.now_ns = detail::monotonic_clock_now;
    l->clock.idle = nullptr;
  }
  l->error_hook = options.on_error;
  l->error_user = options.on_error_user;
  l->exit_hook = options.on_process_exit;
  l->exit_user = options.on_process_exit_user;
#ifdef EVLOOP_FAULT_INJECTION
  l->sys = options.syscalls;
#endif
  l->timers.init();
  l->timer_callbacks_size = 0;
  l->watchers.init();
  l->owned_fds.init();
  l->read_buffer = nullptr;
  l->delivering_fd = -1;
  l->tasks = nullptr;
  l->now = l->clock_now();
  bool ok = l->backend.open(l->mem, options.backend);
  /* EVLOOP_MAX_TIMERS / EVLOOP_MAX_FDS: the tables at their full size, now. */
  ok = ok && l->timers.open(l->mem) && detail::open_fd_table(l->mem, l->watchers);
#if defined(EVLOOP_HAVE_SOCKETS)
  ok = ok && detail::open_fd_table(l->mem, l->owned_fds);
  l->fast_writers.init();
#if defined(EVLOOP_MAX_FDS)
  ok = ok && l->fast_writers.reserve(l->mem, static_cast<size_t>(detail::kFdLimit));
  l->fast_writers.fixed = true;
#endif
#endif
#if defined(EVLOOP_HAVE_SOCKETS) && defined(EVLOOP_HAVE_ECMA_LOOP)
  l->ecma_fast.init();
  ok = ok && (options.mode != Mode::Ecma || detail::open_fd_table(l->mem, l->ecma_fast));
#endif
  detail::CreateArgs args = {l};
  if (ok) {
    ok = duk_safe_call(ctx, detail::create_protected, &args, 0, 1) == DUK_EXEC_SUCCESS;
    duk_pop(ctx);
  }
  if (!ok) {
    int saved = errno;
    l->release_everything();
    detail::Memory m = l->mem;
    m.free(l);
    errno = saved;
    return nullptr;
  }
  return l;
}

Loop* Loop::of(duk_context* ctx) {
  duk_push_heap_stash(ctx);
  duk_get_prop_literal(ctx, -1, EVLOOP_STASH_LOOP);
  Loop* l = static_cast<Loop*>(duk_get_pointer(ctx, -1));
  duk_pop_2(ctx);
  return l;
}

void Loop::destroy() {
  detail::LoopImpl* l = detail::impl(this);
  l->release_everything();
  detail::Memory m = l->mem;
  m.free(l);
}

duk_context* Loop::context() { return detail::impl(this)->ctx; }
Mode Loop::mode() { return detail::impl(this)->mode_; }
const char* Loop::backend_name() { return detail::impl(this)->backend.name(); }
void Loop::set_argv(int argc, const char* const* argv) {
  detail::impl(this)->argc = argc;
  detail::impl(this)->argv = argv;
}

bool Loop::alive() {
  detail::LoopImpl* l = detail::impl(this);
  if (l->exiting) return false;
  if (l->ecma_on()) return l->run_ecma("alive", 0);
  return l->has_work();
}

int Loop::run() {
  detail::LoopImpl* l = detail::impl(this);
  if (l->depth) return l->exit_status;
  l->depth++;
  if (l->ecma_on()) {
    /* Callback errors are caught inside the JS loop. One out of the loop
     * itself (no memory left for its own error handling, say) was reported
     * by call_ecma: go on, as the C++ loop does, unless it failed again
     * before another turn (no progress). */
    uint64_t failed_at = ~static_cast<uint64_t>(0);
    int stalled = 0; /* failures in a row without a wait between them */
    for (;;) {
      l->run_ecma("run", -1);
      if (!l->ecma_threw || l->exiting) break;
      /* With a full heap a retry may fail before its wait or not, as the
       * collections of the failures free some memory: give up only after
       * 8 in a row (~0.4 s of back-off), then run() returns. */
      stalled = l->ecma_waits == failed_at ? stalled + 1 : 0;
      if (stalled > 8) break;
      failed_at = l->ecma_waits;
      l->ecma_turn_failed(); /* backs off: see pause_after_failed_turn */
      if (!l->run_ecma("alive", 0) && !l->ecma_threw) break;
    }
    l->arm_deadline();
  } else
    while (!l->exiting && l->run_native_turn(-1)) {
    }
  l->depth--;
  return l->exit_status;
}

bool Loop::run_once(int64_t max_wait_ms) {
  detail::LoopImpl* l = detail::impl(this);
  if (l->depth || l->exiting) return false;
  l->depth++;
  bool more;
  if (l->ecma_on()) {
    more = l->run_ecma("runOnce", max_wait_ms);
    if (l->ecma_threw && !l->exiting) l->ecma_turn_failed();
    l->arm_deadline(); /* its JS timers, as they are after the turn */
  } else {
    more = l->run_native_turn(max_wait_ms < 0 ? -1 : max_wait_ms * 1000000);
  }
  l->depth--;
  return more;
}

void Loop::request_exit(int code) {
  detail::LoopImpl* l = detail::impl(this);
  if (!l->exiting) l->exit_status = code;
  l->exiting = true;
}
bool Loop::exit_requested() { return detail::impl(this)->exiting; }
int Loop::exit_code() { return detail::impl(this)->exit_status; }

int Loop::pollable_fd() {
  detail::LoopImpl* l = detail::impl(this);
  bool was_arming = l->backend.arms_deadline;
  int fd = l->backend.pollable_fd(); /* epoll: its fd, with a timerfd in it from now on */
  if (!was_arming) l->arm_deadline();
  return fd;
}

int64_t Loop::next_timeout_ms() {
  detail::LoopImpl* l = detail::impl(this);
  if (l->tasks_pending()) return 0;
  int64_t deadline = l->next_deadline();
  if (deadline < 0) return -1;
  return detail::wait_ms_ceil(deadline - l->clock_now());
}

void Loop::wake() { detail::impl(this)->backend.wake(); /* thread-safe: the backend's eventfd or self-pipe */ }

void Loop::post(Task* task) {
  detail::LoopImpl* l = detail::impl(this);
#ifndef EVLOOP_NO_THREADS
  Task* head = l->tasks.load(std::memory_order_relaxed);
  do task->next = head;
  while (!l->tasks.compare_exchange_weak(head, task, std::memory_order_release, std::memory_order_relaxed));
#else
  task->next = l->tasks;
  l->tasks = task;
#endif
  wake();
}

TimerId Loop::add_timer(int64_t delay_ms, int64_t repeat_ms, TimerFn fn, void* user) {
  detail::LoopImpl* l = detail::impl(this);
  if (!fn || !l->timers.prepare(l->mem)) return 0;
  if (delay_ms < 0) delay_ms = 0;
  if (delay_ms > INT32_MAX) delay_ms = INT32_MAX;
  int32_t repeat = repeat_ms > 0 ? static_cast<int32_t>(repeat_ms > INT32_MAX ? INT32_MAX : repeat_ms) : -1;
  return l->start_timer(delay_ms, repeat, 0, fn, user);
}

bool Loop::cancel_timer(TimerId id) {
  detail::LoopImpl* l = detail::impl(this);
  uint32_t slot = l->timers.find(id);
  if (slot == detail::kNotInHeap) return false;
  l->cancel_slot(slot);
  return true;
}

bool Loop::watch(int fd, unsigned events, WatchFn fn, void* user) {
  detail::LoopImpl* l = detail::impl(this);
  if (!fn) return false;
  if (l->backend.owns(fd)) return false;
  return l->set_watcher(fd, events, detail::kWatchNative, fn, user, true);
}

bool Loop::set_events(int fd, unsigned events) {
  detail::LoopImpl* l = detail::impl(this);
  detail::Watcher* w = l->watcher(fd);
  if (!w) return false;
  if (w->events != events && !l->backend.modify(l->mem, fd, events)) return false;
  w->events = events;
  return true;
}

bool Loop::unref_fd(int fd) {
  detail::LoopImpl* l = detail::impl(this);
  detail::Watcher* w = l->watcher(fd);
  if (!w || w->kind != detail::kWatchNative) return false;
  if (w->counted) l->user_watchers--;
  w->counted = false;
  return true;
}

bool Loop::unwatch(int fd) {
  detail::LoopImpl* l = detail::impl(this);
  detail::Watcher* w = l->watcher(fd);
  if (!w) return false;
  return l->remove_watcher(fd);
}

Stats Loop::stats() {
  detail::LoopImpl* l = detail::impl(this);
  Stats s = l->counters;
  s.pending_timers = l->timers.pending();
  if (l->ecma_on() && !l->depth) s.pending_timers += static_cast<size_t>(l->call_ecma("pending", 0));
  else s.pending_timers += l->ecma_timers; /* from inside a turn: as of its start */
  s.watched_fds = l->user_watchers;
  s.native_bytes = l->mem.bytes;
  return s;
}

void Loop::set_error_hook(ErrorHook hook, void* user) {
  detail::impl(this)->error_hook = hook;
  detail::impl(this)->error_user = user;
}

int64_t Loop::now_ns() { return detail::impl(this)->clock_now(); }

} /* namespace evloop */
