// The epoll backend (cf. Redis ae_epoll.c): descriptors are registered with
// the kernel once; epoll_wait returns only the ready ones, so a wait costs
// O(ready), not O(watched). The default on Linux.
import * as sys from '../../../sys/index.js';
import { READABLE, WRITABLE, FAILED, type Poller } from './poller.js';

const { EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP } = sys.platform;

function toEpoll(mask: number): number {
  return (mask & READABLE ? EPOLLIN : 0) | (mask & WRITABLE ? EPOLLOUT : 0);
}

export class EpollPoller implements Poller {
  readonly name = 'epoll';
  readonly fdLimit = Infinity;
  private readonly epfd = sys.epollCreate();
  private readonly events = new sys.EpollEvents(1024);

  add(fd: number, mask: number): void {
    sys.epollCtl(this.epfd, 'add', fd, toEpoll(mask));
  }
  modify(fd: number, mask: number): void {
    sys.epollCtl(this.epfd, 'mod', fd, toEpoll(mask));
  }
  remove(fd: number): void {
    sys.epollCtl(this.epfd, 'del', fd, 0);
  }
  closing(): void {
    // The kernel removes a descriptor from every epoll set when its last copy is closed.
  }
  wait(timeoutMs: number): number {
    return sys.epollWait(this.epfd, this.events, timeoutMs);
  }
  readyFd(i: number): number {
    return this.events.fd(i);
  }
  readyMask(i: number): number {
    const e = this.events.events(i);
    if (e & (EPOLLERR | EPOLLHUP)) return READABLE | WRITABLE | FAILED;
    return (e & EPOLLIN ? READABLE : 0) | (e & EPOLLOUT ? WRITABLE : 0);
  }
  close(): void {
    sys.close(this.epfd);
  }
}
