// The libuv bridge: watching a descriptor from Node's own event loop.
//
// A UvPoll hands one descriptor to libuv as a uv_poll_t: Node's loop sleeps in
// ITS epoll_wait as usual and calls back into JS when that descriptor is ready.
// This is for code that lets Node's loop drive it — the masters of the process
// and thread models watch their non-blocking listening socket this way, and
// keep timers, signals and IPC with their workers running in between.
//
// The event-loop model does NOT use it: there our own reactor is the loop, and
// it waits on uvBackendFd() — the epoll fd of Node's loop, readable when Node
// has work — alongside its sockets, in its own poller (see the comment at the
// top of models/event-loop/reactor.ts).
//
// Node exports libuv's symbols, so these calls go straight to the library that
// runs the loop we live in.

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
