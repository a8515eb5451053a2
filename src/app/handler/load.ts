// Load a user's handler module (`--app ./app.mjs`) and give it the App shape.
//
// A module, not a function, because the process and thread models load the
// handler afresh in each of their workers. Its default export decides how it
// is called:
//   { handle(req) }   native: our Request in, a plain reply (or undefined) out
//   { fetch(req) }    fetch-style, also a Hono app instance
//   (req) => Response fetch-style function

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, Reply, Request } from '../types.js';
import { isThenable } from '../maybe-async.js';
import { NOT_FOUND } from '../replies.js';
import { fetchAdapter, installFetchGlobals, type FetchFunction } from './fetch-adapter.js';
import type { NativeHandler } from './native.js';
import { toReply } from './plain-reply.js';

/** A loaded handler: an App, plus the answer "not mine" for composing with static files. */
export interface HandlerApp extends App {
  readonly kind: 'native' | 'fetch';
  /** Like handle(), but undefined when the handler declines the request. */
  handleOrUndefined(request: Request): Reply | undefined | Promise<Reply | undefined>;
}

/**
 * Import the module at `modulePath` (relative to `cwd`) and adapt its default
 * export. Throws an Error with a one-line message when the file is missing,
 * fails to import, or exports nothing usable.
 */
export async function loadHandler(modulePath: string, cwd: string = process.cwd()): Promise<HandlerApp> {
  const file = path.resolve(cwd, modulePath);
  if (!existsSync(file)) throw new Error(`app module not found: ${modulePath}`);
  // Before the import: a module may keep `Response` in a variable of its own.
  // Whether it is fetch-style is known only after; the light globals do a
  // native handler no harm.
  installFetchGlobals();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`app module ${modulePath} failed to load: ${firstLine(e)}`, { cause: e });
  }
  const app = handlerApp(mod.default);
  if (app === null) throw new Error(`${modulePath} has no default export with fetch() or handle()${hint(mod)}`);
  return app;
}

/**
 * Adapt a handler value (what a module exports as default) to a HandlerApp,
 * or null if it is neither native nor fetch-style. `handle` wins over `fetch`.
 */
export function handlerApp(value: unknown): HandlerApp | null {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return null;
  const h = value as Partial<NativeHandler> & { fetch?: unknown };
  const close = typeof h.close === 'function' ? () => h.close!() : undefined;

  if (typeof h.handle === 'function') {
    const native = h as NativeHandler;
    // Its answers checked and made Replies (plain-reply.ts); undefined or null is "not mine".
    const handleOrUndefined = (req: Request): Reply | undefined | Promise<Reply | undefined> => {
      const r = native.handle(req);
      if (isThenable(r)) return r.then(replyOrUndefined);
      return replyOrUndefined(r);
    };
    return {
      kind: 'native',
      handleOrUndefined,
      handle(req) {
        const r = handleOrUndefined(req);
        if (isThenable(r)) return r.then((v) => v ?? NOT_FOUND);
        return r ?? NOT_FOUND;
      },
      close,
    };
  }

  let fetch: FetchFunction;
  if (typeof h.fetch === 'function') {
    const target = h as { fetch: FetchFunction };
    fetch = (request) => target.fetch(request); // a method call: a Hono app keeps its `this`
  } else if (typeof value === 'function') {
    fetch = value as FetchFunction;
  } else {
    return null;
  }
  const handle = fetchAdapter(fetch);
  return { kind: 'fetch', handleOrUndefined: handle, handle, close };
}

/** A pointer for the common slip: named exports instead of a default one. */
function hint(mod: Record<string, unknown>): string {
  if (mod.default !== undefined) return '';
  for (const name of ['handle', 'fetch']) {
    if (typeof mod[name] === 'function') return ` (it has a named export ${name}(); export it as the default: export default { ${name} })`;
  }
  return '';
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}

function replyOrUndefined(value: unknown): Reply | undefined {
  return value === undefined || value === null ? undefined : toReply(value);
}
