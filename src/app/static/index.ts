// The static-file application: maps a Request onto the document root and
// answers with a Reply, following RFC 9110 for methods, validators,
// conditionals, ranges and content codings. Everything on the path of a
// plain GET is synchronous and cached (see file-cache.ts), because the
// iterative model calls handle() between blocking syscalls.
import fs from 'node:fs';
import path from 'node:path';
import type { App, FileBody, Reply, Request } from '../types.js';
import { evaluatePreconditions, ifRangeHolds, type ConditionalFields } from './conditional.js';
import { COMPRESS_MAX, COMPRESS_MIN, CompressedCache, compressedBody, negotiateEncoding } from './encoding.js';
import { Entry, FileCache, openForSend, statusForError } from './file-cache.js';
import { renderListing, type ListingOptions } from './listing.js';
import { mimeFor } from './mime.js';
import { multipartByteranges, multipartWorthy, parseRange } from './range.js';
import { encodePath, safePath } from './resolve.js';

export interface StaticOptions {
  /** Absolute path, already checked to exist. */
  root: string;
  /** Default false. */
  dirListing?: boolean;
  /** Value for Cache-Control on 200/206/304 file responses. */
  cacheControl?: string;
  /** Access-Control-Allow-Origin: * (+ preflight answers on OPTIONS). */
  cors?: boolean;
  /** Unknown non-file paths → index.html with 200. */
  spa?: boolean;
  /** Default true. */
  compress?: boolean;
  /** Default false: a symlink whose target is outside root → 404. */
  followSymlinks?: boolean;
  /** Default false: any path segment starting with "." → 404 (except /.well-known/). */
  dotfiles?: boolean;
  /** Default 1000. */
  metadataTtlMs?: number;
  /** Files up to this many bytes are answered from memory (one send for head and body); 0: always sendfile. Default 16 KiB. */
  memoryMaxBytes?: number;
}

export interface StaticApp extends App {
  /** Always a Reply: 404 when nothing matches. */
  handle(request: Request): Reply;
  /** null where handle() would answer 404, so another handler can take over. */
  handleOrNull(request: Request): Reply | null;
  /** Close cached file descriptors. */
  close(): void;
}

export function createStaticApp(options: StaticOptions): StaticApp {
  const server = new StaticServer(options);
  return {
    handle: (request) => server.handle(request) ?? server.error(404),
    handleOrNull: (request) => server.handle(request),
    close: () => server.close(),
  };
}

const ALLOW = 'GET, HEAD, OPTIONS';
const TEXT_PLAIN = 'text/plain; charset=utf-8';
const REASONS: Record<number, string> = {
  301: 'Moved Permanently\n',
  400: 'Bad Request\n',
  403: 'Forbidden\n',
  404: 'Not Found\n',
  405: 'Method Not Allowed\n',
  412: 'Precondition Failed\n',
  416: 'Range Not Satisfiable\n',
  500: 'Internal Server Error\n',
  503: 'Service Unavailable\n',
};
const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/** One representation of a file (identity, br or gzip) and its prepared header lists. */
interface Representation {
  readonly etag: string;
  /** Headers of a 200 (also the start of a single-range 206). */
  readonly ok: readonly string[];
  /** Headers of a 304. */
  readonly notModified: readonly string[];
}

/** What we derive once per metadata refresh of a file. */
interface FileMeta {
  readonly contentType: string;
  readonly lastModified: string;
  /** Last-Modified in ms, truncated to the second it shows. */
  readonly lastModifiedMs: number;
  /** True when the response depends on Accept-Encoding. */
  readonly vary: boolean;
  /** Compressible type within the on-the-fly size range. */
  readonly onTheFly: boolean;
  /** A usable precompressed sibling (file.br / file.gz) was seen. */
  readonly hasBr: boolean;
  readonly hasGz: boolean;
  readonly textual: boolean;
  readonly identity: Representation;
  readonly br: Representation;
  readonly gzip: Representation;
  /** Identity headers without Content-Type, for multipart/byteranges. */
  readonly tail: readonly string[];
  readonly brKey: string;
  readonly gzipKey: string;
  /** A small file's bytes, read on first use (see fileBody). */
  bytes: Buffer | null;
}

/**
 * Files up to this size are answered from memory: the head and the bytes go
 * out in one send(), where a sendfile would cost a second syscall for a few
 * KiB (the "one writev" of DESIGN.md). Larger files always use sendfile.
 */
