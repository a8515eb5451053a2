// TCP sockets, one syscall per function, in the order a server meets them:
// socket → setsockopt → bind → listen → accept → … → shutdown → close, plus the
// addresses at either end. Moving the bytes in between is transfer.ts; the
// client's side, connect, is connect.ts.
//
// Conventions:
//  - A syscall that fails "normally" does not throw. A non-blocking socket with
//    nothing to do returns WOULD_BLOCK; a blocking call cut short by a signal
//    returns INTERRUPTED (results.ts). Everything else throws a SysError with a
//    readable message.
//  - accept runs for every connection, so it allocates nothing; the C structs
//    the other calls need live in scratch buffers allocated once below.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch, store64 } from './memory.js';
import { INTERRUPTED, WOULD_BLOCK } from './results.js';
import { decodeSockaddr, encodeSockaddr, familyOf, numericHost, type SocketAddress, SOCKADDR_MAX } from './sockaddr.js';
import { kernel } from './syscalls.js';

const { EAGAIN, EINTR, ECONNABORTED, ENOTCONN } = os.constants.errno;

// --- scratch memory for C structs, shared by every call on this thread -----------

const intOption = scratch(P.SIZEOF_INT); // setsockopt's int value
const intOptionCell = new Int32Array(intOption.bytes.buffer);
const timeval = scratch(P.SIZEOF_TIMEVAL); // { tv_sec, tv_usec } as four u32 halves
const timevalWords = new Uint32Array(timeval.bytes.buffer);
const sockaddr = scratch(SOCKADDR_MAX); // bind(), getsockname(), getpeername()
const socklen = scratch(4);
const socklenCell = new Uint32Array(socklen.bytes.buffer);

// --- creating and configuring ---------------------------------------------------------

/** A new TCP socket; close-on-exec always, so it never leaks into spawned processes. */
export function socket(family: 4 | 6, nonblocking = false): number {
  const type = P.SOCK_STREAM | P.SOCK_CLOEXEC | (nonblocking ? P.SOCK_NONBLOCK : 0);
  const fd = kernel.socket(family === 6 ? P.AF_INET6 : P.AF_INET, type, 0);
  if (fd < 0) throw sysError('socket', errno());
  return fd;
}

function setIntOption(fd: number, level: number, name: number, value: number, what: string): void {
  intOptionCell[0] = value;
  if (kernel.setsockopt(fd, level, name, intOption.address, P.SIZEOF_INT) < 0) {
    throw sysError(`setsockopt ${what}`, errno(), { fd });
  }
}

export function setReuseAddr(fd: number, on: boolean): void {
  setIntOption(fd, P.SOL_SOCKET, P.SO_REUSEADDR, on ? 1 : 0, 'SO_REUSEADDR');
}
export function setReusePort(fd: number, on: boolean): void {
  setIntOption(fd, P.SOL_SOCKET, P.SO_REUSEPORT, on ? 1 : 0, 'SO_REUSEPORT');
}
export function setNoDelay(fd: number, on: boolean): void {
  setIntOption(fd, P.IPPROTO_TCP, P.TCP_NODELAY, on ? 1 : 0, 'TCP_NODELAY');
}
export function setIpv6Only(fd: number, on: boolean): void {
  setIntOption(fd, P.IPPROTO_IPV6, P.IPV6_V6ONLY, on ? 1 : 0, 'IPV6_V6ONLY');
}

function setSocketTimeout(fd: number, name: number, ms: number, what: string): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`${what}: invalid timeout ${ms} ms`);
  const whole = Math.ceil(ms * 1000); // microseconds; 0 means "wait forever"
  store64(timevalWords, 0, Math.floor(whole / 1e6)); // tv_sec
  store64(timevalWords, 2, whole % 1e6); // tv_usec
  if (kernel.setsockopt(fd, P.SOL_SOCKET, name, timeval.address, P.SIZEOF_TIMEVAL) < 0) {
    throw sysError(`setsockopt ${what}`, errno(), { fd });
  }
}
/** A blocking recv/accept returns WOULD_BLOCK after `ms` without data (SO_RCVTIMEO); 0 = wait forever. */
export function setRecvTimeout(fd: number, ms: number): void {
  setSocketTimeout(fd, P.SO_RCVTIMEO, ms, 'SO_RCVTIMEO');
}
/** A blocking send returns WOULD_BLOCK (or a short count) after `ms` (SO_SNDTIMEO); 0 = wait forever. */
export function setSendTimeout(fd: number, ms: number): void {
  setSocketTimeout(fd, P.SO_SNDTIMEO, ms, 'SO_SNDTIMEO');
}

/** Switch O_NONBLOCK on an existing descriptor (fcntl). */
export function setNonBlocking(fd: number, on: boolean): void {
  const flags = kernel.fcntl(fd, P.F_GETFL);
  if (flags < 0) throw sysError('fcntl F_GETFL', errno(), { fd });
  const wanted = on ? flags | P.O_NONBLOCK : flags & ~P.O_NONBLOCK;
  if (wanted !== flags && kernel.fcntl(fd, P.F_SETFL, 'int', wanted) < 0) {
    throw sysError('fcntl F_SETFL', errno(), { fd });
  }
}

export function bind(fd: number, host: string, port: number): void {
  const length = encodeSockaddr(host, port, sockaddr.bytes);
  if (kernel.bind(fd, sockaddr.address, length) < 0) {
    throw sysError('bind', errno(), { address: numericHost(host), port });
  }
}

export function listen(fd: number, backlog: number): void {
  if (kernel.listen(fd, backlog) < 0) throw sysError('listen', errno(), { fd });
}

