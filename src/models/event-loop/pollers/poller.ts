// The poller interface, after Redis's ae: a reactor needs only four things
// from the kernel's readiness API — watch a descriptor, change what we watch
// for, stop watching, and wait. One file per backend implements them.

export const READABLE = 1;
export const WRITABLE = 2;
/** Error or hang-up on the descriptor (always reported, whatever was asked for). */
export const FAILED = 4;

export interface Poller {
  readonly name: string;
  /** Descriptors must be below this (select's FD_SETSIZE), else Infinity. */
  readonly fdLimit: number;
  add(fd: number, mask: number): void;
  modify(fd: number, mask: number): void;
  remove(fd: number): void;
  /** `fd` is about to be closed: stop watching it (for epoll, close() itself does that: nothing to do). */
  closing(fd: number): void;
  /**
   * Block until something is ready or timeoutMs passes (-1: no limit).
   * Returns how many ready entries readyFd()/readyMask() now describe.
   * Errors and hang-ups are reported as READABLE|WRITABLE|FAILED so the
   * next recv()/send() meets them.
   */
  wait(timeoutMs: number): number;
  readyFd(i: number): number;
  readyMask(i: number): number;
  close(): void;
}

/**
 * The O(n) pollers (poll, select) scan their whole set after each wait and
 * collect the ready descriptors here; readyFd/readyMask read it back.
 */
export abstract class ScanningPoller implements Poller {
  abstract readonly name: string;
  abstract readonly fdLimit: number;
  abstract add(fd: number, mask: number): void;
  abstract modify(fd: number, mask: number): void;
  abstract remove(fd: number): void;
  abstract wait(timeoutMs: number): number;
  closing(fd: number): void {
    this.remove(fd); // a user-space set: nothing for the kernel to forget
  }
  protected readonly ready = new ReadyList();
  readyFd(i: number): number {
    return this.ready.fds[i];
  }
  readyMask(i: number): number {
    return this.ready.masks[i];
  }
  close(): void {}
}

/** A growable list of ready (fd, mask) pairs. */
export class ReadyList {
  fds = new Int32Array(256);
  masks = new Uint8Array(256);
  count = 0;
  push(fd: number, mask: number): void {
    if (this.count === this.fds.length) {
      const fds = new Int32Array(this.count * 2);
      fds.set(this.fds);
      const masks = new Uint8Array(this.count * 2);
      masks.set(this.masks);
      this.fds = fds;
      this.masks = masks;
    }
    this.fds[this.count] = fd;
    this.masks[this.count++] = mask;
  }
}