const SMALL_FILE_MAX_DEFAULT = 16 * 1024;
const SMALL_FILES_BUDGET = 32 * 1024 * 1024;
let smallFilesHeld = 0;
const forgetBytes = new FinalizationRegistry<number>((n) => (smallFilesHeld -= n));

/** The request fields the file path reads, gathered in one pass. */
class Fields implements ConditionalFields {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  ifUnmodifiedSince: string | undefined;
  ifRange: string | undefined;
  range: string | undefined;
  acceptEncoding: string | undefined;
  accept: string | undefined;

  read(headers: readonly string[]): this {
    this.ifMatch = this.ifNoneMatch = this.ifModifiedSince = this.ifUnmodifiedSince = undefined;
    this.ifRange = this.range = this.acceptEncoding = this.accept = undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const value = headers[i + 1]!;
      switch (headers[i]) {
        case 'if-match':
          this.ifMatch ??= value;
          break;
        case 'if-none-match':
          this.ifNoneMatch ??= value;
          break;
        case 'if-modified-since':
          this.ifModifiedSince ??= value;
          break;
        case 'if-unmodified-since':
          this.ifUnmodifiedSince ??= value;
          break;
        case 'if-range':
          this.ifRange ??= value;
          break;
        case 'range':
          this.range ??= value;
          break;
        case 'accept-encoding':
          this.acceptEncoding ??= value;
          break;
        case 'accept':
          this.accept ??= value;
          break;
      }
    }
    return this;
  }
}

type FileEntry = Entry<FileMeta>;

class StaticServer {
  private readonly root: string;
  private readonly rootPrefix: string;
  private readonly dirListing: boolean;
  private readonly cacheControl: string | undefined;
  private readonly cors: boolean;
  private readonly memoryMaxBytes: number;
  private readonly spa: boolean;
  private readonly compress: boolean;
  private readonly followSymlinks: boolean;
  private readonly dotfiles: boolean;
  private readonly cache: FileCache<FileMeta>;
  private readonly listing: ListingOptions;
  private readonly compressed = new CompressedCache();
  private readonly fields = new Fields(); // handle() is not re-entrant
  private now = 0;

  constructor(o: StaticOptions) {
    // Compare realpaths with realpaths: the root itself may be behind a symlink.
    this.root = fs.realpathSync.native(path.resolve(o.root));
    this.rootPrefix = this.root === '/' ? '/' : this.root + '/';
    this.dirListing = o.dirListing === true;
    this.cacheControl = o.cacheControl || undefined;
    this.cors = o.cors === true;
    this.memoryMaxBytes = o.memoryMaxBytes ?? SMALL_FILE_MAX_DEFAULT;
    this.spa = o.spa === true;
    this.compress = o.compress !== false;
    this.followSymlinks = o.followSymlinks === true;
    this.dotfiles = o.dotfiles === true;
    this.listing = { root: this.root, rootPrefix: this.rootPrefix, dotfiles: this.dotfiles, followSymlinks: this.followSymlinks };
    this.cache = new FileCache<FileMeta>({
      root: this.root,
      ttlMs: o.metadataTtlMs ?? 1000,
      followSymlinks: this.followSymlinks,
      describe: (entry) => this.describe(entry),
    });
  }

  close(): void {
    this.cache.close();
    this.compressed.clear();
  }

  /** The reply, or null for "not found". Never throws. */
  handle(req: Request): Reply | null {
    try {
      return this.route(req);
    } catch (err) {
      // A file that vanished between stat and open is simply not found;
      // anything unexpected is a 500 and is reported, not swallowed.
      const status = statusForError(err);
      if (status === 500) console.error(`fourfold static: ${req.method} ${req.path}:`, err);
      return status === 404 ? null : this.error(status);
    }
  }

  error(status: number, extra?: readonly string[]): Reply {
    const headers = ['Content-Type', TEXT_PLAIN];
    if (extra !== undefined) headers.push(...extra);
    if (this.cors) headers.push('Access-Control-Allow-Origin', '*');
    return { status, headers, body: REASONS[status] ?? `${status}\n` };
  }