export interface ListenOptions {
  /** Queue of connections the kernel completes before we accept them (capped by net.core.somaxconn). Default 511, like Node and nginx. */
  backlog?: number;
  /** SO_REUSEPORT: let several processes/threads each listen on this port. */
  reusePort?: boolean;
  /** Return a non-blocking listening socket (for reactors). */
  nonblocking?: boolean;
}

/**
 * socket + SO_REUSEADDR (+SO_REUSEPORT) + bind + listen. On '::' IPV6_V6ONLY
 * is turned off so one socket serves IPv4 and IPv6. Closes the fd and
 * rethrows on failure, so a failed listen never leaks a descriptor.
 */
export function listenTcp(host: string, port: number, opts: ListenOptions = {}): number {
  const family = familyOf(host); // validates host before any descriptor exists
  const fd = socket(family, opts.nonblocking ?? false);
  try {
    setReuseAddr(fd, true);
    if (opts.reusePort) setReusePort(fd, true);
    if (family === 6 && /^[0:]+$/.test(numericHost(host))) setIpv6Only(fd, false);
    bind(fd, host, port);
    listen(fd, opts.backlog ?? 511);
  } catch (error) {
    kernel.close(fd);
    throw error;
  }
  return fd;
}

// --- accepting --------------------------------------------------------------------------

const ACCEPT_BLOCKING = P.SOCK_CLOEXEC;
const ACCEPT_NONBLOCKING = P.SOCK_CLOEXEC | P.SOCK_NONBLOCK;

/**
 * The next connection from the listen queue, as a new descriptor: close-on-exec,
 * and non-blocking when `nonblocking` is true (accept4 sets both in the same
 * syscall). Whether accept itself waits depends on the LISTENING socket's mode.
 * Returns WOULD_BLOCK when nothing is pending (or the connection died in the
 * queue: ECONNABORTED and the network errors Linux passes on from accept, see
 * accept(2) — just try again), INTERRUPTED on EINTR. EMFILE/ENFILE throw: the
 * caller must decide (typically: stop accepting for a moment).
 */
export function accept(fd: number, nonblocking = false): number {
  const conn = kernel.accept4(fd, 0, 0, nonblocking ? ACCEPT_NONBLOCKING : ACCEPT_BLOCKING);
  if (conn >= 0) return conn;
  return acceptFailed(fd);
}

/**
 * accept(), also asking the kernel for the client's address in the same call
 * (read it with acceptedPeer() before the next accept on this thread): one
 * getpeername() saved per connection.
 */
export function acceptWithPeer(fd: number, nonblocking = false): number {
  peerLenCell[0] = SOCKADDR_MAX;
  const conn = kernel.accept4(fd, peer.address, peerLen.address, nonblocking ? ACCEPT_NONBLOCKING : ACCEPT_BLOCKING);
  if (conn >= 0) return conn;
  return acceptFailed(fd);
}

/** The address of the client the last acceptWithPeer() on this thread accepted. */
export function acceptedPeer(): SocketAddress {
  return decodeSockaddr(peer.bytes);
}

const peer = scratch(SOCKADDR_MAX); // accept4's address out-parameter
const peerLen = scratch(4);
const peerLenCell = new Uint32Array(peerLen.bytes.buffer);

function acceptFailed(fd: number): number {
  const e = errno();
  if (e === EAGAIN || e === ECONNABORTED || isTransientAcceptError(e)) return WOULD_BLOCK;
  if (e === EINTR) return INTERRUPTED;
  throw sysError('accept', e, { fd });
}

const { ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH } = os.constants.errno;
function isTransientAcceptError(e: number): boolean {
  return (
    e === ENETDOWN || e === EPROTO || e === ENOPROTOOPT || e === EHOSTUNREACH || e === EOPNOTSUPP || e === ENETUNREACH
  );
}

// --- ending -------------------------------------------------------------------------------

/**
 * Release the descriptor. Never retried on EINTR: Linux has already closed it,
 * and a retry could close a descriptor another thread just opened with the
 * same number. EBADF (double close — a bug) throws.
 */
export function close(fd: number): void {
  if (kernel.close(fd) < 0) {
    const e = errno();
    if (e !== EINTR) throw sysError('close', e, { fd });
  }
}

const SHUT = { read: P.SHUT_RD, write: P.SHUT_WR, both: P.SHUT_RDWR } as const;

/** Half-close: 'write' sends FIN after queued data (the peer reads EOF); 'read' discards further input. */
export function shutdown(fd: number, how: 'read' | 'write' | 'both'): void {
  if (kernel.shutdown(fd, SHUT[how]) < 0) {
    const e = errno();
    if (e !== ENOTCONN) throw sysError('shutdown', e, { fd }); // ENOTCONN: the peer is already gone
  }
}

// --- addresses ------------------------------------------------------------------------------

/** The address this socket is bound to (getsockname) — e.g. the port the kernel chose for port 0. */
export function localAddress(fd: number): SocketAddress {
  socklenCell[0] = SOCKADDR_MAX;
  if (kernel.getsockname(fd, sockaddr.address, socklen.address) < 0) throw sysError('getsockname', errno(), { fd });
  return decodeSockaddr(sockaddr.bytes);
}

/** The address of the other end (getpeername). */
export function remoteAddress(fd: number): SocketAddress {
  socklenCell[0] = SOCKADDR_MAX;
  if (kernel.getpeername(fd, sockaddr.address, socklen.address) < 0) throw sysError('getpeername', errno(), { fd });
  return decodeSockaddr(sockaddr.bytes);
}
