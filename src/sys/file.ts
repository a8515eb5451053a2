// stat(2) for a file cache that asks on every request whether a file
// changed: one system call, the five numbers that tell (device, inode,
// size, modification and change times) written into a caller's array — no
// Stats object, no Date objects, which is most of what fs.statSync costs.
import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { scratch } from './memory.js';
import { kernel } from './syscalls.js';

const { ENOENT, ENOTDIR } = os.constants.errno;

const buf = scratch(P.SIZEOF_STAT);
const words = new Uint32Array(buf.bytes.buffer); // 64-bit fields as (low, high) halves: no BigInt
const TWO_32 = 2 ** 32;

/** What statPath() writes, in this order. Times in milliseconds, as Node's stats.mtimeMs/ctimeMs. */
export const enum Stat {
  Dev,
  Ino,
  Size,
  MtimeMs,
  CtimeMs,
  /** 1 regular file, 2 directory, 3 anything else (socket, FIFO, device). */
  Kind,
  COUNT,
}

const u64 = (at: number): number => words[at >>> 2] + words[(at >>> 2) + 1] * TWO_32;
/** A timespec as ms: seconds (times after 1970, so the high half reads as unsigned) and nanoseconds. */
const ms = (at: number): number => u64(at) * 1e3 + words[(at + 8) >>> 2] / 1e6;

/**
 * stat(path), following symlinks, into `out` (see Stat). False when nothing
 * is there (ENOENT, or ENOTDIR: a path through a file); other failures
 * (EACCES, ELOOP…) throw a SysError whose `code` says which.
 */
export function statPath(path: string, out: Float64Array): boolean {
  if (kernel.stat(path, buf.address) < 0) {
    const e = errno();
    if (e === ENOENT || e === ENOTDIR) return false;
    throw sysError('stat', e);
  }
  out[Stat.Dev] = u64(P.OFFSETOF_ST_DEV);
  out[Stat.Ino] = u64(P.OFFSETOF_ST_INO);
  out[Stat.Size] = u64(P.OFFSETOF_ST_SIZE);
  out[Stat.MtimeMs] = ms(P.OFFSETOF_ST_MTIM);
  out[Stat.CtimeMs] = ms(P.OFFSETOF_ST_CTIM);
  const type = words[P.OFFSETOF_ST_MODE >>> 2] & P.S_IFMT;
  out[Stat.Kind] = type === P.S_IFREG ? 1 : type === P.S_IFDIR ? 2 : 3;
  return true;
}
