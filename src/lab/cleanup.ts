// Nothing the lab starts may outlive it. Every child process it spawns
// (servers, load generators) is registered here and started in its own
// process group, so one kill(-pgid) reaches everything the child started;
// the descendants are also walked through /proc first, in case one of them
// left the group. Temporary directories are registered too. On SIGINT or
// SIGTERM the lab kills everything, removes its files and exits non-zero.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { processTree } from './proc.js';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const onAbort = new Set<() => void>();

export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function trackDir(dir: string): string {
  dirs.add(dir);
  return dir;
}

/** Something to undo on an abort (stop a progress bar, close sockets). */
export function onAbortDo(fn: () => void): () => void {
  onAbort.add(fn);
  return () => onAbort.delete(fn);
}

/** SIGKILL a process, its group and every descendant (found before the kill reparents them). */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const tree = processTree(pid);
  try {
    process.kill(-pid, signal); // the group: spawned with detached: true
  } catch {
    /* no such group */
  }
  for (const p of tree.reverse()) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Kill every tracked child tree, synchronously (usable from an exit handler). */
export function killAll(): void {
  for (const c of children) if (c.pid !== undefined) killTree(c.pid);
  children.clear();
}

export function removeDirs(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export function liveChildren(): number {
  return children.size;
}

let installed = false;

/** Ctrl-C / SIGTERM: kill everything, clean up, exit 130 / 143. Also kills on any exit. */
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  const abort = (signal: NodeJS.Signals) => {
    for (const fn of onAbort) {
      try {
        fn();
      } catch {
        /* best effort while aborting */
      }
    }
    killAll();
    removeDirs();
    process.stderr.write(`\nfourfold bench: ${signal}: stopped every server and load generator it started\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', () => abort('SIGINT'));
  process.on('SIGTERM', () => abort('SIGTERM'));
  process.on('exit', () => {
    killAll();
    removeDirs();
  });
}
