// A streamed body's first chunk, read before the response head is sent.
//
// Once the head is out, the status is said: a stream that then yields
// something that is not bytes, or fails, can only be answered by cutting the
// connection. Most such bugs show on the first chunk (a generator that
// yields numbers, objects, a stream that throws at once), and before the
// head they can still become a 500 with the reason in the log. So the first
// chunk is pulled and checked here, as the fetch adapter's read-ahead does
// for Response bodies (app/handler/body-stream.ts); the rest is pulled by
// the model as it sends, each chunk checked by http/'s Outgoing.frame().
import { chunkBytes, type Reply } from '../http/index.js';

type Stream = AsyncIterable<unknown>;

/** Does this reply carry a stream whose bytes would be sent? (Not for statuses without content; the caller leaves out HEAD.) */
export function streamsBody(reply: Reply): boolean {
  const b = reply.body;
  if (b === null || typeof b !== 'object' || b instanceof Uint8Array || (b as { kind?: unknown }).kind === 'file') return false;
  const s = reply.status;
  return s >= 200 && s !== 204 && s !== 205 && s !== 304 && typeof (b as Stream)[Symbol.asyncIterator] === 'function';
}

/**
 * `reply` with its stream's first chunk already pulled and checked: the
 * same chunks follow, in order (and the framing stays a stream's, chunked,
 * even when it ends at once). Rejects — after letting the stream release
 * what it holds — when the first chunk is not a string or bytes, or the
 * stream fails.
 */
export async function readFirstChunk(reply: Reply): Promise<Reply> {
  const it = (reply.body as Stream)[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await it.next();
    return { ...reply, body: new ReadAhead(first.done === true ? null : chunkBytes(first.value), it) as AsyncIterable<Uint8Array> };
  } catch (e) {
    try {
      void it.return?.()?.catch(() => {});
    } catch {
      /* its return() is broken too: nothing more to do */
    }
    throw e;
  }
}

/** The first chunk (null: it had ended), then the rest of the iterator; return() reaches the source (a client that left stops the stream). */
class ReadAhead implements AsyncIterableIterator<unknown> {
  constructor(
    private first: Uint8Array | null,
    private readonly rest: AsyncIterator<unknown>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    const first = this.first;
    if (first !== null) {
      this.first = null;
      return Promise.resolve({ done: false, value: first });
    }
    return this.rest.next();
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.first = null;
    await this.rest.return?.();
    return { done: true, value: undefined };
  }
}
