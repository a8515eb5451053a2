// One measurement: snapshot the server tree, run the load, snapshot again,
// and turn the difference into the server-side figures of results.json.
import { snapshotTree, cpuBetween, cpuPerRequest, PeakSampler, type TreeSnapshot } from './proc.js';
import { settledCount, type RunningServer } from './server-process.js';
import { readSyscallCounters, syscallsPerRequest } from './server-counters.js';
import { TcpSampler, waitIdle } from './tcp.js';
import type { ServerFigures } from './results.js';

export interface Measured<T> {
  value: T;
  server: ServerFigures;
  before: TreeSnapshot;
  after: TreeSnapshot;
}

/** Pause between measurements: connections of the last one close, backlogs drain. */
export const SETTLE_MS = 250;

export interface MeasureOptions {
  /** Count the server's access-log lines (--count-requests). */
  countLog: boolean;
  /** After the work, wait this long at most for the server to be idle before reading its counters. */
  drainLimitMs: number;
  /**
   * The idle scenario: also read PSS before (slower), skip the /proc/net/tcp
   * sampler (10,000 connections make each reading expensive), and no syscall
   * counters (a blocking model's workers are all held by the open connections:
   * a reading would wait in the backlog; and calls per idle connection are not a figure the report shows).
   */
  idle?: boolean;
}

/**
 * Run `work` between two snapshots of the server tree. `requestsOf` tells how
 * many requests the work completed (the divisor of the per-request figures).
 * The syscall counters are read once the server is idle again: what it did
 * with the connections the load left behind is part of that load's cost; a
 * server still busy with them after drainLimitMs gets no figure (its reading
 * would wait in the backlog behind them).
 */
export async function measureServer<T>(server: RunningServer, o: MeasureOptions, work: () => Promise<T>, requestsOf: (value: T) => number): Promise<Measured<T>> {
  const { countLog, idle = false } = o;
  // The syscall counters are read outside the access-log window: a reading is a request, and logged.
  const sysBefore = idle ? null : await readSyscallCounters(server.url);
  const logBefore = countLog ? await settledCount(() => server.logLines) : 0;
  const before = snapshotTree(server.pid, { pss: idle });
  if (before === null) throw new Error('the server process is gone');
  const sampler = new PeakSampler(server.pid).start();
  const tcp = idle ? null : new TcpSampler(Number(new URL(server.url).port)).start();
  let value: T;
  try {
    value = await work();
  } finally {
    sampler.stop();
  }
  const tcpPeaks = tcp?.stop() ?? null;
  const after = snapshotTree(server.pid, { pss: true });
  const peaks = sampler.stop();
  if (after === null) throw new Error('the server process died during the measurement');
  const requests = requestsOf(value);
  const logAfter = countLog ? await settledCount(() => server.logLines, { atLeast: logBefore + requests }) : 0;
  const settled = !idle && (await waitIdle(Number(new URL(server.url).port), o.drainLimitMs));
  const sysAfter = settled ? await readSyscallCounters(server.url) : null;

  const cpu = cpuBetween(before, after);
  const vol = after.voluntarySwitches - before.voluntarySwitches;
  const invol = after.involuntarySwitches - before.involuntarySwitches;
  return {
    value,
    before,
    after,
    server: {
      cpuUs: { user: cpu.userUs, kernel: cpu.kernelUs },
      cpuPerRequestUs: cpuPerRequest(cpu, requests),
      rssKb: { before: before.rssKb, after: after.rssKb, peak: Math.max(peaks.rssKb, after.rssKb) },
      pssKbAfter: after.pssKb,
      processes: { after: after.processes, peak: Math.max(peaks.processes, after.processes) },
      threads: { after: after.threads, peak: Math.max(peaks.threads, after.threads) },
      // Threads that exited take their counts with them, so a difference can be negative: clamp at 0.
      contextSwitches: { voluntary: Math.max(0, vol), involuntary: Math.max(0, invol) },
      contextSwitchesPerRequest: requests > 0 ? { voluntary: Math.max(0, vol) / requests, involuntary: Math.max(0, invol) / requests } : null,
      requestsLogged: countLog ? logAfter - logBefore : null,
      syscallsPerRequest: syscallsPerRequest(sysBefore, sysAfter, requests),
      kernelQueues: tcpPeaks && tcpPeaks.samples > 0 ? { acceptQueuePeak: tcpPeaks.acceptQueue, acceptedPeak: tcpPeaks.accepted, unreadPeak: tcpPeaks.unread, samples: tcpPeaks.samples } : null,
    },
  };
}

