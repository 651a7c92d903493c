/* The C++ loop's stream engine: byte streams and listeners with their state
 * in C++ (write queues in loop memory, flags in struct Stream), driven by the
 * core's fd watchers. The ECMAScript loop has the same engine in JS
 * (ecma_stream.js); net.js runs on either through this interface:
 *
 * Every call names the stream's owner, the JS object the stream acts for
 * (a net.Socket, a net.Server, a seed API entry): open, connect and listen
 * record it, every other call on that fd must pass the same object, else a
 * TypeError (code ERR_INVALID_THIS): net.js reads fds from fields a script
 * can write (socket._fd), and this check, against state no script can
 * change, keeps a copied or forged fd from acting on another connection.
 *
 *   stream.open(fd, handler, reading, owner)  manage fd as a stream (or
 *        replace its handler; a listener: EINVAL); reading turns read
 *        interest on. A stream write on a non-socket fd throws (ENOTSOCK).
 *        handler(event, arg), the event codes named in src/slots.json
 *        (EV_* in JS, kEv* here): EV_DATA (arg a fresh Buffer), EV_END end
 *        of stream, EV_DRAIN (the queue became empty), EV_ERROR (the engine
 *        stops; the fd stays open until close), EV_FINISH (after end():
 *        flushed and shut down), EV_CONNECT result (null or an Error;
 *        reading is then off).
 *   stream.connect(fd, handler, host, port, owner)  fd from native.connect:
 *        wait, then EV_CONNECT (a connect error names host:port).
 *   stream.listen(fd, onAccept(fd, address, port, family), owner)
 *   stream.write(fd, data, owner) -> bytes queued after the call (0: all sent)
 *   stream.end(fd, owner), stream.pause(fd, owner), stream.resume(fd, owner)
 *   stream.close(fd, owner) -> true when fd was a stream (it is then closed
 *        if the loop opened it, see close_socket)
 *   stream.queued(fd, owner) -> bytes queued
 *   stream.bytesRead(fd, owner) -> bytes read (0 when not a stream)
 *   stream.owns(fd, owner) -> true when fd is a stream of owner
 *   stream.writeMethod(writeSlow, afterQueued) -> Socket#write: a native
 *        function sending straight from the user's call while the fast
 *        path is on for socket._wfd and socket is the stream's owner (no
 *        encoding, no callback, a non-empty
 *        buffer, the queue within the cap), else writeSlow(socket, data,
 *        encoding, cb); a queue that grew goes to afterQueued(socket, q)
 *   stream.writeCap(fd, cap, owner) -> bytes the fast path took since the last
 *        call; cap >= 0 turns it on with that cap on queued bytes, -1 off
 *   stream.ondata(fd, fn, owner)  a hint: data events may call fn with
 *        this = owner instead of handler(EV_DATA, buf), which must do the same;
 *        fn null: back to the handler. (Saves a JS call a read here; the
 *        ECMAScript engine ignores it.)
 *
 * No handler runs inside a stream call: a write error is kept and reported
 * from the loop. Write interest is on only while something is queued. As in
 * libuv, a stream keeps the loop alive only while it has interest (reading,
 * writing, connecting, listening): a paused or finished socket does not. */
#pragma once
#include "../core/loop.hpp"
#include "../core/errors.hpp"
#include "../bind/bind_eventloop.hpp"
#include "bind_socket.hpp"
#include "../ecma/slots.hpp"

