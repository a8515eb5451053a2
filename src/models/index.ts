// The concurrency models: one name on the command line, one small module each.
import type { ServerContext } from './context.js';
import { runIterative } from './iterative.js';
import { runEventLoop } from './event-loop/index.js';
import type { PollerName } from './event-loop/pollers/index.js';

/** Model-specific choices from the command line. */
export interface ModelOptions {
  poller?: PollerName;
}

export interface ModelInfo {
  name: string;
  summary: string;
  /** Run until ctx.stopping is set and in-flight work is done. Null: not built yet. */
  run: ((ctx: ServerContext, listenFd: number, options: ModelOptions) => Promise<void>) | null;
}

export const MODELS: readonly ModelInfo[] = [
  { name: 'iterative', summary: 'one process, one thread, no event loop: accept → serve → close, in order', run: runIterative },
  { name: 'process', summary: 'a master accept()s; every connection gets its own new OS process', run: null },
  { name: 'prefork', summary: 'a pool of N processes, each blocking in accept() on the shared socket', run: null },
  { name: 'thread', summary: 'every connection gets its own OS thread (worker_threads), blocking I/O', run: null },
  { name: 'threadpool', summary: 'a pool of N threads, each blocking in accept() on the shared socket', run: null },
  { name: 'event-loop', summary: 'one thread, non-blocking sockets, a reactor on epoll / poll / select', run: (ctx, fd, o) => runEventLoop(ctx, fd, o.poller) },
];

export function findModel(name: string): ModelInfo | undefined {
  return MODELS.find((m) => m.name === name);
}
