// The lab's main loop: for each target, start it as a real server process,
// warm it up, run every scenario against it, stop it, move on. Then judge
// the claims and hand the results to the report.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineInfo, toolVersions, which } from './machine.js';
import { makeScratch } from './site.js';
import { chooseClient, type ClientChoice, type LoadClient } from './load/index.js';
import { planPinning, pinSelf } from './pin.js';
import { calibrateBurn, BURN_ENV } from './fixtures/burn.js';
import { modelTargets, peerTargets, type LaunchContext, type Target } from './targets.js';
import { SCENARIOS, findScenario, standardConnections, type Scenario, type ScenarioOptions } from './scenarios.js';
import { startServer, type RunningServer } from './server-process.js';
import { createProgress } from './progress.js';
import { installCleanupHandlers, onAbortDo } from './cleanup.js';
import { computeVerdicts } from './verdicts.js';
import { SETTLE_MS } from './measure.js';
import { tcpState, waitIdle } from './tcp.js';
import { RESULTS_SCHEMA, type Results, type RunRecord, type TargetRecord } from './results.js';

export interface BenchOptions {
  /** Model specs ("event-loop", "event-loop --workers 2"); null = every available model. */
  models: string[] | null;
  scenarios: string[] | null;
  /** Per measurement; null = 5 s, or what fits the --quick budget. */
  durationMs: number | null;
  connections: number[];
  quick: boolean;
  client: ClientChoice;
  peers: boolean;
  pin: boolean;
  /** N of the `--workers N` variants. */
  workers: number;
  idleConnections: number;
  slowClients: number;
  maxRssMb: number;
  /** Servers log every response and the lab checks the count against the client's (costs throughput). */
  countRequests: boolean;
  progress: boolean;
  /** The command line, for results.json. */
  command: string;
}

/** How long the CPU-burning handler burns per request. */
export const BURN_MS = 5;
/** --quick: the whole run should fit in this, whatever the number of models. */
const QUICK_BUDGET_MS = 150_000;
/** Per target: start-up, warm-up, stop. */
const TARGET_OVERHEAD_MS = 3_500;
const QUICK_TARGET_OVERHEAD_MS = 2_000;

const WARMUP_MS = 1_000;
/** wrk's shortest run is 1 s: --quick warms the static files with this many requests instead. */
const QUICK_STATIC_WARMUP_REQUESTS = 300;
// How long the server may take to be idle after a load before it is restarted. A restart costs a few
// hundred ms; a model that starts a process per connection may take a minute to work through a
// backlog of dead connections. --quick restarts almost at once.
const DRAIN_LIMIT_MS = 10_000;
const QUICK_DRAIN_LIMIT_MS = 1_000;

/** The scenarios' measurements for one target (what the progress bar counts). */
function measurementsOf(scenarios: readonly Scenario[], o: ScenarioOptions): { scenario: Scenario; connections: number }[] {
  return scenarios.flatMap((s) => s.connections(o).map((connections) => ({ scenario: s, connections })));
}

/** A scenario's estimated time, split evenly over its measurements (progress bar weights). */
function stepWeight(s: Scenario, o: ScenarioOptions): number {
  return s.estimateMs(o) / s.connections(o).length;
}

/** --quick: 2 s per measurement when that fits the budget, else 1 s (wrk's shortest run). */
function quickDuration(targets: number, scenarios: readonly Scenario[], o: ScenarioOptions): number {
  for (const d of [2000, 1000]) {
    const per = scenarios.reduce((sum, s) => sum + s.estimateMs({ ...o, durationMs: d }), 0);
    if (targets * (per + QUICK_TARGET_OVERHEAD_MS) <= QUICK_BUDGET_MS) return d;
  }
  return 1000;
}

