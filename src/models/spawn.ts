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
// handoff carries them as they are; with it goes the master's ConnGuard (see
// thread-wake.ts), which the thread takes to let go of its connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker, type ResourceLimits } from 'node:worker_threads';
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

/** What a worker thread receives as workerData. */
export interface ThreadData extends Handoff {
  /** The master's ConnGuard memory (thread-wake.ts). */
  guard: SharedArrayBuffer;
}

/** Optional heap cap per thread, in MB (FOURFOLD_THREAD_HEAP_MB): a thread over it ends alone (ERR_WORKER_OUT_OF_MEMORY). */
export const THREAD_HEAP_VAR = 'FOURFOLD_THREAD_HEAP_MB';

/** The heap limits given to every worker thread: none unless FOURFOLD_THREAD_HEAP_MB is set (then V8 decides the rest). */
export function threadLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits | undefined {
  const raw = env[THREAD_HEAP_VAR];
  if (raw === undefined || raw === '') return undefined;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 8 || mb > 1 << 20) throw new Error(`${THREAD_HEAP_VAR} must be a whole number of MB from 8, got '${raw}'`);
  return { maxOldGenerationSizeMb: mb };
}

/**
 * Start a worker thread with this handoff (descriptors as they are: one
 * process, one table). Node closes what the thread opened through fs (its
 * static files) when it exits, however it exits (trackUnmanagedFds); the
 * connection descriptor, opened by accept() through koffi, is the master's
 * to close if the thread leaves it open (thread-wake.ts).
 */
export function spawnThread(handoff: Handoff, guard: SharedArrayBuffer, resourceLimits: ResourceLimits | undefined): Worker {
  const workerData: ThreadData = { ...handoff, guard };
  // stdout/stderr: the access log and notices are written straight to fds 1 and 2.
  return new Worker(THREAD_ENTRY, { workerData, stdout: false, stderr: false, trackUnmanagedFds: true, resourceLimits });
}

/** One line on why a thread failed: the stack of an app's error; just the message of Node's own (out of memory: its stack is Node's internals). */
export function threadFailure(e: Error & { code?: unknown }): string {
  return typeof e.code === 'string' && e.code.startsWith('ERR_WORKER_') ? `${e.message} (${e.code})` : (e.stack ?? e.message);
}

/** This process's Node flags, minus the debugger's (a child must not fight over the inspector port). */
function nodeFlags(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
}