namespace evloop {
namespace detail {

inline Stream* stream_of(LoopImpl* l, int fd) {
  Watcher* w = l->watcher(fd);
  return w && w->kind == kWatchStream ? static_cast<Stream*>(w->user) : nullptr;
}

inline unsigned stream_interest(const Stream* s) {
  if (s->stopped) return 0;
  if (s->state == kStreamListening) return s->backoff ? 0u : static_cast<unsigned>(kReadable);
  if (s->state == kStreamConnecting) return kWritable;
  unsigned e = s->reading ? static_cast<unsigned>(kReadable) : 0u;
  if (s->head || s->pending_error || (s->ending && !s->shut)) e |= kWritable;
  return e;
}

/* Tells the backend the interest the stream's state implies. A failed
 * change (out of kernel memory) is kept as the stream's error. */
inline void stream_update(LoopImpl* l, Stream* s) {
  Watcher* w = l->watcher(s->fd);
  unsigned e = stream_interest(s);
  if (!w || w->events == e) return;
  if (l->backend.modify(l->mem, s->fd, e)) {
    w->events = e;
    l->set_counted(w, e != 0);
  } else if (!s->pending_error) {
    s->pending_error = errno ? errno : ENOMEM;
  }
}

/* Still the stream that was dispatched, after JS ran? A stream closed in a
 * callback is freed; one opened since on the same fd number was added in
 * this round (poll_io skips those, and so does this). */
inline bool stream_still(LoopImpl* l, int fd, Stream* s) {
  Watcher* w = l->watcher(fd);
  return w && w->kind == kWatchStream && w->user == s && w->added_round != l->round;
}

/* [ ... ] -> [ ... handler undefined event ]; the caller may push an
 * argument, then LoopImpl::call_js (a protected call) runs it. */
inline void stream_begin(LoopImpl* l, int fd, int event) {
  duk_context* ctx = l->ctx;
  duk_push_heapptr(ctx, l->watcher_callbacks);
  duk_get_prop_index(ctx, -1, static_cast<duk_uarridx_t>(fd));
  duk_remove(ctx, -2);
  duk_push_undefined(ctx);
  duk_push_int(ctx, event);
}

inline void stream_drop_queue(LoopImpl* l, Stream* s) {
  for (Chunk* c = s->head; c;) {
    Chunk* next = c->next;
    l->mem.free(c);
    c = next;
  }
  s->head = s->tail = nullptr;
  s->queued = 0;
}

/* Stops the stream (no more I/O, queue dropped) and reports the error. */
inline void stream_fail(LoopImpl* l, int fd, Stream* s, int err, const char* syscall) {
  s->stopped = true;
  stream_drop_queue(l, s);
  stream_update(l, s);
  stream_begin(l, fd, kEvError);
  push_net_error(l->ctx, err, syscall, nullptr, -1);
  l->call_js(2);
}

/* Out of memory while the bytes just read became a Buffer: the turn unwound
 * to run_native_turn, which calls this. The bytes are gone, so the socket
 * fails with ENOMEM (once lost without an error). Protected: memory may
 * still be short. Costs nothing on the data path (a duk_safe_call around
 * each push cost ~375 instructions a round trip). */
struct FailedRead {
  LoopImpl* l;
  int fd;
};
inline duk_ret_t fail_delivery_protected(duk_context*, void* udata) {
  FailedRead* f = static_cast<FailedRead*>(udata);
  Stream* s = stream_of(f->l, f->fd);
  if (s && !s->stopped) stream_fail(f->l, f->fd, s, ENOMEM, "read");
  return 0;
}
inline void fail_read_delivery(LoopImpl* l, int fd) {
  duk_idx_t top = duk_get_top(l->ctx);
  FailedRead f = {l, fd};
  if (duk_safe_call(l->ctx, fail_delivery_protected, &f, 0, 1) != DUK_EXEC_SUCCESS) l->report_default();
  duk_set_top(l->ctx, top);
}

inline void stream_read(LoopImpl* l, int fd, Stream* s) {
  /* A read that fills the buffer may leave more: read again, a few times,
   * for bulk transfers; the backend reports the rest next turn. Not on a
   * blocking fd the loop adopted (read_once): a second read could block. */
  duk_context* ctx = l->ctx;
  for (int i = 0; i < 4; i++) {
    ssize_t n = read_some(l, fd);
    if (n > 0) {
      s->bytes_read += static_cast<double>(n);
      l->delivering_fd = fd; /* the pushes may unwind the turn: see fail_delivery */
      if (s->direct_data) { /* fn.call(self, buf): saves net.js a JS call a read */
        duk_push_heapptr(ctx, s->data_fn);
        duk_push_heapptr(ctx, s->data_self);
        push_node_buffer(ctx, l->read_buffer, static_cast<size_t>(n));
        l->delivering_fd = -1;
        l->call_js(1);
      } else {
        stream_begin(l, fd, kEvData);
        push_node_buffer(ctx, l->read_buffer, static_cast<size_t>(n));
        l->delivering_fd = -1;
        l->call_js(2);
      }
      if (n < EVLOOP_READ_BUFFER_SIZE || !stream_still(l, fd, s) || !s->reading || s->stopped || s->read_once) return;
      continue;
    }
    if (n == 0) {
      s->eof = true;
      s->reading = false;
      stream_update(l, s);
      stream_begin(l, fd, kEvEnd);
      l->call_js(1);
      return;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) stream_fail(l, fd, s, errno, "read");
    return;
  }
}

/* Writes what is queued (up to 64 chunks a call). Once the queue is empty:
 * shuts the write side down when end() asked, then 'drain' and 'finish'. */
inline void stream_flush(LoopImpl* l, int fd, Stream* s) {
  bool had = s->head != nullptr;
  while (s->head) {
    iovec iov[64];
    int count = 0;
    size_t want = 0;
    for (Chunk* c = s->head; c && count < 64; c = c->next, count++) {
      iov[count].iov_base = c->bytes() + c->off;
      iov[count].iov_len = c->len - c->off;
      want += c->len - c->off;
    }
    msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = static_cast<size_t>(count);
    ssize_t n;
    n = sendmsg_some(l, fd, &m);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      stream_fail(l, fd, s, errno, "write");
      return;
    }
    size_t left = static_cast<size_t>(n);
    s->queued -= left;
    while (left) {
      Chunk* c = s->head;
      size_t part = c->len - c->off;
      if (left < part) {
        c->off += left;
        break;
      }
      left -= part;
      s->head = c->next;
      if (!s->head) s->tail = nullptr;
      l->mem.free(c);
    }
    if (static_cast<size_t>(n) < want) break; /* the kernel is full */
  }
  if (s->head) return;
  bool finish = false;
  if (s->ending && !s->shut) {
    ::shutdown(fd, SHUT_WR);
    s->shut = true;
    finish = true;
  }
  stream_update(l, s);
  if (had) {
    stream_begin(l, fd, kEvDrain);
    l->call_js(1);
    if (!stream_still(l, fd, s)) return;
  }
  if (finish) {
    stream_begin(l, fd, kEvFinish);
    l->call_js(1);
  }
}

inline void stream_backoff_done(Loop& loop, TimerId, void* user) {
  Stream* s = static_cast<Stream*>(user);
  s->backoff = 0;
  stream_update(impl(&loop), s);
}

/* [ ... ] -> [ ... address port family ] */
inline void push_address_parts(duk_context* ctx, const sockaddr_storage* ss) {
  push_address(ctx, ss);
  duk_get_prop_literal(ctx, -1, "address");
  duk_get_prop_literal(ctx, -2, "port");
  duk_get_prop_literal(ctx, -3, "family");
  duk_remove(ctx, -4);
}

/* [ ] -> [ onAccept undefined fd address port family ], protected. */
struct AcceptCall {
  LoopImpl* l;
  int listener;
  int fd;
  const sockaddr_storage* ss;
};
inline duk_ret_t push_accept_call(duk_context* ctx, void* udata) {
  AcceptCall* a = static_cast<AcceptCall*>(udata);
  stream_begin(a->l, a->listener, 0);
  duk_pop(ctx); /* onAccept(fd, address, port, family): no event code */
  duk_push_int(ctx, a->fd);
  push_address_parts(ctx, a->ss);
  return 6;
}

inline void stream_accept(LoopImpl* l, int fd, Stream* s) {
  for (int i = 0; i < 64; i++) { /* bounded: other fds get their turn */
    sockaddr_storage ss;
    int c = accept_one(l, fd, &ss);
    if (c < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* Out of fds: the pending connection stays in the backlog and the
         * fd stays readable; stop asking for 100 ms instead of spinning. */
        if (l->timers.prepare(l->mem) && stream_of(l, fd) == s) s->backoff = l->start_timer(100, -1, 0, stream_backoff_done, s);
        stream_update(l, s);
        return;
      }
      continue; /* ECONNABORTED and the like: that connection is gone */
    }
    if (!l->own_fd(c)) { /* no memory to track it: it could never be closed */
      ::close(c);
      return;
    }
    AcceptCall a = {l, fd, c, &ss};
    if (duk_safe_call(l->ctx, push_accept_call, &a, 0, 6) != DUK_EXEC_SUCCESS) {
      /* No memory for the call: the connection is closed (the peer sees
       * it end), never left open with no one to know it (it leaked while
       * the heap was full); accepting pauses as for EMFILE. */
      duk_pop_n(l->ctx, 6);
      close_socket(l, c);
      l->counters.errors++;
      if (!stream_still(l, fd, s)) return; /* the collection ran a finalizer that closed the listener */
      if (!s->backoff && l->timers.prepare(l->mem)) s->backoff = l->start_timer(100, -1, 0, stream_backoff_done, s);
      stream_update(l, s);
      return;
    }
    l->call_js(4);
    if (!stream_still(l, fd, s) || s->backoff) return;
  }
}