  private route(req: Request): Reply | null {
    const method = req.method;
    const read = method === 'GET' || method === 'HEAD';
    if (req.path === '*') return method === 'OPTIONS' ? this.options(req) : this.error(400);

    const target = safePath(req.path, this.dotfiles);
    if (typeof target === 'number') return target === 404 ? null : this.error(target);
    const now = (this.now = Date.now());
    const entry = this.cache.lookup(target.rel, now);
    if (entry.kind === 'error') return this.error(entry.status);

    if (!read) {
      // Other methods are answered only for resources that exist here,
      // so that a handler composed behind us can take the rest.
      if (entry.kind === 'missing') return null;
      return method === 'OPTIONS' ? this.options(req) : this.error(405, ['Allow', ALLOW]);
    }

    const fields = this.fields.read(req.headers);
    if (entry.kind === 'file') {
      if (target.slash && target.rel !== '/') return null; // "/file.txt/" names nothing
      return this.serveFile(method, entry, fields);
    }
    if (entry.kind === 'dir') {
      if (!target.slash) {
        // Built from the normalised path, so "//evil.example" can't become
        // a protocol-relative redirect.
        const location = encodePath(target.rel) + '/' + (req.query === '' ? '' : '?' + req.query);
        return this.error(301, ['Location', location]);
      }
      const index = this.cache.lookup(target.rel === '/' ? '/index.html' : target.rel + '/index.html', now);
      if (index.kind === 'file') return this.serveFile(method, index, fields);
      if (index.kind === 'error') return this.error(index.status);
      if (!this.dirListing) return null;
      const html = renderListing(entry.real, target.rel, this.listing);
      const headers = ['Content-Type', 'text/html; charset=utf-8'];
      if (this.cors) headers.push('Access-Control-Allow-Origin', '*');
      return { status: 200, headers, body: html };
    }
    return this.spaFallback(method, target.rel, fields);
  }

  /** SPA: client-side routes (no extension, or a page request) get /index.html. */
  private spaFallback(method: string, rel: string, fields: Fields): Reply | null {
    if (!this.spa) return null;
    const asksForPage = fields.accept !== undefined && fields.accept.includes('text/html');
    if (path.posix.extname(rel) !== '' && !asksForPage) return null;
    const index = this.cache.lookup('/index.html', this.now);
    return index.kind === 'file' ? this.serveFile(method, index, fields) : null;
  }

  private options(req: Request): Reply {
    const headers = ['Allow', ALLOW];
    if (this.cors) {
      const requested = req.header('access-control-request-headers');
      headers.push(
        'Access-Control-Allow-Origin', '*',
        'Access-Control-Allow-Methods', ALLOW,
        'Access-Control-Allow-Headers', requested !== undefined && TOKEN_LIST.test(requested) ? requested : '*',
        'Access-Control-Max-Age', '86400',
      );
    }
    return { status: 204, headers, body: null };
  }

