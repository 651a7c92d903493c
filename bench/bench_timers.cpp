/* bench_timers: timer benchmarks for evloop's two loops (Mode::Native = the
 * C++ loop, Mode::Ecma = the ECMAScript loop). One measurement per process,
 * one fresh Duktape heap and loop per measurement; prints one JSON line.
 * bench/run.py runs it many times, interleaved, and takes medians.
 *
 *   bench-timers cost  native|ecma|floor N   create, then fire, N timers (virtual clock)
 *   bench-timers chain native|ecma           100k-hop zero-delay setTimeout chain (real clock)
 *   bench-timers drift native|ecma           setInterval 200 x 10 ms, 2 ms busy each (real clock)
 *   bench-timers mem   native|ecma N         bytes per pending timer (counting allocator)
 *   --script PATH (first)                    the ES5 script, default bench/timers.js
 *
 * The ES5 scripts are in bench/timers.js, shared with the Node.js driver
 * (bench/node_timers.js); they are evaluated with duk_peval_string.
 * Times are taken in C++ with clock_gettime(CLOCK_MONOTONIC) around duk_pcall
 * of a function the benchmark script defined, so the script's compilation is
 * not timed. Nothing is asserted: a figure that shows the loop misbehaving
 * (wrong count of fired timers, timers left pending) is reported in "errors". */
#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

