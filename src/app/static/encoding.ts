// Content codings (RFC 9110 §8.4, §12.5.3): which coding to send, and the
// on-the-fly compressor with its small cache.
import fs from 'node:fs';
import zlib from 'node:zlib';

export type Coding = 'br' | 'gzip' | 'identity';

// --- Negotiation -------------------------------------------------------------

/** q-values from one Accept-Encoding value; -1 means "not listed". */
interface Preferences {
  br: number;
  gzip: number;
  identity: number;
  star: number;
}

// Clients send the same few Accept-Encoding strings over and over.
const parsed = new Map<string, Preferences>();
const PARSED_MAX = 64;

/** Below any q a client can write (q has three decimals): unlisted identity. */
const IMPLICIT_IDENTITY = 0.0001;

/**
 * Pick the coding to send. `br`/`gzip` say which codings we can produce.
 * Highest q wins; at equal q br beats gzip beats identity. Without the field
 * we send identity (what curl and most non-browser clients expect). When every
 * option is refused, identity is sent anyway: a 406 helps nobody (§12.5.3).
 */
export function negotiateEncoding(field: string | undefined, br: boolean, gzip: boolean): Coding {
  if (field === undefined || (!br && !gzip)) return 'identity';
  let p = parsed.get(field);
  if (p === undefined) {
    p = parseAcceptEncoding(field);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(field, p);
  }
  const qBr = br ? (p.br >= 0 ? p.br : Math.max(p.star, 0)) : 0;
  const qGzip = gzip ? (p.gzip >= 0 ? p.gzip : Math.max(p.star, 0)) : 0;
  const qIdentity = p.identity >= 0 ? p.identity : p.star === 0 ? 0 : IMPLICIT_IDENTITY;
  const best = Math.max(qBr, qGzip);
  if (best === 0 || best < qIdentity) return 'identity';
  return qBr === best ? 'br' : 'gzip';
}

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseAcceptEncoding(field: string): Preferences {
  const p: Preferences = { br: -1, gzip: -1, identity: -1, star: -1 };
  for (const element of field.split(',')) {
    const semi = element.indexOf(';');
    const name = (semi < 0 ? element : element.slice(0, semi)).trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    if (semi >= 0) {
      const param = element.slice(semi + 1).trim();
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(eq + 1).trim();
      if (!QVALUE.test(value)) continue; // an unreadable weight: ignore the element
      q = Number(value);
    }
    switch (name) {
      case 'br':
        if (p.br < 0) p.br = q;
        break;
      case 'gzip':
      case 'x-gzip': // §8.4.1.3: equivalent to gzip
        if (p.gzip < 0) p.gzip = q;
        break;
      case 'identity':
        if (p.identity < 0) p.identity = q;
        break;
      case '*':
        if (p.star < 0) p.star = q;
        break;
    }
  }
  return p;
}

// --- On-the-fly compression ---------------------------------------------------

/** Files in this size range of a compressible type are compressed on the fly. */
export const COMPRESS_MIN = 1024;
export const COMPRESS_MAX = 8 * 1024 * 1024;
/** Up to this size we compress synchronously (a few ms at most); above, we stream. */
const SYNC_COMPRESS_MAX = 128 * 1024;

function brotliOptions(size: number, text: boolean): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
      [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
    },
  };
}
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6 };

/**
 * Compressed bodies, bounded by their total size. Eviction is "second
 * chance" (CLOCK), an approximation of LRU: a hit only sets a flag, so the
 * hot path does no Map reshuffling; eviction walks from the oldest entry,
 * gives recently used ones another round and drops the first unused one.
 */
export class CompressedCache {
  private readonly map = new Map<string, { body: Uint8Array; used: boolean }>();
  private total = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(key: string): Uint8Array | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.body;
  }

  set(key: string, body: Uint8Array): void {
    if (body.length > this.maxBytes) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.total -= old.body.length;
      this.map.delete(key);
    }
    this.total += body.length;
    while (this.total > this.maxBytes) {
      const [k, slot] = this.map.entries().next().value!;
      this.map.delete(k);
      if (slot.used) {
        slot.used = false;
        this.map.set(k, slot); // second chance: to the young end
      } else {
        this.total -= slot.body.length;
      }
    }
    this.map.set(key, { body, used: false });
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}

/**
 * The compressed body of a file: from the cache, compressed right now (small
 * files), or as a stream that fills the cache once it has been read to the end.
 * `fd` is an open descriptor for the small case, or -1 to open `file` here.
 */
export function compressedBody(
  cache: CompressedCache,
  key: string,
  coding: 'br' | 'gzip',
  file: string,
  fd: number,
  size: number,
  text: boolean,
): Uint8Array | AsyncIterable<Uint8Array> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (size <= SYNC_COMPRESS_MAX) {
    const source = readWhole(file, fd, size);
    const body =
      coding === 'br' ? zlib.brotliCompressSync(source, brotliOptions(size, text)) : zlib.gzipSync(source, GZIP_OPTIONS);
    cache.set(key, body);
    return body;
  }
  return compressStream(file, size, coding, text, (body) => cache.set(key, body));
}

function readWhole(file: string, fd: number, size: number): Buffer {
  const own = fd < 0;
  if (own) fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? buf : buf.subarray(0, done);
  } finally {
    if (own) fs.closeSync(fd);
  }
}

/** Lazily started: nothing is opened or compressed unless the body is read. */
async function* compressStream(
  file: string,
  size: number,
  coding: 'br' | 'gzip',
  text: boolean,
  onComplete: (body: Buffer) => void,
): AsyncGenerator<Uint8Array> {
  const source = fs.createReadStream(file, { start: 0, end: size - 1, highWaterMark: 64 * 1024 });
  const compressor = coding === 'br' ? zlib.createBrotliCompress(brotliOptions(size, text)) : zlib.createGzip(GZIP_OPTIONS);
  source.on('error', (err) => compressor.destroy(err));
  source.pipe(compressor);
  const chunks: Buffer[] = [];
  let complete = false;
  try {
    for await (const chunk of compressor as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      yield chunk;
    }
    complete = true;
  } finally {
    source.destroy();
    compressor.destroy();
    if (complete) onComplete(Buffer.concat(chunks));
  }
}
