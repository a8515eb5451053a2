// Routing a request onto the document root: which path it names (safely),
// what is there (a file, a directory, nothing), and which answer that gives —
// a file, a directory's index or listing, a redirect to the directory's
// canonical URL, 405 for methods that files do not have, or "nothing here".
import fs from 'node:fs';
import path from 'node:path';
import { errorReply } from '../../http/index.js';
import { ALLOW_ANY_ORIGIN, preflightFields } from '../cors.js';
import type { Reply, Request } from '../types.js';
import { FileCache, statusForError } from './file-cache.js';
import { describeFile, type FileEntry, type FileMeta } from './file-meta.js';
import type { StaticOptions } from './options.js';
import { renderListing, type ListingOptions } from './listing.js';
import { RequestFields } from './request-fields.js';
import { encodePath, safePath } from './resolve.js';
import { FileReplies } from './serve-file.js';
import { SMALL_FILE_MAX_DEFAULT } from './small-files.js';

/** The methods files have. */
export const ALLOW = 'GET, HEAD, OPTIONS';
const HTML = 'text/html; charset=utf-8';

export class StaticServer {
  private readonly root: string;
  private readonly dirListing: boolean;
  private readonly cors: boolean;
  private readonly spa: boolean;
  private readonly dotfiles: boolean;
  private readonly cache: FileCache<FileMeta>;
  private readonly files: FileReplies;
  private readonly listing: ListingOptions;
  private readonly fields = new RequestFields(); // handle() is not re-entrant
  private now = 0;

  constructor(o: StaticOptions) {
    // Compare realpaths with realpaths: the root itself may be behind a symlink.
    this.root = fs.realpathSync.native(path.resolve(o.root));
    const rootPrefix = this.root === '/' ? '/' : this.root + '/';
    this.dirListing = o.dirListing === true;
    this.cors = o.cors === true;
    this.spa = o.spa === true;
    this.dotfiles = o.dotfiles === true;
    const followSymlinks = o.followSymlinks === true;
    const settings = { compress: o.compress !== false, cacheControl: o.cacheControl || undefined, cors: this.cors };
    this.listing = { root: this.root, rootPrefix, dotfiles: this.dotfiles, followSymlinks };
    this.cache = new FileCache<FileMeta>({
      root: this.root,
      ttlMs: o.metadataTtlMs ?? 1000,
      followSymlinks,
      describe: (entry) => describeFile(entry, settings, (ext) => this.files.sibling(entry, ext, this.now) !== null),
    });
    this.files = new FileReplies(this.cache, o.memoryMaxBytes ?? SMALL_FILE_MAX_DEFAULT, (status, extra) => this.error(status, extra));
  }

  close(): void {
    this.cache.close();
    this.files.clear();
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

  /** A plain-text error reply (http/'s), with `extra` fields. */
  error(status: number, extra?: readonly string[]): Reply {
    const reply = errorReply(status);
    if (extra !== undefined) reply.headers.push(...extra);
    if (this.cors) reply.headers.push(...ALLOW_ANY_ORIGIN);
    return reply;
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
      return this.files.reply(method, entry, fields, now);
    }
    if (entry.kind === 'dir') return this.directory(req, entry, target.rel, target.slash, fields);
    return this.spaFallback(method, target.rel, fields);
  }

  /** A directory: redirect to its canonical URL (with the slash), then its index.html or listing. */
  private directory(req: Request, entry: FileEntry, rel: string, slash: boolean, fields: RequestFields): Reply | null {
    if (!slash) {
      // Built from the normalised path, so "//evil.example" can't become
      // a protocol-relative redirect.
      const location = encodePath(rel) + '/' + (req.query === '' ? '' : '?' + req.query);
      return this.error(301, ['Location', location]);
    }
    const index = this.cache.lookup(rel === '/' ? '/index.html' : rel + '/index.html', this.now);
    if (index.kind === 'file') return this.files.reply(req.method, index, fields, this.now);
    if (index.kind === 'error') return this.error(index.status);
    if (!this.dirListing) return null;
    const html = renderListing(entry.real, rel, this.listing);
    const headers = ['Content-Type', HTML];
    if (this.cors) headers.push(...ALLOW_ANY_ORIGIN);
    return { status: 200, headers, body: html };
  }

  /** SPA: client-side routes (no extension, or a page request) get /index.html. */
  private spaFallback(method: string, rel: string, fields: RequestFields): Reply | null {
    if (!this.spa) return null;
    const asksForPage = fields.accept !== undefined && fields.accept.includes('text/html');
    if (path.posix.extname(rel) !== '' && !asksForPage) return null;
    const index = this.cache.lookup('/index.html', this.now);
    return index.kind === 'file' ? this.files.reply(method, index, fields, this.now) : null;
  }

  /** OPTIONS: the methods a file has, and with CORS the answer to a preflight. */
  private options(req: Request): Reply {
    const headers = ['Allow', ALLOW];
    if (this.cors) headers.push(...preflightFields(req, ALLOW));
    return { status: 204, headers, body: null };
  }
}
