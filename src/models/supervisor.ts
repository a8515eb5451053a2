// Supervising a pool of workers: start N, replace any that dies, recycle one
// that has served its share, stop them all gracefully — and give up, loudly,
// when they keep dying. One piece with two forms of the same shape: a pool
// of processes (prefork, event-loop --workers N) and a pool of threads
// (threadpool). Slot 0 of the scoreboard is the master's; worker i has
// slot i + 1 and keeps it across restarts.
import type { ChildProcess } from 'node:child_process';
import type { Worker, ResourceLimits } from 'node:worker_threads';
import type { ServerContext } from './context.js';
import { Cell, WorkerState, forgetConnections } from './scoreboard.js';
import { spawnProcess, spawnThread, threadLimits, threadFailure } from './spawn.js';
import { describeExit, EXIT_MID_CONNECTION, type Handoff } from './handoff.js';
import { ConnGuard, closeLeftover, cutOff, keepWaking } from './thread-wake.js';

const RESTART_WINDOW_MS = 10_000;
const MAX_RESTARTS_IN_WINDOW = 10;
/** After the shutdown timeout, workers get this long to cut what is in flight and exit before they are killed. */
const KILL_AFTER_MS = 2_000;

export interface PoolOptions {
  size: number;
  /** The listening socket every worker accept()s on; -1 when the workers listen themselves (SO_REUSEPORT). */
  listenFd: number;
  /** Called once when the pool stops, before waiting for the workers (e.g. to wake threads blocked in accept()). */
  onStop?: () => void;
}

/** One running worker, whatever it is. */
interface Running {
  readonly id: number; // pid or thread id
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Ask it to finish and exit. */
  stop(): void;
  /** End it now. */
  kill(): void;
}

abstract class Pool {
  private readonly running: (Running | null)[] = [];
  private restarts: number[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    protected readonly ctx: ServerContext,
    protected readonly options: PoolOptions,
  ) {}

  /** What kind of worker, for messages ("process 1234", "thread 7"). */
  protected abstract readonly kind: 'process' | 'thread';
  protected abstract start(handoff: Handoff): Running;
  /** How a worker ended, for the one-line notice. */
  protected describe(code: number | null, signal: string | null): string {
    return `died with ${signal ?? `exit code ${code}`}`;
  }

  /** Run the pool until the master is asked to stop (resolves) or the workers keep dying (rejects). */
  async run(): Promise<void> {
    const { ctx } = this;
    ctx.row[Cell.State] = WorkerState.Starting;
    const slots = Array.from({ length: this.options.size }, (_, i) => i + 1);
    const first = slots.map((slot) => this.launch(slot));
    try {
      await Promise.all(first.map((r) => r.ready));
    } catch (e) {
      await this.stopAll();
      throw e;
    }
    ctx.row[Cell.State] = WorkerState.Idle;
    ctx.started();
    await Promise.race([ctx.whenStopping(), new Promise<void>((resolve) => (this.wake = resolve))]);
    await this.stopAll();
    if (this.failure !== null) throw this.failure;
  }

  private launch(slot: number): Running {
    const { ctx, options } = this;
    const handoff: Handoff = {
      config: ctx.config,
      slot,
      scoreboard: ctx.scoreboard.handle,
      listenFd: options.listenFd,
      connFd: -1,
      stop: ctx.stopBuffer,
      bodyMemory: ctx.bodyBudget.memory as SharedArrayBuffer,
    };
    const r = this.start(handoff);
    this.running[slot] = r;
    r.ready.catch(() => {}); // reported by run() for the first start, by exited for later ones
    void r.exited.then(({ code, signal }) => this.exited(slot, r, code, signal));
    return r;
  }

  private exited(slot: number, r: Running, code: number | null, signal: string | null): void {
    if (this.running[slot] !== r) return;
    this.running[slot] = null;
    this.cleanUp(slot);
    if (this.ctx.stopping || this.failure !== null) return;
    if (code === 0 && signal === null) {
      // Recycled (--max-requests) or its work is done: a new one takes its place, no alarm.
      this.launch(slot);
      return;
    }
    this.ctx.notice(`worker ${slot} (${this.kind} ${r.id}) ${this.describe(code, signal)}; starting a new one`);
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.restarts.push(now);
    if (this.restarts.length > MAX_RESTARTS_IN_WINDOW) {
      this.failure = new Error(`workers are dying too fast (${MAX_RESTARTS_IN_WINDOW} in ${RESTART_WINDOW_MS / 1000} s): giving up`);
      this.wake?.();
      return;
    }
    this.launch(slot);
  }

