// epoll(7): Linux's scalable readiness API. Register each socket once
// (epoll_ctl), then one epoll_wait returns only the sockets that are ready —
// its cost grows with the number of *active* connections, not all of them.
// This is what nginx uses on Linux, and what libuv uses under Node itself.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch } from './memory.js';
import { kernel } from './syscalls.js';

const { EINTR } = os.constants.errno;
let pinned: unknown = null;

/** A new epoll instance (a descriptor; close it with close()). */
export function epollCreate(): number {
  const epfd = kernel.epoll_create1(P.EPOLL_CLOEXEC);
  if (epfd < 0) throw sysError('epoll_create1', errno());
  return epfd;
}

// struct epoll_event is PACKED on x86_64: { u32 events; u64 data } in 12 bytes,
// so `data` sits at offset 4. We store the fd in the low half of `data`: the
// kernel hands it back untouched, telling us which socket an event is about.
const event = scratch(P.SIZEOF_EPOLL_EVENT);
const eventWords = new Uint32Array(event.bytes.buffer); // [events, data low, data high]

/** Start ('add'), change ('mod') or stop ('del') watching `fd` for `events` (EPOLLIN | EPOLLOUT | …). */
export function epollCtl(epfd: number, op: 'add' | 'mod' | 'del', fd: number, events: number): void {
  eventWords[0] = events;
  eventWords[1] = fd;
  eventWords[2] = 0;
  const code = op === 'add' ? P.EPOLL_CTL_ADD : op === 'mod' ? P.EPOLL_CTL_MOD : P.EPOLL_CTL_DEL;
  if (kernel.epoll_ctl(epfd, code, fd, event.address) < 0) throw sysError(`epoll_ctl ${op}`, errno(), { fd });
}

/** The array epoll_wait fills in: up to `max` (fd, events) pairs, in one reused buffer. */
export class EpollEvents {
  readonly max: number;
  /** @internal where the kernel writes */
  readonly address: number;
  private readonly words: Uint32Array;
  private readonly fds: Int32Array;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`EpollEvents: max must be a positive integer, not ${max}`);
    this.max = max;
    const area = scratch(max * P.SIZEOF_EPOLL_EVENT);
    this.address = area.address;
    this.words = new Uint32Array(area.bytes.buffer);
    this.fds = new Int32Array(area.bytes.buffer);
  }

  /** The fd of the i-th ready socket (what epollCtl stored in `data`). */
  fd(i: number): number {
    return this.fds[i * 3 + 1];
  }

  /** What it is ready for: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP bits. */
  events(i: number): number {
    return this.words[i * 3];
  }
}

/**
 * Wait until at least one watched fd is ready, or `timeoutMs` passes (-1 = forever,
 * 0 = just look). Returns how many entries of `out` were filled; 0 on timeout or
 * when a signal interrupted the wait (EINTR).
 */
export function epollWait(epfd: number, out: EpollEvents, timeoutMs: number): number {
  pinned = out; // keep its buffer alive while the kernel writes into it (see memory.ts)
  const n = kernel.epoll_wait(epfd, out.address, out.max, timeoutMs);
  pinned = null;
  if (n >= 0) return n;
  const e = errno();
  if (e === EINTR) return 0;
  throw sysError('epoll_wait', e, { fd: epfd });
}
