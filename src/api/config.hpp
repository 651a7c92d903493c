/* Feature macros first: they must precede every system header. g++ and clang++
 * define _GNU_SOURCE already on glibc; this covers other compilers. */
#pragma once
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif

#include <stddef.h>
#include <stdint.h>
#ifdef EVLOOP_FAULT_INJECTION
#include <sys/socket.h>
#include <sys/types.h>
#endif
#include "duktape.h"

/* ---- Configuration (define before including evloop.hpp, in every TU) ---- */

/* Backend choice. Default: epoll on Linux, poll() elsewhere. Defining
 * EVLOOP_BACKEND_POLL compiles only the portable poll() backend;
 * EVLOOP_BACKEND_SELECT only a select() backend, for network stacks without
 * poll() (lwIP on some microcontrollers): no <poll.h>, no poll() call. */
#if defined(EVLOOP_BACKEND_POLL) && defined(EVLOOP_BACKEND_SELECT)
#error "evloop: define at most one of EVLOOP_BACKEND_POLL and EVLOOP_BACKEND_SELECT"
#endif
#if !defined(EVLOOP_BACKEND_POLL) && !defined(EVLOOP_BACKEND_SELECT) && !defined(__linux__)
#define EVLOOP_BACKEND_POLL 1
#endif
#if !defined(EVLOOP_BACKEND_POLL) && !defined(EVLOOP_BACKEND_SELECT)
#define EVLOOP_HAVE_EPOLL 1
#endif

/* Event bits (evloop::kReadable...): the poll(2) values. A select() build
 * includes no <poll.h> and uses the values Linux and the BSDs give them. */
#if defined(EVLOOP_BACKEND_SELECT)
#include <sys/select.h>
#define EVLOOP_POLLIN 0x001
#define EVLOOP_POLLPRI 0x002
#define EVLOOP_POLLOUT 0x004
#define EVLOOP_POLLERR 0x008
#define EVLOOP_POLLHUP 0x010
#define EVLOOP_POLLNVAL 0x020
#else
#include <poll.h>
#define EVLOOP_POLLIN POLLIN
#define EVLOOP_POLLPRI POLLPRI
#define EVLOOP_POLLOUT POLLOUT
#define EVLOOP_POLLERR POLLERR
#define EVLOOP_POLLHUP POLLHUP
#define EVLOOP_POLLNVAL POLLNVAL
#endif

/* Features for small builds (EVLOOP_NO_SOCKETS, EVLOOP_NO_NET, ...): declared
 * in src/features.json; api/features.hpp, generated from it, defines the
 * EVLOOP_HAVE_* macros and the Binding bits.
 * EVLOOP_COMPRESSED_JS keeps the embedded JS deflated (a quarter of its size
 * in flash) and inflates each source into a temporary buffer on the Duktape
 * heap when it is compiled (src/embed/inflate.hpp, src/embed/embedded_js.hpp). */

/* Fixed capacity: with EVLOOP_MAX_TIMERS, the timer heap and slot table are
 * allocated once, at Loop::create, for that many pending timers (JS and
 * native); one more is a RangeError from setTimeout (add_timer returns 0).
 * With EVLOOP_MAX_FDS, the fd-indexed tables (watchers, the backend's, the
 * loop's own fds) are allocated once for fds 0..EVLOOP_MAX_FDS-1; a watch
 * or a socket on a higher fd fails with EMFILE. Undefined: tables grow with
 * use (up to 2^24 pending timers). */
#if defined(EVLOOP_MAX_TIMERS) && (EVLOOP_MAX_TIMERS < 1 || EVLOOP_MAX_TIMERS > 16777216)
#error "evloop: EVLOOP_MAX_TIMERS must be in 1..16777216"
#endif
#if defined(EVLOOP_MAX_FDS) && (EVLOOP_MAX_FDS < 8 || EVLOOP_MAX_FDS > 16777216)
#error "evloop: EVLOOP_MAX_FDS must be in 8..16777216 (the loop itself uses a few fds)"
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
