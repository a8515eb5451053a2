// The one door to the kernel: every system call sys/ makes goes through the
// `kernel` table below, so every one can be counted and, on request, traced.
//
// Counting is always on. Each entry adds one to this thread's counter for its
// call and then calls the C function — one typed-array increment, next to an
// FFI call that costs a few hundred nanoseconds. A status page reads the
// counters (syscallCounts), or has them written straight into a row of a
// shared-memory scoreboard (countSyscallsInto), where the master reads them.
//
// Tracing (trace.ts) swaps the entries of the same table for wrappers that
// also time and print each call; switched off, the plain entries come back.
// So the call sites (`kernel.recv(...)`) stay the same, and cost nothing
// extra, whether tracing was ever on or not.
//
// Each thread loads this module anew (worker_threads): the counters are per thread.

import { raw } from './ffi.js';

export type Syscall = keyof typeof raw;

/** The system calls sys/ makes, in a fixed order: SYSCALLS[i] is counted in syscallCounts()[i]. */
export const SYSCALLS: readonly Syscall[] = Object.freeze(Object.keys(raw) as Syscall[]);

/** Each call's index in SYSCALLS, i.e. its counter: slot.recv. */
const slot = {} as Record<Syscall, number>;
SYSCALLS.forEach((name, i) => (slot[name] = i));

let counts: Float64Array = new Float64Array(SYSCALLS.length);

/** This thread's counts so far, indexed like SYSCALLS (the live array, not a copy). */
export function syscallCounts(): Float64Array {
  return counts;
}

/**
 * From now on count this thread's calls in `cells` (SYSCALLS.length of them,
 * e.g. this worker's row of a shared-memory scoreboard), continuing from the
 * values they hold: a zeroed row starts at zero, a row a previous worker left
 * keeps growing. The counts made so far stay where they were.
 */
export function countSyscallsInto(cells: Float64Array): void {
  if (!(cells instanceof Float64Array) || cells.length < SYSCALLS.length) {
    throw new RangeError(`countSyscallsInto: need a Float64Array of at least ${SYSCALLS.length} cells`);
  }
  counts = cells;
}

type Fd = number;
type Ptr = number;

// Written out one by one, with fixed arity: V8 inlines each into its caller,
// leaving the increment and the FFI call. (A generic `(...args) => call(...args)`
// wrapper measured slower.)
const counted: typeof raw = {
  socket: (domain: number, type: number, protocol: number) => (counts[slot.socket]++, raw.socket(domain, type, protocol)),
  setsockopt: (fd: Fd, level: number, name: number, value: Ptr, len: number) => (
    counts[slot.setsockopt]++, raw.setsockopt(fd, level, name, value, len)
  ),
  getsockopt: (fd: Fd, level: number, name: number, value: Ptr, len: Ptr) => (
    counts[slot.getsockopt]++, raw.getsockopt(fd, level, name, value, len)
  ),
  bind: (fd: Fd, addr: Ptr, len: number) => (counts[slot.bind]++, raw.bind(fd, addr, len)),
  listen: (fd: Fd, backlog: number) => (counts[slot.listen]++, raw.listen(fd, backlog)),
  accept4: (fd: Fd, addr: Ptr, len: Ptr, flags: number) => (counts[slot.accept4]++, raw.accept4(fd, addr, len, flags)),
  connect: (fd: Fd, addr: Ptr, len: number) => (counts[slot.connect]++, raw.connect(fd, addr, len)),
  getsockname: (fd: Fd, addr: Ptr, len: Ptr) => (counts[slot.getsockname]++, raw.getsockname(fd, addr, len)),
  getpeername: (fd: Fd, addr: Ptr, len: Ptr) => (counts[slot.getpeername]++, raw.getpeername(fd, addr, len)),
  shutdown: (fd: Fd, how: number) => (counts[slot.shutdown]++, raw.shutdown(fd, how)),
  close: (fd: Fd) => (counts[slot.close]++, raw.close(fd)),
  fcntl: (fd: Fd, cmd: number, ...typed: unknown[]) => (counts[slot.fcntl]++, raw.fcntl(fd, cmd, ...typed)),

  recv: (fd: Fd, buf: Ptr, len: number, flags: number) => (counts[slot.recv]++, raw.recv(fd, buf, len, flags)),
  send: (fd: Fd, buf: Ptr, len: number, flags: number) => (counts[slot.send]++, raw.send(fd, buf, len, flags)),
  sendmsg: (fd: Fd, msg: Ptr, flags: number) => (counts[slot.sendmsg]++, raw.sendmsg(fd, msg, flags)),
  sendfile: (outFd: Fd, inFd: Fd, offset: Ptr, count: number) => (
    counts[slot.sendfile]++, raw.sendfile(outFd, inFd, offset, count)
  ),

  epoll_create1: (flags: number) => (counts[slot.epoll_create1]++, raw.epoll_create1(flags)),
  epoll_ctl: (epfd: Fd, op: number, fd: Fd, event: Ptr) => (counts[slot.epoll_ctl]++, raw.epoll_ctl(epfd, op, fd, event)),
  epoll_wait: (epfd: Fd, events: Ptr, max: number, timeoutMs: number) => (
    counts[slot.epoll_wait]++, raw.epoll_wait(epfd, events, max, timeoutMs)
  ),
  poll: (fds: Ptr, nfds: number, timeoutMs: number) => (counts[slot.poll]++, raw.poll(fds, nfds, timeoutMs)),
  select: (nfds: number, readfds: Ptr, writefds: Ptr, exceptfds: Ptr, timeout: Ptr) => (
    counts[slot.select]++, raw.select(nfds, readfds, writefds, exceptfds, timeout)
  ),

  memfd_create: (name: string, flags: number) => (counts[slot.memfd_create]++, raw.memfd_create(name, flags)),
  ftruncate: (fd: Fd, length: number) => (counts[slot.ftruncate]++, raw.ftruncate(fd, length)),
  mmap: (addr: Ptr, len: number, prot: number, flags: number, fd: Fd, offset: number) => (
    counts[slot.mmap]++, raw.mmap(addr, len, prot, flags, fd, offset)
  ),
  munmap: (addr: Ptr, len: number) => (counts[slot.munmap]++, raw.munmap(addr, len)),

  prctl: (option: number, ...typed: unknown[]) => (counts[slot.prctl]++, raw.prctl(option, ...typed)),
  getppid: () => (counts[slot.getppid]++, raw.getppid()),
  gettid: () => (counts[slot.gettid]++, raw.gettid()),

  stat: (path: string, buf: Ptr) => (counts[slot.stat]++, raw.stat(path, buf)),
};

/** The system calls, as the rest of sys/ makes them: `kernel.recv(fd, address, length, flags)`. */
export const kernel: typeof raw = { ...counted };

/** A tracer's wrapper around one counted entry (see trace.ts). */
export type Wrap = <F extends (...args: never[]) => number>(name: Syscall, call: F) => F;

/** Replace every entry with wrap(name, entry); null puts the plain counted entries back. */
export function wrapSyscalls(wrap: Wrap | null): void {
  const table = kernel as Record<Syscall, unknown>;
  for (const name of SYSCALLS) {
    const call = counted[name] as (...args: never[]) => number;
    table[name] = wrap === null ? call : wrap(name, call);
  }
}
