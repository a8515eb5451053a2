// The compressors: brotli and gzip with the settings the server uses
// everywhere, for a whole body at once or for a stream of chunks. Static
// files and handler responses share them.
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

// Loaded on first use (it reads mime-db, ~200 KB of JSON): see static/mime.ts.
const require = createRequire(import.meta.url);
let compressible: typeof import('compressible') | null = null;
import { chunkBytes } from '../../http/index.js';

/** Bodies below this many bytes are not worth compressing (headers and CPU cost more than they save). */
export const COMPRESS_MIN = 1024;
/** Files above this size are not compressed on the fly. */
export const COMPRESS_MAX = 8 * 1024 * 1024;
/** Up to this size a body is compressed synchronously (a few ms at most); above, as a stream. */
export const SYNC_COMPRESS_MAX = 128 * 1024;

export type Compressed = 'br' | 'gzip';

const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6 };

function brotliOptions(sizeHint: number, text: boolean): zlib.BrotliOptions {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
    [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
  };
  if (sizeHint > 0) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return { params };
}

// A site has few media types: remember the verdict for each.
const verdicts = new Map<string, boolean>();

/** Load the compressible package now rather than on the first verdict (see static/mime.ts: why not under load). */
export function loadCompressible(): void {
  compressible ??= require('compressible') as typeof import('compressible');
}

/** Is this media type (no parameters, any case) worth compressing? From the compressible package. */
export function isCompressible(mediaType: string): boolean {
  let v = verdicts.get(mediaType);
  if (v === undefined) {
    loadCompressible();
    v = compressible!(mediaType) === true;
    if (verdicts.size < 256) verdicts.set(mediaType, v);
  }
  return v;
}

/** A whole body, compressed now. `text` tunes brotli for text. */
export function compressBytes(body: Uint8Array, coding: Compressed, text: boolean): Buffer {
  return coding === 'br' ? zlib.brotliCompressSync(body, brotliOptions(body.length, text)) : zlib.gzipSync(body, GZIP_OPTIONS);
}

export interface StreamOptions {
  readonly text: boolean;
  /** Total size when known (brotli tunes itself with it), else 0. */
  readonly sizeHint: number;
  /**
   * Flush after every source chunk, so each one reaches the client as soon as
   * it is produced (a handler's stream may be live: server-sent events, a
   * progress report…). Off for files, where only throughput matters.
   */
  readonly flushEachChunk: boolean;
}

/**
 * `source` compressed, as a stream. Lazy: nothing is started until the first
 * next(); return() before that still releases the source.
 */
export function compressChunks(source: AsyncIterable<Uint8Array>, coding: Compressed, options: StreamOptions): AsyncIterableIterator<Uint8Array> {
  return new CompressedStream(source, coding, options);
}

class CompressedStream implements AsyncIterableIterator<Uint8Array> {
  #run: AsyncGenerator<Uint8Array> | null = null;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly coding: Compressed,
    private readonly options: StreamOptions,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    this.#run ??= run(this.source, this.coding, this.options);
    return this.#run.next();
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (this.#run !== null) return this.#run.return(undefined);
    // Never started: the generator's finally would not run, so release the source here.
    await this.source[Symbol.asyncIterator]().return?.();
    return { done: true, value: undefined };
  }
}

async function* run(source: AsyncIterable<Uint8Array>, coding: Compressed, o: StreamOptions): AsyncGenerator<Uint8Array> {
  const z = coding === 'br' ? zlib.createBrotliCompress(brotliOptions(o.sizeHint, o.text)) : zlib.createGzip(GZIP_OPTIONS);
  const out: Buffer[] = [];
  let failure: Error | null = null;
  z.on('data', (chunk: Buffer) => out.push(chunk)); // flowing: no back-pressure to wait on
  z.on('error', (e) => (failure = e));
  const take = (): Buffer => {
    const b = out.length === 1 ? out[0]! : Buffer.concat(out);
    out.length = 0;
    return b;
  };
  try {
    for await (const item of source) {
      // A handler's chunks may be strings or any ArrayBuffer view, as uncompressed (http/'s rule, and its message for anything else).
      const chunk = chunkBytes(item);
      if (chunk.byteLength === 0) continue;
      // Wait until zlib has taken the chunk: that is the back-pressure on the source.
      await step(z, (done) => {
        if (o.flushEachChunk) {
          z.write(chunk);
          z.flush(done);
        } else {
          z.write(chunk, () => done());
        }
      });
      if (failure !== null) throw failure;
      if (out.length > 0) yield take();
    }
    await step(z, (done) => z.end(done));
    await new Promise<void>((resolve) => (z.readableEnded ? resolve() : z.once('end', resolve)));
    if (failure !== null) throw failure;
    if (out.length > 0) yield take();
  } finally {
    z.destroy();
  }
}

/** Start `action` and wait until it calls done(), or the compressor fails. */
function step(z: zlib.Gzip | zlib.BrotliCompress, action: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => reject(e);
    z.once('error', fail);
    action(() => {
      z.off('error', fail);
      resolve();
    });
  });
}