namespace {

/* The delays every cost script uses: spread over [0, kSpreadMs), 7919 being a
 * prime coprime to kSpreadMs, so min(N, kSpreadMs) distinct deadlines. */
const int kSpreadMs = 1000;

int64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
/* What every figure is timed with. */
int64_t now_ns() { return clock_ns(CLOCK_MONOTONIC); }
/* CPU time, only to report how much of the wall time the process had the CPU
 * (cpu_share below 1: other load on the machine disturbed the figure). */
int64_t cpu_ns() { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

/* Errors found while measuring, reported in the JSON line. */
char g_errors[2048];
void add_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void add_error(const char* fmt, ...) {
  size_t used = strlen(g_errors);
  if (used + 4 >= sizeof g_errors) return;
  if (used) {
    strcat(g_errors, "; ");
    used += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_errors + used, sizeof g_errors - used, fmt, ap);
  va_end(ap);
}

/* JSON string escaping for the error text (quotes, backslashes, controls). */
void print_json_string(const char* s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = static_cast<unsigned char>(*s);
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

void on_loop_error(evloop::Loop&, const char* report, void*) { add_error("callback error: %s", report); }

/* ---- a Duktape heap whose allocator counts live bytes (size header) ---- */
struct Counter {
  size_t live;
  size_t peak;
};
const size_t kHeader = 16; /* keeps malloc's 16-byte alignment */

void* count_alloc(void* udata, duk_size_t size) {
  Counter* c = static_cast<Counter*>(udata);
  char* p = static_cast<char*>(malloc(size + kHeader));
  if (!p) return nullptr;
  *reinterpret_cast<size_t*>(p) = size;
  c->live += size;
  if (c->live > c->peak) c->peak = c->live;
  return p + kHeader;
}
void count_free(void* udata, void* ptr) {
  if (!ptr) return;
  Counter* c = static_cast<Counter*>(udata);
  char* p = static_cast<char*>(ptr) - kHeader;
  c->live -= *reinterpret_cast<size_t*>(p);
  free(p);
}
void* count_realloc(void* udata, void* ptr, duk_size_t size) {
  Counter* c = static_cast<Counter*>(udata);
  if (!ptr) return count_alloc(udata, size);
  if (size == 0) { /* Duktape: realloc to 0 may free (return null) */
    count_free(udata, ptr);
    return nullptr;
  }
  char* old = static_cast<char*>(ptr) - kHeader;
  size_t was = *reinterpret_cast<size_t*>(old);
  char* p = static_cast<char*>(realloc(old, size + kHeader));
  if (!p) return nullptr;
  *reinterpret_cast<size_t*>(p) = size;
  c->live = c->live - was + size;
  if (c->live > c->peak) c->peak = c->live;
  return p + kHeader;
}
void fatal_handler(void*, const char* msg) {
  fprintf(stderr, "bench-timers: Duktape fatal error: %s\n", msg ? msg : "(null)");
  abort();
}

/* The loop's own memory in the memory benchmark: plain malloc, not counted
 * as Duktape heap (Stats::native_bytes counts it). */
void* plain_alloc(void*, size_t n) { return malloc(n); }
void* plain_realloc(void*, void* p, size_t n) { return realloc(p, n); }
void plain_free(void*, void* p) { free(p); }

/* ---- helpers ---- */
struct Bench {
  duk_context* ctx;
  evloop::Loop* loop;
  evloop::VirtualClock vclock;
  Counter counter;

  /* mode: "native", "ecma" or "floor" (the floor uses a C++ loop heap too,
   * so every global environment has the same shape). */
  bool open(const char* mode, bool virtual_clock, bool counting) {
    counter.live = counter.peak = 0;
    ctx = counting ? duk_create_heap(count_alloc, count_realloc, count_free, &counter, fatal_handler)
                   : duk_create_heap(nullptr, nullptr, nullptr, nullptr, fatal_handler);
    if (!ctx) return false;
    evloop::Options o;
    o.mode = strcmp(mode, "ecma") == 0 ? evloop::Mode::Ecma : evloop::Mode::Native;
    if (virtual_clock) o.clock = vclock.clock();
    if (counting) o.allocator = evloop::Allocator{plain_alloc, plain_realloc, plain_free, nullptr};
    o.on_error = on_loop_error;
    loop = evloop::Loop::create(ctx, o);
    if (!loop) return false;
    return loop->install(evloop::kBindTimers | evloop::kBindEventLoop);
  }
  void close() {
    loop->destroy();
    duk_destroy_heap(ctx);
  }
  /* Compiles and runs a script that defines functions; false on error. */
  bool define(const char* src) {
    if (duk_peval_string(ctx, src) != 0) {
      add_error("script error: %s", duk_safe_to_string(ctx, -1));
      duk_pop(ctx);
      return false;
    }
    duk_pop(ctx);
    return true;
  }
  /* Calls global function `name`(arg) and returns the elapsed ns (-1 on error). */
  int64_t timed_call(const char* name, double arg) {
    duk_get_global_string(ctx, name);
    duk_push_number(ctx, arg);
    int64_t t0 = now_ns();
    int rc = duk_pcall(ctx, 1);
    int64_t t1 = now_ns();
    if (rc != 0) add_error("%s() threw: %s", name, duk_safe_to_string(ctx, -1));
    duk_pop(ctx);
    return rc == 0 ? t1 - t0 : -1;
  }
  double global_number(const char* name) {
    duk_get_global_string(ctx, name);
    double v = duk_to_number(ctx, -1);
    duk_pop(ctx);
    return v;
  }
};

/* The benchmark script, bench/timers.js. */
const char* g_script = nullptr;

/* Ends a measurement's JSON line with the errors found, and frees the heap. */
int finish(Bench& b) {
  printf(", \"errors\": ");
  print_json_string(g_errors);
  printf("}\n");
  fflush(stdout);
  b.close();
  return 0;
}

/* A JSON line with the figures measured so far, flushed before a step that
 * might hang (loop->run()): bench/run.py keeps them if the process is killed. */
void partial_line(const char* bench, const char* mode, long n, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
void partial_line(const char* bench, const char* mode, long n, const char* fmt, ...) {
  printf("{\"bench\": \"%s\", \"mode\": \"%s\", \"n\": %ld, \"partial\": true, ", bench, mode, n);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("}\n");
  fflush(stdout);
}

int setup_failed(const char* mode) {
  printf("{\"mode\": \"%s\", \"errors\": ", mode);
  print_json_string(g_errors[0] ? g_errors : "setup failed");
  printf("}\n");
  return 1;
}

/* ---- cost: create N timers, then fire them all on the virtual clock ---- */
int bench_cost(const char* mode, long n) {
  Bench b;
  if (!b.open(mode, true, false) || !b.define(g_script)) return setup_failed(mode);
  int64_t wall0 = now_ns(), cpu0 = cpu_ns();
  if (strcmp(mode, "floor") == 0) {
    int64_t t = b.timed_call("floor", static_cast<double>(n));
    double share = static_cast<double>(cpu_ns() - cpu0) / static_cast<double>(now_ns() - wall0);
    printf("{\"bench\": \"cost\", \"mode\": \"%s\", \"n\": %ld, \"floor_ns\": %.3f, \"cpu_share\": %.3f",
           mode, n, static_cast<double>(t) / n, share);
    return finish(b);
  }
  int64_t tc = b.timed_call("create", static_cast<double>(n));
  partial_line("cost", mode, n, "\"create_ns\": %.3f", static_cast<double>(tc) / n);
  evloop::Stats before = b.loop->stats();
  int64_t t0 = now_ns();
  b.loop->run();
  int64_t tf = now_ns() - t0;
  double share = static_cast<double>(cpu_ns() - cpu0) / static_cast<double>(now_ns() - wall0);
  evloop::Stats after = b.loop->stats();
  uint64_t fired = after.callbacks_run - before.callbacks_run;
  if (fired != static_cast<uint64_t>(n))
    add_error("fired %llu of %ld timers", static_cast<unsigned long long>(fired), n);
  if (after.pending_timers != 0) add_error("%zu timers still pending after run()", after.pending_timers);
  /* The last deadline is the largest delay: 999 ms once N >= 1000. */
  if (n >= kSpreadMs && b.vclock.now != (kSpreadMs - 1) * 1000000LL)
    add_error("virtual clock ended at %.3f ms, expected %d ms", b.vclock.now / 1e6, kSpreadMs - 1);
  printf("{\"bench\": \"cost\", \"mode\": \"%s\", \"n\": %ld, \"create_ns\": %.3f, \"fire_ns\": %.3f, "
         "\"fired\": %llu, \"virtual_end_ms\": %.3f, \"cpu_share\": %.3f",
         mode, n, static_cast<double>(tc) / n, static_cast<double>(tf) / n, static_cast<unsigned long long>(fired),
         b.vclock.now / 1e6, share);
  return finish(b);
}

/* ---- chain: a zero-delay setTimeout chain on the real clock ---- */
int bench_chain(const char* mode) {
  Bench b;
  if (!b.open(mode, false, false) || !b.define(g_script)) return setup_failed(mode);
  int64_t t0 = now_ns();
  b.timed_call("startChain", 0);
  b.loop->run();
  int64_t t = now_ns() - t0;
  double hops = b.global_number("n");
  if (hops != 100000) add_error("the chain made %.0f hops instead of 100000", hops);
  printf("{\"bench\": \"chain\", \"mode\": \"%s\", \"hops\": %.0f, \"seconds\": %.6f, \"hops_per_s\": %.1f",
         mode, hops, t / 1e9, hops / (t / 1e9));
  return finish(b);
}

/* ---- drift: setInterval 10 ms x 200 ticks, 2 ms busy work each ---- */
int bench_drift(const char* mode) {
  Bench b;
  if (!b.open(mode, false, false) || !b.define(g_script)) return setup_failed(mode);
  int64_t c0 = now_ns(), cpu0 = cpu_ns();
  b.timed_call("startDrift", 0);
  b.loop->run();
  int64_t c1 = now_ns(), cpu1 = cpu_ns();
  double ticks = b.global_number("ticks");
  double t0 = b.global_number("t0"), t_end = b.global_number("tEnd");
  if (ticks != 200) add_error("%.0f ticks instead of 200", ticks);
  /* drift from EventLoop.now() (the loop clock: CLOCK_MONOTONIC); run_ms is
   * the C++-side time of the whole run() (200 ticks + the last 2 ms busy);
   * cpu_ms the CPU time it used: ~400 ms of busy work in the callbacks, more
   * when the loop spins instead of sleeping. */
  printf("{\"bench\": \"drift\", \"mode\": \"%s\", \"ticks\": %.0f, \"drift_ms\": %.3f, "
         "\"max_late_ms\": %.3f, \"run_ms\": %.3f, \"cpu_ms\": %.3f",
         mode, ticks, t_end - t0 - 2000.0, b.global_number("lateMax"), (c1 - c0) / 1e6, (cpu1 - cpu0) / 1e6);
  return finish(b);
}

/* ---- mem: bytes per pending timer ---- */
int bench_mem(const char* mode, long n) {
  Bench b;
  if (!b.open(mode, true, true) || !b.define(g_script)) return setup_failed(mode);
  /* Two full collections: the second also frees what finalization kept. */
  duk_gc(b.ctx, 0);
  duk_gc(b.ctx, 0);
  size_t heap0 = b.counter.live, native0 = b.loop->stats().native_bytes;
  b.counter.peak = heap0;
  b.timed_call("create", static_cast<double>(n));
  size_t peak = b.counter.peak;
  duk_gc(b.ctx, 0);
  duk_gc(b.ctx, 0);
  size_t heap1 = b.counter.live, native1 = b.loop->stats().native_bytes;
  double dn = static_cast<double>(n);
  partial_line("mem", mode, n, "\"native_per_timer\": %.2f, \"heap_per_timer\": %.2f, \"heap_peak_per_timer\": %.2f",
               (static_cast<double>(native1) - native0) / dn, (static_cast<double>(heap1) - heap0) / dn,
               (static_cast<double>(peak) - heap0) / dn);
  b.loop->run();
  duk_gc(b.ctx, 0);
  duk_gc(b.ctx, 0);
  size_t heap2 = b.counter.live, native2 = b.loop->stats().native_bytes;
  evloop::Stats s = b.loop->stats();
  if (s.callbacks_run != static_cast<uint64_t>(n))
    add_error("fired %llu of %ld timers", static_cast<unsigned long long>(s.callbacks_run), n);
  printf("{\"bench\": \"mem\", \"mode\": \"%s\", \"n\": %ld, \"native_per_timer\": %.2f, "
         "\"heap_per_timer\": %.2f, \"heap_peak_per_timer\": %.2f, \"native_retained_per_timer\": %.2f, "
         "\"heap_retained_per_timer\": %.2f",
         mode, n, (static_cast<double>(native1) - native0) / dn, (static_cast<double>(heap1) - heap0) / dn,
         (static_cast<double>(peak) - heap0) / dn, (static_cast<double>(native2) - native0) / dn,
         (static_cast<double>(heap2) - heap0) / dn);
  return finish(b);
}

/* Reads the benchmark script (bench/timers.js) into g_script. */
bool load_script(const char* path) {
  FILE* fp = fopen(path, "rb");
  if (!fp) return false;
  size_t cap = 1 << 16, len = 0;
  char* buf = static_cast<char*>(malloc(cap));
  for (;;) {
    len += fread(buf + len, 1, cap - 1 - len, fp);
    if (len < cap - 1) break;
    cap *= 2;
    buf = static_cast<char*>(realloc(buf, cap));
  }
  fclose(fp);
  buf[len] = 0;
  g_script = buf;
  return true;
}

int usage() {
  fputs("usage: bench-timers [--script PATH] cost native|ecma|floor N\n"
        "       bench-timers [--script PATH] chain|drift native|ecma\n"
        "       bench-timers [--script PATH] mem native|ecma N\n"
        "  PATH: the benchmark script (default bench/timers.js)\n",
        stderr);
  return 2;
}

} /* namespace */

int main(int argc, char** argv) {
  const char* script = "bench/timers.js";
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "--script")) {
    script = argv[2];
    i = 3;
  }
  if (argc - i < 2) return usage();
  if (!load_script(script)) {
    fprintf(stderr, "bench-timers: cannot read %s: %s\n", script, strerror(errno));
    return 2;
  }
  const char* what = argv[i];
  const char* mode = argv[i + 1];
  const char* count = argc - i > 2 ? argv[i + 2] : nullptr;
  bool loop_mode = !strcmp(mode, "native") || !strcmp(mode, "ecma");
  if (!strcmp(what, "cost") && count && (loop_mode || !strcmp(mode, "floor"))) return bench_cost(mode, atol(count));
  if (!strcmp(what, "chain") && loop_mode) return bench_chain(mode);
  if (!strcmp(what, "drift") && loop_mode) return bench_drift(mode);
  if (!strcmp(what, "mem") && count && loop_mode) return bench_mem(mode, atol(count));
  return usage();
}
