// Routing a request onto the document root: which path it names (safely),
// what is there (a file, a directory, nothing), and which answer that gives —
// a file, a directory's index or listing, a redirect to the directory's
// canonical URL, a page for a clean URL, 405 for methods files do not have —
// or "nothing here" (null), so that a handler composed with us may answer.
// When nobody does, notFound() says what to send: the SPA's index.html, the
// root's 404.html, or a plain 404.
import fs from 'node:fs';
import path from 'node:path';
import { errorReply } from '../../http/index.js';
import { NOT_FOUND } from '../replies.js';
import type { Reply, Request } from '../types.js';
import { FileCache, statusForError } from './file-cache.js';
import { describeFile, type FileEntry, type FileMeta } from './file-meta.js';
import { renderListing, type ListingOptions } from './listing.js';
import type { StaticOptions } from './options.js';
import { RequestFields } from './request-fields.js';
import { directoryUrl, safePath, type SafePath } from './resolve.js';
import { FileReplies } from './serve-file.js';
import { SMALL_FILE_MAX_DEFAULT } from './small-files.js';

/** The methods files have. */
export const ALLOW = 'GET, HEAD, OPTIONS';
const HTML = 'text/html; charset=utf-8';
const NOT_FOUND_PAGE = '/404.html';

export class StaticServer {
  private readonly root: string;
  private readonly dirListing: boolean;
  private readonly spa: boolean;
  private readonly dotfiles: boolean;
  private readonly cleanUrls: boolean;
  private readonly notFoundPage: boolean;
  private readonly cache: FileCache<FileMeta>;
  private readonly files: FileReplies;
  private readonly listing: ListingOptions;
  private readonly fields = new RequestFields(); // serve() is not re-entrant
  private now = 0;

  constructor(o: StaticOptions) {
    // Compare realpaths with realpaths: the root itself may be behind a symlink.
    this.root = fs.realpathSync.native(path.resolve(o.root));
    const rootPrefix = this.root === '/' ? '/' : this.root + '/';
    this.dirListing = o.dirListing === true;
    this.spa = o.spa === true;
    this.dotfiles = o.dotfiles === true;
    this.cleanUrls = o.cleanUrls !== false;
    this.notFoundPage = o.notFoundPage !== false;
    const followSymlinks = o.followSymlinks === true;
    const settings = { compress: o.compress !== false, cacheControl: o.cacheControl || undefined };
    this.listing = { root: this.root, rootPrefix, dotfiles: this.dotfiles, followSymlinks };
    this.cache = new FileCache<FileMeta>({
      root: this.root,
      trustMs: o.cacheMetadataMs ?? 0,
      followSymlinks,
      dotfiles: this.dotfiles,
      describe: (entry) => describeFile(entry, settings, (ext) => this.files.sibling(entry, ext, this.now) !== null),
    });
    this.files = new FileReplies(this.cache, o.memoryMaxBytes ?? SMALL_FILE_MAX_DEFAULT, (status, extra) => this.error(status, extra));
  }

  close(): void {
    this.cache.close();
    this.files.clear();
  }

  /** The answer of the files for `req`, or null for "nothing here". Never throws. */
  serve(req: Request): Reply | null {
    try {
      return this.route(req);
    } catch (err) {
      const status = this.report(req, err);
      return status === 404 ? null : this.error(status);
    }
  }

  /**
   * What to answer when nothing matched `req`: for a client-side route of a
   * single-page app its index.html, else the root's 404.html, else a plain
   * 404. Never throws.
   */
  notFound(req: Request): Reply {
    try {
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (this.spa && read) {
        const index = this.spaRoute(req);
        if (index !== null) return index;
      }
      if (this.notFoundPage) {
        const page = this.cache.lookup(NOT_FOUND_PAGE, Date.now());
        if (page.kind === 'file') return this.files.page(404, req.method, page, req.header('accept-encoding'), this.now);
      }
    } catch (err) {
      this.report(req, err);
    }
    return NOT_FOUND;
  }

