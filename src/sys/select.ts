// select(2): the oldest readiness API (4.2BSD, 1983). The sets are bitmaps,
// one bit per descriptor number, of a size fixed at compile time
// (FD_SETSIZE = 1024): a descriptor numbered 1024 or more cannot be watched
// at all. The kernel overwrites the sets with the answer, so the caller
// refills them before every call.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch } from './memory.js';
import { kernel } from './syscalls.js';

const { EINTR } = os.constants.errno;
let pinnedRead: FdSet | null = null;
let pinnedWrite: FdSet | null = null;

/** An fd_set: FD_SETSIZE bits in 128 bytes. */
export class FdSet {
  /** @internal where the kernel reads and writes */
  readonly address: number;
  // The C type is an array of 64-bit longs; on a little-endian machine its bits
  // are laid out exactly like this array of 32-bit words.
  private readonly words: Uint32Array;

  constructor() {
    const area = scratch(P.SIZEOF_FD_SET);
    this.address = area.address;
    this.words = new Uint32Array(area.bytes.buffer);
  }

  add(fd: number): void {
    if ((fd >>> 0) !== fd || fd >= P.FD_SETSIZE) {
      throw new RangeError(`select() cannot watch fd ${fd}: only descriptors 0..${P.FD_SETSIZE - 1} fit in an fd_set`);
    }
    this.words[fd >>> 5] |= 1 << (fd & 31);
  }

  delete(fd: number): void {
    if ((fd >>> 0) === fd && fd < P.FD_SETSIZE) this.words[fd >>> 5] &= ~(1 << (fd & 31));
  }

  has(fd: number): boolean {
    return (fd >>> 0) === fd && fd < P.FD_SETSIZE && (this.words[fd >>> 5] & (1 << (fd & 31))) !== 0;
  }

  clear(): void {
    this.words.fill(0);
  }
}

const timeval = scratch(P.SIZEOF_TIMEVAL);
const timevalWords = new Uint32Array(timeval.bytes.buffer); // [sec lo, sec hi, usec lo, usec hi]

/**
 * Wait until a descriptor below `nfds` in `read` is readable or one in `write`
 * is writable, or `timeoutMs` passes (-1 = forever). On return the sets hold
 * only the ready descriptors; the result is how many. 0 on timeout or when a
 * signal interrupted the wait (then the sets are cleared).
 */
export function select(nfds: number, read: FdSet | null, write: FdSet | null, timeoutMs: number): number {
  // The kernel reads nfds bits from each set: more than FD_SETSIZE would run past our buffers.
  if ((nfds >>> 0) !== nfds || nfds > P.FD_SETSIZE) {
    throw new RangeError(`select: nfds ${nfds} must be 0..${P.FD_SETSIZE}`);
  }
  let timeout = 0; // NULL: wait forever
  if (timeoutMs >= 0) {
    // Linux rewrites the timeval with the time left, so it is filled every call.
    timevalWords[0] = Math.floor(timeoutMs / 1000);
    timevalWords[1] = 0;
    timevalWords[2] = Math.floor((timeoutMs % 1000) * 1000);
    timevalWords[3] = 0;
    timeout = timeval.address;
  }
  pinnedRead = read; // keep their buffers alive while the kernel uses them (see memory.ts)
  pinnedWrite = write;
  const n = kernel.select(nfds, read === null ? 0 : read.address, write === null ? 0 : write.address, 0, timeout);
  pinnedRead = pinnedWrite = null;
  if (n >= 0) return n;
  const e = errno();
  if (e === EINTR) {
    // On error the kernel leaves the sets as they were passed in — every fd
    // would look ready. Empty them so "0 ready" is what the caller sees.
    read?.clear();
    write?.clear();
    return 0;
  }
  throw sysError('select', e);
}
