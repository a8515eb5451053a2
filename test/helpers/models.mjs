// The server configurations a suite runs under: every model and poller, and
// --workers 2 — or the subset named in FOURFOLD_MODELS (CI runs one model of
// each family on the Node versions after the first, to stay within budget).
//
//   FOURFOLD_MODELS="iterative,event-loop --poller poll"
export const ALL_CONFIGURATIONS =
  'iterative,process,prefork,thread,threadpool,event-loop,event-loop --poller poll,event-loop --poller select,event-loop --workers 2';

export const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);

/** Each configuration as a string: a model name and its serve flags. */
export const configurations = () =>
  (process.env.FOURFOLD_MODELS ?? ALL_CONFIGURATIONS).split(',').map((m) => m.trim()).filter(Boolean);
