// Per-worker counters in shared memory — the scoreboard of Apache's
// mod_status — read by the status page and the benchmark lab. One row of
// Float64 cells per worker slot (the loop, each process, each thread); a
// worker only ever writes its own row, with plain stores (no locks on the
// hot path); readers sum the rows. The same layout is backed by a
// SharedArrayBuffer when the workers are threads of one process, and by a
// shared memory mapping when they are processes. A worker that replaces a
// dead one in the same slot carries on counting in its row, so totals
// survive restarts.
//
// A row is the cells of Cell, then three regions:
//   history   HISTORY_SECONDS one-second buckets of completed requests (the
//             epoch second each holds, and its count), written by finish():
//             requests/s over the last 1, 10, 60 s work in every model, also
//             where no timer runs while a thread waits in recv();
//   syscalls  this worker thread's system-call counters, one per SYSCALLS
//             entry (sys/ counts straight into them: countSyscallsInto);
//   record    only with a status page (`record`): the worker's latest calls
//             (sys.recordSyscallsInto), from which the page draws the system
//             calls of its most recent request.

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
  /** Event loop: connections closing (lingering after our FIN). */
  OpenClosing,
  /** The most recent request's calls in the record: sequence numbers [TraceFrom, TraceTo), its connection's descriptor, Date.now() at its end. */
  TraceFrom,
  TraceTo,
  TraceFd,
  TraceAt,
  /** Per-connection models: the master's calls (in slot 0's record) that accepted this worker's connection and started the worker. */
  MasterFrom,
  MasterTo,
  /** …and where this worker's own record stood then: a request traced from there on is that connection's. */
  MasterFor,
  /** The master's part of the most recent traced request (copied from MasterFrom/MasterTo when its connection was the one handed over), else 0, 0. */
  TraceMasterFrom,
  TraceMasterTo,
  /** Slot 0 only: until this Date.now(), somebody watches the status page: workers record their calls. */
  WatchUntil,
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
  | { readonly kind: 'shared'; readonly slots: number; readonly buffer: SharedArrayBuffer; readonly record?: boolean }
  | { readonly kind: 'memfd'; readonly slots: number; readonly fd: number; readonly record?: boolean }
  | { readonly kind: 'private'; readonly slots: number; readonly record?: boolean };

/** Seconds of request history per row (a minute and some: the current second is still counting). */
export const HISTORY_SECONDS = 64;
/** Calls in each row's record ring (see sys.recordSyscallsInto): a request of a blocking worker takes ~10, a busy event-loop turn a few hundred. */
export const RECORD_RING = 256;

const HISTORY_AT = Cell.COUNT;
const SYSCALLS_AT = HISTORY_AT + 2 * HISTORY_SECONDS;
const RECORD_AT = SYSCALLS_AT + sys.SYSCALLS.length;

/** Cells in a 64-byte cache line. */
const LINE_CELLS = 8;

/**
 * Cells per row: with or without the record region (a reader from outside
 * needs it: /proc/<pid>/fd/<memfd>). Rounded up to whole cache lines, so no
 * two workers write the same line (the counters of one would otherwise
 * bounce between the cores of both: false sharing).
 */
export function strideOf(record: boolean): number {
  const cells = RECORD_AT + (record ? sys.recordCells(RECORD_RING) : 0);
  return Math.ceil(cells / LINE_CELLS) * LINE_CELLS;
}

export class Scoreboard {
  readonly cells: Float64Array;
  readonly handle: ScoreboardHandle;
  /** Cells per row. */
  readonly stride: number;
  /** Whether rows have a record region (a status page is on). */
  readonly record: boolean;

  /** Over existing memory; see create() and attach(). */
  constructor(
    readonly slots: number,
    buffer: ArrayBufferLike | null = null,
    handle?: ScoreboardHandle,
    record = handle?.record ?? false,
  ) {
    this.record = record;
    this.stride = strideOf(record);
    buffer ??= new SharedArrayBuffer(slots * this.stride * 8);
    this.cells = new Float64Array(buffer, 0, slots * this.stride);
    this.handle = handle ?? (buffer instanceof SharedArrayBuffer ? { kind: 'shared', slots, buffer, record } : { kind: 'private', slots, record });
  }

