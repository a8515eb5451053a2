// The report's charts: Vega-Lite specs built from the results, compiled and
// rendered to SVG in Node by Vega (no browser, no network), and to PNG by
// resvg, so the same figures go into report.html, the README and docs/.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { Results, RunRecord } from '../results.js';

export interface Chart {
  /** File name without extension. */
  name: string;
  title: string;
  /** What the chart shows, in one sentence, under it in the report. */
  caption: string;
  spec: vl.TopLevelSpec;
}

export interface RenderedChart extends Chart {
  svg: string;
  png: Buffer;
}

type Row = Record<string, string | number>;

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const CONFIG = { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 240 }, legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 }, title: { fontSize: 14, anchor: 'start' as const } };

const ok = (r: RunRecord) => r.error === null;

/**
 * A log-scale bar axis. Bars must not stack (a stack starts at 0, which a
 * log scale cannot show), and the domain starts below the smallest value so
 * that bar still has a height.
 */
function logBars(rows: Row[], field: string, title: string) {
  const values = rows.map((r) => Number(r[field])).filter((v) => v > 0);
  const domain = values.length ? [Math.min(...values) / 2, Math.max(...values) * 1.5] : [0.001, 1];
  return { field, type: 'quantitative', stack: null, scale: { type: 'log', domain, clamp: true }, title };
}

function spec(title: string, data: Row[], body: Record<string, unknown>): vl.TopLevelSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, data: { values: data }, config: CONFIG, background: 'white', padding: 12, ...body } as vl.TopLevelSpec;
}

/** Target order: as run (models first, then peers), so colours are stable across charts. */
function targetOrder(res: Results): string[] {
  return res.targets.map((t) => t.id);
}

function colour(res: Results) {
  return { field: 'target', type: 'nominal', title: 'server', sort: targetOrder(res), scale: { domain: targetOrder(res), scheme: 'tableau10' } };
}

