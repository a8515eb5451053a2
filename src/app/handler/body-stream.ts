// The body of a WHATWG Response (a ReadableStream) as a Reply body. It is read
// ahead a little before the headers go out: a body that ends within
// READ_AHEAD without waiting is sent whole, with a Content-Length; a longer
// or slower one is streamed (chunked) as a BodyStream.
import type { ReadableStreamReadResult } from 'node:stream/web';
import { describeValue } from './describe.js';

/**
 * How much of a streamed body is read before the headers go out. A body that
 * ends within this is sent whole, with Content-Length; a longer one streams.
 */
export const READ_AHEAD = 64 * 1024;

const EMPTY = Buffer.alloc(0);
const STALLED = Symbol('stalled');

/**
 * Read `stream` ahead: one Buffer if it ends soon, else a BodyStream. With
 * `head` (a HEAD request) a body that would stream is cancelled instead:
 * only its framing matters.
 */
export async function readBody(stream: ReadableStream<Uint8Array>, head: boolean): Promise<Buffer | AsyncIterable<Uint8Array>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  // "Without waiting" means: before this turn of the event loop ends. A read
  // still pending then waits on a timer, I/O, another request…: stream it.
  let timer: NodeJS.Immediate | undefined;
  const stalled = new Promise<typeof STALLED>((resolve) => {
    timer = setImmediate(resolve, STALLED);
  });
  try {
    while (size < READ_AHEAD) {
      pending = reader.read();
      const result = await Promise.race([pending, stalled]);
      if (result === STALLED) break;
      pending = null;
      if (result.done) {
        if (chunks.length === 1) return asBuffer(chunks[0]!);
        return chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size);
      }
      const chunk = bytes(result.value);
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } finally {
    clearImmediate(timer); // do not leave one behind per response (a blocking model may not turn the loop for long)
  }
  const body = new BodyStream(reader, chunks, pending);
  if (head) void body.return();
  return body;
}

/**
 * The rest of a response body as an AsyncIterable: first the chunks already
 * read ahead, then the stream. return() (a `for await` that stops early, a
 * client that went away) cancels the stream, so an endless one stops too.
 */
export class BodyStream implements AsyncIterableIterator<Uint8Array> {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #ahead: Uint8Array[];
  #pending: Promise<ReadableStreamReadResult<Uint8Array>> | null;
  #done = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, ahead: Uint8Array[], pending: Promise<ReadableStreamReadResult<Uint8Array>> | null) {
    this.#reader = reader;
    this.#ahead = ahead.reverse(); // pop() from the end is cheaper than shift()
    this.#pending = pending; // already watched by Promise.race: a rejection left here is not "unhandled"
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#ahead.length > 0) return { done: false, value: this.#ahead.pop()! };
    if (this.#done) return { done: true, value: undefined };
    const read = this.#pending ?? this.#reader.read();
    this.#pending = null;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await read;
    } catch (e) {
      this.#done = true;
      throw e;
    }
    if (result.done) {
      this.#done = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: bytes(result.value) };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.#done) {
      this.#done = true;
      this.#ahead.length = 0;
      // Not awaited: a source's cancel() may take its time, and its failure
      // has no one left to be reported to.
      this.#reader.cancel().catch(ignore);
    }
    return { done: true, value: undefined };
  }
}

/** A stream chunk as bytes; strings (which some hand-made streams enqueue) as UTF-8. */
function bytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`response body chunk is ${describeValue(chunk)}, not bytes`);
}

/** The same memory seen as a Buffer, without copying. */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function ignore(): void {}