inline void stream_io(Loop& loop, int fd, unsigned revents, void* user) {
  LoopImpl* l = impl(&loop);
  Stream* s = static_cast<Stream*>(user);
  if (s->stopped) return;
  if (s->pending_error) {
    int err = s->pending_error;
    s->pending_error = 0;
    stream_fail(l, fd, s, err, "write");
    return;
  }
  if (s->state == kStreamListening) {
    stream_accept(l, fd, s);
    return;
  }
  if (s->state == kStreamConnecting) {
    int err = socket_error(l, fd);
    if (!err && !(revents & kWritable)) err = ECONNREFUSED; /* error or hang-up with no code */
    if (err) s->stopped = true;
    else s->state = kStreamOpen;
    stream_update(l, s);
    char* host = s->peer_host; /* the error's pushes may run a finalizer that closes s */
    s->peer_host = nullptr;
    stream_begin(l, fd, kEvConnect);
    if (err) push_net_error(l->ctx, err, "connect", host, host ? s->peer_port : -1);
    else duk_push_null(l->ctx);
    l->mem.free(host);
    l->call_js(2);
    if (!err && stream_still(l, fd, s) && !s->stopped && (s->head || s->ending)) stream_flush(l, fd, s);
    return;
  }
  if (s->reading && (revents & (kReadable | kHangup | kError))) {
    stream_read(l, fd, s);
    if (!stream_still(l, fd, s) || s->stopped) return;
  }
  if ((revents & (kWritable | kError | kHangup)) && (s->head || (s->ending && !s->shut))) stream_flush(l, fd, s);
}

