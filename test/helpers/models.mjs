// Which server configurations the socket suites run, and the serve flags the
// wire suites (conformance, smuggling, differential) run them with: one place,
// so FOURFOLD_MODELS means the same everywhere. CI runs one model of each
// family on the Node versions after the first, to stay within budget.
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"   configurations to run
//                                            (default: every model and poller, and --workers 2)
//   FOURFOLD_EXTRA_ARGS="--poller poll"      extra serve flags for every model
//   FOURFOLD_EXTRA_ARGS_EVENT_LOOP="--workers 2"   extra flags for one model
import { SITE, ECHO_APP } from '../conformance/fixtures.mjs';

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

/** The value of a flag in a configuration, or undefined ("prefork --workers 3", "--workers" → "3"). */
export function flagOf(config, flag) {
  const w = words(config);
  const i = w.indexOf(flag);
  return i >= 0 ? w[i + 1] : undefined;
}
