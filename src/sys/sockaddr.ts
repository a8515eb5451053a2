// Socket addresses as the kernel wants them: C structs in a byte buffer.
//
//   struct sockaddr_in  (16 bytes)  family | port (big-endian) | 4 address bytes | 8 zero bytes
//   struct sockaddr_in6 (28 bytes)  family | port (big-endian) | flowinfo | 16 address bytes | scope id
//
// The family sits in host byte order (little-endian here), the port and the
// address in network byte order (big-endian) — the classic trap. Turning the
// text of an address into its bytes, and back, is left to the C library's
// inet_pton / inet_ntop, which handle every IPv6 spelling ("::", "::1",
// "::ffff:1.2.3.4", …) exactly as the rest of the system does.

import { isIP } from 'node:net';
import { platform as P } from './constants.js';
import { inet_ntop, inet_pton } from './ffi.js';
import { addressOf, scratch } from './memory.js';

export interface SocketAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

/** Big enough for any address we handle (a sockaddr_storage). */
export const SOCKADDR_MAX = P.SIZEOF_SOCKADDR_STORAGE;

/** The numeric address a host string stands for: 'localhost' → '127.0.0.1', '[::1]' → '::1'. */
export function numericHost(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.includes('%')) {
    throw new TypeError(`invalid address "${host}": IPv6 zone ids (%eth0) are not supported`);
  }
  if (isIP(host) === 0) {
    throw new TypeError(`invalid address "${host}": expected an IPv4 or IPv6 address, or "localhost"`);
  }
  return host;
}

/** 4 or 6, for a host string accepted by numericHost. */
export function familyOf(host: string): 4 | 6 {
  return isIP(numericHost(host)) === 6 ? 6 : 4;
}

/**
 * Write `host`:`port` into `out` as a sockaddr_in or sockaddr_in6; returns its
 * length in bytes (16 or 28), which is what bind()/connect() want to be told.
 */
export function encodeSockaddr(host: string, port: number, out: Buffer): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`invalid port ${port}: expected an integer from 0 to 65535`);
  }
  const numeric = numericHost(host);
  const six = isIP(numeric) === 6;
  const length = six ? P.SIZEOF_SOCKADDR_IN6 : P.SIZEOF_SOCKADDR_IN;
  if (out.length < length) throw new RangeError(`sockaddr buffer too small: ${out.length} < ${length}`);

  out.fill(0, 0, length);
  out.writeUInt16LE(six ? P.AF_INET6 : P.AF_INET, 0); // host byte order
  out.writeUInt16BE(port, 2); // network byte order
  const addressField = six ? 8 : 4;
  pinned = out; // alive until inet_pton has written into it (see memory.ts)
  const ok = inet_pton(six ? P.AF_INET6 : P.AF_INET, numeric, addressOf(out) + addressField);
  pinned = null;
  if (ok !== 1) throw new TypeError(`invalid address "${host}"`); // isIP said yes, so this is not expected
  return length;
}

let pinned: unknown = null;

// inet_ntop writes its text here: INET6_ADDRSTRLEN is 46 bytes including the NUL.
const text = scratch(64);

let lastIpv4 = 0;
let lastIpv4Text = '';

/** Read a sockaddr_in / sockaddr_in6 filled in by the kernel (accept, getsockname, getpeername). */
export function decodeSockaddr(buf: Buffer): SocketAddress {
  const family = buf.readUInt16LE(0);
  const port = buf.readUInt16BE(2);
  if (family === P.AF_INET) {
    // Clients come from few addresses, mostly one after the other: the last text is reused
    // (no string built per connection, and idle connections share one).
    const ip = buf.readUInt32BE(4);
    if (ip !== lastIpv4 || lastIpv4Text === '') {
      lastIpv4 = ip;
      lastIpv4Text = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
    }
    return { family: 4, address: lastIpv4Text, port };
  }
  if (family === P.AF_INET6) {
    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; we keep it that way.
    pinned = buf;
    const ok = inet_ntop(P.AF_INET6, addressOf(buf) + 8, text.address, 46);
    pinned = null;
    if (ok === 0) throw new Error('inet_ntop failed on an IPv6 address from the kernel');
    return { family: 6, address: text.bytes.toString('latin1', 0, text.bytes.indexOf(0)), port };
  }
  throw new Error(`unsupported address family ${family}`);
}
