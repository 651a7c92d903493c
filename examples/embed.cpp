/* embed.cpp: a host program that embeds Duktape and evloop, one step per point
 * of README.md's "Embedding evloop in a host program" (the README quotes this
 * file; tests/run.py checks that the quotes still match it):
 *   1. memory: the loop's allocations go through the host's allocator
 *   2. errors: a host hook, and EventLoop.onerror in the script
 *   3. a native C++ timer and fd watcher next to the script's JS timers
 *   4. the host's own main loop runs evloop one turn at a time
 *   5. a foreign loop (a GUI's poll, say) waits on evloop's fd, and a worker
 *      thread hands its result to the loop's thread
 *   6. a clean shutdown
 * Every line it prints follows from the one before or from deadline order
 * (never from how late a turn ran): the same output on every run, on the
 * real clock, under load too.
 *
 *   make build/embed && build/embed
 */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <thread>

struct Host {
  long live_blocks;   /* the loop's memory, in blocks (step 1) */
  int ticks;          /* host_tick's count (step 3) */
  int sensor[2];      /* a pipe standing in for a device's fd (step 3) */
  bool result_in;     /* the worker's result reached the script (step 5) */
};

/* 1. Every byte the loop holds comes from here; counting blocks shows that
 * destroy() returns them all. Duktape's own allocations do not: a device
 * that gives duk_create_heap() a fixed pool and leaves Options::allocator
 * alone (the default is the heap's allocator) bounds both. */
static void* host_alloc(void* user, size_t size) {
  void* p = malloc(size);
  if (p) static_cast<Host*>(user)->live_blocks++;
  return p;
}
static void* host_realloc(void*, void* ptr, size_t size) { return realloc(ptr, size); }
static void host_free(void* user, void* ptr) {
  static_cast<Host*>(user)->live_blocks--;
  free(ptr);
}

/* 2. A JS callback's error that EventLoop.onerror did not take. Without a
 * hook the stack trace goes to stderr; a host logs it its own way. */
static void host_error(evloop::Loop&, const char* report, void*) {
  printf("host error hook: %.*s\n", static_cast<int>(strcspn(report, "\n")), report);
}

/* 3. A native timer, in the same heap as the script's timers: on its third
 * tick it cancels itself and "the device" sends a reading. */
static void host_tick(evloop::Loop& loop, evloop::TimerId id, void* user) {
  Host* host = static_cast<Host*>(user);
  printf("host tick %d\n", ++host->ticks);
  if (host->ticks < 3) return;
  loop.cancel_timer(id);
  if (write(host->sensor[1], "42", 2) != 2) perror("write");
}

/* A native fd watcher: called with kReadable when the device has data. */
static void on_sensor(evloop::Loop& loop, int fd, unsigned, void*) {
  char buf[16];
  ssize_t n = read(fd, buf, sizeof buf);
  printf("host read sensor: %.*s\n", n > 0 ? static_cast<int>(n) : 0, buf);
  loop.unwatch(fd); /* done: the watcher no longer keeps the loop alive */
}

/* 5. Work handed to the loop's thread: the caller owns the memory. */
struct ResultTask : evloop::Task {
  Host* host;
  int value;
};
/* Runs on the loop's thread, inside a turn, so it may use the heap; the call
 * into JS is protected, as every one must be (an error would unwind the turn). */
static void deliver_result(evloop::Loop& loop, evloop::Task* self) {
  ResultTask* task = static_cast<ResultTask*>(self);
  task->host->result_in = true;
  duk_context* ctx = loop.context();
  duk_get_global_string(ctx, "onResult");
  duk_push_int(ctx, task->value);
  if (duk_pcall(ctx, 1) != DUK_EXEC_SUCCESS) fprintf(stderr, "onResult: %s\n", duk_safe_to_string(ctx, -1));
  duk_pop(ctx);
}

/* The script: ES5, as Duktape runs it. */
static const char* kScript =
    "setTimeout(function () { throw new Error('no handler yet'); }, 10);\n"
    "setTimeout(function () {\n"
    "  EventLoop.onerror = function (err) { print('EventLoop.onerror:', err.message); };\n"
    "  throw new Error('handled in JS');\n"
    "}, 20);\n"
    "function onResult(value) { /* called by the host, step 5 */\n"
    "  print('script got', value);\n"
    "  setTimeout(function () { print('script done'); }, 10);\n"
    "}\n";

int main() {
  Host host;
  memset(&host, 0, sizeof host);
  if (pipe(host.sensor) != 0) return 1;

  duk_context* ctx = duk_create_heap_default();
  evloop::Options options;
  options.allocator = evloop::Allocator{host_alloc, host_realloc, host_free, &host};
  options.on_error = host_error;
  evloop::Loop* loop = evloop::Loop::create(ctx, options);
  if (!loop || !loop->install(evloop::kBindAll)) return 1;

  if (duk_peval_string(ctx, kScript) != 0) fprintf(stderr, "%s\n", duk_safe_to_stacktrace(ctx, -1));
  duk_pop(ctx);
  /* Timers run in deadline order: created after the script's with a longer
   * delay, the host's ticks come after them however late a turn runs. */
  loop->add_timer(30, 20, host_tick, &host);
  loop->watch(host.sensor[0], evloop::kReadable, on_sensor, &host);

  /* 4. The host's own main loop: one evloop turn per frame, blocking at most
   * 16 ms so the host's own work keeps its pace. */
  while (loop->alive()) {
    loop->run_once(16);
    /* ... the host's own work for this frame ... */
  }

  /* 5. A foreign loop waits on evloop's fd next to its own (epoll backend,
   * the Linux default; otherwise pollable_fd() is -1). The worker thread
   * never touches the heap: post() is thread-safe and wakes the loop. */
  ResultTask task;
  task.run = deliver_result;
  task.host = &host;
  task.value = 0;
  std::thread worker([&task, loop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    task.value = 42;
    loop->post(&task);
  });
  int fd = loop->pollable_fd();
  while (fd >= 0 && (!host.result_in || loop->alive())) {
    struct pollfd pfd = {fd, POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(loop->next_timeout_ms())); /* and the GUI's fds */
    loop->run_once(0); /* runs what is ready, never blocks */
  }
  worker.join();

  /* 6. Shut down: destroy() releases the script's callbacks and closes the
   * fds the loop opened (the host's own stay the host's), and must come
   * before duk_destroy_heap(). */
  evloop::Stats s = loop->stats();
  printf("callbacks run: %llu, errors: %llu (%llu to the host hook)\n",
         static_cast<unsigned long long>(s.callbacks_run), static_cast<unsigned long long>(s.errors),
         static_cast<unsigned long long>(s.errors_reported));
  loop->destroy();
  duk_destroy_heap(ctx);
  close(host.sensor[0]);
  close(host.sensor[1]);
  printf("loop memory blocks left: %ld\n", host.live_blocks);
  return host.result_in && host.live_blocks == 0 ? 0 : 1;
}
