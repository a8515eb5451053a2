// TCP sockets, one syscall per function, in the order a server meets them:
// socket → setsockopt → bind → listen → accept → recv/send → shutdown → close.
//
// Conventions:
//  - A syscall that fails "normally" does not throw. A non-blocking socket with
//    nothing to do returns WOULD_BLOCK; a blocking call cut short by a signal
//    returns INTERRUPTED. Everything else throws a SysError with a readable message.
//  - recv/send/sendv/sendfile/accept run ~70,000 times a second, so they allocate
//    nothing: buffers are passed by address (memory.ts), C structs live in scratch
//    buffers allocated once below, and errno is read from memory (ffi.ts).

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import * as c from './ffi.js';
import { addressOf, scratch } from './memory.js';
import { decodeSockaddr, encodeSockaddr, familyOf, numericHost, type SocketAddress, SOCKADDR_MAX } from './sockaddr.js';

/** EAGAIN/EWOULDBLOCK: non-blocking and nothing to do, or a SO_RCVTIMEO/SO_SNDTIMEO timeout expired. */
export const WOULD_BLOCK = -1;
/**
 * EINTR: a signal arrived during a blocking call. NOT retried here: the blocking
 * caller must yield to Node's event loop so the JS signal handler can run, then retry.
 */
export const INTERRUPTED = -2;

const { EAGAIN, EINTR, ECONNABORTED, ENOTCONN } = os.constants.errno;

const TWO_32 = 2 ** 32;

// The buffer being read or written by the syscall in progress: held here so the
// garbage collector cannot free it mid-call (see memory.ts). Set before, cleared after.
let pinned: unknown = null;

// --- scratch memory for C structs, shared by every call on this thread -----------

const intOption = scratch(P.SIZEOF_INT); // setsockopt's int value
const intOptionCell = new Int32Array(intOption.bytes.buffer);
const timeval = scratch(P.SIZEOF_TIMEVAL); // { tv_sec, tv_usec } as four u32 halves
const timevalWords = new Uint32Array(timeval.bytes.buffer);
const sockaddr = scratch(SOCKADDR_MAX); // bind(), getsockname(), getpeername()
const socklen = scratch(4);
const socklenCell = new Uint32Array(socklen.bytes.buffer);
const fileOffset = scratch(P.SIZEOF_OFF_T); // sendfile's off_t, as two u32 halves
const fileOffsetWords = new Uint32Array(fileOffset.bytes.buffer);

// sendmsg takes a struct msghdr pointing at an array of struct iovec, each
// { address, length } of one piece to send. Both are built once; sendv only
// rewrites the iovec entries and the count.
const MAX_IOV = 64;
const iovecs = scratch(MAX_IOV * P.SIZEOF_IOVEC);
const iovecWords = new Uint32Array(iovecs.bytes.buffer);
const msghdr = scratch(P.SIZEOF_MSGHDR);
const msghdrWords = new Uint32Array(msghdr.bytes.buffer);
storeAddress(msghdrWords, P.OFFSETOF_MSG_IOV / 4, iovecs.address);

/** Write a 64-bit address (or off_t) as two little-endian 32-bit halves: no BigInt needed. */
function storeAddress(words: Uint32Array, index: number, value: number): void {
  words[index] = value >>> 0;
  words[index + 1] = (value / TWO_32) >>> 0;
}

// --- creating and configuring ---------------------------------------------------------

/** A new TCP socket; close-on-exec always, so it never leaks into spawned processes. */
export function socket(family: 4 | 6, nonblocking = false): number {
  const type = P.SOCK_STREAM | P.SOCK_CLOEXEC | (nonblocking ? P.SOCK_NONBLOCK : 0);
  const fd = c.socket(family === 6 ? P.AF_INET6 : P.AF_INET, type, 0);
  if (fd < 0) throw sysError('socket', c.errno());
  return fd;
}

