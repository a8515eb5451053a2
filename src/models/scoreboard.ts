// Per-worker counters in shared memory — the scoreboard of Apache's
// mod_status — read by the status page and the benchmark lab. One row of
// Float64 cells per worker slot (the loop, each process, each thread); a
// worker only ever writes its own row, with plain stores (no locks on the
// hot path); readers sum the rows. The same layout is backed by a
// SharedArrayBuffer when the workers are threads of one process, and by a
// shared memory mapping when they are processes. A worker that replaces a
// dead one in the same slot carries on counting in its row, so totals
// survive restarts.

export const enum Cell {
  /** What the worker is doing now: see WorkerState. */
  State,
  Pid,
  ThreadId,
  /** Date.now() when the worker started. */
  StartedAt,
  /** Connections accepted (or handed to this worker). */
  Connections,
  Requests,
  BytesIn,
  BytesOut,
  /** Responses with status ≥ 500 plus requests refused by http/ (malformed, too large…). */
  Errors,
  Status1xx,
  Status2xx,
  Status3xx,
  Status4xx,
  Status5xx,
  /** Connections open now, and how many of them are in each state. */
  Open,
  OpenReading,
  OpenHandling,
  OpenWriting,
  OpenKeepAlive,
  /** Date.now() of the last response completed. */
  LastRequestAt,
  /** Blocking workers: the descriptor of the connection being served, else -1. */
  ConnFd,
  COUNT,
}

export const enum WorkerState {
  Starting,
  Idle,
  Accepting,
  Reading,
  Handling,
  Writing,
  KeepAlive,
  Closing,
  Stopped,
}

export const STATE_NAMES = ['starting', 'idle', 'accepting', 'reading', 'handling', 'writing', 'keep-alive', 'closing', 'stopped'] as const;

/** How a worker finds the scoreboard its master made: plain data (see handoff.ts). */
export type ScoreboardHandle =
  | { readonly kind: 'shared'; readonly slots: number; readonly buffer: SharedArrayBuffer }
  | { readonly kind: 'private'; readonly slots: number };

export class Scoreboard {
  readonly cells: Float64Array;
  readonly handle: ScoreboardHandle;

  /** Over existing memory; see create() and attach(). */
  constructor(
    readonly slots: number,
    buffer: ArrayBufferLike = new SharedArrayBuffer(slots * Cell.COUNT * 8),
  ) {
    this.cells = new Float64Array(buffer, 0, slots * Cell.COUNT);
    this.handle = buffer instanceof SharedArrayBuffer ? { kind: 'shared', slots, buffer } : { kind: 'private', slots };
  }

  /** A new, empty scoreboard: every cell 0, but no descriptor (0 would be stdin). */
  static create(slots: number): Scoreboard {
    const board = new Scoreboard(slots);
    for (let s = 0; s < slots; s++) board.cells[s * Cell.COUNT + Cell.ConnFd] = -1;
    return board;
  }

  /** The scoreboard a worker was handed. */
  static attach(handle: ScoreboardHandle): Scoreboard {
    if (handle.kind === 'shared') return new Scoreboard(handle.slots, handle.buffer);
    const board = Scoreboard.create(handle.slots); // private: this worker counts for itself only
    return board;
  }

  /** The row of one worker: index with Cell.* (row[Cell.Requests]++). */
  row(slot: number): Float64Array {
    if (!(slot >= 0 && slot < this.slots)) throw new RangeError(`scoreboard slot ${slot} out of 0..${this.slots - 1}`);
    return this.cells.subarray(slot * Cell.COUNT, (slot + 1) * Cell.COUNT);
  }

  /** Sum of one cell over all rows. */
  total(cell: Cell): number {
    let sum = 0;
    for (let s = 0; s < this.slots; s++) sum += this.cells[s * Cell.COUNT + cell];
    return sum;
  }
}

/** Count a response in its status class. */
export function countStatus(row: Float64Array, status: number): void {
  const cls = (status / 100) | 0;
  if (cls >= 1 && cls <= 5) row[Cell.Status1xx + cls - 1]++;
}
