// poll(2): the portable readiness API. We pass the whole list of
// (fd, wanted events) every call and the kernel writes back what happened in
// `revents` — simple, no registration, but O(n) in the number of sockets on
// every call, which is why epoll exists.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch } from './memory.js';
import { kernel } from './syscalls.js';

const { EINTR } = os.constants.errno;
let pinned: unknown = null;

/** An array of struct pollfd { i32 fd; i16 events; i16 revents } (8 bytes each) that grows as needed. */
export class PollSet {
  /** Slots in use: one past the highest index set. Lower it to drop slots from the end. */
  length = 0;
  /** @internal where the kernel reads and writes */
  address = 0;
  private capacityValue = 0;
  private bytes!: Buffer;
  private fds!: Int32Array;
  private shorts!: Uint16Array; // [events, revents] live at shorts[4i+2], shorts[4i+3]

  constructor(capacity = 64) {
    this.resize(Math.max(1, capacity));
  }

  get capacity(): number {
    return this.capacityValue;
  }

  /** Watch `fd` for `events` (POLLIN | POLLOUT …) in slot `index`; a negative fd makes the kernel skip the slot. */
  set(index: number, fd: number, events: number): void {
    if ((index >>> 0) !== index) throw new RangeError(`PollSet.set: invalid index ${index}`);
    if (index >= this.capacityValue) this.resize(Math.max(index + 1, this.capacityValue * 2));
    this.fds[index * 2] = fd;
    this.shorts[index * 4 + 2] = events;
    this.shorts[index * 4 + 3] = 0;
    if (index >= this.length) this.length = index + 1;
  }

  fd(index: number): number {
    return this.fds[index * 2];
  }

  events(index: number): number {
    return this.shorts[index * 4 + 2];
  }

  /** What poll() found for slot `index`: POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL bits. */
  revents(index: number): number {
    return this.shorts[index * 4 + 3];
  }

  /** @internal */
  clearRevents(count: number): void {
    for (let i = 0; i < count; i++) this.shorts[i * 4 + 3] = 0;
  }

  private resize(capacity: number): void {
    const area = scratch(capacity * P.SIZEOF_POLLFD);
    if (this.bytes !== undefined) this.bytes.copy(area.bytes, 0, 0, this.length * P.SIZEOF_POLLFD);
    this.bytes = area.bytes;
    this.address = area.address;
    this.fds = new Int32Array(area.bytes.buffer);
    this.shorts = new Uint16Array(area.bytes.buffer);
    this.capacityValue = capacity;
  }
}

/**
 * Wait until one of the first `count` slots is ready or `timeoutMs` passes
 * (-1 = forever). Returns how many slots have non-zero revents; 0 on timeout
 * or when a signal interrupted the wait (then all revents read 0).
 */
export function poll(set: PollSet, count: number, timeoutMs: number): number {
  if ((count >>> 0) !== count || count > set.capacity) {
    throw new RangeError(`poll: count ${count} exceeds the set's capacity ${set.capacity}`);
  }
  pinned = set; // keep its buffer alive while the kernel uses it (see memory.ts)
  const n = kernel.poll(set.address, count, timeoutMs);
  pinned = null;
  if (n >= 0) return n;
  const e = errno();
  if (e === EINTR) {
    set.clearRevents(count); // otherwise last call's answers would still be there
    return 0;
  }
  throw sysError('poll', e);
}
