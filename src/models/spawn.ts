// Starting one worker — a process or a thread — and handing it descriptors.
//
// A process: the lecture's servers fork() a child that inherits the parent's
// descriptors. fork() is not possible from Node: V8 maps its heap with
// MADV_DONTFORK, so a forked child would crash on its first heap access. So
// the "child" is a fresh Node process running models/worker-process.js, and
// the descriptors it must inherit (the listening socket, a connection, the
// scoreboard's memory) are passed as extra stdio slots: libuv dup2()s each
// into the child as fd 3, 4, … — which also clears close-on-exec on that
// copy only. The handoff (plain data) says which number is which.
//
// A thread: a worker_threads Worker runs models/worker-thread.js in a new V8
// isolate of this same process. Descriptor numbers are process-wide, so the
// handoff carries them as they are.
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { HANDOFF_VAR, type Handoff } from './handoff.js';
import type { ScoreboardHandle } from './scoreboard.js';

export { HANDOFF_VAR };

const PROCESS_ENTRY = fileURLToPath(new URL('./worker-process.js', import.meta.url));
const THREAD_ENTRY = new URL('./worker-thread.js', import.meta.url);

export interface ProcessSpawnOptions {
  /** An IPC channel, for "ready" messages and to notice the master's death (a pool); off for a per-connection child, whose start-up is the model's cost. */
  ipc: boolean;
}

/**
 * Start a worker process. `handoff.listenFd` / `connFd` are descriptors of
 * this process; the child receives them renumbered. The caller may close
 * its own copies as soon as this returns (the child has its dup).
 */
export function spawnProcess(handoff: Handoff, { ipc }: ProcessSpawnOptions): ChildProcess {
  const stdio: (number | 'ignore' | 'inherit' | 'ipc')[] = ['ignore', 'inherit', 'inherit'];
  const pass = (fd: number): number => {
    if (fd < 0) return -1;
    stdio.push(fd);
    return stdio.length - 1;
  };
  // A SharedArrayBuffer cannot cross into another process (as JSON it would
  // become {}): the child has a stop flag of its own; it writes its
  // scoreboard row into the master's shared memory when that is a memfd
  // (passed like the sockets), else into a scoreboard of its own.
  const listenFd = pass(handoff.listenFd);
  const connFd = pass(handoff.connFd);
  const board = handoff.scoreboard;
  const scoreboard: ScoreboardHandle =
    board.kind === 'memfd' ? { ...board, fd: pass(board.fd) } : board.kind === 'shared' ? { kind: 'private', slots: board.slots } : board;
  const theirs: Handoff = { ...handoff, stop: undefined, bodyMemory: undefined, scoreboard, listenFd, connFd, masterPid: process.pid };
  if (ipc) stdio.push('ipc');
  return spawn(process.execPath, [...nodeFlags(), PROCESS_ENTRY], {
    stdio,
    // --trace-syscalls: from the child's first call on (mapping the scoreboard comes before its context exists).
    env: { ...process.env, ...(handoff.config.traceSyscalls ? { FOURFOLD_TRACE_SYSCALLS: '1' } : {}), [HANDOFF_VAR]: JSON.stringify(theirs) },
  });
}

/** Start a worker thread with this handoff (descriptors as they are: one process, one table). */
export function spawnThread(handoff: Handoff): Worker {
  // stdout/stderr: the access log and notices are written straight to fds 1 and 2.
  return new Worker(THREAD_ENTRY, { workerData: handoff, stdout: false, stderr: false });
}

/** This process's Node flags, minus the debugger's (a child must not fight over the inspector port). */
function nodeFlags(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
}