/* ---- the JS side: stream.* ---- */

inline LoopImpl* stream_loop(duk_context* ctx) { return bound_loop(ctx); }

inline Stream* require_stream(duk_context* ctx, LoopImpl* l, int fd, const char* fn) {
  Stream* s = stream_of(l, fd);
  if (!s) (void)throw_net_error(ctx, EBADF, fn, nullptr, -1);
  return s;
}

/* The TypeError of a stream call naming another owner than the stream's:
 * 'Value of "this" must be the owner of fd 5 (stream.end)', code
 * ERR_INVALID_THIS (Node's code for a method called on a foreign object);
 * ecma_stream.js throws the same. */
inline duk_ret_t throw_not_owner(duk_context* ctx, int fd, const char* fn) {
  duk_push_error_object(ctx, DUK_ERR_TYPE_ERROR, "Value of \"this\" must be the owner of fd %d (%s)", fd, fn);
  duk_push_literal(ctx, "ERR_INVALID_THIS");
  duk_put_prop_literal(ctx, -2, "code");
  return duk_throw(ctx);
}

/* The stream of the fd at index 0 when the value at owner_idx is its owner:
 * else EBADF (no stream) or the TypeError above. */
inline Stream* require_owned(duk_context* ctx, LoopImpl* l, duk_idx_t owner_idx, const char* fn) {
  int fd = require_fd(ctx, 0, fn);
  Stream* s = require_stream(ctx, l, fd, fn);
  if (s->owner != duk_get_heapptr(ctx, owner_idx)) (void)throw_not_owner(ctx, fd, fn);
  return s;
}

/* The stream of the fd at index 0, null when there is none (a query's 0);
 * a stream of another owner than the value at owner_idx throws. */