export function buildCharts(res: Results): Chart[] {
  const charts: Chart[] = [];
  const mid = res.options.standardConnections as number;
  const order = targetOrder(res);
  const runs = res.runs.filter(ok);

  const hello = runs.filter((r) => r.scenario === 'hello' && r.load);
  if (hello.length) {
    charts.push({
      name: 'throughput',
      title: 'Throughput vs connections (hello, keep-alive)',
      caption: 'Requests per second each server answered, by number of concurrent keep-alive connections (log scale).',
      spec: spec('Throughput vs connections — hello, 13 B, keep-alive', hello.map((r) => ({ target: r.target, connections: r.connections, rps: Math.round(r.load!.rps) })), {
        width: 520,
        height: 300,
        mark: { type: 'line', point: { size: 60 }, strokeWidth: 2 },
        encoding: {
          x: { field: 'connections', type: 'quantitative', scale: { type: 'log' }, axis: { values: res.options.connections as number[], format: 'd' }, title: 'concurrent connections' },
          y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
          color: colour(res),
          tooltip: [{ field: 'target' }, { field: 'connections' }, { field: 'rps', format: ',' }],
        },
      }),
    });

    const lat: Row[] = [];
    for (const r of hello) {
      const l = r.load!.latencyMs;
      if (!l) continue;
      for (const p of ['p50', 'p90', 'p99'] as const) if (l[p] > 0) lat.push({ target: r.target, connections: `${r.connections} conns`, c: r.connections, percentile: p, ms: l[p] });
    }
    if (lat.length) {
      charts.push({
        name: 'latency',
        title: 'Latency percentiles (hello)',
        caption: 'p50, p90 and p99 latency of the hello requests at each connection count (log scale). A server with no bar answered none.',
        spec: spec('Latency percentiles — hello', lat, {
          facet: { column: { field: 'connections', type: 'ordinal', sort: { field: 'c' }, title: null } },
          spec: {
            width: { step: 14 },
            height: 260,
            mark: 'bar',
            encoding: {
              x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
              xOffset: { field: 'percentile', sort: ['p50', 'p90', 'p99'] },
              y: logBars(lat, 'ms', 'latency (ms, log)'),
              color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99'], scale: { domain: ['p50', 'p90', 'p99'], range: ['#9ecae9', '#4c78a8', '#1f3b5a'] } },
              tooltip: [{ field: 'target' }, { field: 'connections' }, { field: 'percentile' }, { field: 'ms', format: '.3f' }],
            },
          },
        }),
      });
    }
  }

  // CPU per request, user vs kernel mode, per scenario (each panel its own scale: 5 ms handlers dwarf 10 µs hellos).
  const cpuRows: Row[] = [];
  const cpuScenarios: string[] = [];
  for (const r of runs) {
    const c = r.server?.cpuPerRequestUs;
    if (!c || r.scenario === 'idle-conns' || (r.scenario === 'hello' && r.connections !== mid)) continue;
    const label = r.scenario === 'hello' ? `hello ×${mid}` : r.scenario;
    if (!cpuScenarios.includes(label)) cpuScenarios.push(label);
    cpuRows.push({ target: r.target, scenario: label, mode: 'user', us: c.user }, { target: r.target, scenario: label, mode: 'kernel', us: c.kernel });
  }
  if (cpuRows.length) {
    charts.push({
      name: 'cpu',
      title: 'Server CPU per request: user and kernel mode',
      caption: "Microseconds of the server's CPU (its whole process tree, from /proc) per request answered, split into user mode and kernel mode. Each panel has its own scale.",
      spec: spec('Server CPU per request — user vs kernel mode', cpuRows, {
        facet: { column: { field: 'scenario', type: 'nominal', sort: cpuScenarios, title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: { step: 18 },
          height: 240,
          mark: 'bar',
          encoding: {
            x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
            y: { field: 'us', type: 'quantitative', stack: 'zero', title: 'µs per request' },
            color: { field: 'mode', type: 'nominal', sort: ['user', 'kernel'], scale: { domain: ['user', 'kernel'], range: ['#4c78a8', '#e45756'] }, title: 'CPU mode' },
            order: { field: 'mode', sort: 'descending' },
            tooltip: [{ field: 'target' }, { field: 'scenario' }, { field: 'mode' }, { field: 'us', format: '.2f' }],
          },
        },
      }),
    });
  }

  const idle = runs.filter((r) => r.idle && r.idle.held > 0 && r.idle.kbPerConnection !== null);
  if (idle.length) {
    charts.push({
      name: 'memory',
      title: 'Memory per idle keep-alive connection',
      caption: 'Growth of the server tree\'s resident memory divided by the idle keep-alive connections it held (the label says how many). Symmetric-log scale.',
      spec: spec(
        'Memory per idle keep-alive connection',
        idle.map((r) => ({ target: r.target, kb: Math.max(0, r.idle!.kbPerConnection!), held: `${r.idle!.held.toLocaleString('en-US')} held` })),
        {
          width: { step: 48 },
          height: 260,
          layer: [
            { mark: 'bar', encoding: { color: colour(res) } },
            { mark: { type: 'text', dy: -8, fontSize: 10 }, encoding: { text: { field: 'held' } } },
          ],
          encoding: {
            x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
            y: { field: 'kb', type: 'quantitative', scale: { type: 'symlog' }, title: 'KB of RSS per connection' },
            tooltip: [{ field: 'target' }, { field: 'kb', format: '.2f' }, { field: 'held' }],
          },
        },
      ),
    });
  }

  const sw: Row[] = [];
  const swScenarios: string[] = [];
  for (const r of runs) {
    const s = r.server?.contextSwitchesPerRequest;
    if (!s || !((r.scenario === 'hello' && r.connections === mid) || r.scenario === 'close' || r.scenario === 'cpu-handler')) continue;
    const label = r.scenario === 'hello' ? `hello ×${mid}` : r.scenario;
    if (!swScenarios.includes(label)) swScenarios.push(label);
    sw.push({ target: r.target, scenario: label, kind: 'voluntary', n: s.voluntary }, { target: r.target, scenario: label, kind: 'involuntary', n: s.involuntary });
  }
  if (sw.length) {
    charts.push({
      name: 'context-switches',
      title: 'Context switches per request',
      caption: 'Voluntary (the thread blocked: waited for I/O) and involuntary (preempted) context switches of the server tree per request, from /proc/PID/task/*/status.',
      spec: spec('Context switches per request', sw, {
        facet: { column: { field: 'scenario', type: 'nominal', sort: swScenarios, title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: { step: 18 },
          height: 220,
          mark: 'bar',
          encoding: {
            x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
            y: { field: 'n', type: 'quantitative', stack: 'zero', title: 'switches per request' },
            color: { field: 'kind', type: 'nominal', sort: ['voluntary', 'involuntary'], scale: { range: ['#72b7b2', '#f58518'] }, title: null },
            tooltip: [{ field: 'target' }, { field: 'scenario' }, { field: 'kind' }, { field: 'n', format: '.3f' }],
          },
        },
      }),
    });
  }

  const slow = runs.filter((r) => r.scenario === 'slow-client' && r.load);
  if (slow.length) {
    const rows: Row[] = [];
    for (const r of slow) {
      const base = runs.find((x) => x.target === r.target && x.scenario === 'hello' && x.connections === r.connections);
      const n = r.slow?.clients ?? 0;
      if (base?.load) rows.push({ target: r.target, condition: 'alone', rps: Math.round(base.load.rps) });
      rows.push({ target: r.target, condition: `beside ${n} slow clients`, rps: Math.round(r.load!.rps) });
    }
    const conditions = [...new Set(rows.map((x) => String(x.condition)))].sort((a) => (a === 'alone' ? -1 : 1));
    charts.push({
      name: 'slow-client',
      title: 'Normal clients beside slow clients',
      caption: `Requests per second for ${slow[0]!.connections} normal keep-alive clients, alone and while slow clients trickle their request headers.`,
      spec: spec('Normal clients beside slow clients', rows, {
        width: { step: 22 },
        height: 260,
        mark: 'bar',
        encoding: {
          x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
          xOffset: { field: 'condition', sort: conditions },
          y: { field: 'rps', type: 'quantitative', title: 'requests/s (normal clients)' },
          color: { field: 'condition', type: 'nominal', sort: conditions, scale: { domain: conditions, range: ['#9ecae9', '#e45756'] }, title: null },
          tooltip: [{ field: 'target' }, { field: 'condition' }, { field: 'rps', format: ',' }],
        },
      }),
    });
  }

  const cpuH = runs.filter((r) => r.scenario === 'cpu-handler' && r.probe?.latencyMs);
  if (cpuH.length) {
    const rows: Row[] = [];
    for (const r of cpuH) for (const p of ['p50', 'p99', 'max'] as const) if (r.probe!.latencyMs![p] > 0) rows.push({ target: r.target, percentile: p, ms: r.probe!.latencyMs![p] });
    charts.push({
      name: 'cpu-handler',
      title: 'A light request beside 5 ms handlers',
      caption: 'Latency of a 13-byte request on its own connection while other connections ask for a handler that burns 5 ms of CPU (log scale). A server with no bar never answered it.',
      spec: spec('A 13-byte request beside CPU-burning handlers', rows, {
        width: { step: 18 },
        height: 260,
        mark: 'bar',
        encoding: {
          x: { field: 'target', type: 'nominal', sort: order, title: null, axis: { labelAngle: -35 } },
          xOffset: { field: 'percentile', sort: ['p50', 'p99', 'max'] },
          y: logBars(rows, 'ms', 'latency (ms, log)'),
          color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p99', 'max'], scale: { domain: ['p50', 'p99', 'max'], range: ['#fdae6b', '#e6550d', '#7f2704'] } },
          tooltip: [{ field: 'target' }, { field: 'percentile' }, { field: 'ms', format: '.3f' }],
        },
      }),
    });
  }

  // One chart per target, for docs/models.md: what it achieved in each scenario.
  for (const t of res.targets) {
    const mine = runs.filter((r) => r.target === t.id && r.load);
    if (mine.length === 0) continue;
    const scenarioLabels = mine.map((r) => (r.scenario === 'hello' ? `hello ×${r.connections}` : r.scenario));
    const rows: Row[] = mine
      .map((r, i) => ({ scenario: scenarioLabels[i]!, rps: Math.round(r.load!.rps), label: r.server?.cpuPerRequestUs ? `${r.server.cpuPerRequestUs.total.toFixed(1)} µs CPU/req` : '' }))
      .filter((r) => r.rps > 0);
    if (rows.length === 0) continue;
    charts.push({
      name: `model-${slug(t.id)}`,
      title: `${t.id}: requests/s per scenario`,
      caption: `${t.id}: requests per second in each scenario of this run (log scale), labelled with the server CPU per request. A scenario with no bar got no answer.`,
      spec: spec(`${t.id} — requests/s per scenario`, rows, {
        width: 420,
        height: { step: 20 },
        encoding: {
          y: { field: 'scenario', type: 'nominal', sort: scenarioLabels, title: null },
          x: logBars(rows, 'rps', 'requests/s (log)'),
          tooltip: [{ field: 'scenario' }, { field: 'rps', format: ',' }, { field: 'label', title: 'CPU' }],
        },
        layer: [
          { mark: { type: 'bar', color: '#4c78a8' } },
          { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { text: { field: 'label' } } },
        ],
      }),
    });
  }
  return charts;
}

export function slug(s: string): string {
  return s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

export async function renderChart(chart: Chart): Promise<RenderedChart> {
  const compiled = vl.compile(chart.spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return { ...chart, svg, png: Buffer.from(png) };
}
