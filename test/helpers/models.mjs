// Which server configurations the socket suites run, and the serve flags
// they run them with: one place for conformance.test.mjs, smuggling.test.mjs
// and differential.test.mjs, so FOURFOLD_MODELS means the same everywhere.
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"   configurations to run
//                                            (default: every model and poller, and --workers 2)
//   FOURFOLD_EXTRA_ARGS="--poller poll"      extra serve flags for every model
//   FOURFOLD_EXTRA_ARGS_EVENT_LOOP="--workers 2"   extra flags for one model
import { SITE, ECHO_APP } from '../conformance/fixtures.mjs';

export const DEFAULT_MODELS = 'iterative,process,prefork,thread,threadpool,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';

/** The configurations named by FOURFOLD_MODELS (comma-separated; each a model and its flags), in order. */
export const MODELS = (process.env.FOURFOLD_MODELS ?? DEFAULT_MODELS).split(',').map((m) => m.trim()).filter(Boolean);

export const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);

/**
 * The serve arguments of one configuration ("event-loop --poller poll"): the
 * conformance fixture site with the echo app (paths under /echo answer with
 * what the parser saw), small limits and short timeouts, plus the
 * FOURFOLD_EXTRA_ARGS flags.
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
