// Where request bodies are kept while they arrive, and how much memory they
// may take in all.
//
// A body is one growing buffer, never a list of small pieces: 10 million
// one-byte chunks cost one buffer of 10 MB, not ten million Buffers of ~135
// bytes each. Its capacity doubles as it fills (O(n) copying in all), and a
// Content-Length body gets exactly its size at once.
//
// Every buffer's capacity is reserved from a BodyBudget shared by all the
// connections of a worker (and by all threads of a process, through a
// SharedArrayBuffer): beyond --max-body-memory, a new body is refused with
// 503 instead of growing the heap until it breaks.

/** The bytes all request bodies of a process may hold at once. Counted in KiB, atomically (threads share it). */
export class BodyBudget {
  private readonly kib: Int32Array;

  constructor(
    readonly limitBytes: number,
    /** A SharedArrayBuffer to share the count with worker threads; by default this thread's own. */
    memory: ArrayBufferLike = new ArrayBuffer(4),
  ) {
    this.kib = new Int32Array(memory, 0, 1);
  }

  /** The counter's memory (a SharedArrayBuffer when it is shared with worker threads). */
  get memory(): ArrayBufferLike {
    return this.kib.buffer;
  }

  /** Bytes reserved now, over every holder. */
  get heldBytes(): number {
    return Atomics.load(this.kib, 0) * 1024;
  }

  /** Take `bytes` from the budget; false (and nothing taken) when it would go over the limit. */
  reserve(bytes: number): boolean {
    const k = Math.ceil(bytes / 1024);
    if (k === 0) return true;
    const after = Atomics.add(this.kib, 0, k) + k;
    if (after * 1024 > this.limitBytes) {
      Atomics.sub(this.kib, 0, k);
      return false;
    }
    return true;
  }

  release(bytes: number): void {
    const k = Math.ceil(bytes / 1024);
    if (k > 0) Atomics.sub(this.kib, 0, k);
  }
}

const FIRST_CAPACITY = 16 * 1024;

/** One request body as it arrives: a growing buffer whose capacity is reserved from the budget. */
export class BodyBuffer {
  private bytes: Buffer | null = null;
  /** Bytes stored so far. */
  length = 0;
  /** Capacity reserved from the budget (given back by release()). */
  reserved = 0;

  constructor(
    private readonly budget: BodyBudget,
    /** The final size when known (Content-Length), else 0. */
    private readonly exact = 0,
    /** The most it may ever hold (a chunked body: --max-body): no reservation beyond it. */
    private readonly most = Infinity,
  ) {}

  /** Reserve what the first bytes need; false when the budget is exhausted. */
  start(): boolean {
    const capacity = this.exact > 0 ? this.exact : 0;
    if (capacity === 0) return true;
    return this.grow(capacity);
  }

  /** Copy src[from, to) to the end; false when more room was needed and the budget refused it. */
  append(src: Uint8Array, from: number, to: number): boolean {
    const n = to - from;
    if (n <= 0) return true;
    const need = this.length + n;
    if (this.bytes === null || need > this.bytes.length) {
      let capacity = this.bytes === null ? Math.max(FIRST_CAPACITY, n) : this.bytes.length * 2;
      while (capacity < need) capacity *= 2;
      // (Else a small --max-body would make a body's first byte a 503 rather than its excess a 413.)
      capacity = Math.max(need, Math.min(capacity, this.most));
      if (!this.grow(capacity)) return false;
    }
    this.bytes!.set(src.subarray(from, to), this.length);
    this.length = need;
    return true;
  }

  /** The body received: exactly `length` bytes (a view of the buffer, no copy). */
  take(): Buffer {
    return this.bytes === null ? EMPTY : this.bytes.subarray(0, this.length);
  }

  /** Give the reservation back (the request is answered, or the connection gone). Idempotent. */
  release(): void {
    this.budget.release(this.reserved);
    this.reserved = 0;
  }

  private grow(capacity: number): boolean {
    capacity = Math.ceil(capacity / 1024) * 1024; // whole KiB: what is reserved is exactly what is released
    if (!this.budget.reserve(capacity - this.reserved)) return false;
    const bigger = Buffer.allocUnsafe(capacity);
    if (this.bytes !== null) this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
    this.reserved = capacity;
    return true;
  }
}

const EMPTY = Buffer.alloc(0);
