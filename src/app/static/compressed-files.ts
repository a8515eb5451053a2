// Files compressed on the fly, and the cache that keeps the results: a
// compressed file is built once and then answered from memory.
import fs from 'node:fs';
import { compressBytes, compressChunks, SYNC_COMPRESS_MAX, type Compressed } from '../encoding/compress.js';

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
 *
 * The small case reads and compresses on the calling thread (event loop
 * included): at most SYNC_COMPRESS_MAX bytes, a few ms, once per version of
 * the file, since the result is cached. Larger files stream through zlib,
 * which works on libuv's thread pool.
 */
export function compressedBody(
  cache: CompressedCache,
  key: string,
  coding: Compressed,
  file: string,
  fd: number,
  size: number,
  text: boolean,
): Uint8Array | AsyncIterable<Uint8Array> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (size <= SYNC_COMPRESS_MAX) {
    const body = compressBytes(readWhole(file, fd, size), coding, text);
    cache.set(key, body);
    return body;
  }
  const stream = compressChunks(readChunks(file, size), coding, { text, sizeHint: size, flushEachChunk: false });
  return keepWhenComplete(stream, (body) => cache.set(key, body));
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

/** The first `size` bytes of `file`, read lazily: nothing is opened unless iterated. */
async function* readChunks(file: string, size: number): AsyncGenerator<Uint8Array> {
  const source = fs.createReadStream(file, { start: 0, end: size - 1, highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) yield chunk;
  } finally {
    source.destroy();
  }
}

/** Pass `stream` through; once it has been read to the end, hand the whole of it to `onComplete`. */
async function* keepWhenComplete(stream: AsyncIterable<Uint8Array>, onComplete: (body: Buffer) => void): AsyncGenerator<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    yield chunk;
  }
  onComplete(Buffer.concat(chunks));
}
