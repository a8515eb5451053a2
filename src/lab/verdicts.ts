// The lecture's claims, each judged by the figures of this run.
//
// Every sentence is computed: figures are filled in from the measurements,
// and the verdict word comes from comparing them against a stated threshold.
// If the data contradict a claim, the verdict says so; if the models a claim
// is about were not measured (not built yet, or not selected), it says that
// instead of guessing. Models are referred to by their --model names, which
// is how the lecture's designs map onto this project; the thresholds are
// written next to each judgement.
import type { RunRecord, TargetRecord } from './results.js';
import type { NotMeasured } from './targets.js';
import { num, rps, ms, us, pct, kb, list } from './format.js';
import { MIN_HELD_FOR_FIGURE } from './idle-connections.js';

export type { Verdict, VerdictWord } from './results.js';
import type { Verdict, VerdictWord } from './results.js';

export interface VerdictInput {
  runs: RunRecord[];
  targets: TargetRecord[];
  notMeasured: NotMeasured[];
  connections: number[];
  standardConnections: number;
  slowClients: number;
  burnMs: number;
}

class Data {
  constructor(readonly input: VerdictInput) {}

  run(target: string, scenario: string, connections?: number): RunRecord | undefined {
    return this.input.runs.find((r) => r.target === target && r.scenario === scenario && r.error === null && (connections === undefined || r.connections === connections));
  }
  /** Targets that ran a model by this name (any flags). */
  ofModel(model: string): TargetRecord[] {
    return this.input.targets.filter((t) => t.model === model && t.error === null);
  }
  /** The model run with no extra flags, e.g. plain "event-loop". */
  plain(model: string): TargetRecord | undefined {
    return this.input.targets.find((t) => t.model === model && t.id === model && t.error === null);
  }
  measured(target: string): boolean {
    return this.input.runs.some((r) => r.target === target && r.error === null);
  }
  /** "prefork, thread: not built yet" for the named models that have no figures. */
  missing(models: string[]): string[] {
    return models.filter((m) => this.ofModel(m).length === 0);
  }
  whyMissing(models: string[]): string {
    const missing = this.missing(models);
    if (missing.length === 0) return '';
    const notBuilt = missing.filter((m) => this.input.notMeasured.some((n) => n.id === m && n.reason === 'not built yet'));
    const other = missing.filter((m) => !notBuilt.includes(m));
    const parts = [];
    if (notBuilt.length) parts.push(`${list(notBuilt)} ${notBuilt.length > 1 ? 'are' : 'is'} not built yet`);
    if (other.length) parts.push(`${list(other)} ${other.length > 1 ? 'were' : 'was'} not measured in this run`);
    return parts.join('; ');
  }
}

const rate = (r: RunRecord | undefined) => r?.load?.rps ?? null;
const errorsOf = (r: RunRecord | undefined) => (r?.load ? Object.values(r.load.errors).reduce((a, b) => a + b, 0) : null);
const kernelShare = (r: RunRecord | undefined) => {
  const c = r?.server?.cpuPerRequestUs;
  return c && c.total > 0 ? c.kernel / c.total : null;
};
const switchesPerRequest = (r: RunRecord | undefined) => {
  const s = r?.server?.contextSwitchesPerRequest;
  return s ? s.voluntary + s.involuntary : null;
};

const POOLS = ['prefork', 'threadpool'];
const PER_CONNECTION = ['thread', 'process'];
const BLOCKING_CONCURRENT = ['process', 'prefork', 'thread', 'threadpool'];

