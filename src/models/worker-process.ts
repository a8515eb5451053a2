// Entry point of a worker process (see spawn.ts): the handoff is in the
// environment, the descriptors it names were inherited as fds 3, 4, ….
//
// This file is the first thing a new worker runs, and for the
// process-per-connection model its start-up is paid on every connection: so
// it imports almost nothing statically, says what to do on SIGTERM before it
// loads anything else (a stop that arrives during start-up must not kill it
// with its connection unserved), and only then imports the worker code.
//
// A worker never outlives its master: the kernel sends it SIGTERM when the
// master dies, even by kill -9 (PR_SET_PDEATHSIG); a pool worker also stops
// when its IPC channel closes. SIGTERM means "finish the request in flight,
// then exit".
import module from 'node:module';
import { HANDOFF_VAR, EXIT_MID_CONNECTION, type Handoff } from './handoff.js';
import type { ServerContext } from './context.js';
import { Cell } from './scoreboard.js'; // (a const enum: no import at run time)
import { guardProcess } from './guard.js';

/** After a stop, a worker that does not finish within this long (and still gives Node a turn) exits anyway. */
const STOP_GRACE_MS = 15_000;

const handoff = JSON.parse(process.env[HANDOFF_VAR] ?? 'null') as Handoff | null;
if (handoff === null) {
  process.stderr.write(`fourfold: worker-process.js is started by a fourfold master, not by hand\n`);
  process.exit(2);
}
delete process.env[HANDOFF_VAR]; // not for the app's eyes, nor its children's
guardProcess({ exceptionEndsProcess: handoff.connFd >= 0 }); // a child for one connection dies with it

let ctx: ServerContext | null = null;
let stopAsked = false;
const stop = () => {
  if (stopAsked) return;
  stopAsked = true;
  ctx?.stop();
  setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', () => {}); // the terminal's Ctrl-C reaches the whole group: the master decides
process.on('disconnect', stop); // a pool worker's master is gone
process.on('exit', (code) => {
  // An exit that is not ours (process.exit() in a handler) with a connection open: say so in the code.
  if (code === 0 && ctx !== null && ctx.row[Cell.Open] > 0) process.exitCode = EXIT_MID_CONNECTION;
});

// Node ≥ 22.1 keeps V8's compiled code of the modules imported from here on
// in a cache on disk (os.tmpdir()/node-compile-cache, or $NODE_COMPILE_CACHE),
// so the next worker skips compiling them. (Not on Node 20: nothing to do.)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

try {
  await tieToMaster(handoff.masterPid);
  const { workerContext, runWorker } = await import('./worker-main.js');
  ctx = await workerContext(handoff, 'process');
  if (stopAsked) ctx.stop();
  void ctx.whenStarted.then(() => process.send?.({ type: 'ready' })); // serving, not just loaded
  await runWorker(ctx, handoff);
  ctx.log.flush();
  await ctx.app.close?.();
  process.disconnect?.();
  // Done. Whatever the app left running (a timer, a socket) must not keep this worker, or its slot, alive.
  setTimeout(() => process.exit(0), 1000).unref();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  if (process.send !== undefined) process.send({ type: 'error', error: message });
  else process.stderr.write(`fourfold: worker ${process.pid}: ${message}\n`);
  process.exitCode = 1;
  process.disconnect?.();
}

/**
 * Ask the kernel for SIGTERM when the master dies (PR_SET_PDEATHSIG: even
 * when it was killed with SIGKILL), then make sure it has not died already:
 * a child whose master was gone before the request was made is some other
 * process's child now, and would never get the signal.
 *
 * SIGTERM, not SIGKILL: it means what the master's own SIGTERM means — the
 * request in flight is finished, then the worker exits (a blocked recv() or
 * accept() returns EINTR, see blocking-connection.ts).
 */
async function tieToMaster(masterPid: number | undefined): Promise<void> {
  const sys = await import('../sys/index.js');
  sys.setParentDeathSignal('SIGTERM');
  if (masterPid !== undefined && sys.parentPid() !== masterPid) {
    process.stderr.write(`fourfold: worker ${process.pid}: its master (pid ${masterPid}) is gone; exiting\n`);
    process.exit(0);
  }
}
