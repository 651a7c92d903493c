/* Feature macros first: they must precede every system header. g++ and clang++
 * define _GNU_SOURCE already on glibc; this covers other compilers. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include "duktape.h"

/* ---- Configuration (define before including evloop.hpp, in every TU) ---- */

/* Backend choice. Default: epoll on Linux, poll() elsewhere. Defining
 * EVLOOP_BACKEND_POLL compiles only the portable poll() backend. */
#if !defined(EVLOOP_BACKEND_POLL) && !defined(__linux__)
#define EVLOOP_BACKEND_POLL 1
#endif
#if !defined(EVLOOP_BACKEND_POLL)
#define EVLOOP_HAVE_EPOLL 1
#endif

/* Ready events taken from the kernel per backend wait. */
#ifndef EVLOOP_MAX_EVENTS_PER_WAIT
#define EVLOOP_MAX_EVENTS_PER_WAIT 256
#endif

/* Longest single blocking wait in ms; a wait that would be longer is split.
 * Keeps a host-supplied clock honest and bounds int conversions. */
#ifndef EVLOOP_MAX_WAIT_MS
#define EVLOOP_MAX_WAIT_MS 60000
#endif

/* Bytes per socket read: every read goes through one buffer of this size per
 * loop (allocated on first use), then is copied into the Buffer JS receives. */
#ifndef EVLOOP_READ_BUFFER_SIZE
#define EVLOOP_READ_BUFFER_SIZE 65536
#endif

/* A socket's write queue above this many bytes: write() returns false and
 * 'drain' follows (Node's highWaterMark). */
#ifndef EVLOOP_HIGH_WATER_MARK
#define EVLOOP_HIGH_WATER_MARK 16384
#endif

/* Thread-safe Loop::post()/wake(). Define EVLOOP_NO_THREADS on targets without
 * <atomic>; wake() then stays async-signal-safe but post() is single-threaded. */
#ifndef EVLOOP_NO_THREADS
#include <atomic>
#endif

/* Assertion hook for internal invariants (never for user input). */
#ifndef EVLOOP_ASSERT
#include <assert.h>
#define EVLOOP_ASSERT(c) assert(c)
#endif

#define EVLOOP_VERSION_STRING "0.1.0"
#define EVLOOP_VERSION_NUMBER 100
