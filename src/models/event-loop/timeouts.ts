// Timeouts for thousands of connections at O(1) each. Every timeout of one
// kind has the same duration, so deadlines are appended in time order: a
// doubly linked list per kind is already sorted. Scheduling appends at the
// tail, cancelling unlinks, expiry pops from the head — the trick of Node's
// own timers (one list per duration) without a heap.

export interface Timed {
  deadline: number;
  timerPrev: Timed | null;
  timerNext: Timed | null;
  timerList: TimeoutList | null;
  /** Called when the deadline passes. */
  onTimeout(list: TimeoutList): void;
}

export class TimeoutList {
  private head: Timed | null = null;
  private tail: Timed | null = null;

  constructor(
    readonly name: string,
    readonly durationMs: number,
  ) {}

  /** (Re)start `item`'s clock on this list; it leaves whatever list it was on. */
  schedule(item: Timed, now: number): void {
    if (item.timerList !== null) item.timerList.cancel(item);
    item.deadline = now + this.durationMs;
    item.timerList = this;
    item.timerPrev = this.tail;
    item.timerNext = null;
    if (this.tail !== null) this.tail.timerNext = item;
    else this.head = item;
    this.tail = item;
  }

  cancel(item: Timed): void {
    if (item.timerList !== this) return;
    if (item.timerPrev !== null) item.timerPrev.timerNext = item.timerNext;
    else this.head = item.timerNext;
    if (item.timerNext !== null) item.timerNext.timerPrev = item.timerPrev;
    else this.tail = item.timerPrev;
    item.timerPrev = item.timerNext = null;
    item.timerList = null;
  }

  /** Earliest deadline on the list, or Infinity. */
  get next(): number {
    return this.head === null ? Infinity : this.head.deadline;
  }

  /** Fire every item whose deadline is ≤ now. */
  expire(now: number): void {
    while (this.head !== null && this.head.deadline <= now) {
      const item = this.head;
      this.cancel(item);
      item.onTimeout(this);
    }
  }
}
