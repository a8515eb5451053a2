// The server's configuration in two forms:
//  - ServeOptions: what a user passes to serve() (the CLI's flags in camelCase);
//  - ServerConfig: the same, checked, resolved to absolute paths and filled
//    with defaults, and plain data — so it can be handed to a worker process
//    (as JSON) or a worker thread (structured clone), which builds its own
//    context from it and loads the app itself.
// resolveConfig() is the one place where options are validated.
import { existsSync, statSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { defaultLimits, type Limits } from '../http/index.js';
import type { LogFormat } from '../app/access-log.js';
import type { StaticOptions } from '../app/static/index.js';
import type { PollerName } from './event-loop/pollers/names.js';

/** The bundled demo site, served when neither a root nor an app is given. */
export const DEMO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../public');

export interface Timeouts {
  /** A request head (and body) must arrive within this many ms of its first byte. */
  headerMs: number;
  /** A keep-alive connection may wait this long for its next request. */
  idleMs: number;
  /** A send that makes no progress for this long gives up. */
  sendMs: number;
  /**
   * The application must answer (and a streamed body must yield its next
   * chunk) within this: else 503 if nothing was sent yet, or the connection
   * is cut. A handler that never settles cannot hold a connection forever.
   */
  handlerMs: number;
}

export const defaultTimeouts: Readonly<Timeouts> = Object.freeze({ headerMs: 10_000, idleMs: 5_000, sendMs: 30_000, handlerMs: 30_000 });

/** Static-file choices, as serve() takes them (the root is separate). */
export type StaticChoices = Omit<StaticOptions, 'root'>;

/** Static-file choices (dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, notFoundPage, cleanUrls, cacheMetadataMs, memoryMaxBytes) come from StaticOptions. */
export interface ServeOptions extends StaticChoices {
  /**
   * With both a handler and a root: 'files-first' (default) serves an existing
   * file and gives everything else to the handler; 'handler-first' asks the
   * handler first (a native one may decline with undefined).
   */
  order?: 'files-first' | 'handler-first';
  /** Directory of static files. Default: the demo site, unless `app` is given. */
  root?: string | null;
  /**
   * Handler: a module path, or the value such a module would export as its
   * default ({ fetch }, { handle }, a Hono app, a fetch function). A value
   * can only run in this process (iterative, event-loop without workers).
   */
  app?: string | object | ((request: globalThis.Request) => unknown) | null;
  model?: string;
  /** event-loop: epoll (default), poll or select. */
  poller?: PollerName;
  /** Pooled models: how many workers (processes or threads) share the port. */
  workers?: number;
  /** process: most connections served at once (one child each). */
  maxChildren?: number;
  /** thread: most connections served at once (one thread each). */
  maxThreads?: number;
  /** Pooled blocking models: a worker is replaced after this many connections (0 = never). */
  maxRequests?: number;
  host?: string;
  port?: number;
  backlog?: number;
  timeouts?: Partial<Timeouts>;
  limits?: Partial<Limits>;
  log?: LogFormat;
  quiet?: boolean;
  /** A live status page (scoreboard, metrics, system calls) at this path, e.g. '/server-status'; null or absent: none. */
  statusPath?: string | null;
  /** Serve the status page to every client, not only those on the loopback interface. */
  statusPublic?: boolean;
  /** Print every system call of the sys layer to stderr, strace-style, in the master and every worker. */
  traceSyscalls?: boolean;
}

/** The status page's settings (see models/status.ts). */
export interface StatusConfig {
  /** Its path, e.g. '/server-status'. */
  path: string;
  /** Served to every client (else to loopback clients only). */
  public: boolean;
  /** What the page says of the model (from the model table, which the page's code does not import). */
  model: {
    summary: string;
    runsIn: 'main' | 'processes' | 'threads';
    /** One new worker per connection (process, thread). */
    perConnection: boolean;
    /** Its workers block in system calls: one connection holds a worker (all but the event loop). */
    blocking: boolean;
  };
}

/** Everything a worker needs to serve, as plain data. */
export interface ServerConfig {
  model: string;
  poller: PollerName;
  workers: number;
  maxChildren: number;
  maxThreads: number;
  maxRequests: number;
  host: string;
  port: number;
  backlog: number;
  /** Absolute, real path of the document root, or null. */
  root: string | null;
  /** Absolute path of the handler module, or null (no handler, or a handler given as a value). */
  app: string | null;
  order: 'files-first' | 'handler-first';
  static: StaticChoices;
  limits: Limits;
  timeouts: Timeouts;
  log: LogFormat;
  quiet: boolean;
  /** The status page, or null when there is none. */
  status: StatusConfig | null;
  /** Trace every system call to stderr (every worker inherits it). */
  traceSyscalls: boolean;
}

/** A mistake in the options: the CLI prints the message and exits with 2. */
export class UsageError extends Error {}
/** The server cannot start (missing root, port in use…): the CLI exits with 1. */
export class StartError extends Error {}

/**
 * What resolveConfig needs to know of the chosen model (its row in the model
 * table, models/index.ts, which has already checked the model-specific options).
 */
export interface ModelShape {
  readonly name: string;
  /** Where connections are served: in this thread, in worker processes, in worker threads. */
  readonly runsIn: 'main' | 'processes' | 'threads';
  /** A pool: --workers N, with its default. */
  readonly pool?: { readonly defaultSize: number };
  /** One worker per connection, at most this many at once. */
  readonly cap?: { readonly flag: 'max-children' | 'max-threads'; readonly default: number };
  /** One line, in the lecture's terms (the status page shows it). */
  readonly summary?: string;
}

/** Check the model-independent options and resolve them into a ServerConfig. Throws UsageError or StartError. */
export function resolveConfig(options: ServeOptions, model: ModelShape): ServerConfig {
  const appOption = options.app ?? null;
  if (appOption !== null && typeof appOption !== 'string' && !runsHere(model, options)) {
    throw new UsageError(`model '${model.name}' loads the app in each worker: pass the app as a module path, not a value`);
  }
  let root = options.root ?? null;
  if (root === null && appOption === null) root = DEMO_ROOT;
  if (root !== null) {
    const abs = path.resolve(root);
    if (!existsSync(abs)) throw new StartError(`root directory not found: ${root}`);
    if (!statSync(abs).isDirectory()) throw new StartError(`root is not a directory: ${root}`);
    root = realpathSync(abs);
  }
  const host = options.host ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host.replace(/^\[(.*)\]$/, '$1')) === 0) {
    throw new UsageError(`--host must be an IPv4 or IPv6 address or localhost, got '${host}'`);
  }
  const { dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, notFoundPage, cleanUrls, cacheMetadataMs, memoryMaxBytes } = options;
  return {
    model: model.name,
    poller: options.poller ?? 'epoll',
    workers: options.workers ?? model.pool?.defaultSize ?? 1,
    maxChildren: options.maxChildren ?? (model.cap?.flag === 'max-children' ? model.cap.default : 0),
    maxThreads: options.maxThreads ?? (model.cap?.flag === 'max-threads' ? model.cap.default : 0),
    maxRequests: options.maxRequests ?? 0,
    host,
    port: options.port ?? 8080,
    backlog: options.backlog ?? 511,
    root,
    app: typeof appOption === 'string' ? path.resolve(appOption) : null,
    order: options.order ?? 'files-first',
    static: { dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, notFoundPage, cleanUrls, cacheMetadataMs, memoryMaxBytes },
    limits: { ...defaultLimits, ...options.limits },
    timeouts: { ...defaultTimeouts, ...options.timeouts },
    log: options.quiet ? 'off' : (options.log ?? 'combined'),
    quiet: options.quiet ?? false,
    status: statusOf(options, model),
    traceSyscalls: options.traceSyscalls === true,
  };
}

/** --status-path and --status-public, checked. */
function statusOf(options: ServeOptions, model: ModelShape): StatusConfig | null {
  const p = options.statusPath ?? null;
  if (p === null) {
    if (options.statusPublic) throw new UsageError('--status-public needs --status-path');
    return null;
  }
  if (typeof p !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(p) || p.includes('//')) {
    throw new UsageError(`--status-path must be a path like /server-status (starting with /, no query, no spaces), got ${JSON.stringify(p)}`);
  }
  return {
    path: p,
    public: options.statusPublic === true,
    model: { summary: model.summary ?? '', runsIn: model.runsIn, perConnection: model.cap !== undefined, blocking: model.name !== 'event-loop' },
  };
}

/** Does this model (with these options) serve in the calling process's own thread? */
export function runsHere(model: ModelShape, options: { workers?: number }): boolean {
  return model.runsIn === 'main' && (options.workers ?? 1) === 1;
}

