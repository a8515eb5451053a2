// The scenarios: each is a load that tests one claim of the lecture.
//
//   hello        keep-alive 13 B, a connections sweep: raw throughput and latency
//   close        Connection: close: accept + connection set-up per request
//   static-4k    a 4 KiB file; static-1m: a 1 MiB file (sendfile)
//   slow-client  slow clients trickle headers while normal clients load the server
//   cpu-handler  a handler burning 5 ms of CPU, and a 13 B request loop beside it
//   idle-conns   N idle keep-alive connections: memory per connection
//
// Every scenario is bounded by its duration (idle-conns by a deadline); a
// model that cannot keep up is still measured: what it did not answer shows
// as timeouts, errors or a lower count, never as an unbounded wait.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadClient, LoadResult } from './load/index.js';
import type { RunningServer } from './server-process.js';
import type { Target } from './targets.js';
import type { RunRecord, IdleFigures } from './results.js';
import { measureServer } from './measure.js';
import { SlowClients } from './slow-clients.js';
import { openIdleConnections, closeAll, MIN_HELD_FOR_FIGURE } from './idle-connections.js';
import { snapshotTree } from './proc.js';

export interface ScenarioOptions {
  durationMs: number;
  connections: number[];
  slowClients: number;
  idleConnections: number;
  maxRssMb: number;
  countLog: boolean;
  clientCpus: string | null;
  /** After a load, how long the server may take to be idle again (then it is restarted for the next one). */
  drainLimitMs: number;
  /**
   * The most workers idle-conns makes a per-connection model start (null: up to its cap).
   * --quick: 16, enough for a per-connection figure; each start costs ~0.1 s of CPU.
   */
  idleWorkerStarts: number | null;
}

export interface ScenarioContext {
  target: Target;
  server: RunningServer;
  client: LoadClient;
  options: ScenarioOptions;
}

export interface Scenario {
  name: string;
  /** A few words for --help. */
  summary: string;
  /** The claim of the lecture it tests, in one line. */
  tests: string;
  /** The connection counts it runs at. */
  connections(o: ScenarioOptions): number[];
  /** Rough time it takes, for the progress bar and the --quick budget. */
  estimateMs(o: ScenarioOptions): number;
  run(ctx: ScenarioContext, connections: number): Promise<RunRecord>;
}