function setIntOption(fd: number, level: number, name: number, value: number, what: string): void {
  intOptionCell[0] = value;
  if (c.setsockopt(fd, level, name, intOption.address, P.SIZEOF_INT) < 0) {
    throw sysError(`setsockopt ${what}`, c.errno(), { fd });
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
export function setKeepAlive(fd: number, on: boolean): void {
  setIntOption(fd, P.SOL_SOCKET, P.SO_KEEPALIVE, on ? 1 : 0, 'SO_KEEPALIVE');
}

function setSocketTimeout(fd: number, name: number, ms: number, what: string): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`${what}: invalid timeout ${ms} ms`);
  const whole = Math.ceil(ms * 1000); // microseconds; 0 means "wait forever"
  storeAddress(timevalWords, 0, Math.floor(whole / 1e6)); // tv_sec
  storeAddress(timevalWords, 2, whole % 1e6); // tv_usec
  if (c.setsockopt(fd, P.SOL_SOCKET, name, timeval.address, P.SIZEOF_TIMEVAL) < 0) {
    throw sysError(`setsockopt ${what}`, c.errno(), { fd });
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
  const flags = c.fcntl(fd, P.F_GETFL);
  if (flags < 0) throw sysError('fcntl F_GETFL', c.errno(), { fd });
  const wanted = on ? flags | P.O_NONBLOCK : flags & ~P.O_NONBLOCK;
  if (wanted !== flags && c.fcntl(fd, P.F_SETFL, 'int', wanted) < 0) {
    throw sysError('fcntl F_SETFL', c.errno(), { fd });
  }
}

export function bind(fd: number, host: string, port: number): void {
  const length = encodeSockaddr(host, port, sockaddr.bytes);
  if (c.bind(fd, sockaddr.address, length) < 0) {
    throw sysError('bind', c.errno(), { address: numericHost(host), port });
  }
}

export function listen(fd: number, backlog: number): void {
  if (c.listen(fd, backlog) < 0) throw sysError('listen', c.errno(), { fd });
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
    c.close(fd);
    throw error;
  }
  return fd;
}

// --- the hot path ----------------------------------------------------------------------

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
  const conn = c.accept4(fd, 0, 0, nonblocking ? ACCEPT_NONBLOCKING : ACCEPT_BLOCKING);
  if (conn >= 0) return conn;
  const e = c.errno();
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

/** Read up to `length` bytes into buf[offset…]. Bytes read (0 = the peer closed: orderly EOF) | WOULD_BLOCK | INTERRUPTED. */
export function recv(fd: number, buf: Uint8Array, offset: number, length: number): number {
  if ((offset >>> 0) !== offset || (length >>> 0) !== length || offset + length > buf.length) {
    throw badRange('recv', buf, offset, length);
  }
  pinned = buf;
  const n = c.recv(fd, addressOf(buf) + offset, length, 0);
  pinned = null;
  return n >= 0 ? n : transferFailed('recv', fd);
}

/**
 * Write buf[offset…offset+length). Bytes written (maybe fewer) | WOULD_BLOCK | INTERRUPTED.
 * `more`: the caller sends more at once (headers before a sendfile): MSG_MORE
 * lets the kernel put both in one segment despite TCP_NODELAY, as nginx does
 * with TCP_CORK around sendfile.
 */
export function send(fd: number, buf: Uint8Array, offset: number, length: number, more = false): number {
  if ((offset >>> 0) !== offset || (length >>> 0) !== length || offset + length > buf.length) {
    throw badRange('send', buf, offset, length);
  }
  pinned = buf;
  const n = c.send(fd, addressOf(buf) + offset, length, more ? P.MSG_NOSIGNAL | P.MSG_MORE : P.MSG_NOSIGNAL);
  pinned = null;
  return n >= 0 ? n : transferFailed('send', fd);
}

/**
 * Gather-write bufs[0..count) — each whole buffer, the first one starting at
 * firstOffset — in one syscall: headers and body leave together (and, with
 * TCP_NODELAY, usually in one packet). Returns bytes written | WOULD_BLOCK |
 * INTERRUPTED. Max 64 buffers.
 *
 * Two ways, chosen by size. Large totals go out with sendmsg(MSG_NOSIGNAL) and
 * an iovec array pointing at the JS buffers themselves: nothing is copied in
 * JS. Small totals (≤ 4 KiB, starting at offset 0) are copied into one scratch
 * buffer and sent with send(): measured, copying a few KiB costs less than
 * having the kernel read and check an iovec array (sendmsg is ~250 ns dearer
 * than send here). Resuming after a partial write always takes the first way.
 */
