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
// onSyscall(listener) hands the same facts to a function instead (a status
// page keeps the calls of the latest request).
//
// Off, the `kernel` table holds the plain counted calls (syscalls.ts): the
// hot path pays nothing for tracing being possible.

import fs from 'node:fs';
import { errnoName } from './errors.js';
import { errno, setErrno } from './ffi.js';
import { threadId } from './process.js';
import { type Syscall, type Wrap, wrapSyscalls } from './syscalls.js';
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
  wrapSyscalls(write !== null || listener !== null ? traced : null);
}

const traced: Wrap = (name, call) =>
  ((...args: never[]) => {
    const text = describeArgs(name, args); // before: pointers may lead to structs the kernel overwrites
    const start = performance.now();
    const result = call(...args);
    const failed = result < 0 ? errno() : 0; // first, before anything else can change errno
    const us = (performance.now() - start) * 1000;
    if (!reporting) report(name, text, result, failed, us);
    if (failed !== 0) setErrno(failed); // the caller reads errno next; our writes may have changed it
    return result;
  }) as typeof call;

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

if (process.env.FOURFOLD_TRACE_SYSCALLS === '1') enableSyscallTrace();
