// --trace-syscalls: one strace-like line for every system call sys/ makes,
//
//   [4242:4242] accept4(3, SOCK_CLOEXEC|SOCK_NONBLOCK) = 7 <4.1µs>
//   [4242:4242] recv(7, 65536, 0) = -1 EAGAIN <0.6µs>
//
// — [pid:thread id] call(arguments) = result, errno name on failure, and how
// long the call took. It shows what a server really asks of the kernel.
//
// enableSyscallTrace() turns it on for this thread; FOURFOLD_TRACE_SYSCALLS=1
// in the environment turns it on at load, and since worker threads and child
// processes inherit the environment, for a whole process tree at once.
// onSyscall(listener) hands the same facts to a function instead.
//
// recordSyscallsInto(cells) is the cheap form, for a status page that draws
// the calls of a worker's latest request: each call leaves three numbers in
// a ring of cells (a row of the shared scoreboard) — which call, its
// descriptor, its result — with plain stores, no text, no clock.
//
// Off, the `kernel` table holds the plain counted calls (syscalls.ts): the
// hot path pays nothing for tracing being possible.

import fs from 'node:fs';
import { errnoName } from './errors.js';
import { errno, setErrno } from './ffi.js';
import { threadId } from './process.js';
import { type Syscall, type Wrap, SYSCALLS, wrapSyscalls } from './syscalls.js';
import { describeArgs, describeResult } from './trace-format.js';

/** One system call, as a listener of onSyscall sees it. */
export interface SyscallEvent {
  name: Syscall;
  /** The arguments as a trace line shows them: '7, 65536, 0'. */
  args: string;
  /** What the C function returned (-1 on failure). */
  result: number;
  /** errno after a failure, else 0; and its name ('EAGAIN'), else ''. */
  errno: number;
  code: string;
  /** Duration in microseconds. */
  us: number;
}

let write: ((line: string) => void) | null = null;
let listener: ((event: SyscallEvent) => void) | null = null;
let prefix = '';
let reporting = false;

/**
 * From now on write one line per system call of this thread to `writeLine`
 * (default: straight to file descriptor 2 with fs.writeSync — not through
 * sys/, so the trace never traces itself).
 */
export function enableSyscallTrace(writeLine: (line: string) => void = toStderr): void {
  prefix = `[${process.pid}:${threadId()}] `;
  write = writeLine;
  install();
}

export function disableSyscallTrace(): void {
  write = null;
  install();
}

/** Call `callback` after every system call of this thread (null: stop). */
export function onSyscall(callback: ((event: SyscallEvent) => void) | null): void {
  listener = callback;
  install();
}

function install(): void {
  wrapSyscalls(write !== null || listener !== null ? traced : record !== null ? recording : null);
}

const traced: Wrap = (name, call) => {
  const id = SYSCALLS.indexOf(name);
  const fdAt = FD_ARGUMENT[name];
  return ((...args: never[]) => {
    const text = describeArgs(name, args); // before: pointers may lead to structs the kernel overwrites
    const start = performance.now();
    const result = call(...args);
    const failed = result < 0 ? errno() : 0; // first, before anything else can change errno
    const us = (performance.now() - start) * 1000;
    if (record !== null) put(id, fdAt < 0 ? -1 : (args[fdAt] as number), failed !== 0 ? -failed : result);
    if (!reporting) report(name, text, result, failed, us);
    if (failed !== 0) setErrno(failed); // the caller reads errno next; our writes may have changed it
    return result;
  }) as typeof call;
};

function report(name: Syscall, args: string, result: number, failed: number, us: number): void {
  reporting = true; // a listener that calls into sys/ is not reported on again (no recursion)
  try {
    const code = failed !== 0 ? errnoName(failed) : '';
    if (write !== null) write(`${prefix}${name}(${args}) = ${describeResult(name, result, code || null)} <${micros(us)}µs>`);
    if (listener !== null) listener({ name, args, result, errno: failed, code, us });
  } catch (error) {
    // Not into the middle of a syscall wrapper: surface it as an ordinary uncaught exception.
    process.nextTick(rethrow, error);
  } finally {
    reporting = false;
  }
}

function rethrow(error: unknown): never {
  throw error;
}

function micros(us: number): string {
  return us < 10 ? us.toFixed(1) : String(Math.round(us));
}

