// The application a model runs: the user's handler first, then the static
// files, then 404.
//
// The synchronous path stays synchronous: a Promise is returned only when the
// handler returned one, so a model serving a sync handler or plain files
// never waits on a microtask.

import type { App, Reply, Request } from './types.js';
import type { HandlerApp } from './handler/load.js';
import { isThenable } from './maybe-async.js';
import { NOT_FOUND } from './replies.js';

/** The static file server, as compose needs it: null when no file matches. */
export interface StaticApp extends App {
  handleOrNull(request: Request): Reply | null;
}

/**
 * Compose a handler (a loaded module, or any App: an App never declines) and
 * a static file server; either may be null.
 */
export function composeApp(handler: HandlerApp | App | null, staticApp: StaticApp | null): App {
  const fallback: (req: Request) => Reply =
    staticApp === null ? () => NOT_FOUND : (req) => staticApp.handleOrNull(req) ?? NOT_FOUND;
  const close = async (): Promise<void> => {
    // Close both even if one fails; then report the first failure.
    const results = await Promise.allSettled([handler, staticApp].map(async (app) => app?.close?.()));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  };

  if (handler === null) return { handle: fallback, close };
  if (!('handleOrUndefined' in handler)) return { handle: (req) => handler.handle(req), close };

  return {
    handle(req) {
      const r = handler.handleOrUndefined(req);
      if (r === undefined) return fallback(req);
      if (isThenable(r)) return r.then((v) => v ?? fallback(req));
      return r;
    },
    close,
  };
}
