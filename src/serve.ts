// The programmatic API: build the application, open the listening socket,
// hand both to the chosen model.
//
//   const server = await serve({ root: './site', model: 'iterative', port: 0 });
//   console.log(server.url);
//   await server.close();
import { existsSync, statSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { Supervisor } from './models/supervisor.js';
import * as sys from './sys/index.js';
import { defaultLimits, type Limits } from './http/index.js';
import type { App } from './app/types.js';
import { AccessLog, type LogFormat } from './app/access-log.js';
import { createStaticApp, type StaticOptions } from './app/static/index.js';
import { loadHandler, handlerApp } from './app/handler/load.js';
import { composeApp } from './app/compose.js';
import { ServerContext, type Timeouts } from './models/context.js';
import { findModel } from './models/index.js';
import { POLLERS, type PollerName } from './models/event-loop/pollers/index.js';

/** The bundled demo site, served when neither a root nor an app is given. */
export const DEMO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

/** Static-file choices (dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles) come from StaticOptions. */
export interface ServeOptions extends Omit<StaticOptions, 'root' | 'metadataTtlMs'> {
  /** Directory of static files. Default: the demo site, unless `app` is given. */
  root?: string | null;
  /**
   * Handler: a module path, or the value such a module would export as its
   * default ({ fetch }, { handle }, a Hono app, a fetch function).
   */
  app?: string | object | ((request: globalThis.Request) => unknown) | null;
  model?: string;
  /** event-loop: epoll (default), poll or select. */
  poller?: PollerName;
  /** event-loop: this many processes share the port with SO_REUSEPORT (nginx-style). */
  workers?: number;
  /** Bind with SO_REUSEPORT (set for the workers of --workers N). */
  reusePort?: boolean;
  host?: string;
  port?: number;
  backlog?: number;
  timeouts?: Partial<Timeouts>;
  limits?: Partial<Limits>;
  log?: LogFormat;
  quiet?: boolean;
}

export interface Server {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly model: string;
  /** Resolves when the model has stopped (after close(), or if it failed). */
  readonly done: Promise<void>;
  /** Stop accepting, finish the request in flight, release everything. */
  close(): Promise<void>;
}

/** A mistake in the options: the CLI prints the message and exits with 2. */
export class UsageError extends Error {}
/** The server cannot start (missing root, port in use…): the CLI exits with 1. */
export class StartError extends Error {}

export const defaultTimeouts: Readonly<Timeouts> = Object.freeze({ headerMs: 10_000, idleMs: 5_000, sendMs: 30_000 });

export async function serve(options: ServeOptions = {}): Promise<Server> {
  const modelName = options.model ?? 'event-loop';
  const model = findModel(modelName);
  if (model === undefined) throw new UsageError(`unknown model '${modelName}'`);
  if (model.run === null) throw new UsageError(`model '${modelName}' is not available yet (available: iterative, event-loop)`);
  if (options.poller !== undefined && !POLLERS.includes(options.poller)) throw new UsageError(`unknown poller '${options.poller}' (choose: ${POLLERS.join(', ')})`);

  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive whole number or auto, got ${workers}`);
  if (modelName !== 'event-loop' && (workers > 1 || options.poller !== undefined)) {
    throw new UsageError('--poller and --workers apply to --model event-loop only');
  }

  const app = await buildApp(options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (workers > 1) {
    await app.close?.(); // the workers load their own
    return superviseWorkers(options, host, port, workers);
  }
  let listenFd: number;
  try {
    listenFd = sys.listenTcp(host, port, { backlog: options.backlog ?? 511, reusePort: options.reusePort ?? false });
  } catch (e) {
    await app.close?.();
    if (e instanceof sys.SysError) throw new StartError(e.message);
    throw e;
  }
  const bound = sys.localAddress(listenFd);

  const log = new AccessLog(options.quiet ? 'off' : (options.log ?? 'combined'));
  const ctx = new ServerContext(
    app,
    { ...defaultLimits, ...options.limits },
    { ...defaultTimeouts, ...options.timeouts },
    log,
    undefined,
    0,
    options.quiet ? () => {} : undefined,
  );

  // Start on the next turn, so the caller sees the Server before a blocking model takes the thread.
  const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => model.run!(ctx, listenFd, { poller: options.poller }));
  let closed: Promise<void> | null = null;
  return {
    host: bound.address,
    port: bound.port,
    url: urlOf(bound),
    model: modelName,
    done,
    close() {
      closed ??= (async () => {
        ctx.stopping = true;
        try {
          await done;
        } finally {
          sys.close(listenFd);
          log.flush();
          await app.close?.();
        }
      })();
      return closed;
    },
  };
}

async function buildApp(options: ServeOptions): Promise<App> {
  const appOption = options.app ?? null;
  let root = options.root ?? null;
  if (root === null && appOption === null) root = DEMO_ROOT;
  let statics = null;
  if (root !== null) {
    const abs = path.resolve(root);
    if (!existsSync(abs)) throw new StartError(`root directory not found: ${root}`);
    if (!statSync(abs).isDirectory()) throw new StartError(`root is not a directory: ${root}`);
    const { dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, memoryMaxBytes } = options;
    statics = createStaticApp({ root: realpathSync(abs), dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, memoryMaxBytes });
  }
  let handler = null;
  if (typeof appOption === 'string') {
    try {
      handler = await loadHandler(appOption);
    } catch (e) {
      throw new StartError(e instanceof Error ? e.message : String(e));
    }
  } else if (appOption !== null) {
    handler = handlerApp(appOption);
    if (handler === null) throw new UsageError('app must be a module path, or an object with fetch() or handle()');
  }
  return composeApp(handler, statics);
}

function urlOf(a: { family: 4 | 6; address: string; port: number }): string {
  return `http://${a.family === 6 ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * --workers N: N event-loop processes, each with its own listening socket on
 * the same port (SO_REUSEPORT: the kernel spreads new connections over them).
 * This process only supervises. It keeps the port reserved with a socket that
 * is bound but never listening — so it receives no connections, and a
 * replacement worker can always bind the port again.
 */
async function superviseWorkers(options: ServeOptions, host: string, port: number, count: number): Promise<Server> {
  let reserveFd: number;
  let bound;
  try {
    reserveFd = sys.socket(isIP(host) === 6 ? 6 : 4);
    sys.setReuseAddr(reserveFd, true);
    sys.setReusePort(reserveFd, true);
    sys.bind(reserveFd, host, port);
    bound = sys.localAddress(reserveFd);
  } catch (e) {
    if (e instanceof sys.SysError) throw new StartError(e.message);
    throw e;
  }
  const notice = options.quiet ? () => {} : (m: string) => process.stderr.write(`fourfold: ${m}\n`);
  const workerOptions: ServeOptions = { ...options, port: bound.port, workers: 1, root: options.root == null ? options.root : path.resolve(options.root) };
  const supervisor = new Supervisor({
    entry: fileURLToPath(new URL('./worker-entry.js', import.meta.url)),
    count,
    env: (slot) => ({ FOURFOLD_WORKER_OPTIONS: JSON.stringify(workerOptions), FOURFOLD_WORKER_SLOT: String(slot) }),
    notice,
  });
  try {
    await supervisor.start();
  } catch (e) {
    await supervisor.stop(2000);
    sys.close(reserveFd);
    throw new StartError(e instanceof Error ? e.message : String(e));
  }
  let closed: Promise<void> | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    host: bound.address,
    port: bound.port,
    url: urlOf(bound),
    model: `event-loop, ${count} workers`,
    done,
    close() {
      closed ??= supervisor.stop().finally(() => {
        sys.close(reserveFd);
        resolveDone();
      });
      return closed;
    },
  };
}