/** iterative: one client at a time. */
function oneClientAtATime(d: Data): Verdict {
  const base = {
    id: 'one-client-at-a-time',
    quote: 'A single threaded server can only deal with one client at a time. This is unacceptable in terms of performance (e.g web servers).',
    section: 'Server implementation, 2. A single-process single threaded server (no event loop)',
    scenarios: ['hello', 'slow-client'],
  };
  const it = d.plain('iterative');
  if (!it || !d.measured(it.id)) return { ...base, verdict: 'not measured', sentence: `The iterative model was not measured (${d.whyMissing(['iterative']) || 'no figures'}).`, figures: {} };
  const cs = [...d.input.connections].sort((a, b) => a - b);
  const lo = cs[0]!;
  const hi = cs[cs.length - 1]!;
  const h1 = d.run(it.id, 'hello', lo);
  const hN = d.run(it.id, 'hello', hi);
  const hMid = d.run(it.id, 'hello', d.input.standardConnections);
  const slow = d.run(it.id, 'slow-client');
  const el = d.plain('event-loop');
  const elSlow = el ? d.run(el.id, 'slow-client') : undefined;
  const figures: Record<string, number | null> = { rpsLow: rate(h1), rpsHigh: rate(hN), errorsHigh: errorsOf(hN), rpsSlow: rate(slow), rpsBase: rate(hMid), eventLoopRpsSlow: rate(elSlow) };
  const parts: string[] = [];
  if (h1 && hN && lo !== hi) {
    const q = hN.server?.kernelQueues;
    const elq = el ? d.run(el.id, 'hello', hi)?.server?.kernelQueues : undefined;
    parts.push(
      `iterative answered ${rps(rate(h1))} with ${lo} connection${lo > 1 ? 's' : ''} and ${rps(rate(hN))} with ${hi}` +
        (q ? `, while up to ${num(q.acceptQueuePeak)} of the ${hi} connections waited in the kernel's accept queue (accepted at once: ${num(q.acceptedPeak)}${elq ? `; event-loop: ${num(elq.acceptQueuePeak)} waiting, ${num(elq.acceptedPeak)} accepted` : ''})` : '') +
        ` (${num(errorsOf(hN))} errors/timeouts)`,
    );
    figures.acceptQueuePeakHigh = q?.acceptQueuePeak ?? null;
    figures.acceptedPeakHigh = q?.acceptedPeak ?? null;
  }
  let verdict: VerdictWord = 'inconclusive';
  let judgement = '';
  const base0 = rate(hMid);
  if (slow && base0 !== null && base0 > 0) {
    const ratio = (rate(slow) ?? 0) / base0;
    parts.push(
      `while ${slow.slow?.clients ?? d.input.slowClients} slow clients trickled their headers it answered its ${slow.connections} normal clients at ${rps(rate(slow))} (${pct(ratio)} of ${rps(base0)} without them${elSlow ? `; event-loop: ${rps(rate(elSlow))}` : ''})`,
    );
    // Threshold: under 5% of its own unloaded rate = held by the one client it is serving.
    if (ratio < 0.05) {
      verdict = 'supports';
      judgement = 'one slow client holds its only thread, and everyone else waits: supports the claim';
    } else if (ratio >= 0.5) {
      verdict = 'contradicts';
      judgement = 'slow clients did not hold it up: contradicts the claim';
    } else {
      verdict = 'mixed';
      judgement = 'slow clients slowed it down without stopping it: partly supports the claim';
    }
  } else if (hN?.server?.kernelQueues && hi > 1) {
    // Without the slow-client figures: the accept queue. Threshold: most of the other connections (≥ half) waited unaccepted.
    const q = hN.server.kernelQueues;
    verdict = q.acceptedPeak <= 1 && q.acceptQueuePeak >= (hi - 1) / 2 ? 'supports' : q.acceptedPeak > 1 ? 'contradicts' : 'mixed';
    judgement = verdict === 'supports' ? 'it had one connection accepted at a time, the rest waited in the kernel: supports the claim' : verdict === 'contradicts' ? `it held ${q.acceptedPeak} connections at once: contradicts the claim` : 'partly supports the claim';
  } else if (h1 && hN && lo !== hi) {
    // Without the slow-client figures: does throughput grow with connections? (< 1.5× = it serves them one by one.)
    const growth = (rate(hN) ?? 0) / Math.max(1e-9, rate(h1) ?? 0);
    verdict = growth < 1.5 ? 'supports' : 'contradicts';
    judgement = growth < 1.5 ? `${num(hi)} connections got no more than 1 did (${num(growth)}×): supports the claim` : `throughput grew ${num(growth)}× with connections: contradicts the claim`;
  }
  const sentence = parts.length ? `${capitalise(parts.join('; '))}: ${judgement || 'not enough figures to judge'}.` : 'The hello and slow-client scenarios were not run for iterative.';
  return { ...base, verdict: parts.length ? verdict : 'not measured', sentence, figures };
}

