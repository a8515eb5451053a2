// Who am I, who is my parent, and what happens to me when it dies.
//
// A worker process that outlives its master is a classic bug: it keeps the
// port and serves stale code. Linux can tie a child's life to its parent's:
// prctl(PR_SET_PDEATHSIG, sig) asks the kernel to send `sig` to this process
// the moment its parent goes — even when the parent was killed with SIGKILL
// and had no chance to clean up.

import os from 'node:os';
import { platform as P } from './constants.js';
import { sysError } from './errors.js';
import { errno } from './ffi.js';
import { kernel } from './syscalls.js';

/**
 * Have the kernel send `signal` to this process when its parent dies (0 = never).
 *
 * Two things to know:
 *  - The race: the parent may already be gone before this runs; then no signal
 *    ever comes (this process now has a new parent, init or a subreaper).
 *    So call it first thing, then compare parentPid() with the pid you were
 *    started by (pass it in, e.g. in an environment variable) and exit if it
 *    differs.
 *  - "Parent" means the parent *thread*: the signal fires when the thread that
 *    spawned this process exits, even if the rest of the parent process lives
 *    on. libuv spawns children from the thread that runs Node's main event
 *    loop, so for a fourfold worker that is the master's main thread — which
 *    lives exactly as long as the master.
 */
export function setParentDeathSignal(signal: 'SIGKILL' | 'SIGTERM' | number): void {
  const number = typeof signal === 'number' ? signal : os.constants.signals[signal];
  if (!Number.isInteger(number) || number < 0 || number > 64) {
    throw new RangeError(`setParentDeathSignal: invalid signal ${signal}`);
  }
  if (kernel.prctl(P.PR_SET_PDEATHSIG, 'unsigned long', number) < 0) {
    throw sysError('prctl PR_SET_PDEATHSIG', errno());
  }
}

/** The pid of this process's parent now (getppid): 1 or a subreaper once the real parent is gone. */
export function parentPid(): number {
  return kernel.getppid();
}

/**
 * The kernel's id of the calling thread (gettid). Equal to process.pid on the
 * main thread; each worker thread has its own. (Not worker_threads' threadId,
 * which is Node's own numbering.)
 */
export function threadId(): number {
  return kernel.gettid();
}