function toStderr(line: string): void {
  const bytes = Buffer.from(line + '\n');
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(2, bytes, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error; // a non-blocking stderr that is full: retry
    }
  }
}

// --- the record: the latest calls, as numbers in shared memory ----------------
//
//   cells[0]                      how many calls were recorded so far (the sequence number of the next)
//   cells[1 …]                    the first RECORD_FIRST calls, kept (a worker's set-up: socket, bind, listen…)
//   cells[1 + 3 × RECORD_FIRST …] a ring of the latest calls: call n is at (n mod ring size)
//
// Each call is three cells: its index in SYSCALLS (or NOTE_BASE + a note's
// code: an event that is not a system call of ours, such as "a worker was
// started"), its descriptor argument (-1 when it has none), and its result
// (-errno when it failed). The writer is this thread alone; a reader in
// another thread or process copies what it wants and checks the sequence
// number to know which entries were overwritten meanwhile.

/** How many of a recording thread's first calls are kept apart from the ring. */
export const RECORD_FIRST = 16;
/** Entry codes from here on are notes, not system calls. */
export const NOTE_BASE = 1000;
const ENTRY = 3;
const RING_AT = 1 + ENTRY * RECORD_FIRST;

/** Cells a record with a ring of `ring` calls takes. */
export function recordCells(ring: number): number {
  return RING_AT + ENTRY * ring;
}

/** Which argument is the descriptor a call is about (-1: none). epoll_ctl's is the watched one, not the epoll instance. */
const FD_ARGUMENT: Record<Syscall, number> = {
  socket: -1, setsockopt: 0, getsockopt: 0, bind: 0, listen: 0, accept4: 0, connect: 0, getsockname: 0, getpeername: 0,
  shutdown: 0, close: 0, fcntl: 0, recv: 0, send: 0, sendmsg: 0, sendfile: 0, epoll_create1: -1, epoll_ctl: 2,
  epoll_wait: 0, poll: -1, select: -1, memfd_create: -1, ftruncate: 0, mmap: 4, munmap: -1, prctl: -1, getppid: -1, gettid: -1,
  stat: -1,
};

let record: Float64Array | null = null;
let ring = 0;

/**
 * From now on record this thread's calls into `cells` (a Float64Array of
 * recordCells(n) cells, e.g. a region of this worker's scoreboard row),
 * continuing from the sequence number it holds; null stops recording.
 */
export function recordSyscallsInto(cells: Float64Array | null): void {
  if (cells !== null && (!(cells instanceof Float64Array) || cells.length <= RING_AT || (cells.length - RING_AT) % ENTRY !== 0)) {
    throw new RangeError(`recordSyscallsInto: need a Float64Array of recordCells(n) cells`);
  }
  record = cells;
  ring = cells === null ? 0 : (cells.length - RING_AT) / ENTRY;
  install();
}

/** Whether this thread records its calls now. */
export function recordingSyscalls(): boolean {
  return record !== null;
}

/** Put an event that is not a system call into the record, between the calls (no-op when not recording). */
export function noteInRecord(code: number, arg: number, result: number): void {
  if (record !== null) put(NOTE_BASE + code, arg, result);
}

function put(id: number, arg: number, result: number): void {
  const cells = record!;
  const seq = cells[0]!;
  let at = RING_AT + ENTRY * (seq % ring);
  cells[at] = id;
  cells[at + 1] = arg;
  cells[at + 2] = result;
  if (seq < RECORD_FIRST) {
    at = 1 + ENTRY * seq;
    cells[at] = id;
    cells[at + 1] = arg;
    cells[at + 2] = result;
  }
  cells[0] = seq + 1;
}

