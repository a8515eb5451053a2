// The lab's only contact with the model table.
//
// MAINTAINERS: this is the one place to adapt when src/models/index.ts
// changes shape (run becoming a module loader, a `kind` or `pool` field…).
// The lab uses exactly four things per model: its `name` (passed to
// `fourfold serve --model NAME`), its one-line `summary` (printed in the
// report), whether it is built ("available"), and how many connections a
// blocking model can hold at once (idle-conns asks for no more). Everything else the lab
// learns by running the model as a real server process through the CLI, so a
// model that lands in the table is measured with no other change here.
import { MODELS } from '../models/index.js';

export interface LabModel {
  name: string;
  summary: string;
  available: boolean;
  /**
   * A model whose pool is one worker unless told otherwise (event-loop: its
   * --workers N is a different architecture, nginx-style): the lab adds a
   * `--workers N` row for it. Pools with a larger default run at that size.
   */
  scalesOut: boolean;
  /**
   * How many connections a blocking model holds at once, each tying up a worker:
   * the flag that sets it (null: no flag) and its default. A worker per connection
   * up to --max-children/--max-threads; a pool of --workers; the iterative model one.
   * Null for the event loop, which holds as many as memory allows.
   */
  cap: { flag: string | null; default: number; perConnection: boolean } | null;
}

export function availableModels(): LabModel[] {
  return MODELS.map((m) => ({ name: m.name, summary: m.summary, available: m.available, scalesOut: m.pool?.defaultSize === 1, cap: connectionCap(m) }));
}

/** A blocking model's cap, from the table's shape: a per-connection cap, a pool, or (one thread, no pool) iterative's one. */
function connectionCap(m: (typeof MODELS)[number]): LabModel['cap'] {
  if (m.cap !== undefined) return { ...m.cap, perConnection: true };
  if (m.runsIn === 'main') return m.pool === undefined ? { flag: null, default: 1, perConnection: false } : null;
  return m.pool === undefined ? null : { flag: 'workers', default: m.pool.defaultSize, perConnection: false };
}