inline Stream* owned_or_null(duk_context* ctx, LoopImpl* l, duk_idx_t owner_idx, const char* fn) {
  if (!duk_is_number(ctx, 0)) return nullptr;
  int fd = duk_get_int(ctx, 0);
  Stream* s = stream_of(l, fd);
  if (s && s->owner != duk_get_heapptr(ctx, owner_idx)) (void)throw_not_owner(ctx, fd, fn);
  return s;
}

/* Adds or updates the stream of fd with the handler at index 1 for the
 * owner at owner_idx. */
inline duk_ret_t stream_start(duk_context* ctx, uint8_t state, bool reading, duk_idx_t owner_idx, const char* fn) {
  LoopImpl* l = stream_loop(ctx);
  int fd = require_script_fd(ctx, l, 0, fn);
  if (!duk_is_function(ctx, 1)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: handler must be a function", fn);
  if (!duk_is_object(ctx, owner_idx)) return duk_error(ctx, DUK_ERR_TYPE_ERROR, "%s: owner must be an object", fn);
  void* owner = duk_get_heapptr(ctx, owner_idx);
  Watcher* w = l->watcher(fd);
  if (w && w->kind != kWatchStream) return throw_system_error(ctx, EEXIST, fn, nullptr);
  if (w) {
    Stream* old = static_cast<Stream*>(w->user);
    /* a listener's handler takes accepted fds: another handler would leak them */
    if (old->state == kStreamListening && state != kStreamListening) return throw_system_error(ctx, EINVAL, fn, nullptr);
    if (old->owner != owner) return throw_not_owner(ctx, fd, fn);
  }
  if (!l->ensure_watcher_slot(fd)) return throw_watch_error(ctx, errno, fd, fn);
  l->reserve_js_index(l->watcher_callbacks, static_cast<duk_uarridx_t>(fd)); /* may throw: nothing changed yet */
  w = l->watcher(fd); /* growing the tables may have run a finalizer */
  if (w && w->kind != kWatchStream) return throw_system_error(ctx, EEXIST, fn, nullptr);
  /* The old handler stays on the value stack until this native returns:
   * its finalizer runs once the stream is consistent. */
  (void)l->take_js_value(l->watcher_callbacks, static_cast<duk_uarridx_t>(fd));
  duk_push_heapptr(ctx, l->watcher_callbacks);
  duk_dup(ctx, 1);
  duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(fd)); /* an existing index: allocates nothing */
  duk_pop(ctx);
  if (w) { /* a new handler for a stream: keep its queue */
    Stream* s = static_cast<Stream*>(w->user);
    if (state == kStreamOpen && s->state == kStreamOpen) s->reading = reading && !s->eof;
    stream_update(l, s);
    return 0;
  }
  Stream* s = static_cast<Stream*>(l->mem.alloc(sizeof(Stream)));
  if (!s || l->watcher(fd)) { /* a finalizer run by a collection may have watched fd */
    int err = s ? EEXIST : ENOMEM;
    l->mem.free(s);
    l->clear_js_watcher(fd);
    return throw_system_error(ctx, err, fn, nullptr);
  }
  memset(s, 0, sizeof *s);
  s->write_cap = -1;
  s->owner = owner;
  s->fd = fd;
  s->state = state;
  s->reading = reading;
  s->read_once = state == kStreamOpen && fd_reads_block(l, fd);
  if (!l->set_watcher(fd, stream_interest(s), kWatchStream, stream_io, s, false, true)) {
    int err = errno;
    l->mem.free(s);
    l->clear_js_watcher(fd);
    return throw_system_error(ctx, err, fn, nullptr);
  }
  return 0;
}

inline duk_ret_t js_stream_open(duk_context* ctx) {
  return stream_start(ctx, kStreamOpen, duk_is_undefined(ctx, 2) || duk_to_boolean(ctx, 2), 3, "stream.open");
}
/* stream.connect(fd, handler, host, port, owner): host and port name the peer
 * in a connect error, as Node's "connect ECONNREFUSED 127.0.0.1:9". */
