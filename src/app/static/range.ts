// Range requests (RFC 9110 §14): parse "bytes=…" into byte ranges and build
// the multipart/byteranges body for several of them.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** An inclusive byte range, already clamped to the representation. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** More ranges than this (or overlapping ones) are answered with the whole file. */
export const MAX_RANGES = 16;

const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Parse a Range field value against a representation of `size` bytes.
 *   null  → ignore the header (syntax error, or a unit other than bytes): 200
 *   []    → no range is satisfiable: 416
 *   [...] → the satisfiable ranges, in request order
 */
export function parseRange(field: string, size: number): ByteRange[] | null {
  const eq = field.indexOf('=');
  if (eq !== 5 || field.slice(0, 5).toLowerCase() !== 'bytes') return null;
  const ranges: ByteRange[] = [];
  let specs = 0;
  let emptySuffix = false;
  for (const raw of field.slice(6).split(',')) {
    const spec = raw.trim();
    if (spec === '') continue; // empty list elements are allowed (§5.6.1)
    const m = RANGE_SPEC.exec(spec);
    if (m === null) return null;
    const first = m[1]!;
    const last = m[2]!;
    specs++;
    if (first === '') {
      if (last === '') return null; // a lone "-"
      const suffix = Number(last);
      if (suffix === 0) continue; // "-0" is unsatisfiable
      if (size === 0) emptySuffix = true;
      else ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
    } else {
      const start = Number(first);
      const end = last === '' ? Infinity : Number(last);
      if (end < start) return null; // "5-1" is invalid syntax, not unsatisfiable
      if (start >= size) continue;
      ranges.push({ start, end: Math.min(end, size - 1) });
    }
  }
  if (specs === 0) return null; // "bytes=" or "bytes=,"
  // A suffix range of an empty file is satisfiable but selects nothing:
  // there is no Content-Range to describe it, so send the (empty) 200.
  if (ranges.length === 0 && emptySuffix) return null;
  return ranges;
}

/** Several ranges are worth a multipart answer only if few and disjoint. */
export function multipartWorthy(ranges: readonly ByteRange[]): boolean {
  if (ranges.length > MAX_RANGES) return false;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start <= sorted[i - 1]!.end) return false;
  }
  return true;
}

/** Bodies up to this size are built in memory; larger ones are streamed. */
const INLINE_MULTIPART_MAX = 64 * 1024;
const CHUNK = 64 * 1024;

export interface Multipart {
  readonly contentType: string;
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
}

/**
 * multipart/byteranges (§14.6): each part carries its own Content-Type and
 * Content-Range. `fd` may be -1; the small case then opens `file` itself.
 */
export function multipartByteranges(
  file: string,
  fd: number,
  ranges: readonly ByteRange[],
  size: number,
  partType: string,
): Multipart {
  const boundary = randomBytes(12).toString('hex');
  const heads = ranges.map((r, i) =>
    Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${partType}\r\n` +
        `Content-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
      'latin1',
    ),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  let total = tail.length;
  for (let i = 0; i < ranges.length; i++) total += heads[i]!.length + ranges[i]!.end - ranges[i]!.start + 1;

  const contentType = `multipart/byteranges; boundary=${boundary}`;
  if (total <= INLINE_MULTIPART_MAX) return { contentType, body: readInline(file, fd, ranges, heads, tail, total) };
  return { contentType, body: streamParts(file, ranges, heads, tail) };
}

function readInline(
  file: string,
  fd: number,
  ranges: readonly ByteRange[],
  heads: Buffer[],
  tail: Buffer,
  total: number,
): Buffer {
  const out = Buffer.allocUnsafe(total);
  const own = fd < 0;
  if (own) fd = fs.openSync(file, 'r');
  try {
    let at = 0;
    for (let i = 0; i < ranges.length; i++) {
      at += heads[i]!.copy(out, at);
      const r = ranges[i]!;
      at += readFully(fd, out, at, r.end - r.start + 1, r.start);
    }
    tail.copy(out, at);
  } finally {
    if (own) fs.closeSync(fd);
  }
  return out;
}

/** Read exactly `length` bytes (a file that shrank underneath is zero-filled). */
function readFully(fd: number, out: Buffer, at: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, at + done, length - done, position + done);
    if (n === 0) {
      out.fill(0, at + done, at + length);
      break;
    }
    done += n;
  }
  return length;
}

/** Opens its own descriptor lazily, so nothing leaks if it is never iterated. */
async function* streamParts(
  file: string,
  ranges: readonly ByteRange[],
  heads: Buffer[],
  tail: Buffer,
): AsyncGenerator<Uint8Array> {
  const handle = await fs.promises.open(file, 'r');
  try {
    for (let i = 0; i < ranges.length; i++) {
      yield heads[i]!;
      const r = ranges[i]!;
      let position = r.start;
      while (position <= r.end) {
        const want = Math.min(CHUNK, r.end - position + 1);
        const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, position);
        if (bytesRead === 0) throw new Error(`${file} shrank while sending byte ranges`);
        yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
        position += bytesRead;
      }
    }
    yield tail;
  } finally {
    await handle.close();
  }
}