export function sendv(fd: number, bufs: readonly Uint8Array[], count: number, firstOffset: number): number {
  if ((count >>> 0) !== count || count === 0 || count > MAX_IOV || count > bufs.length) {
    throw new RangeError(`sendv: count ${count} must be 1..${Math.min(MAX_IOV, bufs.length)}`);
  }
  const first = bufs[0];
  if ((firstOffset >>> 0) !== firstOffset || firstOffset > first.length) {
    throw badRange('sendv', first, firstOffset, 0);
  }
  if (count === 1) return send(fd, first, firstOffset, first.length - firstOffset);

  let total = first.length - firstOffset;
  for (let i = 1; i < count; i++) total += bufs[i].length;
  if (total <= COPY_LIMIT && firstOffset === 0) return sendCopied(fd, bufs, count, total);

  storeAddress(iovecWords, 0, addressOf(first) + firstOffset);
  storeAddress(iovecWords, 2, first.length - firstOffset);
  for (let i = 1, w = 4; i < count; i++, w += 4) {
    const buf = bufs[i];
    storeAddress(iovecWords, w, addressOf(buf));
    storeAddress(iovecWords, w + 2, buf.length);
  }
  storeAddress(msghdrWords, P.OFFSETOF_MSG_IOVLEN / 4, count);
  pinned = bufs; // the array holds every buffer the iovecs point at
  const n = c.sendmsg(fd, msghdr.address, P.MSG_NOSIGNAL);
  pinned = null;
  return n >= 0 ? n : transferFailed('sendmsg', fd);
}

const COPY_LIMIT = 4096;
const gather = scratch(COPY_LIMIT);

function sendCopied(fd: number, bufs: readonly Uint8Array[], count: number, total: number): number {
  const bytes = gather.bytes;
  for (let i = 0, at = 0; i < count; i++) {
    const buf = bufs[i];
    bytes.set(buf, at);
    at += buf.length;
  }
  const n = c.send(fd, gather.address, total, P.MSG_NOSIGNAL);
  return n >= 0 ? n : transferFailed('send', fd);
}

/**
 * Copy `count` bytes of the file `inFd`, from `offset`, to the socket — inside
 * the kernel, never through our memory. Bytes sent (0 = offset is at or past the
 * end of the file) | WOULD_BLOCK | INTERRUPTED. The file position is not used or moved,
 * so one open file can serve many connections at once.
 */
export function sendfile(outFd: number, inFd: number, offset: number, count: number): number {
  if (!(offset >= 0 && offset <= Number.MAX_SAFE_INTEGER) || offset % 1 !== 0 || (count >>> 0) !== count) {
    throw new RangeError(`sendfile: invalid offset ${offset} or count ${count}`);
  }
  storeAddress(fileOffsetWords, 0, offset);
  const n = c.sendfile(outFd, inFd, fileOffset.address, count);
  return n >= 0 ? n : transferFailed('sendfile', outFd);
}

/** The shared error path of recv/send/sendv/sendfile: classify errno. */
function transferFailed(syscall: string, fd: number): number {
  const e = c.errno();
  if (e === EAGAIN) return WOULD_BLOCK;
  if (e === EINTR) return INTERRUPTED;
  throw sysError(syscall, e, { fd });
}

function badRange(syscall: string, buf: Uint8Array, offset: number, length: number): RangeError {
  return new RangeError(`${syscall}: range [${offset}, ${offset}+${length}) is outside a buffer of ${buf.length} bytes`);
}

// --- ending -------------------------------------------------------------------------------

/**
 * Release the descriptor. Never retried on EINTR: Linux has already closed it,
 * and a retry could close a descriptor another thread just opened with the
 * same number. EBADF (double close — a bug) throws.
 */
export function close(fd: number): void {
  if (c.close(fd) < 0) {
    const e = c.errno();
    if (e !== EINTR) throw sysError('close', e, { fd });
  }
}

const SHUT = { read: P.SHUT_RD, write: P.SHUT_WR, both: P.SHUT_RDWR } as const;

/** Half-close: 'write' sends FIN after queued data (the peer reads EOF); 'read' discards further input. */
export function shutdown(fd: number, how: 'read' | 'write' | 'both'): void {
  if (c.shutdown(fd, SHUT[how]) < 0) {
    const e = c.errno();
    if (e !== ENOTCONN) throw sysError('shutdown', e, { fd }); // ENOTCONN: the peer is already gone
  }
}

// --- addresses ------------------------------------------------------------------------------

/** The address this socket is bound to (getsockname) — e.g. the port the kernel chose for port 0. */
export function localAddress(fd: number): SocketAddress {
  socklenCell[0] = SOCKADDR_MAX;
  if (c.getsockname(fd, sockaddr.address, socklen.address) < 0) throw sysError('getsockname', c.errno(), { fd });
  return decodeSockaddr(sockaddr.bytes);
}

/** The address of the other end (getpeername). */
export function remoteAddress(fd: number): SocketAddress {
  socklenCell[0] = SOCKADDR_MAX;
  if (c.getpeername(fd, sockaddr.address, socklen.address) < 0) throw sysError('getpeername', c.errno(), { fd });
  return decodeSockaddr(sockaddr.bytes);
}