inline duk_ret_t js_stream_connect(duk_context* ctx) {
  stream_start(ctx, kStreamConnecting, false, 4, "stream.connect");
  LoopImpl* l = stream_loop(ctx);
  Stream* s = stream_of(l, duk_get_int(ctx, 0));
  if (s && duk_is_string(ctx, 2) && !s->peer_host) {
    size_t n;
    const char* host = duk_get_lstring(ctx, 2, &n);
    char* copy = static_cast<char*>(l->mem.alloc(n + 1)); /* may run a finalizer */
    if (stream_of(l, duk_get_int(ctx, 0)) != s) {
      l->mem.free(copy);
      return 0;
    }
    s->peer_host = copy;
    if (s->peer_host) memcpy(s->peer_host, host, n + 1);
    s->peer_port = duk_is_number(ctx, 3) ? duk_get_int(ctx, 3) : -1;
  }
  return 0;
}
inline duk_ret_t js_stream_listen(duk_context* ctx) {
  return stream_start(ctx, kStreamListening, false, 2, "stream.listen");
}

/* The queue got no memory: the stream fails with ENOMEM, reported from the
 * loop as any write error ('error'), not thrown at the writer. A send error
 * shows as writability or POLLERR; this one would not (the kernel may stay
 * full for ever), so a zero-delay native timer reports it. Without memory
 * even for that timer, the writer gets the ENOMEM thrown (as before). */
inline void stream_report_pending(Loop& loop, TimerId, void* user) {
  LoopImpl* l = impl(&loop);
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(user));
  Stream* s = stream_of(l, fd);
  if (!s || s->stopped || !s->pending_error) return; /* closed, or reported since */
  int err = s->pending_error;
  s->pending_error = 0;
  stream_fail(l, fd, s, err, "write");
}
inline duk_ret_t stream_out_of_memory(duk_context* ctx, LoopImpl* l, int fd, Stream* s) {
  if (!l->timers.prepare(l->mem) ||
      !l->start_timer(0, -1, 0, stream_report_pending, reinterpret_cast<void*>(static_cast<intptr_t>(fd))))
    return throw_system_error(ctx, ENOMEM, "stream.write", nullptr);
  s->pending_error = ENOMEM;
  stream_update(l, s);
  duk_push_number(ctx, static_cast<double>(s->queued));
  return 1;
}

/* Sends what the kernel takes now and queues the rest, in order; pushes the
 * bytes queued after the call. */
