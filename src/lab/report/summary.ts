// summary.md: the run as markdown tables (also printed to stdout), and the
// claims with their computed verdicts. Every request figure is also given as
// a ratio to node:http when the peers ran.
import type { Results, RunRecord } from '../results.js';
import { errorTotal, type LoadResult } from '../load/index.js';
import { num, ms, kb } from '../format.js';
import { totalPerRequest } from '../server-counters.js';

const PEER_REFERENCE = 'node:http';

function errors(l: LoadResult | null): string {
  if (l === null) return '–';
  const e = l.errors;
  const total = errorTotal(e);
  if (total === 0) return '0';
  const parts = [];
  if (e.timeout) parts.push(`${num(e.timeout)} timeouts`);
  if (e.connect + e.read + e.write) parts.push(`${num(e.connect + e.read + e.write)} socket`);
  if (e.status) parts.push(`${num(e.status)} non-2xx`);
  return parts.join(', ');
}

/** System calls per request from the server's own counters, with the three most frequent ("12 (recv 2, send 1, …)"). */
function syscalls(r: RunRecord): string {
  const per = r.server?.syscallsPerRequest ?? null;
  const total = totalPerRequest(per);
  if (per === null || total === null) return '–';
  const top = Object.entries(per).filter(([, n]) => n >= 0.05).sort((a, b) => b[1] - a[1]).slice(0, 3);
  return `${num(total)} (${top.map(([name, n]) => `${name} ${num(n)}`).join(', ')})`;
}

function cpu(r: RunRecord): string {
  const c = r.server?.cpuPerRequestUs;
  return c ? `${num(c.user)} + ${num(c.kernel)}` : '–';
}

function ratio(r: RunRecord, all: RunRecord[], rpsOf: (x: RunRecord) => number | null): string {
  const ref = all.find((x) => x.target === PEER_REFERENCE && x.scenario === r.scenario && x.connections === r.connections && x.error === null);
  const a = rpsOf(r);
  const b = ref ? rpsOf(ref) : null;
  return a !== null && b ? `${num(a / b)}×` : '–';
}

export interface Table {
  caption: string | null;
  head: string[];
  rows: string[][];
}

/** The figures as tables: one row per measurement, then the idle-connection figures. */
export function summaryTables(res: Results): Table[] {
  const hasPeers = res.runs.some((r) => r.target === PEER_REFERENCE);
  const tables: Table[] = [];
  const head = ['target', 'scenario', 'conns', 'req/s', ...(hasPeers ? ['× node:http'] : []), 'p50', 'p90', 'p99', 'max', 'errors', 'accept queue peak', 'CPU µs/req user + kernel', 'syscalls/req', 'RSS MB peak', 'procs / threads', 'ctx sw/req vol + invol'];
  const rows: string[][] = [];
  for (const r of res.runs.filter((x) => x.scenario !== 'idle-conns')) {
    if (r.error !== null) {
      rows.push([r.target, r.scenario, String(r.connections), `error: ${r.error.split('\n')[0]!.slice(0, 80)}`, ...head.slice(4).map(() => '')]);
      continue;
    }
    const l = r.load;
    const s = r.server;
    const sw = s?.contextSwitchesPerRequest;
    const label = r.scenario === 'slow-client' ? `slow-client (${r.slow?.clients ?? '?'} slow)` : r.scenario;
    rows.push([
      r.target,
      label,
      String(r.connections),
      num(l?.rps),
      ...(hasPeers ? [ratio(r, res.runs, (x) => x.load?.rps ?? null)] : []),
      ms(l?.latencyMs?.p50),
      ms(l?.latencyMs?.p90),
      ms(l?.latencyMs?.p99),
      ms(l?.latencyMs?.max),
      errors(l),
      s?.kernelQueues ? num(s.kernelQueues.acceptQueuePeak) : '–',
      cpu(r),
      syscalls(r),
      s ? num(s.rssKb.peak / 1024) : '–',
      s ? `${s.processes.peak} / ${s.threads.peak}` : '–',
      sw ? `${num(sw.voluntary)} + ${num(sw.involuntary)}` : '–',
    ]);
    if (r.probe) {
      const p = r.probe;
      rows.push([r.target, 'cpu-handler probe (/)', '1', num(p.rps), ...(hasPeers ? [ratio(r, res.runs, (x) => x.probe?.rps ?? null)] : []), ms(p.latencyMs?.p50), ms(p.latencyMs?.p90), ms(p.latencyMs?.p99), ms(p.latencyMs?.max), errors(p), '', '', '', '', '', '']);
    }
  }
  tables.push({ caption: null, head, rows });
  const idle = res.runs.filter((r) => r.scenario === 'idle-conns');
  if (idle.length) {
    const h = ['target', 'held / asked', 'RSS before → with', 'KB per conn (RSS)', 'KB per conn (PSS)', 'threads per conn', 'note'];
    const ir: string[][] = [];
    for (const r of idle) {
      const i = r.idle;
      if (r.error !== null || i === null) {
        ir.push([r.target, `error: ${(r.error ?? 'no figures').split('\n')[0]!.slice(0, 80)}`, '', '', '', '', '']);
        continue;
      }
      ir.push([r.target, `${num(i.held)} / ${num(i.requested)}`, `${kb(i.rssKbBefore)} → ${kb(i.rssKbWith)}`, num(i.kbPerConnection), num(i.pssKbPerConnection), num(i.threadsPerConnection), i.stoppedBecause ? `capped: ${i.stoppedBecause}` : '']);
    }
    tables.push({ caption: 'Idle keep-alive connections (memory per connection):', head: h, rows: ir });
  }
  return tables;
}

