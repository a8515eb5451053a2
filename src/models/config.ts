// The server's configuration in two forms:
//  - ServeOptions: what a user passes to serve() (the CLI's flags in camelCase);
//  - ServerConfig: the same, checked, resolved to absolute paths and filled
//    with defaults, and plain data — so it can be handed to a worker process
//    (as JSON) or a worker thread (structured clone), which builds its own
//    context from it and loads the app itself.
// resolveConfig() is the one place where options are validated (with the
// model-specific checks of chooseModel in ./index.ts): every option, its
// type and range, and unknown keys — whether they come from serve() or from
// the command line, which only parses its flags into ServeOptions.
import { existsSync, statSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { defaultLimits, isFieldValue, type Limits } from '../http/index.js';
import type { LogFormat } from '../app/access-log.js';
import type { StaticOptions } from '../app/static/index.js';
import type { PollerName } from './event-loop/pollers/names.js';
import { didYouMean } from './suggest.js';

/** The bundled demo site, served when neither a root nor an app is given. */
export const DEMO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../public');

export interface Timeouts {
  /**
   * A request head must arrive within this many ms of its first byte — a
   * connection's first request, of the connection's start (the wait for it
   * counts). A body must keep moving: its clock restarts with every read.
   */
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
  /**
   * On a graceful stop (SIGINT, SIGTERM, close()), the requests in flight
   * may take this long to finish; then their connections are cut. 0: cut at once.
   */
  shutdownMs: number;
}

export const defaultTimeouts: Readonly<Timeouts> = Object.freeze({ headerMs: 10_000, idleMs: 5_000, sendMs: 30_000, handlerMs: 30_000, shutdownMs: 10_000 });

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

/**
 * How a message names an option: as serve() takes it ("timeouts.headerMs")
 * or as the command line spells it ("--header-timeout").
 */
export type Naming = (option: string) => string;
const asKey: Naming = (option) => option;
const asFlag: Naming = (option) => OPTIONS[option]?.flag ?? option;

/**
 * A mistake in the options: the CLI prints the message and exits with 2.
 * The message names options as serve() takes them; `cliMessage` names them
 * as the command line spells them, so each caller reads its own words.
 */
export class UsageError extends Error {
  readonly #render: (name: Naming) => string;

  constructor(message: string | ((name: Naming) => string)) {
    const render = typeof message === 'string' ? () => message : message;
    super(render(asKey));
    this.#render = render;
  }

  /** The message with every option named by its flag (--header-timeout, not timeouts.headerMs). */
  get cliMessage(): string {
    return this.#render(asFlag);
  }
}
UsageError.prototype.name = 'UsageError';

/** The server cannot start (missing root, port in use…): the CLI exits with 1. */
export class StartError extends Error {}
StartError.prototype.name = 'StartError';

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

// ── The options: how each is checked, and its flag ──────────────────────────

/** What is wrong with a value ("must be …, got …"), or null when it is fine. */
type Check = (value: unknown) => string | null;

interface OptionSpec {
  /** The command-line flag that sets it; null when only serve() takes it. */
  readonly flag: string | null;
  readonly check: Check;
}

const DAY_MS = 86_400_000;
const TIB = 2 ** 40;

/** A value as a message shows it. */
function show(v: unknown, unit = ''): string {
  if (typeof v === 'string') return /[\x00-\x1f\x7f]/.test(v) ? JSON.stringify(v) : `'${v}'`; // a message stays one line
  if (typeof v === 'number') return Number.isFinite(v) ? `${v}${unit}` : String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'function' ? 'a function' : String(v);
}

const whole = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : `must be a whole number from ${min} to ${max}, got ${show(v)}`;

const duration = (min: number): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= DAY_MS ? null : `must be a duration from ${min} ms to 24 h (${DAY_MS} ms), got ${show(v, ' ms')}`;

const size = (min: number): Check => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= TIB ? null : `must be a size in bytes from ${min} to 1 TiB, got ${show(v, ' bytes')}`;

const bool: Check = (v) => (typeof v === 'boolean' ? null : `must be true or false, got ${show(v)}`);

const oneOf = (values: readonly string[]): Check => (v) =>
  typeof v === 'string' && values.includes(v) ? null : `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}, got ${show(v)}${typeof v === 'string' ? didYouMean(v, values) : ''}`;

const nullableString = (what: string): Check => (v) => (v === null || typeof v === 'string' ? null : `must be ${what}, got ${show(v)}`);

// Checked by chooseModel (models/index.ts), which knows the models; listed here for the names.
const byModel: Check = () => null;

const OPTIONS: Record<string, OptionSpec> = {
  root: { flag: 'root', check: nullableString('a directory path') },
  app: {
    flag: '--app',
    check: (v) => (v === null || ['string', 'object', 'function'].includes(typeof v) ? null : `must be a module path, or an object with fetch() or handle(), got ${show(v)}`),
  },
  model: { flag: '--model', check: byModel },
  poller: { flag: '--poller', check: byModel },
  workers: { flag: '--workers', check: byModel },
  maxChildren: { flag: '--max-children', check: byModel },
  maxThreads: { flag: '--max-threads', check: byModel },
  maxRequests: { flag: '--max-requests', check: byModel },
  host: {
    flag: '--host',
    check: (v) =>
      typeof v === 'string' && (v === 'localhost' || isIP(v.replace(/^\[(.*)\]$/, '$1')) !== 0)
        ? null
        : `must be an IP address (127.0.0.1, 0.0.0.0, ::1, ::) or localhost, got ${show(v)}`,
  },
  port: { flag: '--port', check: whole(0, 65535) },
  backlog: { flag: '--backlog', check: whole(1, 65535) },
  order: { flag: '--handler-first', check: oneOf(['files-first', 'handler-first']) },
  dirListing: { flag: '--dir-listing', check: bool },
  cacheControl: {
    flag: '--cache-control',
    check: (v) => (typeof v === 'string' && v !== '' && isFieldValue(v) ? null : `must be a header value on one line (like 'public, max-age=3600'), got ${show(v)}`),
  },
  cors: { flag: '--cors', check: bool },
  spa: { flag: '--spa', check: bool },
  compress: { flag: '--no-compress', check: bool },
  followSymlinks: { flag: '--follow-symlinks', check: bool },
  dotfiles: { flag: '--dotfiles', check: bool },
  notFoundPage: { flag: '--no-404-page', check: bool },
  cleanUrls: { flag: '--no-clean-urls', check: bool },
  cacheMetadataMs: { flag: '--cache-metadata', check: duration(0) },
  memoryMaxBytes: { flag: null, check: size(0) },
  'timeouts.headerMs': { flag: '--header-timeout', check: duration(1) },
  'timeouts.idleMs': { flag: '--idle-timeout', check: duration(1) },
  'timeouts.sendMs': { flag: '--send-timeout', check: duration(1) },
  'timeouts.handlerMs': { flag: '--handler-timeout', check: duration(1) },
  'timeouts.shutdownMs': { flag: '--shutdown-timeout', check: duration(0) },
  'limits.maxTarget': { flag: '--max-target', check: size(1) },
  'limits.maxHeaderBytes': { flag: '--max-header', check: size(1) },
  'limits.maxHeaderCount': { flag: '--max-headers', check: whole(1, 10_000) },
  'limits.maxBody': { flag: '--max-body', check: size(0) },
  'limits.maxBodyMemory': { flag: '--max-body-memory', check: size(1) },
  log: { flag: '--log', check: oneOf(['combined', 'json', 'off']) },
  quiet: { flag: '--quiet', check: bool },
  statusPath: { flag: '--status-path', check: nullableString('a path like /server-status') }, // (its form: statusOf())
  statusPublic: { flag: '--status-public', check: bool },
  traceSyscalls: { flag: '--trace-syscalls', check: bool },
};
const GROUPS = ['timeouts', 'limits'] as const;
const TOP_KEYS = [...Object.keys(OPTIONS).filter((k) => !k.includes('.')), ...GROUPS];

/** The flag that sets an option (for the CLI's help and its consistency test), or undefined. */
export function flagOf(option: string): string | undefined {
  return OPTIONS[option]?.flag ?? undefined;
}

/**
 * Check every option's type and range, and refuse keys that are not options
 * (with the closest known one). Throws UsageError. The model-specific options
 * are chooseModel's (they depend on the model).
 */
export function checkOptions(options: unknown): asserts options is ServeOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UsageError(`serve() takes an options object, got ${show(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!TOP_KEYS.includes(key)) throw new UsageError(`unknown option '${key}'${didYouMean(key, TOP_KEYS)}`);
  }
  for (const group of GROUPS) {
    const g = o[group];
    if (g === undefined) continue;
    if (typeof g !== 'object' || g === null || Array.isArray(g)) {
      throw new UsageError(`${group} must be an object like { ${group === 'timeouts' ? 'headerMs: 10000' : 'maxBody: 1048576'} }, got ${show(g)}`);
    }
    const known = Object.keys(OPTIONS).filter((k) => k.startsWith(group + '.')).map((k) => k.slice(group.length + 1));
    for (const key of Object.keys(g)) {
      if (!known.includes(key)) throw new UsageError(`unknown option '${group}.${key}'${didYouMean(key, known).replace(/mean (\w+)/, `mean ${group}.$1`)}`);
    }
  }
  for (const [key, spec] of Object.entries(OPTIONS)) {
    const dot = key.indexOf('.');
    const value = dot < 0 ? o[key] : (o[key.slice(0, dot)] as Record<string, unknown> | undefined)?.[key.slice(dot + 1)];
    if (value === undefined) continue;
    const wrong = spec.check(value);
    if (wrong !== null) throw new UsageError((name) => `${name(key)} ${wrong}`);
  }
}

/** Check the model-independent options and resolve them into a ServerConfig. Throws UsageError or StartError. */
export function resolveConfig(options: ServeOptions, model: ModelShape): ServerConfig {
  checkOptions(options);
  const appOption = options.app ?? null;
  if (appOption !== null && typeof appOption !== 'string' && !runsHere(model, options)) {
    throw new UsageError((name) => `model '${model.name}' loads the app in each worker: pass ${name('app')} as a module path, not a value`);
  }
  let root = options.root ?? null;
  if (root === null && appOption === null) root = DEMO_ROOT;
  if (root !== null) {
    const abs = path.resolve(root);
    if (!existsSync(abs)) throw new StartError(`root directory not found: ${root}`);
    if (!statSync(abs).isDirectory()) throw new StartError(`root is not a directory: ${root}`);
    root = realpathSync(abs);
  }
  const { dirListing, cacheControl, cors, spa, compress, followSymlinks, dotfiles, notFoundPage, cleanUrls, cacheMetadataMs, memoryMaxBytes } = options;
  return {
    model: model.name,
    poller: options.poller ?? 'epoll',
    workers: options.workers ?? model.pool?.defaultSize ?? 1,
    maxChildren: options.maxChildren ?? (model.cap?.flag === 'max-children' ? model.cap.default : 0),
    maxThreads: options.maxThreads ?? (model.cap?.flag === 'max-threads' ? model.cap.default : 0),
    maxRequests: options.maxRequests ?? 0,
    host: options.host ?? '127.0.0.1',
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