// Written out per call, with fixed arity (like syscalls.ts's counted entries):
// rest parameters would cost an array per call. A number in the first
// position of FD_ARGUMENT's choice; the result, or -errno.
const recording: Wrap = (name, call) => {
  const id = SYSCALLS.indexOf(name);
  const fdAt = FD_ARGUMENT[name];
  const done = (fd: unknown, r: number): number => {
    put(id, typeof fd === 'number' ? fd : -1, r < 0 ? -errno() : r);
    return r;
  };
  const f = call as unknown as (...a: unknown[]) => number;
  let w: (...a: never[]) => number;
  if (name === 'fcntl' || name === 'prctl') w = (...a: unknown[]) => done(fdAt < 0 ? -1 : a[fdAt], f(...a)); // variadic in C
  else if (fdAt < 0) {
    switch (call.length) {
      case 0: w = () => done(-1, f()); break;
      case 1: w = (a: unknown) => done(-1, f(a)); break;
      case 2: w = (a: unknown, b: unknown) => done(-1, f(a, b)); break;
      case 3: w = (a: unknown, b: unknown, c: unknown) => done(-1, f(a, b, c)); break;
      case 5: w = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => done(-1, f(a, b, c, d, e)); break;
      default: w = (...a: unknown[]) => done(-1, f(...a));
    }
  } else if (fdAt === 0) {
    switch (call.length) {
      case 1: w = (a: unknown) => done(a, f(a)); break;
      case 2: w = (a: unknown, b: unknown) => done(a, f(a, b)); break;
      case 3: w = (a: unknown, b: unknown, c: unknown) => done(a, f(a, b, c)); break;
      case 4: w = (a: unknown, b: unknown, c: unknown, d: unknown) => done(a, f(a, b, c, d)); break;
      case 5: w = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => done(a, f(a, b, c, d, e)); break;
      default: w = (...a: unknown[]) => done(a[0], f(...a));
    }
  } else w = (...a: unknown[]) => done(a[fdAt], f(...a)); // epoll_ctl, mmap: rare
  return w as unknown as typeof call;
};

/** One entry of a record, decoded. */
export interface RecordedCall {
  /** The system call's name, or null for a note. */
  name: Syscall | null;
  /** A note's code (see noteInRecord), or null. */
  note: number | null;
  /** The descriptor the call was about, or -1. */
  fd: number;
  /** What it returned (-1 on failure). */
  result: number;
  /** The errno name on failure ('EAGAIN'), else null. */
  error: string | null;
}

export interface RecordRead {
  /** Calls recorded so far (the sequence number of the next). */
  seq: number;
  /** The first RECORD_FIRST calls (fewer if fewer were made). */
  first: RecordedCall[];
  /** Calls from..to that are still in the ring, in order. */
  calls: RecordedCall[];
  /** Sequence number of calls[0]. */
  from: number;
  /** How many of the asked-for calls were overwritten already (they came first). */
  lost: number;
}

function decode(cells: Float64Array, at: number): RecordedCall {
  const id = cells[at]!;
  const fd = cells[at + 1]!;
  const r = cells[at + 2]!;
  const failed = r < 0 && id < NOTE_BASE;
  return {
    name: id < NOTE_BASE ? (SYSCALLS[id] ?? null) : null,
    note: id >= NOTE_BASE ? id - NOTE_BASE : null,
    fd,
    result: failed ? -1 : r,
    error: failed ? errnoName(-r) : null,
  };
}

/** Entry `n` of a record, if the ring still holds it (the writer's own thread may read without a copy). */
export function recordedCall(cells: Float64Array, n: number): RecordedCall | null {
  const size = (cells.length - RING_AT) / ENTRY;
  if (n < 0 || n >= cells[0]! || n < cells[0]! - size) return null;
  return decode(cells, RING_AT + ENTRY * (n % size));
}

/**
 * Read a record another thread or process may be writing: the first calls,
 * and calls [from, to) as far as the ring still holds them (to defaults to
 * all so far). Safe against a writer going on meanwhile: entries it may have
 * overwritten while we read are counted as lost.
 */
export function readRecord(cells: Float64Array, from = 0, to = Infinity): RecordRead {
  const size = (cells.length - RING_AT) / ENTRY;
  const seq = cells[0]!;
  const end = Math.min(to, seq);
  let start = Math.max(from, end - size, 0);
  const copy = new Float64Array(cells); // one snapshot of every entry
  const after = cells[0]!; // the writer may have gone on while we copied
  start = Math.max(start, after - size);
  const calls: RecordedCall[] = [];
  for (let n = start; n < end; n++) calls.push(decode(copy, RING_AT + ENTRY * (n % size)));
  const first: RecordedCall[] = [];
  for (let n = 0; n < Math.min(seq, RECORD_FIRST); n++) first.push(decode(copy, 1 + ENTRY * n));
  return { seq, first, calls, from: start, lost: Math.max(0, start - Math.max(from, 0)) };
}

if (process.env.FOURFOLD_TRACE_SYSCALLS === '1') enableSyscallTrace();
