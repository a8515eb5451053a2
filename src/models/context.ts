// Everything a model needs to serve connections: the app, limits, timeouts,
// the access log, this worker's scoreboard row and the stop flag. serve()
// builds one in the master; every worker process or thread builds its own
// from the same ServerConfig (createContext), loading the app itself.
import { writeSync } from 'node:fs';
import * as sys from '../sys/index.js';
import { threadId } from 'node:worker_threads';
import { BodyBudget, type Limits, type Request } from '../http/index.js';
import type { App } from '../app/types.js';
import { AccessLog } from '../app/access-log.js';
import { composeApp } from '../app/compose.js';
import { StartError, UsageError, type ServerConfig, type Timeouts } from './config.js';
import { Scoreboard, Cell, WorkerState } from './scoreboard.js';
import { StatusWorker, statusApp } from './status.js';

export class ServerContext {
  readonly limits: Limits;
  readonly timeouts: Timeouts;
  /** The memory all request bodies in this process may hold (shared by its threads). */
  readonly bodyBudget: BodyBudget;
  /** Whether the app will read a request's body (else it is discarded as it arrives): the hook for HttpConnection.keepBody. */
  readonly keepBody: ((request: Request) => boolean) | null;
  /** This worker's row in the scoreboard. */
  readonly row: Float64Array;
  /** The app: the one given, with the status page in front of it when there is one. */
  readonly app: App;
  /** This worker's part of the status page (request traces), or null when there is none (see status.ts). */
  readonly status: StatusWorker | null;
  /** Server messages (not the access log), to stderr unless quiet. Never throws. */
  readonly notice: (message: string) => void;
  /**
   * Errors — a handler that failed, a stream that broke — to stderr always,
   * --quiet or not: a 500 must leave a trace somewhere. Never throws.
   */
  readonly error: (message: string) => void = notice;
  private readonly stopFlag: Int32Array;

  constructor(
    readonly config: ServerConfig,
    app: App,
    readonly log: AccessLog,
    readonly scoreboard: Scoreboard,
    readonly slot: number,
    /** Shared with the master when the worker is a thread: an Int32Array's buffer. */
    stop: SharedArrayBuffer = new SharedArrayBuffer(4),
    /** Shared with the master when the worker is a thread: the body budget's counter. */
    bodyMemory: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.limits = config.limits;
    this.timeouts = config.timeouts;
    this.bodyBudget = new BodyBudget(config.limits.maxBodyMemory, bodyMemory);
    this.row = scoreboard.row(slot);
    // This thread's system calls are counted in its row from now on (and traced, with --trace-syscalls).
    scoreboard.countSyscallsHere(slot);
    if (config.traceSyscalls) sys.enableSyscallTrace();
    this.status = config.status != null ? new StatusWorker(scoreboard, slot) : null;
    this.app = this.status !== null ? statusApp(app, this, () => import('./status-reply.js')) : app;
    const wrapped = this.app;
    this.keepBody = typeof wrapped.wantsBody === 'function' ? (req) => wrapped.wantsBody!(req) : null;
    this.row[Cell.Pid] = process.pid;
    this.row[Cell.ThreadId] = threadId;
    this.row[Cell.StartedAt] = Date.now();
    this.row[Cell.State] = WorkerState.Starting;
    this.stopFlag = new Int32Array(stop, 0, 1);
    this.notice = config.quiet ? () => {} : notice;
  }

  /**
   * Write the access log before this thread blocks. When stdout is a pipe
   * whose reader is slow, the lines stay queued; once the queue is half
   * full, wait a little for the reader rather than drop lines later (a
   * blocking model may wait; an event loop may not — it watches stdout for
   * writability instead, see event-loop/server.ts).
   */
  flushLogBlocking(): void {
    if (this.log.flush() || !this.log.pressed) return; // the rest waits for the next flush
    logWait.set(0, this.log.descriptor, sys.platform.POLLOUT);
    if (sys.poll(logWait, 1, LOG_WAIT_MS) > 0) this.log.flush();
  }

