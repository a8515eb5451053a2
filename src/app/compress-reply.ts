// Compression of a handler's replies, by the rules static files follow: a
// compressible Content-Type, a body of at least COMPRESS_MIN bytes (or a
// stream), br or gzip as Accept-Encoding prefers (negotiate.ts), and
// Vary: Accept-Encoding whenever the answer depends on it. Not when the
// handler chose a coding itself (Content-Encoding), sent a range
// (Content-Range), or asked for none (Cache-Control: no-transform).
//
// Like nginx's gzip filter, a compressed reply loses Accept-Ranges (ranges
// would count the compressed bytes) and its strong ETag becomes weak (the
// bytes differ from the identity ones). A frozen reply — a native helper's,
// built once — is compressed once per coding and the result kept.
import { listHas } from '../http/index.js';
import { COMPRESS_MIN, SYNC_COMPRESS_MAX, compressBytes, compressChunks, isCompressible, type Compressed } from './encoding/compress.js';
import { negotiateEncoding } from './encoding/negotiate.js';
import { frozen } from './replies.js';
import type { Reply, Request } from './types.js';

/** What a compressible reply needs to be sent compressed. */
interface Plan {
  /** The body as bytes, or null for a stream. */
  readonly bytes: Uint8Array | null;
}

/** Per frozen reply: whether it can be compressed, and the variants made so far. */
interface Variants {
  readonly plan: Plan | null;
  identity?: Reply;
  br?: Reply;
  gzip?: Reply;
}
/** Compressible types are text-like: brotli is tuned for text, as for files. */
const TEXT = true;

const frozenVariants = new WeakMap<Reply, Variants>();

/** `reply` as it should go to the client that sent `req`: compressed, or with Vary, or as it is. */
export function compressReply(reply: Reply, req: Request): Reply {
  let v = frozenVariants.get(reply); // (only frozen replies are in it: cheaper than asking V8 first)
  if (v === undefined && (!Object.isFrozen(reply) || !cacheable(reply))) {
    const plan = planFor(reply);
    return plan === null ? reply : variant(reply, plan, negotiateEncoding(req.header('accept-encoding'), true, true));
  }
  if (v === undefined) {
    v = { plan: planFor(reply) };
    frozenVariants.set(reply, v);
  }
  if (v.plan === null) return reply;
  const coding = negotiateEncoding(req.header('accept-encoding'), true, true);
  return (v[coding] ??= frozen(variant(reply, v.plan, coding)));
}

/** A frozen reply's variants may be kept: its body is bytes, small enough to compress at once. */
function cacheable(reply: Reply): boolean {
  const b = reply.body;
  return (typeof b === 'string' || b instanceof Uint8Array) && b.length <= SYNC_COMPRESS_MAX;
}

/** How `reply` would be compressed, or null when it is not to be. */
function planFor(reply: Reply): Plan | null {
  const status = reply.status;
  if (status === 204 || status === 205 || status === 206 || status === 304) return null;
  const b = reply.body;
  let bytes: Uint8Array | null;
  if (typeof b === 'string') {
    // UTF-8 needs at most 3 bytes per UTF-16 unit: most short bodies are ruled out without counting.
    if (b.length * 3 < COMPRESS_MIN || Buffer.byteLength(b) < COMPRESS_MIN) return null;
    bytes = Buffer.from(b, 'utf8');
  } else if (b instanceof Uint8Array) {
    if (b.length < COMPRESS_MIN) return null;
    bytes = b;
  } else if (b !== null && typeof (b as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    bytes = null; // a stream: compressed as it goes
  } else {
    return null; // no body, or a file (a handler's sendfile is sent as it is)
  }

  let type: string | undefined;
  const h = reply.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    switch (name.length) {
      case 12:
        if (name.toLowerCase() === 'content-type') type ??= h[i + 1];
        break;
      case 13:
        if (name.toLowerCase() === 'cache-control' && listHas(h[i + 1]!, 'no-transform')) return null;
        if (name.toLowerCase() === 'content-range') return null;
        break;
      case 16:
        if (name.toLowerCase() === 'content-encoding') return null;
        break;
    }
  }
  if (type === undefined) return null;
  const semi = type.indexOf(';');
  const media = (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
  if (!isCompressible(media)) return null;
  return { bytes };
}

/** The reply in `coding`: fields adjusted, body compressed (or still to be, for a stream). */
function variant(reply: Reply, plan: Plan, coding: 'identity' | Compressed): Reply {
  const headers: string[] = [];
  let vary = false;
  const h = reply.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    let value = h[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'vary') {
      vary = true;
      if (value.trim() !== '*' && !listHas(value, 'accept-encoding')) value += ', Accept-Encoding';
    } else if (coding !== 'identity') {
      if (lower === 'accept-ranges') continue;
      if (lower === 'etag' && value.startsWith('"')) value = 'W/' + value;
    }
    headers.push(name, value);
  }
  if (!vary) headers.push('Vary', 'Accept-Encoding');
  if (coding === 'identity') return { ...reply, headers };
  headers.push('Content-Encoding', coding);

  let body: Reply['body'];
  if (plan.bytes === null) {
    body = compressChunks(reply.body as AsyncIterable<Uint8Array>, coding, { text: TEXT, sizeHint: 0, flushEachChunk: true });
  } else if (plan.bytes.length <= SYNC_COMPRESS_MAX) {
    body = compressBytes(plan.bytes, coding, TEXT);
  } else {
    // Large: compressed on libuv's threads as a stream, not here on the event loop.
    body = compressChunks(pieces(plan.bytes), coding, { text: TEXT, sizeHint: plan.bytes.length, flushEachChunk: false });
  }
  return { ...reply, headers, body };
}

/** Bytes in 64 KiB pieces, so that zlib takes them at its own pace. */
async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
}
