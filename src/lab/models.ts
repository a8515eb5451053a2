// The lab's only contact with the model table.
//
// MAINTAINERS: this is the one place to adapt when src/models/index.ts
// changes shape (run becoming a module loader, a `kind` or `pool` field…).
// The lab uses exactly three things per model: its `name` (passed to
// `fourfold serve --model NAME`), its one-line `summary` (printed in the
// report), and whether it is built ("available"). Everything else the lab
// learns by running the model as a real server process through the CLI, so a
// model that lands in the table is measured with no other change here.
import { MODELS } from '../models/index.js';

export interface LabModel {
  name: string;
  summary: string;
  available: boolean;
}

export function availableModels(): LabModel[] {
  return MODELS.map((m) => ({ name: m.name, summary: m.summary, available: m.run !== null }));
}
