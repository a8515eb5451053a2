// What a server process tree costs, read from /proc: CPU time split into user
// and kernel mode, resident memory, processes, threads and context switches.
//
// A server is a tree: a master and its workers, or one process per
// connection. So every figure here is summed over the process and all its
// descendants (found through /proc/PID/task/TID/children). CPU time of
// children that exited during a run is not lost: once a parent has reaped
// a child, the kernel adds the child's time to the parent's cutime/cstime,
// so utime+stime+cutime+cstime summed over the live tree only ever grows.
// (Time of a child reaped by a process outside the tree is lost; so are the
// context switches of exited processes and threads: /proc keeps no such
// total.) Used by the lab and by bench/peers.mjs.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface TreeSnapshot {
  /** performance.now() when the snapshot was taken. */
  atMs: number;
  pids: number[];
  processes: number;
  threads: number;
  /** Clock ticks in user mode, including reaped children. */
  userTicks: number;
  /** Clock ticks in kernel mode, including reaped children. */
  kernelTicks: number;
  rssKb: number;
  /** Proportional set size (shared pages divided among sharers); null unless asked for, or unreadable. */
  pssKb: number | null;
  voluntarySwitches: number;
  involuntarySwitches: number;
}

export interface CpuUse {
  userUs: number;
  kernelUs: number;
}

let ticksPerSecond: number | null = null;

/** USER_HZ, the unit of /proc/PID/stat times (almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process or thread is gone: that is normal in a live tree
  }
}

function tasksOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** The process and all its live descendants, parents before children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const visit = (p: number) => {
    if (seen.has(p)) return;
    seen.add(p);
    out.push(p);
    for (const t of tasksOf(p)) {
      const kids = read(`/proc/${p}/task/${t}/children`)?.trim();
      if (kids) for (const k of kids.split(/\s+/)) visit(Number(k));
    }
  };
  if (read(`/proc/${pid}/stat`) !== null) visit(pid);
  return out;
}

interface StatFields {
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  threads: number;
}

/** Fields of /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
function parseStat(text: string): StatFields {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, num_threads 20.
  return { utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]), threads: Number(f[17]) };
}

const field = (text: string, name: string): number => {
  const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

/** Sum the tree's figures now. Returns null when the root process is gone. */
export function snapshotTree(pid: number, options: { pss?: boolean } = {}): TreeSnapshot | null {
  const atMs = performance.now();
  const pids = processTree(pid);
  if (pids.length === 0) return null;
  const s: TreeSnapshot = { atMs, pids, processes: 0, threads: 0, userTicks: 0, kernelTicks: 0, rssKb: 0, pssKb: options.pss ? 0 : null, voluntarySwitches: 0, involuntarySwitches: 0 };
  for (const p of pids) {
    const stat = read(`/proc/${p}/stat`);
    if (stat === null) continue;
    const st = parseStat(stat);
    s.processes++;
    s.threads += st.threads;
    s.userTicks += st.utime + st.cutime;
    s.kernelTicks += st.stime + st.cstime;
    const status = read(`/proc/${p}/status`);
    if (status !== null) s.rssKb += field(status, 'VmRSS');
    if (s.pssKb !== null) {
      const rollup = read(`/proc/${p}/smaps_rollup`);
      if (rollup === null) s.pssKb = null;
      else s.pssKb += field(rollup, 'Pss');
    }
    // Context switches are per thread: /proc/PID/status shows the main thread's only.
    for (const t of tasksOf(p)) {
      const ts = read(`/proc/${p}/task/${t}/status`);
      if (ts === null) continue;
      s.voluntarySwitches += field(ts, 'voluntary_ctxt_switches');
      s.involuntarySwitches += field(ts, 'nonvoluntary_ctxt_switches');
    }
  }
  return s;
}

/** CPU time the tree used between two snapshots, in microseconds. */
export function cpuBetween(before: TreeSnapshot, after: TreeSnapshot): CpuUse {
  const us = 1e6 / clockTicksPerSecond();
  return {
    userUs: Math.max(0, after.userTicks - before.userTicks) * us,
    kernelUs: Math.max(0, after.kernelTicks - before.kernelTicks) * us,
  };
}

/** CPU µs per request, split into user and kernel mode (null when no request was served). */
export function cpuPerRequest(cpu: CpuUse, requests: number): { user: number; kernel: number; total: number } | null {
  if (requests <= 0) return null;
  return { user: cpu.userUs / requests, kernel: cpu.kernelUs / requests, total: (cpu.userUs + cpu.kernelUs) / requests };
}

export interface Peaks {
  rssKb: number;
  processes: number;
  threads: number;
  samples: number;
}

/**
 * Samples the tree while a load runs, for the peaks a before/after pair
 * misses: a process-per-connection server's children live only for the
 * length of a connection. Reads VmRSS and counts only (cheap), not PSS.
 */
export class PeakSampler {
  private timer: NodeJS.Timeout | null = null;
  private peaks: Peaks = { rssKb: 0, processes: 0, threads: 0, samples: 0 };

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): Peaks {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { ...this.peaks };
  }

  private sample(): void {
    const s = snapshotTree(this.pid);
    if (s === null) return;
    this.peaks.samples++;
    this.peaks.rssKb = Math.max(this.peaks.rssKb, s.rssKb);
    this.peaks.processes = Math.max(this.peaks.processes, s.processes);
    this.peaks.threads = Math.max(this.peaks.threads, s.threads);
  }
}
