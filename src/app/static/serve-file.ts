// Answering for one file that exists (RFC 9110): pick the representation
// (identity, a precompressed sibling, or compressed on the fly), evaluate the
// preconditions, honour Range, and choose how the bytes travel — from memory,
// from a cached descriptor with sendfile, or as a stream.
import type { FileBody, Reply } from '../types.js';
import { evaluatePreconditions, ifRangeHolds } from './conditional.js';
import { compressedBody, CompressedCache } from './compressed-files.js';
import { negotiateEncoding, type Coding } from '../encoding/negotiate.js';
import { openForSend, type FileCache } from './file-cache.js';
import type { FileEntry, FileMeta } from './file-meta.js';
import { multipartByteranges, multipartWorthy, parseRange } from './range.js';
import type { RequestFields } from './request-fields.js';
import { smallFileBytes } from './small-files.js';

/** Builds the error replies of this app (412, 416) with its usual fields. */
const VARY: readonly string[] = Object.freeze(['Vary', 'Accept-Encoding']);

export type ErrorReply = (status: number, extra?: readonly string[]) => Reply;

export class FileReplies {
  private readonly compressed = new CompressedCache();

  constructor(
    private readonly cache: FileCache<FileMeta>,
    private readonly memoryMaxBytes: number,
    private readonly error: ErrorReply,
  ) {}

  clear(): void {
    this.compressed.clear();
  }

  /** The reply for GET or HEAD of the file behind `entry`. */
  reply(method: string, entry: FileEntry, f: RequestFields, now: number): Reply {
    const meta = entry.data!;
    const head = method === 'HEAD';

    // 1. Which representation: Range only ever applies to identity.
    const { coding, sibling } = this.representation(entry, f.range === undefined ? f.acceptEncoding : undefined, now);
    const rep = coding === 'identity' ? meta.identity : coding === 'br' ? meta.br : meta.gzip;
    const vary = meta.vary ? VARY : undefined;

    // 2. Preconditions (§13.2.2).
    const verdict = evaluatePreconditions(f, rep.etag, meta.lastModifiedMs, meta.lastModified);
    if (verdict === 412) return this.error(412, vary);
    if (verdict === 304) return { status: 304, headers: rep.notModified as string[], body: null };

    // 3. Ranges (§14), unless If-Range says the client's copy is stale.
    const size = entry.size;
    if (f.range !== undefined && (f.ifRange === undefined || ifRangeHolds(f.ifRange, meta.identity.etag, meta.lastModifiedMs, entry.mtimeMs, now))) {
      const ranges = parseRange(f.range, size);
      if (ranges !== null) {
        if (ranges.length === 0) {
          const extra = ['Content-Range', `bytes */${size}`];
          if (vary !== undefined) extra.push(...vary);
          return this.error(416, extra);
        }
        if (ranges.length === 1) {
          const { start, end } = ranges[0]!;
          const headers = meta.identity.ok.slice();
          headers.push('Content-Range', `bytes ${start}-${end}/${size}`);
          return { status: 206, headers, body: this.fileBody(entry, start, end - start + 1, head) };
        }
        if (multipartWorthy(ranges)) {
          const fd = this.cache.cachedFd(entry, false);
          const parts = multipartByteranges(entry.real, fd, ranges, size, meta.contentType);
          return { status: 206, headers: ['Content-Type', parts.contentType, ...meta.tail], body: parts.body };
        }
        // Overlapping or too many ranges: the whole file is the cheaper answer.
      }
    }

    // 4. The whole representation. Its frozen header list is shared by every
    // response for this file: http/ encodes it once. A small file in identity
    // coding is one frozen reply, head and bytes encoded together.
    if (coding === 'identity' && !head && size > 0 && size <= this.memoryMaxBytes) {
      if (meta.whole !== null) return meta.whole;
      const bytes = smallFileBytes(entry);
      if (bytes !== null) return (meta.whole = Object.freeze({ status: 200, headers: rep.ok as string[], body: bytes }));
    }
    return { status: 200, headers: rep.ok as string[], body: this.wholeBody(entry, coding, sibling, head) };
  }

  /**
   * The file behind `entry` as the body of an error page (the root's
   * 404.html): the coding negotiated as for any file, but no validators, no
   * ranges, no preconditions — they describe the resource asked for, which
   * does not exist.
   */
  page(status: number, method: string, entry: FileEntry, acceptEncoding: string | undefined, now: number): Reply {
    const meta = entry.data!;
    const { coding, sibling } = this.representation(entry, acceptEncoding, now);
    const headers = ['Content-Type', meta.contentType];
    if (coding !== 'identity') headers.push('Content-Encoding', coding);
    if (meta.vary) headers.push(...VARY);
    return { status, headers, body: this.wholeBody(entry, coding, sibling, method === 'HEAD') };
  }

  /** The coding to send the file in, and the precompressed sibling that holds it (if one does). */
  private representation(entry: FileEntry, acceptEncoding: string | undefined, now: number): { coding: Coding; sibling: FileEntry | null } {
    const meta = entry.data!;
    let coding: Coding = 'identity';
    let sibling: FileEntry | null = null;
    if (acceptEncoding !== undefined && (meta.onTheFly || meta.hasBr || meta.hasGz)) {
      coding = negotiateEncoding(acceptEncoding, meta.onTheFly || meta.hasBr, meta.onTheFly || meta.hasGz);
      if (coding !== 'identity' && (coding === 'br' ? meta.hasBr : meta.hasGz)) {
        sibling = this.sibling(entry, coding === 'br' ? '.br' : '.gz', now);
        if (sibling === null && !meta.onTheFly) coding = 'identity'; // it vanished since
      }
    }
    return { coding, sibling };
  }

  /** All of the file in `coding`: its bytes, a precompressed sibling's, or compressed now (cached). */
  private wholeBody(entry: FileEntry, coding: Coding, sibling: FileEntry | null, head: boolean): Reply['body'] {
    const meta = entry.data!;
    const size = entry.size;
    if (coding === 'identity') return size === 0 ? null : this.fileBody(entry, 0, size, head);
    if (sibling !== null) return sibling.size === 0 ? null : this.fileBody(sibling, 0, sibling.size, head);
    return compressedBody(
      this.compressed,
      coding === 'br' ? meta.brKey : meta.gzipKey,
      coding,
      entry.real,
      this.cache.cachedFd(entry, false),
      size,
      meta.textual,
    );
  }

  /** A precompressed sibling that exists, is a file and is not older than the original. */
  sibling(entry: FileEntry, ext: '.br' | '.gz', now: number): FileEntry | null {
    const s = this.cache.lookup(entry.rel + ext, now);
    return s.kind === 'file' && s.mtimeMs >= entry.mtimeMs ? s : null;
  }

  /** The bytes of [offset, offset + length): from memory for small files, else a file range for sendfile. */
  fileBody(entry: FileEntry, offset: number, length: number, head: boolean): FileBody | Uint8Array {
    if (!head && entry.size <= this.memoryMaxBytes) {
      const bytes = smallFileBytes(entry);
      if (bytes !== null) return bytes.subarray(offset, offset + length);
    }
    const cached = this.cache.cachedFd(entry, head);
    if (cached >= 0) return { kind: 'file', fd: cached, offset, length, closeAfter: false };
    return { kind: 'file', fd: openForSend(entry.real), offset, length, closeAfter: true };
  }
}