/** slow clients: the event loop keeps serving, pools starve. */
function slowClients(d: Data): Verdict {
  const base = {
    id: 'slow-clients',
    quote:
      'The thread that handles the connection is blocked until there is some data to read, or the data is fully written. Until the relevant operation is complete that thread can do nothing else but wait. — An infinite loop that constantly checks (polls) if data is returned from IO.',
    section: 'Server implementation, 3. multi-threaded server, and 4. event loop',
    scenarios: ['slow-client', 'hello'],
  };
  const rows = d.input.targets
    .map((t) => {
      const slow = d.run(t.id, 'slow-client');
      const b = slow ? d.run(t.id, 'hello', slow.connections) : undefined;
      const ratio = slow && rate(b) ? (rate(slow) ?? 0) / rate(b)! : null;
      return { t, slow, ratio };
    })
    .filter((r) => r.slow !== undefined && r.ratio !== null);
  if (rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The slow-client scenario (with its hello baseline) was not run.', figures: {} };
  const figures: Record<string, number | null> = {};
  for (const r of rows) figures[`${r.t.id} kept`] = r.ratio;
  const n = rows[0]!.slow!.slow?.clients ?? d.input.slowClients;
  const describe = (r: (typeof rows)[number]) => `${r.t.id} ${rps(rate(r.slow))} (${pct(r.ratio)} of its rate without them)`;
  const loops = rows.filter((r) => r.t.model === 'event-loop');
  const pools = rows.filter((r) => r.t.model !== null && POOLS.includes(r.t.model));
  const others = rows.filter((r) => !loops.includes(r) && !pools.includes(r));
  const parts = [`While ${n} slow clients trickled their headers, normal clients were served at: ${rows.map(describe).join('; ')}`];
  // Thresholds: a server "starves" below 5% of its rate without slow clients; it "keeps serving"
  // at 20% or more (a margin for the noise of two separate measurements on a shared machine);
  // in between it was slowed down but not starved.
  let loopWord = null as VerdictWord | null;
  if (loops.length) {
    const kept = loops.filter((r) => r.ratio! >= 0.2);
    const starved = loops.filter((r) => r.ratio! < 0.05);
    const slowed = loops.filter((r) => !kept.includes(r) && !starved.includes(r));
    loopWord = kept.length === loops.length ? 'supports' : starved.length > 0 ? 'contradicts' : 'mixed';
    if (kept.length) parts.push(`${list(kept.map((r) => r.t.id))} kept serving: a slow client costs an event loop one more descriptor to watch, not a thread`);
    if (slowed.length) parts.push(`${list(slowed.map((r) => r.t.id))} slowed down (to under 20%) without starving`);
    if (starved.length) parts.push(`${list(starved.map((r) => r.t.id))} starved as well, which an event loop should not`);
  }
  let poolWord = null as VerdictWord | null;
  if (pools.length) {
    const starved = pools.filter((r) => r.ratio! < 0.05);
    poolWord = starved.length === pools.length ? 'supports' : 'inconclusive';
    parts.push(
      starved.length
        ? `${list(starved.map((r) => r.t.id))} starved: every worker was waiting on a slow client`
        : `${list(pools.map((r) => r.t.id))} kept serving: ${n} slow clients did not outnumber its workers, so this run does not test the pool half of the claim`,
    );
  } else {
    const why = d.whyMissing(POOLS);
    parts.push(`the pool half of the claim is untested: ${why || 'no pool model was measured'}`);
  }
  const starvedOthers = others.filter((r) => r.ratio! < 0.05).map((r) => r.t.id);
  if (starvedOthers.length) parts.push(`${list(starvedOthers)} also starved`);
  // The event-loop half decides (a pool that did not starve leaves its half untested, not refuted).
  const verdict: VerdictWord = loopWord ?? poolWord ?? 'inconclusive';
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

/** processEvent must not block. */
function mustNotBlock(d: Data): Verdict {
  const base = {
    id: 'process-event-must-not-block',
    quote: '`processEvent` must not block. Single-threaded (eases life).',
    section: 'Server implementation, 4. A single-process single threaded server (event loop)',
    scenarios: ['cpu-handler', 'hello'],
  };
  const lo = Math.min(...d.input.connections);
  const rows = d.input.targets
    .map((t) => {
      const r = d.run(t.id, 'cpu-handler');
      const alone = d.run(t.id, 'hello', lo);
      return { t, r, p50: r?.probe?.latencyMs?.p50 ?? null, p99: r?.probe?.latencyMs?.p99 ?? null, answered: r?.probe?.requests ?? 0, aloneP99: alone?.load?.latencyMs?.p99 ?? null };
    })
    .filter((x) => x.r !== undefined);
  if (rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The cpu-handler scenario was not run.', figures: {} };
  const figures: Record<string, number | null> = {};
  for (const x of rows) {
    figures[`${x.t.id} probe p50 ms`] = x.p50;
    figures[`${x.t.id} probe p99 ms`] = x.p99;
  }
  const burn = d.input.burnMs;
  const describe = (x: (typeof rows)[number]) =>
    (x.answered === 0 ? `${x.t.id} never answered it` : `${x.t.id} p50 ${ms(x.p50)} / p99 ${ms(x.p99)}${x.aloneP99 !== null ? ` (without the busy handlers: p99 ${ms(x.aloneP99)})` : ''}`) +
    // A server that serves one connection at a time may have picked the probe's and starved the busy ones.
    (x.r!.load && x.r!.load.requests === 0 ? ` but answered none of the ${x.r!.connections} CPU-burning connections` : '');
  const conns = rows[0]!.r!.connections;
  const parts = [`While ${conns} connections asked for a handler that burns ${burn} ms of CPU, a 13-byte request beside them waited: ${rows.map(describe).join('; ')}`];
  const loops = rows.filter((x) => x.t.model === 'event-loop');
  const blocking = rows.filter((x) => x.t.model !== null && BLOCKING_CONCURRENT.includes(x.t.model));
  // Threshold: the light request "stalled" if its median wait is at least one handler's burn.
  const stalled = (x: (typeof rows)[number]) => x.answered === 0 || (x.p50 ?? 0) >= burn;
  let loopWord = null as VerdictWord | null;
  if (loops.length) {
    const s = loops.filter(stalled);
    loopWord = s.length === loops.length ? 'supports' : s.length === 0 ? 'contradicts' : 'mixed';
    parts.push(
      loopWord === 'supports'
        ? `on the event loop it queued behind the busy handlers (median ≥ ${burn} ms): a blocking handler stalls every connection`
        : loopWord === 'contradicts'
          ? 'the event loop did not stall (median wait under one handler run): that contradicts the claim'
          : 'some event-loop variants stalled and some did not',
    );
  }
  let otherWord = null as VerdictWord | null;
  if (blocking.length) {
    const loopP50 = Math.min(...loops.map((x) => (x.answered === 0 ? Infinity : (x.p50 ?? Infinity))));
    // Threshold: threads/processes "do not stall" when the probe's median is under half the event loop's.
    const fine = blocking.filter((x) => x.answered > 0 && (x.p50 ?? Infinity) < (Number.isFinite(loopP50) ? loopP50 / 2 : burn));
    otherWord = fine.length === blocking.length ? 'supports' : fine.length === 0 ? 'contradicts' : 'mixed';
    parts.push(
      fine.length
        ? `${list(fine.map((x) => x.t.id))} answered it sooner: the kernel preempts a busy thread or process and runs the one with a light request`
        : `${list(blocking.map((x) => x.t.id))} stalled as well`,
    );
  } else {
    parts.push(`the thread/process half of the claim is untested: ${d.whyMissing(BLOCKING_CONCURRENT) || 'none was measured'}`);
  }
  const words = [loopWord, otherWord].filter((w): w is VerdictWord => w !== null);
  let verdict: VerdictWord = words.length === 0 ? 'inconclusive' : words.every((w) => w === words[0]) ? words[0]! : 'mixed';
  if (otherWord === null && loopWord !== null) verdict = loopWord;
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

/** Threads just waiting are a waste of resources. */
function waitingThreads(d: Data): Verdict {
  const base = {
    id: 'waiting-threads-waste',
    quote: 'At any given point in time there can be multiple threads just waiting for the client requests and that is just a waste of resources.',
    section: 'Server implementation, 3. A single-process multi-threaded server',
    scenarios: ['idle-conns'],
  };
  const rows = d.input.targets
    .map((t) => ({ t, r: d.run(t.id, 'idle-conns') }))
    .filter((x) => x.r?.idle)
    .map((x) => ({ ...x, i: x.r!.idle! }));
  if (rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The idle-conns scenario was not run.', figures: {} };
  const figures: Record<string, number | null> = {};
  for (const x of rows) {
    figures[`${x.t.id} KB per connection`] = x.i.kbPerConnection;
    figures[`${x.t.id} held`] = x.i.held;
  }
  const describe = (x: (typeof rows)[number]) =>
    x.i.held === 0
      ? `${x.t.id} held none`
      : `${x.t.id} held ${num(x.i.held)}${x.i.held < x.i.requested ? ` of ${num(x.i.requested)} (capped)` : ''}` +
        (x.i.kbPerConnection === null
          ? ''
          : x.i.kbPerConnection <= 0
            ? ` with no measurable memory growth (RSS ${kb(x.i.rssKbBefore)} → ${kb(x.i.rssKbWith)}), ${num(x.i.threadsPerConnection)} threads per connection`
            : ` at ${kb(x.i.kbPerConnection)} of RSS each, ${num(x.i.threadsPerConnection)} threads per connection`);
  const parts = [`Idle keep-alive connections: ${rows.map(describe).join('; ')}`];
  const loop = rows.find((x) => x.t.id === 'event-loop') ?? rows.find((x) => x.t.model === 'event-loop');
  // Only models whose memory per connection was measured (it needs MIN_HELD_FOR_FIGURE held connections).
  const threads = rows.filter((x) => x.t.model !== null && PER_CONNECTION.includes(x.t.model) && x.i.kbPerConnection !== null);
  let verdict: VerdictWord = 'inconclusive';
  if (threads.length && loop && loop.i.kbPerConnection !== null) {
    // Threshold: a waiting thread/process costs "a waste" when it takes ≥ 5× the event loop's memory per connection.
    const floor = Math.max(loop.i.kbPerConnection, 0.5);
    const wasteful = threads.filter((x) => (x.i.kbPerConnection ?? 0) >= 5 * floor);
    verdict = wasteful.length === threads.length ? 'supports' : wasteful.length === 0 ? 'contradicts' : 'mixed';
    parts.push(
      wasteful.length
        ? `a connection waiting in its own ${list(wasteful.map((x) => x.t.id))} costs ${list(wasteful.map((x) => `${num((x.i.kbPerConnection ?? 0) / floor)}×`))} the memory of one waiting in the event loop`
        : 'a waiting thread or process cost no more than an event-loop connection',
    );
  } else {
    parts.push(`the comparison the claim makes is untested: ${d.whyMissing(PER_CONNECTION) || `no thread or process model held the ${MIN_HELD_FOR_FIGURE} connections a per-connection figure needs`}`);
  }
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

/** A process per connection pays a process start each time; prefork does not. */
function processStart(d: Data): Verdict {
  const base = {
    id: 'process-per-connection',
    quote: 'When a new connection request arrives, the system delivers the connection to the server application via the accept() system call. Forked a new process to handle each HTTP connection.',
    section: 'Server implementation, 1. A process-per-connection HTTP server',
    scenarios: ['close', 'hello'],
  };
  const mid = d.input.standardConnections;
  const rows = d.input.targets
    .map((t) => ({ t, c: d.run(t.id, 'close'), k: d.run(t.id, 'hello', mid) }))
    .filter((x) => x.c?.server?.cpuPerRequestUs);
  if (rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The close scenario was not run.', figures: {} };
  const figures: Record<string, number | null> = {};
  const describe = (x: (typeof rows)[number]) => {
    const cc = x.c!.server!.cpuPerRequestUs!;
    const kc = x.k?.server?.cpuPerRequestUs?.total ?? null;
    figures[`${x.t.id} close µs/req`] = cc.total;
    figures[`${x.t.id} keep-alive µs/req`] = kc;
    return `${x.t.id} ${rps(rate(x.c))} at ${us(cc.total)} of CPU per request (${pct(cc.kernel / Math.max(1e-9, cc.total))} in the kernel${kc !== null ? `; keep-alive: ${us(kc)}` : ''})`;
  };
  const parts = [`With Connection: close (a new connection per request): ${rows.map(describe).join('; ')}`];
  const proc = rows.find((x) => x.t.model === 'process');
  const pre = rows.find((x) => x.t.model === 'prefork');
  let verdict: VerdictWord = 'inconclusive';
  if (proc && pre) {
    const a = proc.c!.server!.cpuPerRequestUs!.total;
    const b = pre.c!.server!.cpuPerRequestUs!.total;
    // Threshold: a process start per connection shows as ≥ 3× prefork's CPU per connection.
    verdict = a >= 3 * b ? 'supports' : a <= 1.2 * b ? 'contradicts' : 'mixed';
    parts.push(`${proc.t.id} spent ${num(a / b)}× the CPU per connection of ${pre.t.id}${verdict === 'supports' ? ': the process start is paid on every connection' : ''}`);
  } else {
    parts.push(`the comparison the claim makes is untested: ${d.whyMissing(['process', 'prefork']) || 'process or prefork was not measured'}`);
  }
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

/** Multi-process servers suffer from context switching. */
function contextSwitching(d: Data): Verdict {
  const base = {
    id: 'context-switching',
    quote: 'Multi-process servers can suffer from context-switching and interprocess communication overheads.',
    section: 'Server implementation, 1. A process-per-connection HTTP server',
    scenarios: ['hello'],
  };
  const mid = d.input.standardConnections;
  const rows = d.input.targets.map((t) => ({ t, r: d.run(t.id, 'hello', mid) })).filter((x) => switchesPerRequest(x.r) !== null);
  const single = rows.find((x) => x.t.id === 'event-loop');
  // Multi: more than one process (or thread-model workers) served the load.
  const multi = rows.filter((x) => x !== single && x.t.kind === 'model' && ((x.r!.server!.processes.peak ?? 1) > 1 || ['thread', 'threadpool'].includes(x.t.model ?? '')));
  if (!single || rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The hello scenario was not run for event-loop.', figures: {} };
  const figures: Record<string, number | null> = {};
  const describe = (x: (typeof rows)[number]) => {
    const s = x.r!.server!.contextSwitchesPerRequest!;
    figures[`${x.t.id} switches/req`] = s.voluntary + s.involuntary;
    return `${x.t.id} ${num(s.voluntary + s.involuntary)} (${num(s.involuntary)} involuntary; ${x.r!.server!.processes.peak} process${x.r!.server!.processes.peak > 1 ? 'es' : ''})`;
  };
  const parts = [`Context switches per request (hello, ${mid} connections): ${rows.map(describe).join('; ')}`];
  let verdict: VerdictWord = 'inconclusive';
  if (multi.length) {
    const one = switchesPerRequest(single.r)!;
    // Thresholds: "suffers" = at least 1.5× the context switches per request of the single event
    // loop; no more than 1× contradicts the claim; in between, more but not markedly more.
    const base1 = Math.max(one, 0.001);
    const factor = (x: (typeof rows)[number]) => switchesPerRequest(x.r)! / base1;
    const worse = multi.filter((x) => factor(x) >= 1.5);
    const notMore = multi.filter((x) => factor(x) <= 1);
    verdict = worse.length === multi.length ? 'supports' : notMore.length === multi.length ? 'contradicts' : 'mixed';
    const say = (xs: typeof multi) => list(xs.map((x) => `${x.t.id} ${num(factor(x))}×`));
    if (worse.length) parts.push(`per request, ${say(worse)} as many switches as one event loop`);
    const between = multi.filter((x) => !worse.includes(x) && !notMore.includes(x));
    if (between.length) parts.push(`${say(between)} as many switches as one event loop: more, but under the 1.5× this verdict asks for`);
    if (notMore.length) parts.push(`${say(notMore)}: no more switches per request than one event loop`);
    const missing = d.whyMissing(BLOCKING_CONCURRENT);
    if (missing) parts.push(`${missing}`);
  } else {
    parts.push(`no multi-process or multi-thread server was measured: ${d.whyMissing(BLOCKING_CONCURRENT) || 'none selected'}`);
  }
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

/** User mode and kernel mode: the kernel does the networking (and, with sendfile, the copying). */
function kernelMode(d: Data): Verdict {
  const base = {
    id: 'user-and-kernel-mode',
    quote: 'In user mode, the executing code has no ability to directly access hardware. In kernel mode, unrestricted access to the underlying hardware. — TCP code operates in kernel space in response to packet arrival and process requests.',
    section: 'Operating systems background; Socket API',
    scenarios: ['hello', 'static-1m'],
  };
  const mid = d.input.standardConnections;
  const rows = d.input.targets
    .filter((t) => t.kind === 'model')
    .map((t) => ({ t, h: d.run(t.id, 'hello', mid), f: d.run(t.id, 'static-1m') }))
    .filter((x) => kernelShare(x.h) !== null && kernelShare(x.f) !== null);
  if (rows.length === 0) return { ...base, verdict: 'not measured', sentence: 'The hello and static-1m scenarios were not both run for a model.', figures: {} };
  const figures: Record<string, number | null> = {};
  const describe = (x: (typeof rows)[number]) => {
    const h = x.h!.server!.cpuPerRequestUs!;
    const f = x.f!.server!.cpuPerRequestUs!;
    figures[`${x.t.id} hello kernel share`] = kernelShare(x.h);
    figures[`${x.t.id} static-1m kernel share`] = kernelShare(x.f);
    return `${x.t.id} ${pct(kernelShare(x.h))} for hello (${us(h.user)} user + ${us(h.kernel)} kernel per request) and ${pct(kernelShare(x.f))} for a 1 MiB file (${us(f.user)} + ${us(f.kernel)})`;
  };
  const parts = [`Share of the server's CPU time spent in kernel mode: ${rows.map(describe).join('; ')}`];
  // Threshold: "the kernel does the work" when more than half of a request's CPU time is kernel time,
  // for the 13-byte hello (the TCP stack) and for the 1 MiB file (TCP and the sendfile copy).
  const ok = rows.filter((x) => kernelShare(x.h)! > 0.5 && kernelShare(x.f)! > 0.5);
  const none = rows.filter((x) => kernelShare(x.h)! <= 0.5 && kernelShare(x.f)! <= 0.5);
  const verdict: VerdictWord = ok.length === rows.length ? 'supports' : none.length === rows.length ? 'contradicts' : 'mixed';
  parts.push(
    verdict === 'supports'
      ? "most of a request's CPU time is spent in kernel mode, in the TCP stack and the file copy that the process asks for with system calls"
      : verdict === 'contradicts'
        ? 'most of the CPU time stayed in user mode'
        : `most of the CPU time was kernel time only for ${ok.length ? list(ok.map((x) => x.t.id)) : 'some scenarios'}`,
  );
  return { ...base, verdict, sentence: `${parts.join('; ')}: ${verdictPhrase(verdict)}.`, figures };
}

function verdictPhrase(v: VerdictWord): string {
  switch (v) {
    case 'supports':
      return 'supports the claim';
    case 'contradicts':
      return 'contradicts the claim';
    case 'mixed':
      return 'partly supports the claim';
    case 'inconclusive':
      return 'inconclusive';
    case 'not measured':
      return 'not measured';
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function computeVerdicts(input: VerdictInput): Verdict[] {
  const d = new Data(input);
  return [oneClientAtATime(d), slowClients(d), mustNotBlock(d), waitingThreads(d), processStart(d), contextSwitching(d), kernelMode(d)];
}
