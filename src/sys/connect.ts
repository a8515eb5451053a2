// The client's side of TCP. connect(2) sends a SYN to a listening socket and
// waits for the three-way handshake (SYN → SYN-ACK → ACK) to finish; from then
// on the socket is a connection like any the server accepted: recv, send, close.
// (fourfold is a server; clients appear in its tests, its benchmarks and in
// whatever a handler calls out to.)

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch } from './memory.js';
import { poll, PollSet } from './poll.js';
import { IN_PROGRESS, INTERRUPTED } from './results.js';
import { encodeSockaddr, familyOf, numericHost } from './sockaddr.js';
import { close, socket } from './socket.js';
import { kernel } from './syscalls.js';

const { EINPROGRESS, EINTR } = os.constants.errno;

const sockaddr = scratch(P.SIZEOF_SOCKADDR_STORAGE);
const intValue = scratch(P.SIZEOF_INT);
const intValueCell = new Int32Array(intValue.bytes.buffer);
const intLength = scratch(4);
const intLengthCell = new Uint32Array(intLength.bytes.buffer);

/**
 * Connect `fd` to host:port (numeric addresses, as for bind).
 *  - Blocking socket: returns 0 once connected; a refused, unreachable or timed
 *    out connection throws a SysError (ECONNREFUSED, ENETUNREACH, ETIMEDOUT…).
 *  - Non-blocking socket: returns IN_PROGRESS at once (or 0 if the handshake
 *    already finished, as it can on loopback). Wait until the socket is
 *    writable, then socketError(fd) says how it went.
 * INTERRUPTED: a signal cut a blocking connect short. The kernel carries on
 * with the handshake, so treat it like IN_PROGRESS (calling connect again
 * would fail with EALREADY).
 */
export function connect(fd: number, host: string, port: number): number {
  const length = encodeSockaddr(host, port, sockaddr.bytes);
  if (kernel.connect(fd, sockaddr.address, length) === 0) return 0;
  const e = errno();
  if (e === EINPROGRESS) return IN_PROGRESS; // also a blocking connect whose SO_SNDTIMEO expired
  if (e === EINTR) return INTERRUPTED;
  throw sysError('connect', e, { address: numericHost(host), port });
}

/**
 * The socket's pending error (getsockopt SO_ERROR), cleared by reading it: 0, or
 * the errno a non-blocking connect ended with (ECONNREFUSED…). Turn a non-zero
 * answer into an exception with sysError('connect', e, { address, port }).
 */
export function socketError(fd: number): number {
  intValueCell[0] = 0;
  intLengthCell[0] = P.SIZEOF_INT;
  if (kernel.getsockopt(fd, P.SOL_SOCKET, P.SO_ERROR, intValue.address, intLength.address) < 0) {
    throw sysError('getsockopt SO_ERROR', errno(), { fd });
  }
  return intValueCell[0];
}

let writable: PollSet | undefined;

/**
 * A new blocking socket connected to host:port: socket + connect, and the wait
 * for the handshake if a signal interrupted it. Closes the socket and rethrows
 * if the connection fails, so a failed connect never leaks a descriptor.
 */
export function connectTcp(host: string, port: number): number {
  const fd = socket(familyOf(host));
  try {
    if (connect(fd, host, port) !== 0) {
      writable ??= new PollSet(1);
      writable.set(0, fd, P.POLLOUT);
      while (poll(writable, 1, -1) === 0); // 0: a signal interrupted the wait; wait again
      const e = socketError(fd);
      if (e !== 0) throw sysError('connect', e, { address: numericHost(host), port });
    }
  } catch (error) {
    close(fd);
    throw error;
  }
  return fd;
}
