// What a master hands to one of its workers (a process or a thread): plain
// data, because it crosses into another V8 isolate — as JSON in the
// environment of a child process, or as workerData for a thread. The worker
// builds its own context from it and loads the app itself.
import type { ServerConfig } from './config.js';
import type { ScoreboardHandle } from './scoreboard.js';

export interface Handoff {
  config: ServerConfig;
  /** The worker's row in the scoreboard. */
  slot: number;
  scoreboard: ScoreboardHandle;
  /** The listening socket to accept() on (pooled models), as a descriptor number valid in the worker; -1: none. */
  listenFd: number;
  /** One connection to serve (per-connection models); -1: none. */
  connFd: number;
  /** With connFd: the client's address, as accept() gave it (saves the worker a getpeername()). */
  peer?: { address: string; port: number };
  /** Threads only: the master's stop flag (an Int32Array's SharedArrayBuffer). */
  stop?: SharedArrayBuffer;
  /** Threads only: the process's body-memory counter, shared by all its threads. */
  bodyMemory?: SharedArrayBuffer;
  /** Processes only: the master's pid, so a child started after its master died notices (see worker-process.ts). */
  masterPid?: number;
}

/** The environment variable a worker process finds its handoff in (JSON). */
export const HANDOFF_VAR = 'FOURFOLD_HANDOFF';

/**
 * The exit code of a worker process that ended while it still had a
 * connection open although it was not killed — process.exit() called by the
 * app mid-request, typically. Without it such an exit would read as 0, "done"
 * (or "recycled"), and nobody would hear of the lost connection.
 */
export const EXIT_MID_CONNECTION = 70; // EX_SOFTWARE

/** How a worker process ended, in a few words for the master's one-line notice. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal !== null) return `was killed by ${signal}`;
  if (code === EXIT_MID_CONNECTION) return `exited with a connection open (process.exit() in the app?)`;
  return `exited with code ${code}`;
}