export async function runBench(o: BenchOptions): Promise<Results> {
  installCleanupHandlers();
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const tools = toolVersions();
  const scratch = makeScratch();
  const client: LoadClient = chooseClient(o.client, tools, scratch.dir);
  const pin = planPinning(machine.cores, which('taskset'), o.pin);
  pinSelf(pin);

  let scenarios: readonly Scenario[] = SCENARIOS;
  if (o.scenarios !== null) {
    scenarios = o.scenarios.map((name) => {
      const s = findScenario(name);
      if (s === undefined) throw new RangeError(`unknown scenario '${name}' (scenarios: ${SCENARIOS.map((x) => x.name).join(', ')})`);
      return s;
    });
  }

  // The same work per /cpu request for every server: calibrated once, here, before any load.
  const burnIterations = calibrateBurn(BURN_MS);
  const env = { ...process.env, [BURN_ENV]: String(burnIterations) };
  const launchCtx: LaunchContext = { site: scratch.site, scratch: scratch.dir, serverCpus: pin.server, env, countLog: o.countRequests };

  const plan = await modelTargets(o.models, o.workers, launchCtx);
  if (o.peers) {
    const peers = peerTargets(tools.nginx !== null);
    plan.targets.push(...peers.targets);
    plan.notMeasured.push(...peers.notMeasured);
  }
  if (plan.targets.length === 0) throw new RangeError('no model to measure (none of the selected models is built yet)');

  const sopts: ScenarioOptions = {
    durationMs: 5000,
    connections: o.connections,
    slowClients: o.slowClients,
    idleConnections: o.idleConnections,
    maxRssMb: o.maxRssMb,
    countLog: o.countRequests,
    clientCpus: pin.client,
    drainLimitMs: o.quick ? QUICK_DRAIN_LIMIT_MS : DRAIN_LIMIT_MS,
    idleWorkerStarts: o.quick ? 16 : null,
  };
  sopts.durationMs = o.durationMs ?? (o.quick ? quickDuration(plan.targets.length, scenarios, sopts) : 5000);

  const steps = measurementsOf(scenarios, sopts);
  const overheadMs = o.quick ? QUICK_TARGET_OVERHEAD_MS : TARGET_OVERHEAD_MS;
  const perTarget = overheadMs + steps.reduce((sum, st) => sum + stepWeight(st.scenario, sopts), 0);
  const progress = createProgress(plan.targets.length * perTarget, o.progress);
  onAbortDo(() => progress.stop());

  const runs: RunRecord[] = [];
  const targetRecords: TargetRecord[] = [];
  try {
    for (const target of plan.targets) {
      targetRecords.push(await runTarget(target, scenarios, steps, sopts, o.quick, overheadMs, launchCtx, client, runs, progress));
    }
  } finally {
    progress.stop();
  }

  const verdicts = computeVerdicts({
    runs,
    targets: targetRecords,
    notMeasured: plan.notMeasured,
    connections: sopts.connections,
    standardConnections: standardConnections(sopts),
    slowClients: sopts.slowClients,
    burnMs: BURN_MS,
  });
  return {
    schema: RESULTS_SCHEMA,
    command: o.command,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: (performance.now() - t0) / 1000,
    options: { ...o, durationMs: sopts.durationMs, standardConnections: standardConnections(sopts), scenarios: scenarios.map((s) => s.name) },
    machine,
    tools,
    client: { name: client.name, version: client.version, latencyResolutionMs: client.name === 'wrk' ? 0.001 : 1 },
    pinning: pin,
    burnIterations,
    targets: targetRecords,
    notMeasured: plan.notMeasured,
    runs,
    verdicts,
  };
}

