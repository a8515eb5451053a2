// Server and load generator on different cores. On a small machine an
// unpinned client and server fight for the same core and the figures swing
// by a quarter from run to run; pinned (taskset, util-linux), the server gets
// CPU 0 (all of it: a multi-process or multi-thread server shares that core,
// so every model gets the same CPU to spend) and the client the last CPU.
import { execFileSync } from 'node:child_process';

export interface PinPlan {
  /** CPU list for taskset -c, or null: not pinned. */
  server: string | null;
  client: string | null;
  /** One sentence for the report. */
  description: string;
}

export function planPinning(cores: number, tasksetPath: string | null, wanted: boolean): PinPlan {
  if (!wanted) return { server: null, client: null, description: 'not pinned (--no-pin)' };
  if (cores < 2) return { server: null, client: null, description: `not pinned: ${cores} core` };
  if (tasksetPath === null) return { server: null, client: null, description: 'not pinned: taskset (util-linux) is not installed' };
  const client = String(cores - 1);
  const server = cores === 2 ? '0' : `0-${cores - 2}`;
  return { server, client, description: `server pinned to CPU ${server}, load generator and the bench process to CPU ${client} (taskset)` };
}

/** Prefix a command with taskset when a CPU list is given. */
export function pinned(argv: string[], cpus: string | null): string[] {
  return cpus === null ? argv : ['taskset', '-c', cpus, ...argv];
}

/**
 * Move the bench process itself (all its threads) to the client CPU: its
 * slow clients, idle connections and samplers are client work too, and must
 * not run on the server's core.
 */
export function pinSelf(plan: PinPlan): void {
  if (plan.client === null) return;
  execFileSync('taskset', ['-a', '-p', '-c', plan.client, String(process.pid)], { stdio: 'ignore' });
}
