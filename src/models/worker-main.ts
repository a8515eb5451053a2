// What every worker does first, process or thread: build its own context from
// the handoff (loading the app itself), then run its model's worker part.
import { createContext, type ServerContext } from './context.js';
import { Scoreboard } from './scoreboard.js';
import { findModel } from './index.js';
import type { Handoff } from './handoff.js';

export async function workerContext(handoff: Handoff, worker: 'process' | 'thread'): Promise<ServerContext> {
  return createContext(handoff.config, {
    worker,
    scoreboard: Scoreboard.attach(handoff.scoreboard),
    slot: handoff.slot,
    stop: handoff.stop,
    bodyMemory: handoff.bodyMemory,
  });
}

/** Run the model's worker part until it returns (stopped, recycled, or its one connection done). */
export async function runWorker(ctx: ServerContext, handoff: Handoff): Promise<void> {
  const model = await findModel(handoff.config.model)?.load?.();
  if (model?.worker === undefined) throw new Error(`model ${handoff.config.model} has no worker part`);
  await model.worker(ctx, handoff);
}