  /** After a worker is gone: what it may have left behind (a thread's open connection). */
  protected cleanUp(slot: number): void {
    this.ctx.scoreboard.row(slot)[Cell.State] = WorkerState.Stopped;
  }

  private async stopAll(): Promise<void> {
    this.options.onStop?.();
    const live = this.running.filter((r): r is Running => r !== null);
    for (const r of live) r.stop();
    const killer = setTimeout(() => live.forEach((r) => r.kill()), this.ctx.timeouts.shutdownMs + KILL_AFTER_MS);
    await Promise.all(live.map((r) => r.exited));
    clearTimeout(killer);
  }
}

/** A pool of worker processes (prefork, event-loop --workers N). */
export class ProcessPool extends Pool {
  protected readonly kind = 'process';

  protected override describe(code: number | null, signal: string | null): string {
    return code === EXIT_MID_CONNECTION ? describeExit(code, signal) : super.describe(code, signal);
  }

  /** A dead process cannot close its connections in the shared scoreboard: the master does it for it. */
  protected override cleanUp(slot: number): void {
    forgetConnections(this.ctx.scoreboard.row(slot));
    super.cleanUp(slot);
  }

  protected start(handoff: Handoff): Running {
    const child: ChildProcess = spawnProcess(handoff, { ipc: true });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      // A process that could not be started at all (EAGAIN, ENOMEM…) never exits: count it as a death.
      child.on('error', (e) => {
        if (child.pid === undefined) {
          this.ctx.notice(`worker ${handoff.slot}: could not start a process: ${e.message}`);
          resolve({ code: 127, signal: null });
        }
      });
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { type?: string; error?: string }) => {
        if (m?.type === 'ready') resolve();
        else if (m?.type === 'error') reject(new Error(m.error));
      });
      void exited.then(({ code, signal }) => reject(new Error(`worker ${handoff.slot} exited with ${signal ?? code} before it was ready`)));
    });
    return {
      id: child.pid ?? -1,
      ready,
      exited,
      stop: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
    };
  }
}

/**
 * A pool of worker threads (threadpool). They share the master's stop flag;
 * stopping, the master wakes those waiting for a request (keepWaking) — the
 * ones blocked in accept() are woken by the model's onStop, which shuts the
 * listening socket down. A thread that dies mid-connection leaves its
 * descriptor to the master, which closes it before the slot's next thread
 * starts.
 */
export class ThreadPool extends Pool {
  protected readonly kind = 'thread';
  private readonly guard = ConnGuard.create(this.ctx.scoreboard.slots);
  private readonly limits: ResourceLimits | undefined = threadLimits();
  /** Once the first threads are all ready, a thread's failure is ours to report (before, run() rejects with it). */
  private serving = false;

  constructor(ctx: ServerContext, options: PoolOptions) {
    super(ctx, options);
    void ctx.whenStarted.then(() => (this.serving = true));
  }

  protected start(handoff: Handoff): Running {
    const { slot } = handoff;
    const worker: Worker = spawnThread(handoff, this.guard.buffer, this.limits);
    const id = worker.threadId; // (-1 once it has exited)
    let failure: Error | null = null;
    let ready = false;
    let stopWaking: (() => void) | null = null;
    worker.on('error', (e) => {
      failure = e;
      if (ready || this.serving) this.ctx.notice(`worker ${slot} (thread ${id}) failed: ${threadFailure(e)}`);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      worker.on('exit', (code) => {
        stopWaking?.();
        resolve({ code, signal: null });
      }),
    );
    const whenReady = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { type?: string }) => {
        if (m?.type !== 'ready') return;
        ready = true;
        resolve();
      });
      void exited.then(({ code }) => reject(failure ?? new Error(`worker ${slot} exited with ${code} before it was ready`)));
    });
    return {
      id,
      ready: whenReady,
      exited,
      stop: () => (stopWaking ??= keepWaking(this.ctx.scoreboard, this.guard, slot)),
      kill: () => cutOff(this.ctx.scoreboard, this.guard, slot, () => worker.terminate()),
    };
  }

  /** A thread that died mid-connection left its descriptor open in our one process: close it. */
  protected override cleanUp(slot: number): void {
    closeLeftover(this.ctx.scoreboard, slot);
    super.cleanUp(slot);
  }
}
