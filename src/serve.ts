// The programmatic API: build the context (app, limits, timeouts, log,
// scoreboard), open the listening socket, hand both to the chosen model.
//
//   const server = await serve({ root: './site', model: 'iterative', port: 0 });
//   console.log(server.url);
//   await server.close();
import { chooseModel } from './models/index.js';
import { resolveConfig, runsHere, StartError, type ServeOptions } from './models/config.js';
import { buildApp, notice, ServerContext } from './models/context.js';
import { openListener } from './models/listener.js';
import { Scoreboard } from './models/scoreboard.js';
import { AccessLog } from './app/access-log.js';
import * as sys from './sys/index.js';

export { UsageError, StartError, DEMO_ROOT, defaultTimeouts, type ServeOptions, type Timeouts } from './models/config.js';

export interface Server {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The model's name ("event-loop"); with workers, see `workers`. */
  readonly model: string;
  /** Workers of a pooled model (1 for a model that serves in this thread). */
  readonly workers: number;
  /** Resolves when the model has stopped (after close()); rejects if it failed. */
  readonly done: Promise<void>;
  /** Stop accepting, finish the requests in flight, release everything. */
  close(): Promise<void>;
}

export async function serve(options: ServeOptions = {}): Promise<Server> {
  const model = chooseModel(options);
  const config = resolveConfig(options, model);
  const here = runsHere(model, options);
  // In this thread the app is used; for workers it is loaded here only to fail early and clearly.
  const app = await buildApp(config, typeof options.app === 'object' ? options.app : null);
  if (!here) await app.close?.();

  // The scoreboard first, so that the master's own system calls from socket() on are counted (and, with a
  // status page, recorded) in its row: the status page draws the set-up from them.
  const slots = here ? 1 : 1 + (model.pool !== undefined ? config.workers : config.maxChildren || config.maxThreads);
  const board = Scoreboard.create(slots, { processes: !here && model.runsIn !== 'threads', record: config.status !== null });
  if (config.traceSyscalls) sys.enableSyscallTrace();
  board.countSyscallsHere(0);
  if (config.status !== null) sys.recordSyscallsInto(board.recordOf(0));

  let listener;
  try {
    listener = openListener(config, { listen: !(model.reusePort && config.workers > 1) });
  } catch (e) {
    if (board.handle.kind === 'memfd') sys.close(board.handle.fd);
    if (here) await app.close?.();
    throw e;
  }
  // Workers that listen themselves must bind the port we got (port 0 means: the kernel chose one).
  const ctx = new ServerContext({ ...config, port: listener.port }, app, new AccessLog(config.log, 1, { notice: config.quiet ? undefined : notice }), board, 0);
  const module = await model.load!();

  // Start on the next turn, so the caller sees the Server before a blocking model takes the thread.
  const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => module.run(ctx, listener));
  const failed = done.then(
    () => new StartError(`model ${model.name} stopped before it started`),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  const startError = await Promise.race([ctx.whenStarted.then(() => null), failed]);
  if (startError !== null) {
    sys.close(listener.fd);
    if (here) await app.close?.();
    throw startError instanceof StartError ? startError : new StartError(startError.message);
  }

  let closed: Promise<void> | null = null;
  return {
    host: listener.host,
    port: listener.port,
    url: listener.url,
    model: model.name,
    workers: here ? 1 : config.workers,
    done,
    close() {
      closed ??= (async () => {
        ctx.stop();
        stopListening(listener);
        try {
          await done;
        } finally {
          sys.close(listener.fd);
          ctx.log.flush();
          if (here) await app.close?.();
        }
      })();
      return closed;
    },
  };
}

/**
 * A stopping server refuses new connections at once (ECONNREFUSED): without
 * this they would be queued by the kernel in a backlog that nobody serves any
 * more, for the whole drain, and then reset when the socket is closed.
 * shutdown(SHUT_RD) of a listening socket makes it stop listening (Linux) —
 * for every process that shares it (a prefork pool's workers) — and wakes the
 * accept() calls blocked on it with EINVAL, which end the accept loops.
 * (Workers with listeners of their own, event-loop --workers N, shut theirs
 * down themselves: see event-loop/acceptor.ts.)
 */
function stopListening(listener: { fd: number; listening: boolean }): void {
  if (!listener.listening) return;
  try {
    sys.shutdown(listener.fd, 'read');
  } catch {
    /* not listening any more: nothing to refuse */
  }
}