inline duk_ret_t stream_send(duk_context* ctx, LoopImpl* l, int fd, Stream* s, const char* p, size_t len) {
  if (!s->head && s->state == kStreamOpen && !s->pending_error) {
    ssize_t n = send_some(l, fd, p, len);
    if (n < 0) {
      /* not a socket (stdout given to EventLoop.write): the caller's
       * mistake, thrown at once; nothing queued, nothing closed */
      if (errno == ENOTSOCK) return throw_net_error(ctx, ENOTSOCK, "write", nullptr, -1);
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        s->pending_error = errno; /* reported from the loop, never from here */
        stream_update(l, s);
        duk_push_number(ctx, static_cast<double>(s->queued));
        return 1;
      }
      n = 0;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  if (len) {
    Chunk* t = s->tail;
    if (t && t->cap - t->len >= len) { /* small writes share a chunk */
      memcpy(t->bytes() + t->len, p, len);
      t->len += len;
    } else {
      size_t cap = len < 4096 ? 4096 : len;
      Chunk* c = static_cast<Chunk*>(l->mem.alloc(sizeof(Chunk) + cap));
      if (!c) {
        if (stream_of(l, fd) != s) return throw_system_error(ctx, EBADF, "stream.write", nullptr);
        return stream_out_of_memory(ctx, l, fd, s);
      }
      if (stream_of(l, fd) != s) { /* a collection ran a finalizer that closed it */
        l->mem.free(c);
        return throw_system_error(ctx, EBADF, "stream.write", nullptr);
      }
      t = s->tail;
      c->next = nullptr;
      c->len = len;
      c->off = 0;
      c->cap = cap;
      memcpy(c->bytes(), p, len);
      if (t) t->next = c;
      else s->head = c;
      s->tail = c;
    }
    s->queued += len;
    stream_update(l, s);
  }
  duk_push_number(ctx, static_cast<double>(s->queued));
  return 1;
}

inline duk_ret_t js_stream_write(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = require_owned(ctx, l, 2, "stream.write");
  int fd = s->fd;
  size_t len;
  const char* p = require_bytes(ctx, 1, &len, "stream.write");
  if (s->state == kStreamListening) return throw_system_error(ctx, ENOTCONN, "stream.write", nullptr);
  if (len == 0 || s->stopped || s->ending || s->pending_error) {
    duk_push_number(ctx, static_cast<double>(s->queued));
    return 1;
  }
  return stream_send(ctx, l, fd, s, p, len);
}

/* The C++ engine's Socket#write (stream.writeMethod; see socket_write in
 * bind_socket.hpp): its fast path sends the data (index 0) on fd while the
 * stream is open with the fast path on (writeCap), the data a non-empty
 * buffer (any kind: its bytes) and the queue within the cap after it, and
 * `this` (index 3) the stream's owner: a script's copy of _wfd on another
 * object, or a forged one, declines here (writeSlow then throws). */
inline bool stream_try_fast_write(duk_context* ctx, LoopImpl* l, int fd) {
  Stream* s = stream_of(l, fd);
  if (!s || s->state != kStreamOpen || s->stopped || s->ending || s->pending_error ||
      s->owner != duk_get_heapptr(ctx, 3))
    return false;
  duk_size_t len = 0;
  const char* p = static_cast<const char*>(duk_get_buffer_data(ctx, 0, &len));
  if (!p || len == 0 || static_cast<double>(s->queued) + static_cast<double>(len) > s->write_cap) return false;
  s->fast_written += static_cast<double>(len);
  stream_send(ctx, l, fd, s, p, len);
  return true;
}
inline duk_ret_t js_socket_write(duk_context* ctx) { return socket_write(ctx, stream_try_fast_write); }

/* stream.writeCap(fd, cap, owner) -> the bytes the fast path took since the
 * last writeCap; cap >= 0 turns it on with that cap on queued bytes,
 * anything else off. 0 when fd is not a stream. */
inline duk_ret_t js_stream_write_cap(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = owned_or_null(ctx, l, 2, "stream.writeCap");
  double taken = 0;
  if (s) {
    double cap = duk_get_number(ctx, 1); /* NaN: off */
    s->write_cap = cap >= 0 ? cap : -1;
    /* Socket#write finds the fd from its this (FastWriters); without memory
     * for the entry, writes take the slow path */
    if (cap >= 0) (void)l->fast_writers.put(l->mem, s->owner, s->fd);
    else l->fast_writers.erase(s->owner, s->fd);
    taken = s->fast_written;
    s->fast_written = 0;
  }
  duk_push_number(ctx, taken);
  return 1;
}

/* stream.writeMethod(writeSlow, afterQueued) -> the function net.js uses as
 * Socket#write. */
inline duk_ret_t js_stream_write_method(duk_context* ctx) {
  if (!duk_is_function(ctx, 0) || !duk_is_function(ctx, 1))
    return duk_error(ctx, DUK_ERR_TYPE_ERROR, "stream.writeMethod: functions expected");
  push_write_method(ctx, stream_loop(ctx), js_socket_write);
  return 1;
}

inline duk_ret_t js_stream_end(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = require_owned(ctx, l, 1, "stream.end");
  if (s->state != kStreamListening) {
    s->ending = true; /* the shutdown happens from the loop, when flushed */
    stream_update(l, s);
  }
  return 0;
}

inline duk_ret_t stream_set_reading(duk_context* ctx, bool on, const char* fn) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = require_owned(ctx, l, 1, fn);
  if (s->state == kStreamListening) return 0;
  s->reading = on && !s->eof;
  stream_update(l, s);
  return 0;
}
inline duk_ret_t js_stream_pause(duk_context* ctx) { return stream_set_reading(ctx, false, "stream.pause"); }
inline duk_ret_t js_stream_resume(duk_context* ctx) { return stream_set_reading(ctx, true, "stream.resume"); }

inline duk_ret_t js_stream_close(duk_context* ctx) {
  if (!duk_is_number(ctx, 0)) {
    duk_push_false(ctx);
    return 1;
  }
  int fd = require_fd(ctx, 0, "stream.close");
  LoopImpl* l = stream_loop(ctx);
  if (!owned_or_null(ctx, l, 1, "stream.close")) {
    duk_push_false(ctx);
    return 1;
  }
  close_socket(l, fd);
  duk_push_true(ctx);
  return 1;
}

