// Per-worker counters in shared memory — the scoreboard of Apache's
// mod_status — read by the status page and the benchmark lab. One row of
// Float64 cells per worker slot (the loop, each process, each thread); a
// worker only ever writes its own row, with plain stores (no locks on the
// hot path); readers sum the rows. The same layout is backed by a
// SharedArrayBuffer when the workers are threads of one process, and by a
// shared memory mapping when they are processes. A worker that replaces a
// dead one in the same slot carries on counting in its row, so totals
// survive restarts.

import * as sys from '../sys/index.js';

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

/**
 * How a worker finds the scoreboard its master made: plain data (see handoff.ts).
 *  - shared: a SharedArrayBuffer, for worker threads (structured clone shares it);
 *  - memfd: shared memory known by a descriptor (memfd_create + mmap), for
 *    worker processes: the child gets the descriptor as an extra stdio slot
 *    (spawn.ts renumbers `fd`) and maps the same pages;
 *  - private: the worker counts in memory of its own, which nobody else sees.
 */
export type ScoreboardHandle =
  | { readonly kind: 'shared'; readonly slots: number; readonly buffer: SharedArrayBuffer }
  | { readonly kind: 'memfd'; readonly slots: number; readonly fd: number }
  | { readonly kind: 'private'; readonly slots: number };

export class Scoreboard {
  readonly cells: Float64Array;
  readonly handle: ScoreboardHandle;

  /** Over existing memory; see create() and attach(). */
  constructor(
    readonly slots: number,
    buffer: ArrayBufferLike = new SharedArrayBuffer(slots * Cell.COUNT * 8),
    handle?: ScoreboardHandle,
  ) {
    this.cells = new Float64Array(buffer, 0, slots * Cell.COUNT);
    this.handle = handle ?? (buffer instanceof SharedArrayBuffer ? { kind: 'shared', slots, buffer } : { kind: 'private', slots });
  }

  /**
   * A new, empty scoreboard: every cell 0, but no descriptor (0 would be stdin).
   * With `processes`, in shared memory that worker processes can map (memfd);
   * otherwise in a SharedArrayBuffer (this process and its threads).
   */
  static create(slots: number, { processes = false }: { processes?: boolean } = {}): Scoreboard {
    let board: Scoreboard;
    if (processes) {
      const memory = sys.createSharedMemory(bytesFor(slots), 'fourfold-scoreboard');
      board = new Scoreboard(slots, memory.bytes, { kind: 'memfd', slots, fd: memory.fd });
    } else board = new Scoreboard(slots);
    for (let s = 0; s < slots; s++) board.cells[s * Cell.COUNT + Cell.ConnFd] = -1;
    return board;
  }

  /** The scoreboard a worker was handed. */
  static attach(handle: ScoreboardHandle): Scoreboard {
    if (handle.kind === 'shared') return new Scoreboard(handle.slots, handle.buffer);
    if (handle.kind === 'memfd') return new Scoreboard(handle.slots, sys.mapSharedMemory(handle.fd, bytesFor(handle.slots)), handle);
    return Scoreboard.create(handle.slots); // private: this worker counts for itself only
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

function bytesFor(slots: number): number {
  return slots * Cell.COUNT * 8;
}

/**
 * A worker that is gone cannot close its connections in the books: the
 * master clears its row's open-connection cells (the totals it counted stay).
 */
export function forgetConnections(row: Float64Array): void {
  row[Cell.Open] = 0;
  row[Cell.OpenReading] = 0;
  row[Cell.OpenHandling] = 0;
  row[Cell.OpenWriting] = 0;
  row[Cell.OpenKeepAlive] = 0;
  row[Cell.ConnFd] = -1;
  row[Cell.State] = WorkerState.Stopped;
}

/** Count a response in its status class. */
export function countStatus(row: Float64Array, status: number): void {
  const cls = (status / 100) | 0;
  if (cls >= 1 && cls <= 5) row[Cell.Status1xx + cls - 1]++;
}