  /** Set on SIGINT/SIGTERM or close(): finish what is in flight, accept nothing new. Shared by every thread that holds the flag. */
  get stopping(): boolean {
    return this.stopFlag[0] !== 0;
  }

  /** Ask every worker holding the flag to stop; in this thread, the whenStopping() promise resolves. */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
    this.stopSeenAt ??= Date.now();
    this.stopped?.();
  }

  /**
   * A stop was asked longer ago than the shutdown timeout (--shutdown-timeout):
   * what is still in flight is to be cut. The clock starts when this thread
   * first learns of the stop (a worker thread's flag is set by its master).
   */
  get pastShutdownDeadline(): boolean {
    if (!this.stopping) return false;
    const now = Date.now();
    this.stopSeenAt ??= now;
    return now - this.stopSeenAt >= this.timeouts.shutdownMs;
  }
  private stopSeenAt: number | null = null;

  /** Resolves once stop() was called in this thread (a master waits on it instead of polling the flag). */
  whenStopping(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return (this.stoppedPromise ??= new Promise((resolve) => (this.stopped = resolve)));
  }
  private stopped: (() => void) | null = null;
  private stoppedPromise: Promise<void> | null = null;

  /** A model calls this once it serves (a pool: once every worker said ready). */
  started(): void {
    this.startedNow?.();
  }
  private startedNow: (() => void) | null = null; // (declared before the promise that sets it)
  /** Resolves at started(). */
  readonly whenStarted: Promise<void> = new Promise((resolve) => (this.startedNow = resolve));

  /** The flag's memory, to share with worker threads. */
  get stopBuffer(): SharedArrayBuffer {
    return this.stopFlag.buffer as SharedArrayBuffer;
  }
}

const LOG_WAIT_MS = 100;
const logWait = new sys.PollSet(1);

/**
 * One line to stderr, written at once (a blocking model may not give Node's
 * streams a turn for a long time). A full or closed stderr must never take
 * the server down, so a failed write is dropped.
 */
export function notice(message: string): void {
  try {
    writeSync(2, `fourfold: ${message}\n`);
  } catch {
    /* EAGAIN or EPIPE: nobody is reading stderr */
  }
}

export interface ContextParts {
  /** The app, when it is already built (or given as a value); otherwise it is loaded from config. */
  app?: App;
  scoreboard?: Scoreboard;
  slot?: number;
  stop?: SharedArrayBuffer;
  bodyMemory?: SharedArrayBuffer;
  /** A worker's log lines say which worker served them. */
  worker?: 'process' | 'thread';
}

export async function createContext(config: ServerConfig, parts: ContextParts = {}): Promise<ServerContext> {
  const app = parts.app ?? (await buildApp(config, null));
  const log = new AccessLog(config.log, 1, { worker: parts.worker ?? null, notice: config.quiet ? undefined : notice });
  return new ServerContext(config, app, log, parts.scoreboard ?? Scoreboard.create(1), parts.slot ?? 0, parts.stop, parts.bodyMemory);
}

/**
 * The application of a config: the handler (a module path in the config, or
 * a value passed to serve() in this process) composed with the static files.
 * A handler that fails to load is a StartError.
 *
 * The static-file app and the handler loader are imported only when the
 * config asks for them: every worker process of the process-per-connection
 * model pays for what it imports on each connection.
 */
export async function buildApp(config: ServerConfig, appValue: object | null): Promise<App> {
  const statics = config.root === null ? null : (await import('../app/static/index.js')).createStaticApp({ root: config.root, ...config.static });
  let handler = null;
  if (config.app !== null) {
    try {
      const { loadHandler } = await import('../app/handler/load.js');
      handler = await loadHandler(config.app);
    } catch (e) {
      statics?.close();
      throw new StartError(e instanceof Error ? e.message : String(e));
    }
  } else if (appValue !== null) {
    const { handlerApp } = await import('../app/handler/load.js');
    handler = handlerApp(appValue);
    if (handler === null) {
      statics?.close();
      throw new UsageError('app must be a module path, or an object with fetch() or handle()');
    }
  }
  return composeApp(handler, statics, { order: config.order, cors: config.static.cors === true, compress: config.static.compress !== false });
}
