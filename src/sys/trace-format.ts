// How each system call reads in a trace line: the arguments that matter,
// spelled the way strace would — descriptors and lengths as numbers, flags
// by name, addresses as host:port, what a pointer points at rather than the
// pointer. The names come from the one platform table (constants.ts).
//
// Only the tracer calls this, so it may be slow. It runs BEFORE the call:
// some arguments point at structs the kernel is about to overwrite.

import os from 'node:os';
import { platform as P } from './constants.js';
import { view } from './ffi.js';
import { load64 } from './memory.js';
import { decodeSockaddr } from './sockaddr.js';
import type { Syscall } from './syscalls.js';

type Names = [string, number][];

/** The platform constants whose names match `pattern`, e.g. /^MSG_/. */
function named(pattern: RegExp): Names {
  return Object.entries(P).filter(([name]) => pattern.test(name)) as Names;
}

const SOCK = named(/^SOCK_/);
const AF = named(/^AF_/);
const LEVELS = named(/^(SOL_|IPPROTO_)/);
const OPTIONS: Record<number, Names> = {
  [P.SOL_SOCKET]: named(/^SO_/),
  [P.IPPROTO_TCP]: named(/^TCP_/),
  [P.IPPROTO_IPV6]: named(/^IPV6_/),
};
const MSG = named(/^MSG_/);
const SHUT = named(/^SHUT_/);
const FCNTL = named(/^F_(GET|SET|ADD)/);
const O = named(/^O_/);
const SEALS = named(/^F_SEAL_/);
const EPOLL_OPS = named(/^EPOLL_CTL_/);
const EPOLL_EVENTS = named(/^EPOLL[A-Z]+$/);
const POLL = named(/^POLL[A-Z]+$/);
const PROT = named(/^PROT_/);
const MAP = named(/^MAP_/);
const MFD = named(/^MFD_/);
const PR = named(/^PR_/);

/** One value out of a list: SHUT_WR. */
function one(value: number, names: Names): string {
  for (const [name, v] of names) if (v === value) return name;
  return String(value);
}

