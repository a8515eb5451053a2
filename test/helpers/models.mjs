// Which server configurations a suite runs, from FOURFOLD_MODELS (as
// test/conformance.test.mjs reads it): a comma-separated list of
// "model [flags]", by default every model and poller, and --workers 2.
//
//   FOURFOLD_MODELS='iterative,prefork,threadpool,event-loop --poller poll' node --test test/faults.test.mjs
export const DEFAULT_MODELS = 'iterative,process,prefork,thread,threadpool,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';

export const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);

/** The configurations chosen, as strings ("event-loop --poller poll"). */
export const MODELS = (process.env.FOURFOLD_MODELS ?? DEFAULT_MODELS).split(',').map((m) => m.trim()).filter(Boolean);

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
