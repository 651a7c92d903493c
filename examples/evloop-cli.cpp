/* evloop: run a script on the ECMAScript loop (default) or the C++ loop (-c).
 * A build without the ECMAScript loop (EVLOOP_NO_ECMA_LOOP) runs the C++
 * loop, and -c is accepted (it changes nothing).
 *
 *   evloop [-c] [-v] [--backend=epoll|poll|select] [--virtual-clock] [--pool=BYTES] <script.js|-> [args...]
 *
 * --backend takes the backends the build has: epoll and poll on Linux,
 * poll only with EVLOOP_BACKEND_POLL, select only with EVLOOP_BACKEND_SELECT.
 * --pool=BYTES runs the Duktape heap in one fixed block of BYTES (a K or M
 * suffix: KiB, MiB) through pool_allocator.hpp; evloop allocates through the
 * heap's allocator, so the pool holds all of its memory too (small-device
 * testing: running out shows as JS errors, 'alloc failed'). With -v the
 * pool's peak use is reported on exit.
 *
 * Exit status: 0 after a clean run; 1 when the script failed to compile or
 * threw, or a callback error was reported; the code given to process.exit;
 * 130 / 143 after SIGINT / SIGTERM. */

#define EVLOOP_IMPLEMENTATION
#include "evloop.hpp"

#include "pool_allocator.hpp"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The signal handler only writes the signal number into this pipe; a watcher
 * on the loop turns it into request_exit. (The program's only global.) */
static int signal_pipe_write = -1;

static void on_signal(int sig) {
  unsigned char b = static_cast<unsigned char>(sig);
  int saved = errno;
  if (write(signal_pipe_write, &b, 1) < 0) {
  }
  errno = saved;
}

static void on_signal_pipe(evloop::Loop& loop, int fd, unsigned, void*) {
  unsigned char b = 0;
  if (read(fd, &b, 1) == 1) loop.request_exit(128 + b);
}

/* process.exit ends the process at once, as in Node.js: not even a
 * try/catch around it runs. The OS releases memory and fds. */
static void on_process_exit(evloop::Loop&, int code, void*) {
  fflush(stdout);
  fflush(stderr);
  exit(code);
}

#if !defined(EVLOOP_HAVE_CLI)
/* A build without kBindCli (EVLOOP_NO_CLI) has no print or process: the CLI
 * defines a plain print(...) of its own (arguments joined by spaces), so
 * scripts that only print still run (tests/run.py's timers-only build). */
static duk_ret_t cli_print(duk_context* ctx) {
  duk_idx_t n = duk_get_top(ctx);
  for (duk_idx_t k = 0; k < n; k++) duk_to_string(ctx, k);
  duk_push_literal(ctx, " ");
  duk_insert(ctx, 0);
  duk_join(ctx, n);
  printf("%s\n", duk_get_string(ctx, -1));
  return 0;
}
#endif

/* The backends of this build, for --backend (the first is the default). */
static const struct {
  const char* name;
  evloop::Backend backend;
} kBackendNames[] = {
#if defined(EVLOOP_BACKEND_SELECT)
    {"select", evloop::Backend::Select},
#else
#if defined(EVLOOP_HAVE_EPOLL)
    {"epoll", evloop::Backend::Epoll},
#endif
    {"poll", evloop::Backend::Poll},
#endif
};

#if defined(EVLOOP_HAVE_ECMA_LOOP)
#define EVLOOP_CLI_LOOPS "  -c                 run on the C++ loop (default: the ECMAScript loop)\n"
#else
#define EVLOOP_CLI_LOOPS "  -c                 run on the C++ loop (the only loop of this build)\n"
#endif
#if defined(EVLOOP_BACKEND_SELECT)
#define EVLOOP_CLI_BACKEND_LIST "select"
#define EVLOOP_CLI_BACKEND_HELP "  --backend=NAME     select (the only backend of this build)\n"
#elif defined(EVLOOP_HAVE_EPOLL)
#define EVLOOP_CLI_BACKEND_LIST "epoll|poll"
#define EVLOOP_CLI_BACKEND_HELP "  --backend=NAME     epoll (Linux default) or poll\n"
#else
#define EVLOOP_CLI_BACKEND_LIST "poll"
#define EVLOOP_CLI_BACKEND_HELP "  --backend=NAME     poll (the only backend of this build)\n"
#endif

static void usage(FILE* f) {
  fputs("usage: evloop [-c] [-v] [--backend=" EVLOOP_CLI_BACKEND_LIST "] [--virtual-clock] [--pool=BYTES] <script.js|-> [args...]\n"
        EVLOOP_CLI_LOOPS
        EVLOOP_CLI_BACKEND_HELP
        "  -v                 report the loop and backend on stderr (and the pool's\n"
        "                     peak use on exit)\n"
        "  --virtual-clock    timers run on a virtual clock that jumps to the next\n"
        "                     deadline instead of sleeping (deterministic tests)\n"
        "  --pool=BYTES       run the heap, and so all of evloop's memory, in a fixed\n"
        "                     pool of BYTES (K, M: KiB, MiB); for small-device testing\n"
        "  --help, --version\n",
        f);
}

/* Reads a whole file (or stdin for "-") into a malloc'd buffer. */
static char* read_source(const char* path, size_t* len) {
  FILE* f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return nullptr;
  size_t cap = 65536, n = 0;
  char* buf = static_cast<char*>(malloc(cap));
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    cap *= 2;
    char* grown = static_cast<char*>(realloc(buf, cap));
    if (!grown) free(buf);
    buf = grown;
  }
  if (f != stdin) fclose(f);
  *len = n;
  return buf;
}

