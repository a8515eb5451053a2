// Per-worker counters in shared memory: the scoreboard that the status page,
// the benchmark lab and the syscall trace read. One row of Float64 cells per
// worker slot; a model only ever writes its own row (plain stores, no locks),
// readers sum rows. A SharedArrayBuffer spans worker threads; process models
// will back the same layout with a shared memory mapping.

export const enum Cell {
  /** What the worker is doing now: see WorkerState. */
  State,
  Pid,
  ThreadId,
  Connections,
  Requests,
  BytesIn,
  BytesOut,
  /** Responses with status ≥ 500 plus protocol errors (4xx from http/). */
  Errors,
  ActiveConnections,
  /** Date.now() of the last request completed. */
  LastRequestAt,
  COUNT,
}

export const enum WorkerState {
  Idle,
  Accepting,
  Reading,
  Handling,
  Writing,
  Closing,
  Stopped,
}

export const STATE_NAMES = ['idle', 'accepting', 'reading', 'handling', 'writing', 'closing', 'stopped'];

export class Scoreboard {
  readonly cells: Float64Array;
  constructor(
    readonly slots: number,
    readonly buffer: SharedArrayBuffer | ArrayBuffer = new SharedArrayBuffer(slots * Cell.COUNT * 8),
  ) {
    this.cells = new Float64Array(buffer, 0, slots * Cell.COUNT);
  }

  /** The row of one worker: index with Cell.* (row[Cell.Requests]++). */
  row(slot: number): Float64Array {
    return this.cells.subarray(slot * Cell.COUNT, (slot + 1) * Cell.COUNT);
  }

  /** Sum of one cell over all rows. */
  total(cell: Cell): number {
    let sum = 0;
    for (let s = 0; s < this.slots; s++) sum += this.cells[s * Cell.COUNT + cell];
    return sum;
  }
}
