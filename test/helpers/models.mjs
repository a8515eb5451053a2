// The server configurations a suite runs under, read once for every suite
// that runs the real CLI per model (conformance, slow clients):
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"
//
// A comma-separated list; each entry is a model name followed by its own
// serve flags. Default: every model and poller, and the event loop with
// two workers.
import { availableParallelism } from 'node:os';
import { findModel } from '../../dist/models/index.js';

export const DEFAULT_MODELS =
  'iterative,process,prefork,thread,threadpool,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';

/** Split a flag string into words ("--poller poll" → ['--poller', 'poll']). */
export const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);

/** The configurations FOURFOLD_MODELS selects, in its order. */
export function selectedModels(env = process.env) {
  return (env.FOURFOLD_MODELS ?? DEFAULT_MODELS).split(',').map((m) => m.trim()).filter(Boolean);
}

/** A configuration as serve flags: "event-loop --poller poll" → ['--model', 'event-loop', '--poller', 'poll']. */
export function modelArgs(config) {
  const [model, ...rest] = words(config);
  return ['--model', model, ...rest];
}

/** The model's name in a configuration ("event-loop --workers 2" → 'event-loop'). */
export const modelOf = (config) => words(config)[0];

/** The value a configuration gives a flag (`--workers 2` or `--workers=2`), or undefined. */
export function flagValue(config, flag) {
  const w = words(config);
  for (let i = 0; i < w.length; i++) {
    if (w[i] === flag) return w[i + 1];
    if (w[i].startsWith(`${flag}=`)) return w[i].slice(flag.length + 1);
  }
  return undefined;
}

/**
 * How many connections a configuration serves at once when every one of them
 * holds its worker — the number a few stalled clients can use up — read from
 * the model table: 1 for a model with no workers and no event loop
 * (iterative), the pool's size for a pool of blocking workers (prefork,
 * threadpool: --workers or the table's default), the cap of a
 * per-connection model when the configuration sets one (--max-children,
 * --max-threads). Infinity otherwise: an event loop is held by nobody, and a
 * per-connection model's default cap (64) is no number to fill in a test.
 */
export function servesAtOnce(config) {
  const info = findModel(modelOf(config));
  if (info === undefined) throw new Error(`unknown model in FOURFOLD_MODELS: ${config}`);
  const nonBlocking = info.name === 'event-loop';
  if (nonBlocking) return Infinity;
  if (info.runsIn === 'main' && info.pool === undefined) return 1;
  if (info.pool !== undefined) {
    const n = flagValue(config, '--workers');
    return n === undefined ? info.pool.defaultSize : n === 'auto' ? availableParallelism() : Number(n);
  }
  if (info.cap !== undefined) {
    const n = flagValue(config, `--${info.cap.flag}`);
    return n === undefined ? Infinity : Number(n);
  }
  return Infinity;
}

/** Does this configuration start a new worker (process, thread) for each connection? Its clocks start once that worker runs. */
export function startsPerConnection(config) {
  return findModel(modelOf(config))?.cap !== undefined;
}