/* The smallest --pool: Duktape 2.7 builds its built-ins in the heap (about
 * 130 KB on 64-bit), and a heap that runs out while doing so is not an error
 * it can report: measured, 120-132 KiB pools end in a Duktape fatal error and
 * 96-112 KiB ones in a stack overflow in its uncaught-error path. ROM
 * built-ins (DUK_USE_ROM_OBJECTS) need far less, so no floor then. */
#if defined(DUK_USE_ROM_OBJECTS)
static const size_t kPoolMinimum = 1;
#else
static const size_t kPoolMinimum = 160 * 1024;
#endif

/* --pool's BYTES: digits, then optionally K or M (KiB, MiB). */
static bool parse_pool_size(const char* s, size_t* bytes) {
  size_t n = 0;
  if (*s < '0' || *s > '9') return false;
  for (; *s >= '0' && *s <= '9'; s++) {
    size_t digit = static_cast<size_t>(*s - '0');
    if (n > (SIZE_MAX - digit) / 10) return false;
    n = n * 10 + digit;
  }
  size_t unit = 1;
  if (*s == 'K' || *s == 'k') unit = 1024, s++;
  else if (*s == 'M' || *s == 'm') unit = 1024 * 1024, s++;
  if (*s || n == 0 || n > SIZE_MAX / unit) return false;
  *bytes = n * unit;
  return true;
}

/* Duktape's last resort (an error with no catcher, or out of memory where it
 * cannot throw): say so before aborting, with the pool's state. */
static void on_fatal(void* udata, const char* msg) {
  const pool_allocator::PoolAllocator* pool = static_cast<const pool_allocator::PoolAllocator*>(udata);
  fprintf(stderr, "evloop: Duktape fatal error: %s\n", msg ? msg : "(no message)");
  if (pool)
    fprintf(stderr, "evloop: pool of %zu bytes: %zu in use, %llu requests refused\n", pool->pool_bytes,
            pool->in_use, static_cast<unsigned long long>(pool->refused));
  fflush(stderr);
  abort();
}

struct ScriptArgs {
  const char* source;
  size_t length;
  const char* filename;
};

/* Compile and run the script under duk_safe_call: a syntax error is thrown by
 * the compiler and caught here like any other error. */
static duk_ret_t run_script(duk_context* ctx, void* udata) {
  ScriptArgs* a = static_cast<ScriptArgs*>(udata);
#if !defined(EVLOOP_HAVE_CLI)
  duk_push_c_function(ctx, cli_print, DUK_VARARGS);
  duk_put_global_literal(ctx, "print");
#endif
  duk_push_string(ctx, a->filename);
  duk_compile_lstring_filename(ctx, 0, a->source, a->length);
  duk_call(ctx, 0);
  return 0;
}

