// A supervisor of worker processes: start N, replace any that dies, stop them
// all gracefully. Each worker is a fresh Node process running an entry module
// (fork(2) is not an option from Node: V8's heap does not survive it), told
// what to do through its environment and reporting "ready" over IPC.
// Used by `event-loop --workers N`; the prefork model will reuse it.
import { fork, type ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  entry: string; // absolute path of the worker's entry module
  count: number;
  /** Environment for worker `slot` (its options, its scoreboard row…). */
  env: (slot: number) => Record<string, string>;
  notice: (message: string) => void;
}

const RESTART_WINDOW_MS = 10_000;
const MAX_RESTARTS_IN_WINDOW = 10;

export class Supervisor {
  private readonly workers: (ChildProcess | null)[] = [];
  private stopping = false;
  private restarts: number[] = [];
  private allExited: (() => void) | null = null;

  constructor(private readonly o: SupervisorOptions) {}

  /** Start every worker; resolves when all said ready, rejects if one fails to start. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.o.count }, (_, slot) => this.spawn(slot)));
  }

  get pids(): number[] {
    return this.workers.filter((w): w is ChildProcess => w !== null).map((w) => w.pid!);
  }

  private spawn(slot: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(this.o.entry, [], {
        env: { ...process.env, ...this.o.env(slot) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      this.workers[slot] = child;
      let ready = false;
      child.on('message', (m: { type?: string; error?: string }) => {
        if (m?.type === 'ready') {
          ready = true;
          resolve();
        } else if (m?.type === 'error') reject(new Error(m.error));
      });
      child.on('exit', (code, signal) => {
        this.workers[slot] = null;
        if (!ready) reject(new Error(`worker ${slot} exited with ${signal ?? code} before it was ready`));
        if (this.stopping) {
          if (this.workers.every((w) => w === null)) this.allExited?.();
          return;
        }
        this.o.notice(`worker ${slot} (pid ${child.pid}) died with ${signal ?? `code ${code}`}; starting a new one`);
        const now = Date.now();
        this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
        this.restarts.push(now);
        if (this.restarts.length > MAX_RESTARTS_IN_WINDOW) {
          this.o.notice(`workers are dying too fast (${MAX_RESTARTS_IN_WINDOW} in ${RESTART_WINDOW_MS / 1000} s): not restarting worker ${slot}`);
          return;
        }
        this.spawn(slot).catch((e: Error) => this.o.notice(`could not restart worker ${slot}: ${e.message}`));
      });
    });
  }

  /** SIGTERM to every worker (each finishes its in-flight requests), wait until all are gone. */
  stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const live = this.workers.filter((w): w is ChildProcess => w !== null);
    if (live.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => live.forEach((w) => w.kill('SIGKILL')), graceMs);
      this.allExited = () => {
        clearTimeout(killer);
        resolve();
      };
      for (const w of live) w.kill('SIGTERM');
    });
  }
}
