// When a syscall fails, the kernel leaves only a number in errno. This file
// turns that number into an Error a person can act on:
//
//   bind 127.0.0.1:8080: port 8080 is already in use (EADDRINUSE)
//
// The number→name table is Node's own (os.constants.errno), read backwards;
// the fallback wording is libuv's (util.getSystemErrorMap). Only the
// sentences worth improving for a server operator are written here.

import os from 'node:os';
import util from 'node:util';

/** A failed system call: `errno` 98, `code` 'EADDRINUSE', `syscall` 'bind'. */
export class SysError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly address?: string;
  readonly port?: number;

  constructor(syscall: string, errno: number, context: ErrorContext = {}) {
    const code = errnoName(errno);
    super(`${syscall}${describeTarget(context)}: ${explain(code, errno, context)} (${code})`);
    this.name = 'SysError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    if (context.address !== undefined) this.address = context.address;
    if (context.port !== undefined) this.port = context.port;
  }
}

/** What the failing call was about; any of these makes the message more specific. */
export interface ErrorContext {
  address?: string;
  port?: number;
  fd?: number;
}

export function sysError(syscall: string, errno: number, context?: ErrorContext): SysError {
  return new SysError(syscall, errno, context);
}

// --- errno number -> name -------------------------------------------------------

const names = new Map<number, string>();
for (const [name, value] of Object.entries(os.constants.errno)) {
  // Some numbers have two names (EAGAIN = EWOULDBLOCK): the first listed wins.
  if (!names.has(value)) names.set(value, name);
}

export function errnoName(errno: number): string {
  // Node's table lacks a few rare names (EHOSTDOWN, ENONET…); libuv's has them.
  return names.get(errno) ?? systemErrorMap().get(-errno)?.[0] ?? `errno ${errno}`;
}

// --- the sentence -----------------------------------------------------------------

function describeTarget({ address, port, fd }: ErrorContext): string {
  if (address !== undefined && port !== undefined) {
    return address.includes(':') ? ` [${address}]:${port}` : ` ${address}:${port}`;
  }
  if (fd !== undefined) return ` (fd ${fd})`;
  return '';
}

function explain(code: string, errno: number, { address, port }: ErrorContext): string {
  switch (code) {
    case 'EADDRINUSE':
      return port !== undefined ? `port ${port} is already in use` : 'address already in use';
    case 'EACCES':
      return port !== undefined && port < 1024
        ? `permission denied to use port ${port} (ports below 1024 need root)`
        : 'permission denied';
    case 'EADDRNOTAVAIL':
      return address !== undefined
        ? `address ${address} is not available on this machine`
        : 'address not available on this machine';
    case 'EAFNOSUPPORT':
      return 'address family not supported (is IPv6 disabled on this machine?)';
    case 'EMFILE':
      return 'too many open files (raise ulimit -n)';
    case 'ENFILE':
      return 'the whole system has too many open files (raise fs.file-max)';
    case 'ECONNREFUSED':
      return 'connection refused: nothing is listening on that port (or a firewall said no)';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EPIPE':
      return 'broken pipe: the peer has closed the connection';
    case 'EBADF':
      return 'bad file descriptor (closed already?)';
    case 'ENOTSOCK':
      return 'file descriptor is not a socket';
    case 'ENOBUFS':
    case 'ENOMEM':
      return 'the kernel is out of memory for sockets';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EINVAL':
      return 'invalid argument';
    default:
      return libuvMessage(errno) ?? 'system call failed';
  }
}

let systemErrors: Map<number, [string, string]> | undefined;
function systemErrorMap(): Map<number, [string, string]> {
  return (systemErrors ??= util.getSystemErrorMap()); // libuv's table, keyed by -errno
}
function libuvMessage(errno: number): string | undefined {
  return systemErrorMap().get(-errno)?.[1];
}