async function runTarget(
  target: Target,
  scenarios: readonly Scenario[],
  steps: { scenario: Scenario; connections: number }[],
  sopts: ScenarioOptions,
  quick: boolean,
  overheadMs: number,
  launchCtx: LaunchContext,
  client: LoadClient,
  runs: RunRecord[],
  progress: ReturnType<typeof createProgress>,
): Promise<TargetRecord> {
  const launch = await target.launch(launchCtx);
  const rec: TargetRecord = { id: target.id, kind: target.kind, model: target.model, summary: target.summary, command: launch.argv, startMs: null, error: null, skipped: {} };
  const weight = (st: { scenario: Scenario }) => stepWeight(st.scenario, sopts);
  progress.step(`${target.id}: starting`);
  let server: RunningServer;
  const t = performance.now();
  try {
    server = await startServer({ ...launch, countLog: launch.countLog && target.countsRequests });
    rec.startMs = performance.now() - t;
  } catch (e) {
    rec.error = e instanceof Error ? e.message : String(e);
    progress.note(`${target.id} did not start: ${rec.error.split('\n')[0]}`);
    progress.done(overheadMs + steps.reduce((s, st) => s + weight(st), 0));
    return rec;
  }
  const countLog = sopts.countLog && target.countsRequests;
  try {
    // Warm-up: JIT, file caches, lazily built replies. One connection, so every model can take it.
    progress.step(`${target.id}: warming up`);
    try {
      await client.run({ url: `${server.url}/`, connections: 1, durationMs: WARMUP_MS, timeoutMs: 1000, headers: {}, cpus: sopts.clientCpus });
      if (scenarios.some((s) => s.name.startsWith('static'))) {
        const url = `${server.url}/file4k.bin`;
        if (quick) await requestInTurn(url, QUICK_STATIC_WARMUP_REQUESTS);
        else await client.run({ url, connections: 1, durationMs: WARMUP_MS, timeoutMs: 1000, headers: {}, cpus: sopts.clientCpus });
      }
    } catch (e) {
      progress.note(`${target.id}: warm-up failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    progress.done(overheadMs);
    const runnable = steps.filter((st) => scenarios.includes(st.scenario));
    for (const [i, st] of runnable.entries()) {
      const s = st.scenario;
      if (target.cannot[s.name] !== undefined) {
        rec.skipped[s.name] = target.cannot[s.name]!;
        progress.done(weight(st));
        continue;
      }
      progress.step(`${target.id} · ${s.name} · ${st.connections} conn${st.connections > 1 ? 's' : ''}`);
      let run: RunRecord;
      if (server.exited) {
        run = failed(target, s.name, st.connections, sopts, 'the server had exited');
      } else {
        try {
          run = await s.run({ target, server, client, options: { ...sopts, countLog } }, st.connections);
        } catch (e) {
          run = failed(target, s.name, st.connections, sopts, e instanceof Error ? e.message : String(e));
        }
      }
      if (run.error !== null) progress.note(`${target.id} · ${s.name}: ${run.error.split('\n')[0]}`);
      runs.push(run);
      progress.done(weight(st));
      if (i === runnable.length - 1) break; // the server is stopped next, busy or not
      await sleep(SETTLE_MS);
      // The next measurement starts from an idle server. A model that starts a process or a thread
      // per connection may still be working through the connections this load left in its accept
      // queue (each costs a start, though its client is gone): wait for that, or start afresh.
      // (A measurement has already waited for that before reading the counters: this wait is then short.)
      if (!server.exited && !(await waitIdle(portOf(server.url), run.server !== null ? 0 : sopts.drainLimitMs))) {
        const left = tcpState(portOf(server.url));
        run.restarted = `${sopts.drainLimitMs / 1000} s after the load the server still had ${left?.acceptQueue ?? '?'} connections in its accept queue and ${left?.accepted ?? '?'} open: restarted for the next measurement`;
        progress.note(`${target.id} · ${s.name}: still busy with the connections the load left behind: restarting it`);
        await server.stop(RESTART_GRACE_MS);
        try {
          server = await startServer({ ...launch, countLog: launch.countLog && target.countsRequests });
        } catch (e) {
          rec.error = e instanceof Error ? e.message : String(e);
          break;
        }
      }
    }
  } finally {
    progress.step(`${target.id}: stopping`);
    await server.stop();
  }
  return rec;
}

const portOf = (url: string): number => Number(new URL(url).port);

/** `count` GETs one after another on one keep-alive connection, each read to the end; then the connection is closed (a blocking model's worker is freed). */
async function requestInTurn(url: string, count: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(url, { agent, signal: AbortSignal.timeout(2000) }, (res) => res.resume().once('end', resolve).once('error', reject));
        req.once('error', reject);
      });
    }
  } finally {
    agent.destroy();
  }
}

/** A server restarted because it is still busy with dead connections need not finish them: a short grace, then it is killed. */
const RESTART_GRACE_MS = 500;

function failed(target: Target, scenario: string, connections: number, o: ScenarioOptions, error: string): RunRecord {
  return { target: target.id, scenario, connections, durationMs: o.durationMs, load: null, probe: null, slow: null, idle: null, server: null, error, notes: [] };
}
