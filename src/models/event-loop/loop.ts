// The event loop itself, in the manner of Redis's ae: "an infinite loop that
// constantly checks (polls) if data is returned from IO". It knows nothing
// of HTTP. Handlers register a descriptor with a mask (READABLE | WRITABLE);
// each turn the loop asks the poller which descriptors are ready and calls
// each one's processEvent(), which must not block. Timeouts are lists of
// equal durations (timeouts.ts), expired once per turn.
//
// How it lives inside Node. Node has an event loop of its own (libuv), which
// runs timers, promises, fs and fetch for the handlers. We keep our loop the
// one that waits — that is the point of the model — and make Node's loop one
// more descriptor in our set: libuv's backend descriptor (its own epoll fd)
// is readable whenever Node has I/O or a signal to process. Each turn waits on
//
//     our sockets + Node's backend fd,  for at most our next timeout
//
// and when Node has work we yield one turn to it (setImmediate), then wait
// again. The same scheme serves all three pollers (epoll, poll and select can
// all watch an epoll fd) and the process sleeps in the kernel when idle.
// Node's *timers* are not descriptors, and libuv cannot tell us their next
// deadline from where we run (uv_backend_timeout() answers 0 inside a
// setImmediate callback), so the wait is capped: 2 ms while a handler's
// promise is pending (its timers fire at most that late), 100 ms otherwise
// (ten cheap wake-ups a second when idle). The alternative for epoll alone —
// a uv_poll on our epoll fd (sys/uv.ts), so Node's loop waits and calls us —
// would make Node the loop and ours a callback, the opposite of the model.
import * as sys from '../../sys/index.js';
import { yieldToNode } from '../yield.js';
import { TimeoutList } from './timeouts.js';
import { READABLE, type Poller } from './pollers/index.js';

/** A registered descriptor (ae's aeFileEvent): the loop calls processEvent when the poller reports it ready. */
export interface FileEvent {
  readonly fd: number;
  /** Handle readiness (READABLE | WRITABLE | FAILED bits). Must not block. */
  processEvent(mask: number): void;
}

const ASYNC_WAIT_CAP_MS = 2;
const IDLE_WAIT_CAP_MS = 100;

export class EventLoop {
  /** Date.now() of this turn (one clock read per turn, not per event). */
  now = Date.now();
  /** Turns so far. */
  turn = 0;
  private readonly handlers: (FileEvent | undefined)[] = [];
  private readonly masks: number[] = [];
  private readonly lists: TimeoutList[] = [];
  private readonly beforeSleep: (() => void)[] = [];
  private pendingAsync = 0;
  private nodeHasWork = false;
  private stopped = false;

  constructor(readonly poller: Poller) {
    // Node's own loop, as one more descriptor: see the comment above.
    const node: FileEvent = { fd: sys.uvBackendFd(), processEvent: () => (this.nodeHasWork = true) };
    this.watch(node, READABLE);
  }

  /** Start watching `h.fd` for `mask`, or change what it is watched for (0: only errors and hang-ups). */
  watch(h: FileEvent, mask: number): void {
    const fd = h.fd;
    if (this.handlers[fd] === undefined) {
      this.poller.add(fd, mask);
      this.handlers[fd] = h;
    } else if (this.masks[fd] !== mask) {
      this.poller.modify(fd, mask); // only when it changes: each change is a syscall (epoll_ctl)
    }
    this.masks[fd] = mask;
  }

  /** Stop watching `h.fd` (before it is closed). */
  unwatch(h: FileEvent): void {
    const fd = h.fd;
    if (this.handlers[fd] !== h) return;
    this.handlers[fd] = undefined;
    this.poller.remove(fd);
  }

  /**
   * `h.fd` is about to be closed: forget it. The poller is told only when it
   * must be (epoll drops a closed descriptor from its set by itself: no
   * epoll_ctl DEL per connection).
   */
  forget(h: FileEvent): void {
    const fd = h.fd;
    if (this.handlers[fd] !== h) return;
    this.handlers[fd] = undefined;
    this.poller.closing(fd);
  }

  /** A list of timeouts that all last `durationMs`, expired by this loop. */
  timeouts(name: string, durationMs: number): TimeoutList {
    const list = new TimeoutList(name, durationMs);
    this.lists.push(list);
    return list;
  }

  /** Run `fn` every turn, before the loop goes to sleep in the poller. */
  onBeforeSleep(fn: () => void): void {
    this.beforeSleep.push(fn);
  }

  /** Async work (a handler's promise, a streamed body) is in flight: Node must get a turn every turn until done(). */
  hold(): void {
    this.pendingAsync++;
  }
  done(): void {
    this.pendingAsync--;
  }

  /** Leave run() after this turn. */
  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    const { poller, lists } = this;
    while (!this.stopped) {
      this.turn++;
      this.now = Date.now();
      for (const list of lists) list.expire(this.now);
      for (const fn of this.beforeSleep) fn();
      if (this.stopped) break;

      // How long may we sleep? Until our next timeout, capped (Node's timers are invisible to us).
      let next = Infinity;
      for (const list of lists) if (list.next < next) next = list.next;
      const cap = this.pendingAsync > 0 ? ASYNC_WAIT_CAP_MS : IDLE_WAIT_CAP_MS;
      const timeout = next === Infinity ? cap : Math.min(cap, Math.max(0, next - this.now));

      const n = poller.wait(timeout);
      this.now = Date.now();
      this.nodeHasWork = n === 0; // the cap ran out: maybe one of Node's timers is due
      for (let i = 0; i < n; i++) this.handlers[poller.readyFd(i)]?.processEvent(poller.readyMask(i));
      if (this.nodeHasWork || this.pendingAsync > 0) await yieldToNode();
    }
  }

  close(): void {
    this.poller.close();
  }
}
