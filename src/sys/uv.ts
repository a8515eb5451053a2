// The libuv bridge: how our own reactor lives inside Node's event loop.
//
// Why this exists. An event-loop server built on epoll/poll/select must wait
// somewhere. If it blocked in epoll_wait itself, Node's own loop would stop:
// no timers, no promise-based I/O, no fetch() inside a handler. If it spun on
// a zero timeout, it would burn a core doing nothing. Instead we hand the one
// descriptor that stands for "our sockets are ready" — the epoll fd (epoll
// fds are themselves pollable) — to libuv as a uv_poll_t. Node's loop sleeps
// in ITS epoll_wait as usual, and calls back into JS when our fd is readable;
// then we run our epoll_wait with a zero timeout and serve what is ready.
// Node exports libuv's symbols, so the calls go straight to the library that
// runs the loop we live in.
//
// For a poll()/select() reactor the trick is inverted: it includes
// uvBackendFd() — the epoll fd of Node's loop — in its own set, to learn when
// Node has work to do.

import { sysError } from './errors.js';
import * as c from './ffi.js';

// From uv.h (the same on every platform libuv supports).
const UV_READABLE = 1;
const UV_WRITABLE = 2;
const UV_POLL = 8; // enum uv_handle_type: UNKNOWN, ASYNC, CHECK, FS_EVENT, FS_POLL, HANDLE, IDLE, NAMED_PIPE, POLL

/**
 * Readiness callback: `status` is 0, or a negative libuv error (-errno) when
 * polling failed; `events` is UV_READABLE (1) | UV_WRITABLE (2) | UV_DISCONNECT (4).
 */
export type UvPollCallback = (status: number, events: number) => void;

// koffi has a fixed pool of C-callable trampolines, so every UvPoll shares one
// for readiness and one for close, and we find the UvPoll by its handle address.
const live = new Map<number, UvPoll>();
let pollTrampoline: bigint | undefined;
let closeTrampoline: bigint | undefined;
let loop: number | undefined; // the libuv loop running JS on this thread

function onPoll(handle: number, status: number, events: number): void {
  const poller = live.get(handle);
  if (poller === undefined || poller.closed) return;
  try {
    poller.onReady(status, events);
  } catch (error) {
    // An exception must not unwind into libuv's C frames. Rethrow it on the
    // next tick, where it becomes an ordinary uncaught exception.
    process.nextTick(rethrow, error);
  }
}

function rethrow(error: unknown): never {
  throw error;
}

function onClose(handle: number): void {
  // libuv is done with the memory only now, not when uv_close() returns.
  live.delete(handle);
  c.release(handle);
}

/**
 * Watch one descriptor with the event loop that runs this thread's JS.
 * Note: libuv switches the descriptor to non-blocking mode (uv_poll_init does).
 */
export class UvPoll {
  /** @internal */
  readonly onReady: UvPollCallback;
  /** @internal */
  closed = false;
  private readonly handle: number;
  private readonly fd: number;

  constructor(fd: number, onReady: UvPollCallback) {
    pollTrampoline ??= c.registerPollCallback(onPoll);
    closeTrampoline ??= c.registerCloseCallback(onClose);
    loop ??= c.currentLoop();
    this.fd = fd;
    this.onReady = onReady;
    // A uv_poll_t is a C struct whose size only libuv knows; it must not move
    // and must outlive uv_close(), so it comes from the C heap, not a Buffer.
    this.handle = c.allocate(c.uv_handle_size(UV_POLL));
    const status = c.uv_poll_init(loop, this.handle, fd);
    if (status < 0) {
      c.release(this.handle);
      throw sysError('uv_poll_init', -status, { fd });
    }
    live.set(this.handle, this);
  }

  /** (Re)start watching for readability and/or writability; neither means stop. */
  start(readable: boolean, writable: boolean): void {
    if (this.closed) throw new Error('UvPoll.start() after close()');
    const events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
    if (events === 0) return this.stop();
    const status = c.uv_poll_start(this.handle, events, pollTrampoline!);
    if (status < 0) throw sysError('uv_poll_start', -status, { fd: this.fd });
  }

  stop(): void {
    if (!this.closed) c.uv_poll_stop(this.handle);
  }

  /** Let the process exit even while this poll is active (like timer.unref()). */
  unref(): void {
    if (!this.closed) c.uv_unref(this.handle);
  }

  ref(): void {
    if (!this.closed) c.uv_ref(this.handle);
  }

  /** Stop and free the handle (the memory goes once libuv confirms). The fd itself stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    c.uv_close(this.handle, closeTrampoline!);
  }
}

/** The epoll descriptor of Node's own event loop (uv_backend_fd): readable when Node has work. */
export function uvBackendFd(): number {
  loop ??= c.currentLoop();
  return c.uv_backend_fd(loop);
}

/**
 * How long Node's loop could sleep now: ms until its next timer, -1 when it
 * has none, 0 when it has work pending. A reactor that waits on Node's
 * backend fd uses this as an upper bound for its own wait.
 */
export function uvBackendTimeout(): number {
  loop ??= c.currentLoop();
  return c.uv_backend_timeout(loop);
}