  /**
   * A new, empty scoreboard: every cell 0, but no descriptor (0 would be stdin).
   * With `processes`, in shared memory that worker processes can map (memfd);
   * otherwise in a SharedArrayBuffer (this process and its threads). With
   * `record`, each row has room for its worker's latest system calls.
   */
  static create(slots: number, { processes = false, record = false }: { processes?: boolean; record?: boolean } = {}): Scoreboard {
    let board: Scoreboard;
    if (processes) {
      const memory = sys.createSharedMemory(bytesFor(slots, record), 'fourfold-scoreboard');
      board = new Scoreboard(slots, memory.bytes, { kind: 'memfd', slots, fd: memory.fd, record }, record);
    } else board = new Scoreboard(slots, null, undefined, record);
    for (let s = 0; s < slots; s++) board.cells[s * board.stride + Cell.ConnFd] = -1;
    return board;
  }

  /** The scoreboard a worker was handed. */
  static attach(handle: ScoreboardHandle): Scoreboard {
    const record = handle.record ?? false;
    if (handle.kind === 'shared') return new Scoreboard(handle.slots, handle.buffer, undefined, record);
    if (handle.kind === 'memfd') return new Scoreboard(handle.slots, sys.mapSharedMemory(handle.fd, bytesFor(handle.slots, record)), handle);
    return Scoreboard.create(handle.slots, { record }); // private: this worker counts for itself only
  }

  /** The row of one worker: index with Cell.* (row[Cell.Requests]++); its regions follow (see the top). */
  row(slot: number): Float64Array {
    if (!(slot >= 0 && slot < this.slots)) throw new RangeError(`scoreboard slot ${slot} out of 0..${this.slots - 1}`);
    return this.cells.subarray(slot * this.stride, (slot + 1) * this.stride);
  }

  /** A row's system-call counters, indexed like sys.SYSCALLS. */
  syscalls(slot: number): Float64Array {
    return this.row(slot).subarray(SYSCALLS_AT, SYSCALLS_AT + sys.SYSCALLS.length);
  }

  /** A row's record of its worker's latest calls (see sys.readRecord), or null without a status page. */
  recordOf(slot: number): Float64Array | null {
    return this.record ? this.row(slot).subarray(RECORD_AT, RECORD_AT + sys.recordCells(RECORD_RING)) : null;
  }

  /** Sum of one cell over all rows. */
  total(cell: Cell): number {
    let sum = 0;
    for (let s = 0; s < this.slots; s++) sum += this.cells[s * this.stride + cell];
    return sum;
  }

  /** From now on this thread's system calls are counted in this slot's row (they were counted elsewhere before). */
  countSyscallsHere(slot: number): void {
    sys.countSyscallsInto(this.syscalls(slot));
  }
}

function bytesFor(slots: number, record: boolean): number {
  return slots * strideOf(record) * 8;
}

/** Count one completed request in its second (finish() does, with the clock it read anyway): plain stores. */
export function countSecond(row: Float64Array, now: number): void {
  const second = Math.floor(now / 1000);
  const at = HISTORY_AT + 2 * (second % HISTORY_SECONDS);
  if (row[at] !== second) {
    row[at + 1] = 0;
    row[at] = second;
  }
  row[at + 1]++;
}

/** Requests a row completed in one epoch second (0 when that second has left the history). */
export function requestsInSecond(row: Float64Array, second: number): number {
  const at = HISTORY_AT + 2 * (second % HISTORY_SECONDS);
  return row[at] === second ? row[at + 1]! : 0;
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
  row[Cell.OpenClosing] = 0;
  row[Cell.ConnFd] = -1;
  row[Cell.State] = WorkerState.Stopped;
}

/** Count a response in its status class. */
export function countStatus(row: Float64Array, status: number): void {
  const cls = (status / 100) | 0;
  if (cls >= 1 && cls <= 5) row[Cell.Status1xx + cls - 1]++;
}
