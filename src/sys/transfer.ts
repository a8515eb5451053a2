// Moving bytes over a connected socket: recv, send, sendv (gather-write) and
// sendfile (file → socket inside the kernel). This is the hot path: these
// calls run tens of thousands of times a second, so they allocate nothing —
// buffers are passed by address (memory.ts), C structs live in scratch
// buffers made once below, and errno is read from memory (ffi.ts).
//
// Each returns a byte count, or WOULD_BLOCK / INTERRUPTED (results.ts); any
// other failure throws a SysError. A short count is normal: the kernel took
// (or had) only that much, and the caller continues from there.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { addressOf, scratch, store64 } from './memory.js';
import { INTERRUPTED, WOULD_BLOCK } from './results.js';
import { kernel } from './syscalls.js';

const { EAGAIN, EINTR } = os.constants.errno;

// The buffer being read or written by the syscall in progress: held here so the
// garbage collector cannot free it mid-call (see memory.ts). Set before, cleared after.
let pinned: unknown = null;

/** Read up to `length` bytes into buf[offset…]. Bytes read (0 = the peer closed: orderly EOF) | WOULD_BLOCK | INTERRUPTED. */
export function recv(fd: number, buf: Uint8Array, offset: number, length: number): number {
  if ((offset >>> 0) !== offset || (length >>> 0) !== length || offset + length > buf.length) {
    throw badRange('recv', buf, offset, length);
  }
  pinned = buf;
  const n = kernel.recv(fd, addressOf(buf) + offset, length, 0);
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
  const n = kernel.send(fd, addressOf(buf) + offset, length, more ? P.MSG_NOSIGNAL | P.MSG_MORE : P.MSG_NOSIGNAL);
  pinned = null;
  return n >= 0 ? n : transferFailed('send', fd);
}

// --- sendv: several buffers in one call ---------------------------------------------

// sendmsg takes a struct msghdr pointing at an array of struct iovec, each
// { address, length } of one piece to send. Both are built once; sendv only
// rewrites the iovec entries and the count.
const MAX_IOV = 64;
const iovecs = scratch(MAX_IOV * P.SIZEOF_IOVEC);
const iovecWords = new Uint32Array(iovecs.bytes.buffer);
const msghdr = scratch(P.SIZEOF_MSGHDR);
const msghdrWords = new Uint32Array(msghdr.bytes.buffer);
store64(msghdrWords, P.OFFSETOF_MSG_IOV / 4, iovecs.address);

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

  store64(iovecWords, 0, addressOf(first) + firstOffset);
  store64(iovecWords, 2, first.length - firstOffset);
  for (let i = 1, w = 4; i < count; i++, w += 4) {
    const buf = bufs[i];
    store64(iovecWords, w, addressOf(buf));
    store64(iovecWords, w + 2, buf.length);
  }
  store64(msghdrWords, P.OFFSETOF_MSG_IOVLEN / 4, count);
  pinned = bufs; // the array holds every buffer the iovecs point at
  const n = kernel.sendmsg(fd, msghdr.address, P.MSG_NOSIGNAL);
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
  const n = kernel.send(fd, gather.address, total, P.MSG_NOSIGNAL);
  return n >= 0 ? n : transferFailed('send', fd);
}

// --- sendfile: a file range, copied by the kernel ------------------------------------

const fileOffset = scratch(P.SIZEOF_OFF_T); // sendfile's off_t, as two u32 halves
const fileOffsetWords = new Uint32Array(fileOffset.bytes.buffer);

/**
 * One sendfile moves at most this much. Linux stops at 0x7ffff000 bytes per call
 * anyway; a smaller bound keeps one call short even when the socket drains as fast
 * as the disk reads, and the callers loop until the range is done.
 */
export const SENDFILE_CHUNK = Math.min(2 ** 30, P.SENDFILE_MAX);

/**
 * Copy up to `count` bytes of the file `inFd`, from `offset`, to the socket —
 * inside the kernel, never through our memory. Offset and count may be anything
 * up to 2^53 (off_t is 64 bits: files past 4 GiB are fine); one call sends at
 * most SENDFILE_CHUNK bytes. Bytes sent (0 = offset is at or past the end of the
 * file) | WOULD_BLOCK | INTERRUPTED. The file position is not used or moved, so
 * one open file can serve many connections at once.
 */
export function sendfile(outFd: number, inFd: number, offset: number, count: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`sendfile: offset ${offset} and count ${count} must be integers from 0 to 2^53`);
  }
  store64(fileOffsetWords, 0, offset);
  const n = kernel.sendfile(outFd, inFd, fileOffset.address, count < SENDFILE_CHUNK ? count : SENDFILE_CHUNK);
  return n >= 0 ? n : transferFailed('sendfile', outFd);
}

// --- shared --------------------------------------------------------------------------

/** The shared error path of recv/send/sendv/sendfile: classify errno. */
function transferFailed(syscall: string, fd: number): number {
  const e = errno();
  if (e === EAGAIN) return WOULD_BLOCK;
  if (e === EINTR) return INTERRUPTED;
  throw sysError(syscall, e, { fd });
}

function badRange(syscall: string, buf: Uint8Array, offset: number, length: number): RangeError {
  return new RangeError(`${syscall}: range [${offset}, ${offset}+${length}) is outside a buffer of ${buf.length} bytes`);
}