/** Sentences under the tables: what was not run or not measured. */
export function notRunLines(res: Results): string[] {
  const out: string[] = [];
  const skipped = res.targets.flatMap((t) => Object.entries(t.skipped).map(([s, why]) => `${t.id} / ${s}: ${why}`));
  const failedTargets = res.targets.filter((t) => t.error !== null).map((t) => `${t.id}: did not start (${t.error!.split('\n')[0]})`);
  if (skipped.length || failedTargets.length) out.push(`Not run: ${[...failedTargets, ...skipped].join('; ')}.`);
  if (res.notMeasured.length) out.push(`Not measured: ${res.notMeasured.map((n) => `${n.id} (${n.reason})`).join(', ')}.`);
  for (const r of res.runs) if (r.restarted) out.push(`${r.target} / ${r.scenario} (${r.connections} conns): ${r.restarted}.`);
  return out;
}

/** Other work on the machine disturbs the figures: say how busy it was. */
export function loadNote(res: Results): string {
  const l = res.machine.loadAverageAtStart;
  return `Load average when the run started: ${l.toFixed(2)}${l >= 0.5 ? ' — other processes were busy on this machine, so absolute figures are disturbed; compare within the run' : ''}.`;
}

export function methodNote(res: Results): string {
  return `CPU per request is the server's whole process tree (user + kernel mode, from /proc; children that exited are counted through their parent's cutime/cstime) divided by the responses the client received. Syscalls per request: ${res.runs.some((r) => r.server?.syscallsPerRequest) ? "from the server's own counters (its status page, --status-path: fourfold's calls through its sys layer, master and workers; not Node's own, for which see the strace figures in docs/models.md); peers expose none" : 'not exposed by the server (strace figures: docs/models.md)'}. Latency resolution: ${ms(res.client.latencyResolutionMs)}.`;
}

const mdRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

function tableMarkdown(t: Table): string {
  return [...(t.caption ? [t.caption, ''] : []), mdRow(t.head), mdRow(t.head.map(() => '---')), ...t.rows.map(mdRow)].join('\n');
}

export function summaryMarkdown(res: Results): string {
  const m = res.machine;
  const out: string[] = [];
  out.push('# fourfold bench', '');
  out.push(`${m.cpuModel}, ${m.cores} cores, Linux ${m.kernel}, Node ${m.node}. Client: ${res.client.version}; ${res.pinning.description}. ${(res.options.durationMs as number) / 1000} s per measurement; wall time ${num(res.wallSeconds)} s.`, '');
  out.push(`\`${res.command}\``, '');
  out.push(loadNote(res), '');
  for (const t of summaryTables(res)) out.push(tableMarkdown(t), '');
  for (const l of notRunLines(res)) out.push(l, '');
  out.push("## The lecture's claims, judged by these figures", '');
  for (const v of res.verdicts) out.push(`- **${v.verdict}** — “${v.quote}” ${v.sentence}`);
  out.push('', methodNote(res));
  return out.join('\n') + '\n';
}