  /** A plain-text error reply (http/'s), with `extra` fields. */
  error(status: number, extra?: readonly string[]): Reply {
    const reply = errorReply(status);
    if (extra !== undefined) reply.headers.push(...extra);
    return reply;
  }

  /**
   * A file that vanished between stat and open is simply not found; anything
   * unexpected is a 500 and is reported, not swallowed.
   */
  private report(req: Request, err: unknown): number {
    const status = statusForError(err);
    if (status === 500) console.error(`fourfold static: ${req.method} ${req.path}:`, err);
    return status;
  }

  private route(req: Request): Reply | null {
    const method = req.method;
    const read = method === 'GET' || method === 'HEAD';
    if (req.path === '*') return method === 'OPTIONS' ? options() : this.error(400);

    const target = safePath(req.path, this.dotfiles);
    if (typeof target === 'number') return target === 404 ? null : this.error(target);
    const now = (this.now = Date.now());
    const entry = this.cache.lookup(target.rel, now);
    if (entry.kind === 'error') return this.error(entry.status);

    if (!read) {
      // Other methods are answered only for resources that exist here,
      // so that a handler composed with us can take the rest.
      if (entry.kind === 'missing') return null;
      return method === 'OPTIONS' ? options() : this.error(405, ['Allow', ALLOW]);
    }

    const fields = this.fields.read(req.headers);
    switch (entry.kind) {
      case 'file':
        if (target.slash && target.rel !== '/') return null; // "/file.txt/" names nothing
        return this.files.reply(method, entry, fields, now);
      case 'dir':
        return this.directory(req, entry, target, fields);
      default:
        return this.cleanUrl(method, target, fields);
    }
  }

  /** A directory: redirect to its canonical URL (with the slash), then its index.html or listing. */
  private directory(req: Request, entry: FileEntry, target: SafePath, fields: RequestFields): Reply | null {
    const rel = target.rel;
    if (!target.slash) {
      // Built from the normalised path: one leading slash, whatever the request had.
      const location = directoryUrl(rel) + (req.query === '' ? '' : '?' + req.query);
      return this.error(301, ['Location', location]);
    }
    const index = this.cache.lookup(rel === '/' ? '/index.html' : rel + '/index.html', this.now);
    if (index.kind === 'file') return this.files.reply(req.method, index, fields, this.now);
    if (index.kind === 'error') return this.error(index.status);
    if (!this.dirListing) return null;
    return { status: 200, headers: ['Content-Type', HTML], body: renderListing(entry.real, rel, this.listing) };
  }

  /** Clean URLs: "/about" is about.html when nothing called "about" exists. */
  private cleanUrl(method: string, target: SafePath, fields: RequestFields): Reply | null {
    if (!this.cleanUrls || target.slash || target.rel === '/' || target.rel.endsWith('.html')) return null;
    const page = this.cache.lookup(target.rel + '.html', this.now);
    return page.kind === 'file' ? this.files.reply(method, page, fields, this.now) : null;
  }

  /**
   * SPA: a path where nothing exists that names no file (no extension), or
   * any such path the browser asks a page for, gets /index.html.
   */
  private spaRoute(req: Request): Reply | null {
    const target = safePath(req.path, this.dotfiles);
    if (typeof target === 'number') return null;
    const now = (this.now = Date.now());
    if (this.cache.lookup(target.rel, now).kind !== 'missing') return null;
    const fields = this.fields.read(req.headers);
    const asksForPage = fields.accept !== undefined && fields.accept.includes('text/html');
    if (path.posix.extname(target.rel) !== '' && !asksForPage) return null;
    const index = this.cache.lookup('/index.html', now);
    return index.kind === 'file' ? this.files.reply(req.method, index, fields, now) : null;
  }
}

/** OPTIONS: the methods a file has. (A CORS preflight is answered before it gets here: see cors.ts.) */
function options(): Reply {
  return { status: 204, headers: ['Allow', ALLOW], body: null };
}
