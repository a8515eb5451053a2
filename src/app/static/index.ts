// The static-file application: maps a Request onto the document root and
// answers with a Reply, following RFC 9110 for methods, validators,
// conditionals, ranges and content codings.
//
// Its parts, in the order a request meets them:
//   resolve.ts        the request path → a safe path inside the root (or 400/403/404)
//   file-cache.ts     what the file system says about that path (realpath, stat, descriptor)
//   server.ts         routing: file, directory (redirect, index, listing), SPA, 405
//   file-meta.ts      per file, once per change: content type, validators, header lists
//   serve-file.ts     one file's answer: coding, preconditions, ranges, body
//   conditional.ts, range.ts, compressed-files.ts, small-files.ts, listing.ts, mime.ts
//
// Everything on the path of a plain GET is synchronous, because the
// iterative model calls handle() between blocking syscalls. That includes
// the file-system calls (stat, open, a small file's read): they block the
// thread, inside the event loop too. They are few — metadata and descriptors
// are cached (see file-cache.ts), as nginx's open_file_cache does, and nginx
// too reads small files in its event loop — and they are answered from the
// kernel's caches nearly always. An event loop that did not wait on them
// would need a thread pool to run them on, which is what libuv's fs does for
// Node's fs.promises.
import type { App, Reply, Request } from '../types.js';
import type { StaticOptions } from './options.js';
import { StaticServer } from './server.js';

export type { StaticOptions } from './options.js';

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
