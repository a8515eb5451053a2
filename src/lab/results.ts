// The shape of results.json: every raw figure of a run, and what it ran on.
import type { LoadResult } from './load/index.js';
import type { MachineInfo, ToolVersions } from './machine.js';
import type { NotMeasured } from './targets.js';

export const RESULTS_SCHEMA = 'fourfold-bench/1';

export interface ServerFigures {
  /** CPU time of the whole server tree during the measurement (reaped children included). */
  cpuUs: { user: number; kernel: number };
  /** Divided by the requests the client(s) completed; null when none. */
  cpuPerRequestUs: { user: number; kernel: number; total: number } | null;
  rssKb: { before: number; after: number; peak: number };
  /** Proportional set size after the load (shared pages split between processes); null if unreadable. */
  pssKbAfter: number | null;
  processes: { after: number; peak: number };
  threads: { after: number; peak: number };
  /** Context switches of the live tree's threads (those of exited ones are not kept by /proc). */
  contextSwitches: { voluntary: number; involuntary: number };
  contextSwitchesPerRequest: { voluntary: number; involuntary: number } | null;
  /** Responses the server logged during the measurement (--count-requests), else null. */
  requestsLogged: number | null;
  /**
   * The kernel's view during the load (/proc/net/tcp, sampled): peak
   * connections waiting in the accept queue (not yet accept()ed), peak
   * connections the server had accepted, peak accepted ones with unread bytes.
   */
  kernelQueues: { acceptQueuePeak: number; acceptedPeak: number; unreadPeak: number; samples: number } | null;
  /** Syscalls per request from the server's own counters, when it exposes them (see server-counters.ts). */
  syscallsPerRequest: Record<string, number> | null;
}

export interface IdleFigures {
  requested: number;
  held: number;
  stoppedBecause: string | null;
  rssKbBefore: number;
  rssKbWith: number;
  pssKbBefore: number | null;
  pssKbWith: number | null;
  /** (RSS with − RSS before) / held. */
  kbPerConnection: number | null;
  pssKbPerConnection: number | null;
  threadsPerConnection: number | null;
  processesPerConnection: number | null;
}

export interface RunRecord {
  target: string;
  scenario: string;
  connections: number;
  durationMs: number;
  /** The main load (normal clients); null for idle-conns. */
  load: LoadResult | null;
  /** cpu-handler: a 13-byte request loop beside the busy handlers, its latency is the stall. */
  probe: LoadResult | null;
  slow: { clients: number; closedByServer: number; bytesTrickled: number } | null;
  idle: IdleFigures | null;
  server: ServerFigures | null;
  /** Set when the measurement could not be made; the figures are then absent. */
  error: string | null;
  notes: string[];
  /** Set when the server was still busy with this load's connections long after it, and was restarted for the next measurement: why. */
  restarted?: string;
}

export interface TargetRecord {
  id: string;
  kind: 'model' | 'peer';
  model: string | null;
  summary: string;
  command: string[];
  startMs: number | null;
  error: string | null;
  skipped: Record<string, string>;
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  command: string;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  options: Record<string, unknown>;
  machine: MachineInfo;
  tools: ToolVersions;
  client: { name: string; version: string; latencyResolutionMs: number };
  pinning: { server: string | null; client: string | null; description: string };
  burnIterations: number;
  targets: TargetRecord[];
  notMeasured: NotMeasured[];
  runs: RunRecord[];
  verdicts: Verdict[];
}

/** One claim of the lecture and what the figures say about it (computed in verdicts.ts). */
export type VerdictWord = 'supports' | 'contradicts' | 'mixed' | 'inconclusive' | 'not measured';

export interface Verdict {
  id: string;
  /** The lecture's words. */
  quote: string;
  /** Where in the lecture. */
  section: string;
  scenarios: string[];
  verdict: VerdictWord;
  /** The computed sentence: the figures, then what they say about the claim. */
  sentence: string;
  /** The figures the sentence used, for results.json. */
  figures: Record<string, number | null>;
}

