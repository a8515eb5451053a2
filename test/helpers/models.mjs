// Which server configurations the socket suites run, and the serve flags the
// wire suites (conformance, smuggling, differential) run them with: one place,
// so FOURFOLD_MODELS means the same everywhere. CI runs one model of each
// family on the Node versions after the first, to stay within budget.
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"   configurations to run
//                                            (default: every model and poller, and --workers 2)
//   FOURFOLD_EXTRA_ARGS="--poller poll"      extra serve flags for every model
//   FOURFOLD_EXTRA_ARGS_EVENT_LOOP="--workers 2"   extra flags for one model
import { availableParallelism } from 'node:os';
import { SITE, ECHO_APP } from '../conformance/fixtures.mjs';
import { findModel } from '../../dist/models/index.js';

export const ALL_CONFIGURATIONS =
  'iterative,process,prefork,thread,threadpool,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';

export const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);

/** Each configuration as a string: a model name and its serve flags. */
export const configurations = () =>
  (process.env.FOURFOLD_MODELS ?? ALL_CONFIGURATIONS).split(',').map((m) => m.trim()).filter(Boolean);

export const MODELS = configurations();

/**
 * The serve arguments of one configuration ("event-loop --poller poll") for
 * the wire suites: the conformance fixture site with the echo app (paths
 * under /echo answer with what the parser saw), small limits and short
 * timeouts, plus the FOURFOLD_EXTRA_ARGS flags.
 */
export const serveArgs = (config) => {
  const [model, ...rest] = words(config);
  return [
    SITE,
    '--model', model,
    ...rest,
    '--app', ECHO_APP,
    '--no-dir-listing', // the CLI lists directories by default; the cases (and the sans-I/O suite's serve()) expect none
    '--max-body', '65536',
    '--header-timeout', '2',
    '--idle-timeout', '2',
    ...words(process.env.FOURFOLD_EXTRA_ARGS),
    ...words(process.env[`FOURFOLD_EXTRA_ARGS_${model.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]),
  ];
};

/** A configuration as serve flags: "event-loop --workers 2" → ['--model', 'event-loop', '--workers', '2']. */
export function modelArgs(config) {
  const [model, ...rest] = words(config);
  return ['--model', model, ...rest];
}

/** The model's name in a configuration ("event-loop --workers 2" → "event-loop"). */
export const modelOf = (config) => words(config)[0];

/** The value a configuration gives a flag (`--workers 2` or `--workers=2`), or undefined. */
export function flagOf(config, flag) {
  const w = words(config);
  for (let i = 0; i < w.length; i++) {
    if (w[i] === flag) return w[i + 1];
    if (w[i].startsWith(`${flag}=`)) return w[i].slice(flag.length + 1);
  }
  return undefined;
}

/**
 * How many connections a configuration serves at once when every one of them
 * holds its worker (the number a few stalled clients can use up), read from
 * the model table: 1 for iterative, the pool's size for a pool of blocking
 * workers (prefork, threadpool), the cap of a per-connection model when the
 * configuration sets one. Infinity otherwise: an event loop is held by
 * nobody, and a per-connection model's default cap is no number to fill in a test.
 */
export function servesAtOnce(config) {
  const info = findModel(modelOf(config));
  if (info === undefined) throw new Error(`unknown model in FOURFOLD_MODELS: ${config}`);
  if (info.name === 'event-loop') return Infinity;
  if (info.pool !== undefined) {
    const n = flagOf(config, '--workers');
    return n === undefined ? info.pool.defaultSize : n === 'auto' ? availableParallelism() : Number(n);
  }
  if (info.cap !== undefined) {
    const n = flagOf(config, `--${info.cap.flag}`);
    return n === undefined ? Infinity : Number(n);
  }
  return info.runsIn === 'main' ? 1 : Infinity;
}

/** Does this configuration start a new worker (process, thread) for each connection? Its clocks start once that worker runs. */
export const startsPerConnection = (config) => findModel(modelOf(config))?.cap !== undefined;
