// Entry point of a worker thread (see spawn.ts): the handoff is workerData;
// the stop flag is shared with the master's context, so the master's stop()
// reaches this thread the next time it looks (its blocking calls wake up at
// least once a second, or when the master shuts its descriptor down).
//
// A thread says "ready" once it serves: a pool counts its threads in; the
// thread model starts the next waiting connection's thread (thread.ts).
import { workerData, parentPort } from 'node:worker_threads';
import { workerContext, runWorker } from './worker-main.js';
import { installGuard } from './thread-wake.js';
import type { ThreadData } from './spawn.js';
import { guardProcess } from './guard.js';

const { guard, ...handoff } = workerData as ThreadData;
installGuard(guard);
guardProcess(); // (in a worker thread: its own, like its event loop)
const ctx = await workerContext(handoff, 'thread');
void ctx.whenStarted.then(() => parentPort?.postMessage({ type: 'ready' })); // serving, not just loaded
await runWorker(ctx, handoff);
ctx.log.flush();
await ctx.app.close?.();
