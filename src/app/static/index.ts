// The static-file application: maps a Request onto the document root and
// answers with a Reply, following RFC 9110 for methods, validators,
// conditionals, ranges and content codings.
//
// Its parts, in the order a request meets them:
//   resolve.ts        the request path → a safe path inside the root (or 400/403/404)
//   file-cache.ts     what the file system says about that path (realpath, stat, descriptor)
//   server.ts         routing: file, directory (redirect, index, listing), clean URL, 405;
//                     when nothing is there: SPA index, 404.html, plain 404
//   file-meta.ts      per file, once per change: content type, validators, header lists
//   serve-file.ts     one file's answer: coding, preconditions, ranges, body
//   conditional.ts, range.ts, compressed-files.ts, small-files.ts, listing.ts, mime.ts
// CORS is a layer around the whole application: ../cors.ts.
//
// Everything on the path of a plain GET is synchronous, because the
// iterative model calls handle() between blocking syscalls. That includes
// the file-system calls (stat, open, a small file's read): they block the
// thread, inside the event loop too. They are few — one stat per request for
// a known file, the rest only when it changed (see file-cache.ts), much as
// nginx's open_file_cache keeps them few, and nginx too reads files in its
// event loop — and the kernel answers them from its caches nearly always.
// An event loop that did not wait on them would need a thread pool to run
// them on, which is what libuv's fs does for Node's fs.promises.
import { corsLayer } from '../cors.js';
import type { App, Reply, Request } from '../types.js';
import type { StaticOptions } from './options.js';
import { ALLOW, StaticServer } from './server.js';
import { loadMimeTypes } from './mime.js';

export type { StaticOptions } from './options.js';

export interface StaticApp extends App {
  /** Always a Reply: the file, or what notFound() says; with the cors option, CORS applied. */
  handle(request: Request): Reply;
  /** The files alone: null where nothing is there, so another handler can take over (no CORS: the composition adds it). */
  handleOrNull(request: Request): Reply | null;
  /** What to answer when nothing matched: SPA index.html, 404.html, or a plain 404. */
  notFound(request: Request): Reply;
  /** The cors and compress options, for the composition to apply to a handler's replies too. */
  readonly cors: boolean;
  readonly compress: boolean;
  /** Close cached file descriptors. */
  close(): void;
}

export function createStaticApp(options: StaticOptions): StaticApp {
  loadMimeTypes(); // now, not on the first lookup: see mime.ts
  const server = new StaticServer(options);
  const cors = options.cors === true;
  const answer = (request: Request): Reply => server.serve(request) ?? server.notFound(request);
  return {
    handle: cors ? corsLayer(answer, ALLOW) : answer,
    handleOrNull: (request) => server.serve(request),
    notFound: (request) => server.notFound(request),
    cors,
    compress: options.compress !== false,
    close: () => server.close(),
  };
}