  private serveFile(method: string, entry: FileEntry, f: Fields): Reply {
    const meta = entry.data!;
    const head = method === 'HEAD';

    // 1. Which representation: Range only ever applies to identity.
    let coding: 'identity' | 'br' | 'gzip' = 'identity';
    let sibling: FileEntry | null = null;
    if (f.range === undefined && f.acceptEncoding !== undefined && (meta.onTheFly || meta.hasBr || meta.hasGz)) {
      coding = negotiateEncoding(f.acceptEncoding, meta.onTheFly || meta.hasBr, meta.onTheFly || meta.hasGz);
      if (coding !== 'identity' && (coding === 'br' ? meta.hasBr : meta.hasGz)) {
        sibling = this.sibling(entry, coding === 'br' ? '.br' : '.gz');
        if (sibling === null && !meta.onTheFly) coding = 'identity'; // it vanished since
      }
    }
    const rep = coding === 'identity' ? meta.identity : coding === 'br' ? meta.br : meta.gzip;
    const vary = meta.vary ? ['Vary', 'Accept-Encoding'] : undefined;

    // 2. Preconditions (§13.2.2).
    const verdict = evaluatePreconditions(f, rep.etag, meta.lastModifiedMs, meta.lastModified);
    if (verdict === 412) return this.error(412, vary);
    if (verdict === 304) return { status: 304, headers: rep.notModified as string[], body: null };

    // 3. Ranges (§14), unless If-Range says the client's copy is stale.
    const size = entry.size;
    if (
      f.range !== undefined &&
      (f.ifRange === undefined || ifRangeHolds(f.ifRange, meta.identity.etag, meta.lastModifiedMs, entry.mtimeMs, this.now))
    ) {
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

    // 4. The whole representation.
    let body: Reply['body'];
    if (coding === 'identity') body = size === 0 ? null : this.fileBody(entry, 0, size, head);
    else if (sibling !== null) body = sibling.size === 0 ? null : this.fileBody(sibling, 0, sibling.size, head);
    else
      body = compressedBody(
        this.compressed,
        coding === 'br' ? meta.brKey : meta.gzipKey,
        coding,
        entry.real,
        this.cache.cachedFd(entry, false),
        size,
        meta.textual,
      );
    // The frozen header list is shared by every response for this file: http/ encodes it once.
    return { status: 200, headers: rep.ok as string[], body };
  }

  /** A precompressed sibling that exists, is a file and is not older than the original. */
  private sibling(entry: FileEntry, ext: '.br' | '.gz'): FileEntry | null {
    const s = this.cache.lookup(entry.rel + ext, this.now);
    return s.kind === 'file' && s.mtimeMs >= entry.mtimeMs ? s : null;
  }

  private fileBody(entry: FileEntry, offset: number, length: number, head: boolean): FileBody | Uint8Array {
    if (!head && entry.size <= this.memoryMaxBytes) {
      const bytes = this.smallFile(entry);
      if (bytes !== null) return bytes.subarray(offset, offset + length);
    }
    const cached = this.cache.cachedFd(entry, head);
    if (cached >= 0) return { kind: 'file', fd: cached, offset, length, closeAfter: false };
    return { kind: 'file', fd: openForSend(entry.real), offset, length, closeAfter: true };
  }

  /** The bytes of a small file, kept with its metadata (so refreshed with it); null when over budget or changed under us. */
  private smallFile(entry: FileEntry): Buffer | null {
    const meta = entry.data!;
    if (meta.bytes !== null) return meta.bytes;
    if (smallFilesHeld + entry.size > SMALL_FILES_BUDGET) return null;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(entry.real);
    } catch {
      return null;
    }
    if (bytes.length !== entry.size) return null; // changed since stat: let sendfile tell the truth
    meta.bytes = bytes;
    smallFilesHeld += bytes.length;
    forgetBytes.register(meta, bytes.length);
    return bytes;
  }

  /** Build everything a file's responses need; runs once per metadata refresh. */
  private describe(entry: FileEntry): FileMeta {
    const { contentType, compressible } = mimeFor(entry.rel);
    const validator = `${entry.size.toString(16)}-${entry.mtimeMs.toString(16)}`;
    const lastModifiedMs = Math.floor(entry.mtimeMs / 1000) * 1000;
    const lastModified = new Date(lastModifiedMs).toUTCString();

    let hasBr = false;
    let hasGz = false;
    const isSibling = entry.rel.endsWith('.br') || entry.rel.endsWith('.gz');
    if (this.compress && !isSibling) {
      hasBr = this.sibling(entry, '.br') !== null;
      hasGz = this.sibling(entry, '.gz') !== null;
    }
    const onTheFly = this.compress && compressible && entry.size >= COMPRESS_MIN && entry.size <= COMPRESS_MAX;
    const vary = this.compress && (compressible || hasBr || hasGz);

    const extra: string[] = [];
    if (this.cacheControl !== undefined) extra.push('Cache-Control', this.cacheControl);
    if (vary) extra.push('Vary', 'Accept-Encoding');
    if (this.cors) extra.push('Access-Control-Allow-Origin', '*');

    const representation = (coding: string | null): Representation => {
      const etag = coding === null ? `"${validator}"` : `"${validator}-${coding}"`;
      const validators = ['ETag', etag, 'Last-Modified', lastModified];
      const ok = ['Content-Type', contentType];
      if (coding !== null) ok.push('Content-Encoding', coding);
      ok.push(...validators, 'Accept-Ranges', 'bytes', ...extra);
      return { etag, ok: Object.freeze(ok), notModified: Object.freeze([...validators, ...extra]) };
    };
    const identity = representation(null);
    const key = `${entry.real}\0${entry.size}\0${entry.mtimeMs}\0`;
    return {
      contentType,
      lastModified,
      lastModifiedMs,
      vary,
      onTheFly,
      hasBr,
      hasGz,
      textual: compressible,
      identity,
      br: representation('br'),
      gzip: representation('gzip'),
      tail: identity.ok.slice(2),
      brKey: key + 'br',
      gzipKey: key + 'gzip',
      bytes: null,
    };
  }
}
