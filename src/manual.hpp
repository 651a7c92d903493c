/*
 * evloop 0.1.0: an event loop for the Duktape JavaScript engine (2.7), in one
 * C++ header. Timers, fd watchers, TCP sockets (a Node-style `net` and the
 * original example's socket API), file I/O and a command line runner, with
 * two interchangeable loops behind one JS API (see README.md).
 *
 * ---------------------------------------------------------------------------
 * USAGE
 *   In exactly one C++ file:      #define EVLOOP_IMPLEMENTATION
 *                                 #include "evloop.hpp"
 *   Everywhere else:              #include "evloop.hpp"
 *   Needs duktape.h on the include path; link duktape.c (compiled as C).
 *
 * CONTENTS
 *   1. Options (compile time)   2. JS API   3. C++ API   4. Embedding example
 *   5. Guarantees and rules     6. License (end of file)
 *
 * ---------------------------------------------------------------------------
 * 1. OPTIONS. Define before including evloop.hpp, the same in every TU.
 *   Backend. Default on Linux: epoll, with poll() also available at run
 *   time (Options::backend); elsewhere poll(). backend_name() tells.
 *   EVLOOP_BACKEND_POLL          compile only the portable poll() backend.
 *   EVLOOP_BACKEND_SELECT        compile only a select() backend, for network
 *                                stacks without poll() (lwIP): no <poll.h>,
 *                                no poll() call (Poll.poll and Socket.connect
 *                                use select() too). An fd at or above
 *                                FD_SETSIZE is refused (EMFILE); a hang-up or
 *                                an error shows as readiness (no POLLHUP or
 *                                POLLERR); a watched fd closed under the loop
 *                                gets POLLNVAL, as with poll().
 *   Small builds: each EVLOOP_NO_X leaves out X's code and embedded JS.
 * @features begin (generated from src/features.json by tools/amalgamate.py)
 *   EVLOOP_NO_POLL               Poll (the seed's poll() wrapper and its POLL*
 *                                constants) and the JS fd watchers that take
 *                                its bits, EventLoop.watch/unwatch, in both
 *                                loops; a host still watches fds from C++
 *                                (Loop::watch)
 *   EVLOOP_NO_FILEIO             FileIo
 *   EVLOOP_NO_CLI                print and process, for hosts that are not a
 *                                command line tool (the evloop CLI built so
 *                                defines a plain print of its own)
 *   EVLOOP_NO_SOCKETS            Socket, the seed
 *                                EventLoop.server/connect/setReader/write/close,
 *                                net, EventEmitter, both stream engines
 *                                (implies EVLOOP_NO_NET)
 *   EVLOOP_NO_NET                net and EventEmitter (the net layer of
 *                                net.js); Socket and the seed socket API stay
 *   EVLOOP_NO_ECMA_LOOP          the ECMAScript loop (ecma_*.js and their
 *                                bridge): Loop::create with Mode::Ecma returns
 *                                null with errno ENOTSUP, so a host finds out
 *                                at once, not at install or run
 *     kBindAll holds the bindings the build has; asking install() for one it
 *     left out fails, reporting "evloop: install: kBindNet is not in this
 *     build (EVLOOP_NO_NET)". EVLOOP_HAVE_POLL_BINDING, EVLOOP_HAVE_FILEIO,
 *     EVLOOP_HAVE_CLI, EVLOOP_HAVE_SOCKETS, EVLOOP_HAVE_NET and
 *     EVLOOP_HAVE_ECMA_LOOP are defined for what is in.
 * @features end
 *   EVLOOP_COMPRESSED_JS         the embedded JS deflated (55 KB -> 16 KB in
 *                                the binary), inflated into a temporary
 *                                Duktape buffer when it is compiled.
 *   Fixed capacity (default: the loop's tables grow with use):
 *   EVLOOP_MAX_TIMERS            timers pending at once, JS and native, in
 *                                both loops; the C++ loop's timer heap and
 *                                slot table are allocated at Loop::create,
 *                                never grown. One more: setTimeout and
 *                                setInterval throw a RangeError ("setTimeout:
 *                                too many pending timers (the limit is N)"),
 *                                add_timer() returns 0.
 *   EVLOOP_MAX_FDS               the loop holds fds 0..N-1 (N >= 8): its
 *                                fd-indexed tables (watchers, the backend's,
 *                                its own fds) are allocated at Loop::create,
 *                                never grown. A watch on a higher open fd
 *                                fails with EMFILE ("EMFILE: fd 300 is out of
 *                                the loop's fd range 0..255 (EVLOOP_MAX_FDS),
 *                                EventLoop.watch"); a socket or an accepted
 *                                connection there is closed at once and
 *                                fails with EMFILE (a listener backs off as
 *                                when the process is out of fds).
 *   EVLOOP_MAX_EVENTS_PER_WAIT   ready fds taken per kernel wait (256).
 *   EVLOOP_MAX_WAIT_MS           longest single blocking wait (60000).
 *   EVLOOP_NO_THREADS            no <atomic>: post() is then single-threaded;
 *                                wake() stays async-signal-safe.
 *   EVLOOP_READ_BUFFER_SIZE      bytes per socket read (65536): one buffer
 *                                per loop, allocated on first use.
 *   EVLOOP_HIGH_WATER_MARK       queued bytes above which write() returns
 *                                false, then 'drain' (16384).
 *   EVLOOP_ASSERT(c)             internal invariant check (default assert).
 *   EVLOOP_MONOTONIC_NS()        the real clock in ns where there is no
 *                                clock_gettime(CLOCK_MONOTONIC) (newlib):
 *                                e.g. -D'EVLOOP_MONOTONIC_NS()=board_ns()'.
 *   EVLOOP_IMPLEMENTATION        in one TU: compile the implementation.
 *   Tests may check EVLOOP_HPP_INCLUDED and EVLOOP_IMPLEMENTATION_DONE.
 *
 * ---------------------------------------------------------------------------
 * 2. JS API (ES5; the same in the C++ loop and the ECMAScript loop)
 *   setTimeout(cb, delay, ...args) -> id     setInterval(cb, delay, ...args) -> id
 *   clearTimeout(id), clearInterval(id)      never throw; either clears either kind
 *     cb: a function, or a string evaluated in the global scope (legacy);
 *     anything else is a TypeError. delay: ToNumber, truncated to ms; NaN,
 *     negative or missing = 0; above 2^31-1 = 1. Ids: positive integers.
 *     Equal deadlines fire in creation order; never early. A zero delay runs
 *     on the next turn with no 1 ms sleep; zero-delay chains cannot starve
 *     I/O. setInterval keeps the grid start + k * interval and skips ticks it
 *     missed (no bursts).
 *   EventLoop.watch(fd, events[, cb(fd, revents)])  watch an fd, or change its
 *     interest (events 0 pauses). A watcher that gets POLLERR/POLLNVAL is
 *     removed before its callback runs.
 *   EventLoop.unwatch(fd) -> bool
 *   EventLoop.requestExit([code]), requestEventLoopExit()   no further callback runs
 *   EventLoop.now() -> ms        the loop clock (monotonic, fractional ms)
 *   EventLoop.onerror = function (err) {...}   takes callback errors instead
 *     of the default report (Options::on_error, else stack trace to stderr);
 *     an onerror that throws has that error reported
 *   Poll.poll(set, timeoutMs) -> [fds]   set: {fd: {events}}; sets revents
 *   Poll.POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL
 *   FileIo.readfile(path) -> Buffer      FileIo.writefile(path, stringOrBuffer)
 *     errors: Error with code ('ENOENT'), errno (negative, as Node), syscall,
 *     path; message "ENOENT: no such file or directory, open '/x/y'".
 *   print(...)  process.argv  process.env  process.exit([code])   (kBindCli)
 *
 *   Sockets (kBindNet): net.createServer([options][, onConnection]),
 *     net.connect(port[, host][, cb]) / ({port, host}[, cb]), createConnection;
 *     Server: listen(port[, host][, cb]) (port 0: any free port; no host: all
 *     interfaces), address(), close([cb]); events listening, connection,
 *     error, close. Socket: write(data[, cb]) -> false above the high-water
 *     mark, then 'drain'; end([data]), destroy([err]), pause(), resume(),
 *     setTimeout(ms[, cb]), setNoDelay(), setKeepAlive(), setEncoding('utf8'),
 *     address(), remoteAddress, remotePort, localPort, bytesRead,
 *     bytesWritten; events connect, data (Buffer or string), end, drain,
 *     timeout, error (code: ECONNREFUSED, ECONNRESET, EPIPE, ENOBUFS, ...),
 *     close(hadError). More queued than maxQueuedBytes (64 MiB; option, or
 *     net.maxQueuedBytes) destroys the socket with ENOBUFS. EventEmitter:
 *     on, once, off/removeListener, emit, listenerCount. Host names go through
 *     getaddrinfo, which blocks; numeric addresses never do. 'localhost'
 *     prefers 127.0.0.1. Never SIGPIPE.
 *   Seed socket API (kBindSocket), as Duktape's eventloop example:
 *     EventLoop.server(addr, port, onAccept(fd, addr, port)),
 *     EventLoop.connect(addr, port, onConnected(fd)[, onError(err)]),
 *     EventLoop.setReader(fd, onData(fd, data)) (end of stream or an I/O
 *     error closes the fd), EventLoop.write(fd, data) -> false above the
 *     high-water mark (bytes are queued, never lost), EventLoop.close(fd);
 *     Socket.createServerSocket(addr, port), Socket.connect(addr, port)
 *     (blocks until connected), Socket.accept(fd) -> {fd, addr, port} | null,
 *     Socket.read(fd) -> Buffer (empty at end of stream; null: nothing yet),
 *     Socket.write(fd, data) -> bytes written, Socket.close(fd).
 *     Every socket fd belongs to the loop: destroy() closes those still open.
 *     A socket keeps the loop alive while it reads, writes or connects, a
 *     server while it listens (as Node.js: a paused socket does not).
 *   The loop ends when no timer is pending and no fd is watched, or after an
 *   exit request; then no further callback runs.
 *
 * ---------------------------------------------------------------------------
 * 3. C++ API (namespace evloop; all types trivially destructible)
 *   Loop* Loop::create(ctx, Options)   one loop per Duktape heap; null on failure
 *   Loop::of(ctx)                      the loop of a heap
 *   loop->install(kBindAll)            or a mask of Binding bits (kBindTimers,
 *                                      kBindEventLoop, ...: enum Binding)
 *   loop->set_argv(argc, argv)         process.argv for kBindCli
 *   loop->run()                        until no work or exit; returns exit code
 *   loop->run_once(max_wait_ms)        one turn (-1: until the next timer)
 *   loop->alive()                      work left?
 *   loop->pollable_fd(), next_timeout_ms()   drive from a foreign loop
 *   loop->wake(), loop->post(&task)    the only thread-safe calls
 *   loop->request_exit(code), exit_requested(), exit_code()
 *   loop->add_timer(delay, repeat, fn, user), cancel_timer(id)
 *   loop->watch(fd, events, fn, user), set_events(fd, ev), unwatch(fd),
 *   loop->unref_fd(fd)                 a watcher that does not keep run() going
 *   loop->stats(), set_error_hook(fn, user), now_ns(), backend_name()
 *   loop->destroy()                    before duk_destroy_heap; not from a callback
 *   Options: mode (Mode::Native = C++ loop, Mode::Ecma = ECMAScript loop),
 *   backend (Default, Epoll, Poll, Select: one the build lacks falls back to
 *   the build's default), clock (replaceable; evloop::VirtualClock
 *   for tests: time moves by advance_ms(), or with auto_advance jumps to the
 *   next deadline instead of sleeping), allocator (default: the heap's
 *   duk_alloc_raw), on_error (error reports), on_process_exit (process.exit;
 *   a CLI calls exit() there, as Node.js ends at once).
 *   Stats: pending_timers, watched_fds, callbacks_run, errors, errors_reported,
 *   slowest_callback_ns (C++-side callbacks and the C++ loop's JS ones),
 *   native_bytes (arrays keep their capacity: memory follows the peak).

 * ---------------------------------------------------------------------------
 * 4. EMBEDDING EXAMPLE
 *   #define EVLOOP_IMPLEMENTATION
 *   #include "evloop.hpp"
 *   static void tick(evloop::Loop&, evloop::TimerId, void*) { puts("host tick"); }
 *   int main() {
 *     duk_context* ctx = duk_create_heap_default();
 *     evloop::Loop* loop = evloop::Loop::create(ctx);
 *     loop->install(evloop::kBindAll);
 *     evloop::TimerId t = loop->add_timer(100, 100, tick, nullptr);
 *     duk_peval_string_noresult(ctx, "setTimeout(function () { print('hi'); }, 250);");
 *     loop->run_once(300);             // or loop->run()
 *     loop->cancel_timer(t);
 *     loop->run();
 *     loop->destroy();
 *     duk_destroy_heap(ctx);
 *   }
 *
 * ---------------------------------------------------------------------------
 * 5. GUARANTEES AND RULES
 *   - No mutable global state: several heaps, each with its own loop.
 *   - Every call into JS is protected (duk_pcall / duk_safe_call); a callback
 *     that throws is reported and the loop goes on.
 *   - Memory the loop holds goes through Options::allocator; Stats::native_bytes.
 *   - Not thread-safe except wake() and post(); run the loop on one thread.
 */
