// The lab's only contact with the model table.
//
// MAINTAINERS: this is the one place to adapt when src/models/index.ts
// changes shape (run becoming a module loader, a `kind` or `pool` field…).
// The lab uses exactly four things per model: its `name` (passed to
// `fourfold serve --model NAME`), its one-line `summary` (printed in the
// report), whether it is built ("available"), and the cap on connections of
// a model that starts a worker per connection (idle-conns asks for no more). Everything else the lab
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
  /** A per-connection model's cap: the flag that sets it and its default (process: --max-children 64). */
  cap: { flag: string; default: number } | null;
}

export function availableModels(): LabModel[] {
  return MODELS.map((m) => ({ name: m.name, summary: m.summary, available: m.available, scalesOut: m.pool?.defaultSize === 1, cap: m.cap ?? null }));
}
