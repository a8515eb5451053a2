// Entry point of a worker process (see spawn.ts): the handoff is in the
// environment, the descriptors it names were inherited as fds 3, 4, ….
// A worker never outlives its master: it stops when the IPC channel closes
// (the master exited), and SIGTERM from the master means "finish and exit".
import { HANDOFF_VAR } from './spawn.js';
import { workerContext, runWorker } from './worker-main.js';
import type { Handoff } from './handoff.js';
import { guardProcess } from './guard.js';

const handoff = JSON.parse(process.env[HANDOFF_VAR] ?? 'null') as Handoff | null;
if (handoff === null) {
  process.stderr.write(`fourfold: worker-process.js is started by a fourfold master, not by hand\n`);
  process.exit(2);
}
delete process.env[HANDOFF_VAR]; // not for the app's eyes, nor its children's
guardProcess();

try {
  const ctx = await workerContext(handoff, 'process');
  const stop = () => ctx.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => {}); // the terminal's Ctrl-C reaches the whole group: the master decides
  process.on('disconnect', stop); // the master is gone
  void ctx.whenStarted.then(() => process.send?.({ type: 'ready' })); // serving, not just loaded
  await runWorker(ctx, handoff);
  ctx.log.flush();
  await ctx.app.close?.();
  process.disconnect?.();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  if (process.send !== undefined) process.send({ type: 'error', error: message });
  else process.stderr.write(`fourfold: worker ${process.pid}: ${message}\n`);
  process.exitCode = 1;
  process.disconnect?.();
}