/** Bit flags: SOCK_CLOEXEC|SOCK_NONBLOCK, with unnamed bits in hex; 0 for none. */
function flags(value: number, names: Names): string {
  const parts: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of names) {
    const b = bit >>> 0;
    if (b !== 0 && ((rest & b) >>> 0) === b) {
      parts.push(name);
      rest = (rest & ~b) >>> 0;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.length > 0 ? parts.join('|') : '0';
}

function words(address: number, bytes: number): Uint32Array {
  return new Uint32Array(view(address, bytes));
}

function sockaddr(address: number, length: number): string {
  try {
    const { family, address: host, port } = decodeSockaddr(Buffer.from(new Uint8Array(view(address, length))));
    return family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  } catch {
    return `{${length} bytes}`;
  }
}

function socketOption(level: number, name: number, value: number, length: number): string {
  let text = '?';
  if (length === P.SIZEOF_INT) text = String(new Int32Array(view(value, 4))[0]);
  else if (length === P.SIZEOF_TIMEVAL) {
    const w = words(value, P.SIZEOF_TIMEVAL);
    text = `{tv_sec=${load64(w, 0)}, tv_usec=${load64(w, 2)}}`;
  }
  return `${one(level, LEVELS)}, ${one(name, OPTIONS[level] ?? [])}, ${text}`;
}

function iovecs(msghdr: number): string {
  const header = words(msghdr, P.SIZEOF_MSGHDR);
  const count = load64(header, P.OFFSETOF_MSG_IOVLEN / 4);
  const entries = words(load64(header, P.OFFSETOF_MSG_IOV / 4), count * P.SIZEOF_IOVEC);
  let total = 0;
  for (let i = 0; i < count; i++) total += load64(entries, i * 4 + 2);
  return `{${count} iovecs, ${total} bytes}`;
}

function pollfds(address: number, count: number): string {
  if (count > 8) return `[${count} fds]`;
  const bytes = view(address, count * P.SIZEOF_POLLFD);
  const fds = new Int32Array(bytes);
  const shorts = new Uint16Array(bytes);
  const list = [];
  for (let i = 0; i < count; i++) list.push(`{${fds[i * 2]}, ${flags(shorts[i * 4 + 2], POLL)}}`);
  return `[${list.join(', ')}]`;
}

function timeval(address: number): string {
  if (address === 0) return 'NULL';
  const w = words(address, P.SIZEOF_TIMEVAL);
  return `${load64(w, 0) * 1000 + load64(w, 2) / 1000}ms`;
}

function signalName(value: unknown): string {
  for (const [name, n] of Object.entries(os.constants.signals)) if (n === value) return name;
  return String(value);
}

function fcntlArg(cmd: number, arg: number): string {
  if (cmd === P.F_SETFL) return flags(arg, O);
  if (cmd === P.F_ADD_SEALS) return flags(arg, SEALS);
  return String(arg);
}

const hex = (address: number): string => (address === 0 ? 'NULL' : `0x${address.toString(16)}`);

// The raw C arguments arrive as numbers (pointers too), typed arguments of the
// variadic fcntl and prctl as ('int', value) pairs.
type Args = any[]; // eslint-disable-line @typescript-eslint/no-explicit-any

const formats: Record<Syscall, (a: Args) => string> = {
  socket: ([domain, type, protocol]) => `${one(domain, AF)}, ${flags(type, SOCK)}, ${protocol}`,
  setsockopt: ([fd, level, name, value, length]) => `${fd}, ${socketOption(level, name, value, length)}`,
  getsockopt: ([fd, level, name]) => `${fd}, ${one(level, LEVELS)}, ${one(name, OPTIONS[level] ?? [])}`,
  bind: ([fd, address, length]) => `${fd}, ${sockaddr(address, length)}`,
  listen: ([fd, backlog]) => `${fd}, ${backlog}`,
  accept4: ([fd, , , fl]) => `${fd}, ${flags(fl, SOCK)}`,
  connect: ([fd, address, length]) => `${fd}, ${sockaddr(address, length)}`,
  getsockname: ([fd]) => `${fd}`,
  getpeername: ([fd]) => `${fd}`,
  shutdown: ([fd, how]) => `${fd}, ${one(how, SHUT)}`,
  close: ([fd]) => `${fd}`,
  fcntl: ([fd, cmd, , arg]) => `${fd}, ${one(cmd, FCNTL)}${arg === undefined ? '' : `, ${fcntlArg(cmd, arg)}`}`,

  recv: ([fd, , length, fl]) => `${fd}, ${length}, ${flags(fl, MSG)}`,
  send: ([fd, , length, fl]) => `${fd}, ${length}, ${flags(fl, MSG)}`,
  sendmsg: ([fd, msghdr, fl]) => `${fd}, ${iovecs(msghdr)}, ${flags(fl, MSG)}`,
  sendfile: ([out, input, offset, count]) =>
    `${out}, ${input}, ${offset === 0 ? 'NULL' : `[${load64(words(offset, 8), 0)}]`}, ${count}`,

  epoll_create1: ([fl]) => flags(fl, [['EPOLL_CLOEXEC', P.EPOLL_CLOEXEC]]),
  epoll_ctl: ([epfd, op, fd, event]) =>
    `${epfd}, ${one(op, EPOLL_OPS)}, ${fd}, ${event === 0 ? 'NULL' : flags(words(event, 4)[0], EPOLL_EVENTS)}`,
  epoll_wait: ([epfd, , max, timeout]) => `${epfd}, ${max}, ${timeout}`,
  poll: ([fds, count, timeout]) => `${pollfds(fds, count)}, ${count}, ${timeout}`,
  select: ([nfds, , , , tv]) => `${nfds}, ${timeval(tv)}`,

  memfd_create: ([name, fl]) => `${JSON.stringify(name)}, ${flags(fl, MFD)}`,
  ftruncate: ([fd, length]) => `${fd}, ${length}`,
  mmap: ([address, length, prot, fl, fd, offset]) =>
    `${hex(address)}, ${length}, ${flags(prot, PROT)}, ${flags(fl, MAP)}, ${fd}, ${offset}`,
  munmap: ([address, length]) => `${hex(address)}, ${length}`,

  prctl: ([option, , arg]) => `${one(option, PR)}${option === P.PR_SET_PDEATHSIG ? `, ${signalName(arg)}` : ''}`,
  getppid: () => '',
  gettid: () => '',

  stat: ([path]) => JSON.stringify(path),
};

/** The argument list of a trace line: `7, 65536, 0` for recv(7, buf, 65536, 0). */
export function describeArgs(name: Syscall, args: Args): string {
  try {
    return formats[name](args);
  } catch {
    return args.filter((a) => typeof a === 'number').join(', '); // never let tracing break the call
  }
}

/** The result: `= 7`, `= 0x7f01c0000000` (mmap), or `= -1 EAGAIN`. */
export function describeResult(name: Syscall, result: number, errnoName: string | null): string {
  if (errnoName !== null) return `${result} ${errnoName}`;
  return name === 'mmap' ? hex(result) : String(result);
}