int main(int argc, char** argv) {
  evloop::Options options;
  bool verbose = false;
  bool virtual_clock = false;
  evloop::VirtualClock vclock; /* time moves only when the loop would sleep */
  size_t pool_bytes = 0;       /* --pool: 0 is the default heap (malloc) */
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char* a = argv[i];
    if (!strcmp(a, "-c")) options.mode = evloop::Mode::Native;
    else if (!strcmp(a, "-v")) verbose = true;
    else if (!strcmp(a, "--virtual-clock")) virtual_clock = true;
    else if (!strncmp(a, "--backend=", 10)) {
      size_t k = 0, n = sizeof kBackendNames / sizeof kBackendNames[0];
      while (k < n && strcmp(a + 10, kBackendNames[k].name)) k++;
      if (k == n) {
        fprintf(stderr, "evloop: unknown backend '%s' (this build has " EVLOOP_CLI_BACKEND_LIST ")\n", a + 10);
        return 2;
      }
      options.backend = kBackendNames[k].backend;
    } else if (!strncmp(a, "--pool=", 7)) {
      if (!parse_pool_size(a + 7, &pool_bytes)) {
        fprintf(stderr, "evloop: bad pool size '%s' (bytes, or a number with K or M)\n", a + 7);
        return 2;
      }
      if (pool_bytes < kPoolMinimum) {
        fprintf(stderr, "evloop: pool size '%s' is below %zu bytes, too small for Duktape's built-ins\n", a + 7,
                kPoolMinimum);
        return 2;
      }
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--version")) {
      printf("evloop %s (Duktape %ld)\n", EVLOOP_VERSION_STRING, static_cast<long>(DUK_VERSION));
      return 0;
    } else if (!strcmp(a, "--")) {
      i++;
      break;
    } else {
      fprintf(stderr, "evloop: unknown option '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
#if defined(EVLOOP_HAVE_ECMA_LOOP)
  bool ecma = true;
  for (int k = 1; k < i; k++)
    if (!strcmp(argv[k], "-c")) ecma = false;
#else
  bool ecma = false; /* EVLOOP_NO_ECMA_LOOP: the C++ loop only */
#endif
  options.mode = ecma ? evloop::Mode::Ecma : evloop::Mode::Native;
  if (virtual_clock) options.clock = vclock.clock();
  options.on_process_exit = on_process_exit;
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  const char* script = argv[i];
  size_t length = 0;
  char* source = read_source(script, &length);
  if (!source) {
    fprintf(stderr, "evloop: cannot read '%s': %s\n", script, strerror(errno));
    return 1;
  }

  /* --pool: the heap allocates from one block, and the loop from the heap's
   * allocator (the default Options::allocator), so all of it stays inside. */
  pool_allocator::PoolAllocator pool;
  memset(&pool, 0, sizeof pool);
  void* pool_memory = nullptr;
  duk_context* ctx = nullptr;
  if (pool_bytes) {
    pool_memory = malloc(pool_bytes);
    if (pool_memory && pool_allocator::pool_init(&pool, pool_memory, pool_bytes))
      ctx = duk_create_heap(pool_allocator::pool_alloc, pool_allocator::pool_realloc, pool_allocator::pool_free,
                            &pool, on_fatal);
    if (!ctx) {
      fprintf(stderr, "evloop: cannot create a Duktape heap in a pool of %zu bytes\n", pool_bytes);
      free(pool_memory);
      free(source);
      return 1;
    }
  } else {
    ctx = duk_create_heap_default();
  }
  evloop::Loop* loop = ctx ? evloop::Loop::create(ctx, options) : nullptr;
  if (!loop) {
    fprintf(stderr, "evloop: cannot create the loop: %s\n", strerror(errno));
    return 1;
  }
  /* process.argv: ['evloop', '<script>', ...args] */
  const char** args = static_cast<const char**>(malloc(sizeof(char*) * static_cast<size_t>(argc - i + 1)));
  args[0] = "evloop";
  for (int k = i; k < argc; k++) args[k - i + 1] = argv[k];
  loop->set_argv(argc - i + 1, args);
  int status = 0;
  if (!loop->install(evloop::kBindAll)) status = 1;
  if (verbose)
    fprintf(stderr, "evloop: %s loop, %s backend\n", ecma ? "ECMAScript" : "C++", loop->backend_name());

  int pipe_fds[2] = {-1, -1};
  if (pipe(pipe_fds) == 0) {
    signal_pipe_write = pipe_fds[1];
    loop->watch(pipe_fds[0], evloop::kReadable, on_signal_pipe, nullptr);
    loop->unref_fd(pipe_fds[0]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  }
  signal(SIGPIPE, SIG_IGN);

  ScriptArgs sa = {source, length, strcmp(script, "-") == 0 ? "stdin" : script};
  if (status == 0) {
    if (duk_safe_call(ctx, run_script, &sa, 0, 1) != DUK_EXEC_SUCCESS && !loop->exit_requested()) {
      fprintf(stderr, "%s\n", duk_safe_to_stacktrace(ctx, -1));
      status = 1;
    }
    duk_pop(ctx);
  }
  if (status == 0) {
    if (!loop->exit_requested()) loop->run();
    status = loop->exit_requested() ? loop->exit_code() : 0;
    if (status == 0 && loop->stats().errors_reported > 0) status = 1;
  }
  fflush(stdout);
  size_t native_bytes = loop->stats().native_bytes;
  size_t pool_before_destroy = pool.in_use;
  loop->destroy();
  if (verbose && pool_bytes)
    fprintf(stderr,
            "evloop: pool of %zu bytes: peak %zu in use (%.1f%%), %llu requests refused (largest %zu bytes); "
            "Loop::destroy returned %zu bytes to it (the loop's native memory: %zu bytes)\n",
            pool_bytes, pool.peak, 100.0 * static_cast<double>(pool.peak) / static_cast<double>(pool_bytes),
            static_cast<unsigned long long>(pool.refused), pool.largest_refused, pool_before_destroy - pool.in_use,
            native_bytes);
  duk_destroy_heap(ctx);
  free(pool_memory);
  if (signal_pipe_write >= 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  free(source);
  free(args);
  return status;
}
