// The poll backend: the whole interest list goes to the kernel on every wait
// and comes back with revents filled in, so each wait costs O(watched).
// Removal swaps the last slot into the hole to keep the array dense.
import * as sys from '../../../sys/index.js';
import { READABLE, WRITABLE, FAILED, ScanningPoller } from './poller.js';

const { POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL } = sys.platform;

function toPoll(mask: number): number {
  return (mask & READABLE ? POLLIN : 0) | (mask & WRITABLE ? POLLOUT : 0);
}

export class PollPoller extends ScanningPoller {
  readonly name = 'poll';
  readonly fdLimit = Infinity;
  private readonly set = new sys.PollSet(256);
  private readonly slotOf = new Map<number, number>();
  private count = 0;

  add(fd: number, mask: number): void {
    this.slotOf.set(fd, this.count);
    this.set.set(this.count++, fd, toPoll(mask));
  }
  modify(fd: number, mask: number): void {
    this.set.set(this.slotOf.get(fd)!, fd, toPoll(mask));
  }
  remove(fd: number): void {
    const slot = this.slotOf.get(fd);
    if (slot === undefined) return;
    this.slotOf.delete(fd);
    const last = --this.count;
    if (slot !== last) {
      const movedFd = this.set.fd(last);
      this.set.set(slot, movedFd, this.set.events(last));
      this.slotOf.set(movedFd, slot);
    }
    this.set.length = this.count;
  }
  wait(timeoutMs: number): number {
    const ready = this.ready;
    ready.count = 0;
    const n = sys.poll(this.set, this.count, timeoutMs);
    if (n <= 0) return 0;
    // The O(n) part of poll: scan every slot for the few that fired.
    for (let i = 0; i < this.count && ready.count < n; i++) {
      const r = this.set.revents(i);
      if (r === 0) continue;
      const mask = r & (POLLERR | POLLHUP | POLLNVAL) ? READABLE | WRITABLE | FAILED : (r & POLLIN ? READABLE : 0) | (r & POLLOUT ? WRITABLE : 0);
      ready.push(this.set.fd(i), mask);
    }
    return ready.count;
  }
}
