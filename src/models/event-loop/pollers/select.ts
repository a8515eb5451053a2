// The select backend (cf. Redis ae_select.c): two bitmaps of FD_SETSIZE (1024)
// bits, rebuilt before every call because the kernel overwrites them with the
// answer. Descriptors ≥ 1024 cannot be watched at all: fdLimit says so and
// the reactor turns such connections away with a 503.
import * as sys from '../../../sys/index.js';
import { READABLE, WRITABLE, ScanningPoller } from './poller.js';

export class SelectPoller extends ScanningPoller {
  readonly name = 'select';
  readonly fdLimit = sys.platform.FD_SETSIZE;
  private readonly masks = new Uint8Array(sys.platform.FD_SETSIZE);
  private readonly watched = new Set<number>();
  private maxFd = -1;
  private readonly readSet = new sys.FdSet();
  private readonly writeSet = new sys.FdSet();

  add(fd: number, mask: number): void {
    if (fd >= this.fdLimit) throw new RangeError(`select cannot watch fd ${fd} (FD_SETSIZE is ${this.fdLimit})`);
    this.masks[fd] = mask;
    this.watched.add(fd);
    if (fd > this.maxFd) this.maxFd = fd;
  }
  modify(fd: number, mask: number): void {
    this.masks[fd] = mask;
  }
  remove(fd: number): void {
    if (!this.watched.delete(fd)) return;
    this.masks[fd] = 0;
    if (fd === this.maxFd) while (this.maxFd >= 0 && this.masks[this.maxFd] === 0 && !this.watched.has(this.maxFd)) this.maxFd--;
  }
  wait(timeoutMs: number): number {
    const { readSet, writeSet, masks, ready } = this;
    ready.count = 0;
    readSet.clear();
    writeSet.clear();
    for (const fd of this.watched) {
      if (masks[fd] & READABLE) readSet.add(fd);
      if (masks[fd] & WRITABLE) writeSet.add(fd);
    }
    const n = sys.select(this.maxFd + 1, readSet, writeSet, timeoutMs);
    if (n <= 0) return 0;
    for (const fd of this.watched) {
      const mask = (readSet.has(fd) ? READABLE : 0) | (writeSet.has(fd) ? WRITABLE : 0);
      if (mask !== 0) ready.push(fd, mask);
    }
    return ready.count;
  }
}