/* stream.ondata(fd, fn, owner): data events call fn with this = owner
 * instead of handler(EV_DATA, buf) (an engine may ignore this: the handler must
 * do the same); fn null: back to the handler. */
inline duk_ret_t js_stream_ondata(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = require_owned(ctx, l, 2, "stream.ondata");
  int fd = s->fd;
  bool on = duk_is_function(ctx, 1) != 0;
  if (on) {
    l->reserve_js_index(l->data_callbacks, static_cast<duk_uarridx_t>(2 * fd)); /* may throw: flag not set yet */
    l->reserve_js_index(l->data_callbacks, static_cast<duk_uarridx_t>(2 * fd + 1));
    s = require_stream(ctx, l, fd, "stream.ondata"); /* growing them may have run a finalizer */
    /* The old fn and this stay on the value stack until this native
     * returns: their finalizers run once the stream is consistent. */
    (void)l->take_js_value(l->data_callbacks, static_cast<duk_uarridx_t>(2 * fd));
    (void)l->take_js_value(l->data_callbacks, static_cast<duk_uarridx_t>(2 * fd + 1));
    duk_push_heapptr(ctx, l->data_callbacks);
    duk_dup(ctx, 1);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(2 * fd)); /* existing indexes: allocate nothing */
    duk_dup(ctx, 2);
    duk_put_prop_index(ctx, -2, static_cast<duk_uarridx_t>(2 * fd + 1));
    s->data_fn = duk_get_heapptr(ctx, 1);
    s->data_self = duk_get_heapptr(ctx, 2); /* null for a primitive: pushed as undefined */
    s->direct_data = true;
  } else if (s->direct_data) {
    s->direct_data = false;
    l->clear_stream_data(fd); /* last: a finalizer may run */
  }
  return 0;
}

/* stream.bytesRead(fd, owner) -> bytes read so far (0 when not a stream) */
inline duk_ret_t js_stream_bytes_read(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = owned_or_null(ctx, l, 1, "stream.bytesRead");
  duk_push_number(ctx, s ? s->bytes_read : 0.0);
  return 1;
}

inline duk_ret_t js_stream_queued(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = owned_or_null(ctx, l, 1, "stream.queued");
  duk_push_number(ctx, s ? static_cast<double>(s->queued) : 0.0);
  return 1;
}

/* stream.owns(fd, owner) -> true when fd is a stream of owner (net.js checks
 * a socket's fields with it before it changes any state) */
inline duk_ret_t js_stream_owns(duk_context* ctx) {
  LoopImpl* l = stream_loop(ctx);
  Stream* s = duk_is_number(ctx, 0) ? stream_of(l, duk_get_int(ctx, 0)) : nullptr;
  duk_push_boolean(ctx, s && duk_is_object(ctx, 1) && s->owner == duk_get_heapptr(ctx, 1));
  return 1;
}

/* [ ... ] -> [ ... stream ]: the C++ loop's engine object for net.js. Every
 * function is tagged with the loop (dead with it: see tag_with_loop). */
inline void push_native_stream(duk_context* ctx, LoopImpl* l) {
  l->fail_delivery = fail_read_delivery;
  static const duk_function_list_entry fns[] = {
      {"open", js_stream_open, 4},   {"connect", js_stream_connect, 5},
      {"listen", js_stream_listen, 3}, {"write", js_stream_write, 3},
      {"end", js_stream_end, 2},     {"pause", js_stream_pause, 2},
      {"resume", js_stream_resume, 2}, {"close", js_stream_close, 2},
      {"queued", js_stream_queued, 2}, {"ondata", js_stream_ondata, 3},
      {"bytesRead", js_stream_bytes_read, 2}, {"writeCap", js_stream_write_cap, 3},
      {"owns", js_stream_owns, 2},
      {"writeMethod", js_stream_write_method, 2}, {nullptr, nullptr, 0}};
  duk_push_object(ctx);
  for (const duk_function_list_entry* f = fns; f->key; f++) {
    duk_push_c_function(ctx, f->value, f->nargs);
    tag_with_loop(ctx, l);
    mark_internal(ctx); /* Duktape.act does not hand them out */
    duk_put_prop_string(ctx, -2, f->key);
  }
}

} /* namespace detail */
} /* namespace evloop */