/** Connections for the scenarios that do not sweep: the middle of --connections (50 by default). */
export function standardConnections(o: ScenarioOptions): number {
  const sorted = [...o.connections].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Connections of the CPU-burning load: enough to queue work behind a blocked loop, few enough to stay bounded. */
export const CPU_CONNECTIONS = 10;

/** A request unanswered for half the run (at least wrk's 1 s step, at most 2 s) is a timeout. */
export const timeoutFor = (durationMs: number) => Math.min(2000, Math.max(1000, Math.round(durationMs / 2000) * 1000));

function record(ctx: ScenarioContext, scenario: string, connections: number, fields: Partial<RunRecord>): RunRecord {
  return { target: ctx.target.id, scenario, connections, durationMs: ctx.options.durationMs, load: null, probe: null, slow: null, idle: null, server: null, error: null, notes: [], ...fields };
}

function load(ctx: ScenarioContext, path: string, connections: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  return ctx.client.run({
    url: `${ctx.server.url}${path}`,
    connections,
    durationMs: ctx.options.durationMs,
    timeoutMs: timeoutFor(ctx.options.durationMs),
    headers,
    cpus: ctx.options.clientCpus,
  });
}

/** A plain load scenario: one client, one path, figures from the client and /proc. */
function loadScenario(name: string, summary: string, tests: string, path: string, headers: Record<string, string>, sweep: boolean): Scenario {
  return {
    name,
    summary,
    tests,
    connections: (o) => (sweep ? [...o.connections] : [standardConnections(o)]),
    estimateMs: (o) => (sweep ? o.connections.length : 1) * (Math.max(1000, o.durationMs) + 600),
    async run(ctx, connections) {
      const m = await measureServer(ctx.server, ctx.options, () => load(ctx, path, connections, headers), (r) => r.requests);
      return record(ctx, name, connections, { load: m.value, server: m.server });
    },
  };
}

const hello = loadScenario('hello', 'keep-alive, 13-byte body, the connections sweep', 'raw throughput and latency per model (keep-alive, 13-byte body)', '/', {}, true);
const close = loadScenario(
  'close',
  'Connection: close: a new connection per request',
  'accept + connection set-up on every request: process-per-connection pays a process start each time, prefork does not',
  '/',
  { Connection: 'close' },
  false,
);
const static4k = loadScenario('static-4k', 'a 4 KiB file', 'file serving: a 4 KiB file (from memory)', '/file4k.bin', {}, false);
const static1m = loadScenario('static-1m', 'a 1 MiB file (sendfile)', 'file serving: a 1 MiB file (sendfile: the copy stays in the kernel)', '/file1m.bin', {}, false);

const slowClient: Scenario = {
  name: 'slow-client',
  summary: 'slow clients trickle headers beside normal clients',
  tests: '"a single threaded server can only deal with one client at a time"; pools starve when slow clients outnumber workers; the event loop does not',
  connections: (o) => [standardConnections(o)],
  estimateMs: (o) => Math.max(1000, o.durationMs) + 1000,
  async run(ctx, connections) {
    const { hostname, port } = new URL(ctx.server.url);
    const slow = new SlowClients(hostname, Number(port), ctx.options.slowClients);
    let report;
    try {
      await slow.start();
      await sleep(300); // let the server take them (a blocking model is now stuck in their recv)
      // The slow clients leave with the load: the server is idle again as soon as it sees them go.
      const m = await measureServer(
        ctx.server,
        ctx.options,
        async () => {
          const r = await load(ctx, '/', connections);
          report = slow.stop();
          return r;
        },
        (r) => r.requests,
      );
      report ??= slow.stop();
      return record(ctx, 'slow-client', connections, {
        load: m.value,
        server: m.server,
        slow: report,
        notes: [`${report.clients} slow clients trickled one header byte every 100 ms beside ${connections} normal keep-alive clients`],
      });
    } finally {
      slow.stop();
    }
  },
};

const cpuHandler: Scenario = {
  name: 'cpu-handler',
  summary: 'a handler burning 5 ms of CPU, a light request beside it',
  tests: '"processEvent must not block": a handler burning 5 ms of CPU stalls every connection of an event loop; threads and processes are preempted instead',
  connections: () => [CPU_CONNECTIONS],
  estimateMs: (o) => Math.max(1000, o.durationMs) + 800,
  async run(ctx, connections) {
    // The probe: one connection asking for the 13-byte hello in a loop, beside
    // the CPU-burning requests. Its latency is how long a light request waits.
    const m = await measureServer(
      ctx.server,
      ctx.options,
      () => Promise.all([load(ctx, '/cpu', connections), load(ctx, '/', 1)]),
      ([busy, probe]) => busy.requests + probe.requests,
    );
    const [busy, probe] = m.value;
    return record(ctx, 'cpu-handler', connections, {
      load: busy,
      probe,
      server: m.server,
      notes: [`${connections} connections on /cpu (≈5 ms of CPU each); the probe: 1 connection on / beside them; CPU per request counts both`],
    });
  },
};

const idleConns: Scenario = {
  name: 'idle-conns',
  summary: 'N idle keep-alive connections: memory per connection',
  tests: '"threads just waiting for the client requests … a waste of resources": memory per idle keep-alive connection',
  connections: (o) => [o.idleConnections],
  estimateMs: (o) => 2500 + o.idleConnections / 4,
  async run(ctx, connections) {
    const { hostname, port } = new URL(ctx.server.url);
    // A blocking model holds at most its cap at once (a worker per connection, a pool, or one at a
    // time): more would wait unanswered in the backlog, and each would still cost the server work
    // (a worker start, for a per-connection model) once the scenario is over.
    const cap = ctx.target.cap;
    const starts = cap?.perConnection && ctx.options.idleWorkerStarts !== null ? ctx.options.idleWorkerStarts : Infinity;
    const count = cap === null ? connections : Math.min(connections, cap.value, starts);
    const deadlineMs = Math.max(10_000, ctx.options.durationMs * 3);
    const limitKb = ctx.options.maxRssMb * 1024;
    let sockets: import('node:net').Socket[] = [];
    try {
      const m = await measureServer(
        ctx.server,
        { ...ctx.options, idle: true },
        async () => {
          const r = await openIdleConnections({
            host: hostname,
            port: Number(port),
            count,
            batch: 500,
            // Up to its cap a blocking model answers them all, however long its worker starts take.
            batchTimeoutMs: cap === null ? 2000 : deadlineMs,
            deadlineMs,
            check: () => {
              const s = snapshotTree(ctx.server.pid);
              return s !== null && s.rssKb > limitKb ? `stopped at the memory limit (server RSS over ${ctx.options.maxRssMb} MB, --max-rss)` : null;
            },
          });
          sockets = r.sockets;
          await sleep(500); // let the server settle with them all
          return r;
        },
        (r) => r.answered,
      );
      const r = m.value;
      if (count < connections && r.stoppedBecause === null) {
        r.stoppedBecause =
          count < cap!.value
            ? `--quick: ${count} of the ${cap!.value} connections ${cap!.flag} allows (each starts a worker)`
            : cap!.flag === null
              ? 'the model serves one connection at a time'
              : `${cap!.flag} ${cap!.value}: the model holds no more connections at once`;
      }
      r.requested = connections;
      const held = r.answered;
      const per = (a: number | null, b: number | null) => (a === null || b === null || held < MIN_HELD_FOR_FIGURE ? null : (a - b) / held);
      const idle: IdleFigures = {
        requested: r.requested,
        held,
        stoppedBecause: r.stoppedBecause,
        rssKbBefore: m.before.rssKb,
        rssKbWith: m.after.rssKb,
        pssKbBefore: m.before.pssKb,
        pssKbWith: m.after.pssKb,
        kbPerConnection: per(m.after.rssKb, m.before.rssKb),
        pssKbPerConnection: per(m.after.pssKb, m.before.pssKb),
        threadsPerConnection: per(m.after.threads, m.before.threads),
        processesPerConnection: per(m.after.processes, m.before.processes),
      };
      const notes = [`${held} of ${r.requested} connections answered their one request and stayed open`];
      if (r.stoppedBecause) notes.push(`capped: ${r.stoppedBecause}`);
      return record(ctx, 'idle-conns', connections, { idle, server: m.server, notes });
    } finally {
      closeAll(sockets);
    }
  },
};

export const SCENARIOS: readonly Scenario[] = [hello, close, static4k, static1m, slowClient, cpuHandler, idleConns];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
