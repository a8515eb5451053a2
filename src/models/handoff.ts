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
  /** Threads only: the master's stop flag (an Int32Array's SharedArrayBuffer). */
  stop?: SharedArrayBuffer;
  /** Threads only: the process's body-memory counter, shared by all its threads. */
  bodyMemory?: SharedArrayBuffer;
}
