// The application a model runs: the user's handler and the static files,
// composed by one rule, with CORS and compression around them.
//
// The rule (Cloudflare Workers' for static assets): an existing file is
// served, everything else goes to the handler. That holds for both kinds of
// handler — a fetch-style app, which answers every request it gets (its own
// 404 included), and a native one, which may decline (undefined). Only GET
// and HEAD look at the files first: files cannot be posted to, so the other
// methods go to the handler, and to the files (405 with Allow) only if it
// declines. When nobody answers: the files' notFound() — a single-page app's
// index.html, the root's 404.html — or a plain 404.
//
// order: 'handler-first' turns it round: the handler sees every request, and
// the files answer what a native handler declines (a fetch-style app then
// hides them all, since it never declines).
//
// Layers, inside out: the answer; compression of the handler's replies (files
// negotiate their own, see compress-reply.ts); CORS for every reply, and
// preflights answered before anything else sees them (cors.ts).
//
// The synchronous path stays synchronous: a Promise is returned only when the
// handler returned one, so a model serving a sync handler or plain files
// never waits on a microtask.

import type { HandlerApp } from './handler/load.js';
import { compressReply } from './compress-reply.js';
import { corsLayer } from './cors.js';
import { isThenable } from './maybe-async.js';
import { NOT_FOUND } from './replies.js';
import type { App, Reply, Request } from './types.js';

export type Order = 'files-first' | 'handler-first';

export interface ComposeOptions {
  /** Who is asked first when there are both a handler and files. Default 'files-first'. */
  order?: Order;
  /**
   * CORS for every response (Access-Control-Allow-Origin: *) and preflights
   * answered by the server. Default: the files' cors option, else false.
   */
  cors?: boolean;
  /** Compress the handler's responses like files. Default: the files' compress option, else true. */
  compress?: boolean;
}

/** The static files, as the composition needs them (a StaticApp is one). */
export interface FileServer {
  /** The answer of the files, or null when nothing is there. */
  handleOrNull(request: Request): Reply | null;
  /** What to answer when nobody did (default: a plain 404). */
  notFound?(request: Request): Reply;
  readonly cors?: boolean;
  readonly compress?: boolean;
  close?(): void | Promise<void>;
}

/** What the handler said: a reply, or undefined for "not mine". */
type Asked = Reply | undefined | Promise<Reply | undefined>;

/** The methods a preflight allows when only files answer. */
const FILE_METHODS = 'GET, HEAD, OPTIONS';

/**
 * Compose a handler (a loaded module, or any App: an App never declines) and
 * the static files; either may be null.
 */
export function composeApp(handler: HandlerApp | App | null, files: FileServer | null, options: ComposeOptions = {}): App {
  const order = options.order ?? 'files-first';
  const cors = options.cors ?? files?.cors ?? false;
  const compress = options.compress ?? files?.compress ?? true;

  const fromFiles = files === null ? () => null : (req: Request) => files.handleOrNull(req);
  const notFound = files?.notFound === undefined ? () => NOT_FOUND : (req: Request) => files.notFound!(req);
  const ask: ((req: Request) => Asked) | null =
    handler === null ? null : 'handleOrUndefined' in handler ? (req) => handler.handleOrUndefined(req) : (req) => handler.handle(req);

  /** The handler's reply as it goes out; when it declined, the files (unless asked already), then notFound. */
  const settle = (req: Request, r: Reply | undefined, filesAsked: boolean): Reply => {
    if (r !== undefined) return compress ? compressReply(r, req) : r;
    return (filesAsked ? null : fromFiles(req)) ?? notFound(req);
  };

  let answer: (req: Request) => Reply | Promise<Reply>;
  if (ask === null) {
    answer = (req) => fromFiles(req) ?? notFound(req);
  } else {
    answer = (req) => {
      const filesFirst = order === 'files-first' && (req.method === 'GET' || req.method === 'HEAD');
      if (filesFirst) {
        const file = fromFiles(req);
        if (file !== null) return file;
      }
      const r = ask(req);
      if (isThenable(r)) return r.then((v) => settle(req, v, filesFirst));
      return settle(req, r, filesFirst);
    };
  }

  const close = async (): Promise<void> => {
    // Close both even if one fails; then report the first failure.
    const results = await Promise.allSettled([handler, files].map(async (app) => app?.close?.()));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  };
  const handle = cors ? corsLayer(answer, ask === null ? FILE_METHODS : null) : answer;
  // Files never read a body: with no handler it is discarded as it arrives (a 405 costs no memory).
  if (ask === null) return { handle, wantsBody: () => false, close };
  return { handle, close };
}
