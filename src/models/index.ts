// The concurrency models: one name on the command line, one small module
// each. This table is the only list of them: the CLI's help, serve()'s
// checks, the benchmark lab and the tests all derive from it.
//
// A model module exports run(ctx, listener): serve on the listening socket
// until ctx.stopping, then finish what is in flight. A model with workers
// (processes or threads) also exports worker(ctx, handoff): what one worker
// runs once models/worker-main.ts has built its context.
import type { ServerContext } from './context.js';
import type { Listener } from './listener.js';
import type { Handoff } from './handoff.js';
import { UsageError, checkOptions, type ModelShape, type ServeOptions } from './config.js';
import { closest } from './suggest.js';
import { POLLERS } from './event-loop/pollers/names.js';

export interface ModelModule {
  run(ctx: ServerContext, listener: Listener): Promise<void>;
  worker?(ctx: ServerContext, handoff: Handoff): Promise<void>;
}

export interface ModelInfo extends ModelShape {
  /** One line, in the lecture's terms. */
  readonly summary: string;
  /** With --workers N > 1, each worker opens its own listening socket on the port (SO_REUSEPORT). */
  readonly reusePort?: boolean;
  /** Imported only when the model is chosen (a worker process loads just its own). Null: not built yet. */
  readonly load: (() => Promise<ModelModule>) | null;
  readonly available: boolean;
}

function model(m: Omit<ModelInfo, 'available'>): ModelInfo {
  return Object.freeze({ ...m, available: m.load !== null });
}

export const MODELS: readonly ModelInfo[] = Object.freeze([
  model({
    name: 'iterative',
    summary: 'one process, one thread, no event loop: accept → serve → close, in order',
    runsIn: 'main',
    load: () => import('./iterative.js'),
  }),
  model({
    name: 'process',
    summary: 'a master accept()s; every connection gets its own new OS process',
    runsIn: 'processes',
    cap: { flag: 'max-children', default: 64 },
    load: () => import('./process.js'),
  }),
  model({
    name: 'prefork',
    summary: 'a pool of N processes, each blocking in accept() on the shared socket',
    runsIn: 'processes',
    pool: { defaultSize: 8 }, // above a browser's 6 keep-alive connections: see prefork.ts
    load: () => import('./prefork.js'),
  }),
  model({
    name: 'thread',
    summary: 'every connection gets its own OS thread (worker_threads), blocking I/O',
    runsIn: 'threads',
    // Each thread is a V8 isolate with our modules and the app: ~16 MB of RSS
    // while its client idles and ~0.1 s of CPU to start (bench/threads.mjs).
    // 64 idle clients then hold ~1 GB; 256 would hold ~4 GB.
    cap: { flag: 'max-threads', default: 64 },
    load: () => import('./thread.js'),
  }),
  model({
    name: 'threadpool',
    summary: 'a pool of N threads, each blocking in accept() on the shared socket',
    runsIn: 'threads',
    pool: { defaultSize: 16 },
    load: () => import('./threadpool.js'),
  }),
  model({
    name: 'event-loop',
    summary: 'one thread, non-blocking sockets, a reactor on epoll / poll / select',
    runsIn: 'main',
    pool: { defaultSize: 1 },
    reusePort: true,
    load: () => import('./event-loop/index.js'),
  }),
]);

export function findModel(name: string): ModelInfo | undefined {
  return MODELS.find((m) => m.name === name);
}

/** The model named in `options`, after checking the options that belong to some models only. Throws UsageError. */
export function chooseModel(options: ServeOptions): ModelInfo {
  checkOptions(options); // types, ranges and unknown keys first: a misspelt key must not be silently ignored
  const name = options.model ?? 'event-loop';
  const model = typeof name === 'string' ? findModel(name) : undefined;
  const list = (test: (m: ModelInfo) => boolean) => MODELS.filter(test).map((m) => m.name);
  if (model === undefined) {
    const names = list(() => true);
    throw new UsageError(`unknown model ${show(name)} (${typeof name === 'string' ? suggest(name, names) : ''}choose: ${names.join(', ')})`);
  }
  if (!model.available) {
    throw new UsageError(`model '${model.name}' is not available yet (available: ${list((m) => m.available).join(', ')})`);
  }
  const only = (option: string, names: string[]) => new UsageError((n) => `${n(option)} applies to ${n('model')} ${names.join(' or ')}, not ${model.name}`);
  if (options.poller !== undefined) {
    if (model.name !== 'event-loop') throw only('poller', ['event-loop']);
    if (!POLLERS.includes(options.poller)) {
      throw new UsageError(`unknown poller ${show(options.poller)} (${typeof options.poller === 'string' ? suggest(options.poller, POLLERS) : ''}choose: ${POLLERS.join(', ')})`);
    }
  }
  if (options.workers !== undefined) {
    if (model.pool === undefined) throw only('workers', list((m) => m.pool !== undefined));
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 1024) {
      throw new UsageError((n) => `${n('workers')} must be a whole number from 1 to 1024${n('workers').startsWith('-') ? ' or auto' : ''}, got ${show(options.workers)}`);
    }
  }
  for (const [option, flag, value] of [['maxChildren', 'max-children', options.maxChildren], ['maxThreads', 'max-threads', options.maxThreads]] as const) {
    if (value === undefined) continue;
    if (model.cap?.flag !== flag) throw only(option, list((m) => m.cap?.flag === flag));
    if (!Number.isInteger(value) || value < 1 || value > 100_000) throw new UsageError((n) => `${n(option)} must be a whole number from 1 to 100000, got ${show(value)}`);
  }
  if (options.maxRequests !== undefined) {
    const recyclable = (m: ModelInfo) => m.pool !== undefined && m.runsIn !== 'main';
    if (!recyclable(model)) throw only('maxRequests', list(recyclable));
    if (!Number.isInteger(options.maxRequests) || options.maxRequests < 0) {
      throw new UsageError((n) => `${n('maxRequests')} must be a whole number (0 = never), got ${show(options.maxRequests)}`);
    }
  }
  return model;
}

/** "did you mean X? " or "". */
function suggest(word: string, names: readonly string[]): string {
  const k = closest(word, names);
  return k === undefined ? '' : `did you mean ${k}? `;
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));
