// `fourfold bench [options]`: run every available model (and, with --peers,
// node:http and nginx) through the lab's scenarios, write results.json,
// report.html, summary.md and the charts, and print the summary.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { UsageError } from '../serve.js';
import { parseDuration, parseInteger } from './units.js';
import type { BenchOptions } from '../lab/run.js';
import { SCENARIOS } from '../lab/scenarios.js';
import { availableModels } from '../lab/models.js';
import type { ClientChoice } from '../lab/load/index.js';

export const BENCH_HELP = `Usage: fourfold bench [options]

Start each concurrency model as a real server on 127.0.0.1, run the lab's
scenarios against it, and judge the lecture's claims by the figures.

Options
  --models <list>        comma-separated; a model may carry serve flags, e.g.
                         "iterative,event-loop,event-loop --workers 2"
                         (default: every available model, plus a --workers N
                         variant of each model that takes --workers)
${availableModels().map((m) => `                           ${m.name.padEnd(11)} ${m.available ? 'available' : 'not built yet'}`).join('\n')}
  --scenarios <list>     comma-separated (default: all)
${SCENARIOS.map((s) => `                           ${s.name.padEnd(12)} ${s.summary}`).join('\n')}
  --duration <dur>       per measurement (default: 5s; --quick: 2s or 1s to fit ~2.5 minutes)
  --connections <list>   the hello sweep (default: 1,50,500); other scenarios use the middle one
  --quick                short measurements: the whole run in under 3 minutes
  --out <dir>            output directory (default: bench-results/<timestamp>)
  --client <name>        auto | wrk | autocannon (default: auto = wrk when installed)
  --peers                also measure node:http and nginx (when installed) as reference rows
  --workers <n>          N of the --workers variants (default: cores, at least 2)
  --idle <n>             idle-conns: connections to open (default: 10000)
  --slow <n>             slow-client: slow clients (default: 8)
  --max-rss <mb>         idle-conns: stop opening connections past this server RSS (default: 4096)
  --count-requests       servers log every response and the lab checks the count
                         against the client's (slower: for tests)
  --no-pin               do not pin server and client to different CPUs
  --json                 print results.json to stdout instead of the summary
  --no-progress          no progress output on stderr
  -h, --help             this help

Outputs in --out: results.json, report.html, summary.md, charts/*.svg and *.png.
Exit codes: 0 done, 1 a failure, 2 bad usage, 130/143 interrupted (every process it started is stopped).`;

const OPTIONS = {
  models: { type: 'string' },
  scenarios: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  client: { type: 'string' },
  peers: { type: 'boolean' },
  workers: { type: 'string' },
  idle: { type: 'string' },
  slow: { type: 'string' },
  'max-rss': { type: 'string' },
  'count-requests': { type: 'boolean' },
  'no-pin': { type: 'boolean' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const list = (s: string | undefined) => (s === undefined ? null : s.split(',').map((x) => x.trim()).filter(Boolean));

export function parseBenchArgs(argv: string[]): (BenchOptions & { out: string | null; json: boolean }) | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError(((e as Error).message.split('\n')[0] ?? 'bad arguments').replace(/\. To specify.*$/, ''));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  try {
    const client = (v.client ?? 'auto') as ClientChoice;
    if (!['auto', 'wrk', 'autocannon'].includes(client)) throw new RangeError(`--client must be auto, wrk or autocannon, got '${v.client}'`);
    const connections = (list(v.connections) ?? ['1', '50', '500']).map((c) => parseInteger('connections', c, 1, 20000));
    if (connections.length === 0) throw new RangeError('--connections needs at least one number');
    const durationMs = v.duration === undefined ? null : parseDuration('duration', v.duration);
    if (durationMs !== null && durationMs < 1000) throw new RangeError('--duration must be at least 1s (wrk measures in whole seconds)');
    return {
      models: list(v.models),
      scenarios: list(v.scenarios),
      durationMs,
      connections: [...new Set(connections)].sort((a, b) => a - b),
      quick: v.quick ?? false,
      client,
      peers: v.peers ?? false,
      pin: !(v['no-pin'] ?? false),
      workers: v.workers === undefined ? Math.max(2, availableParallelism()) : parseInteger('workers', v.workers, 2, 1024),
      idleConnections: v.idle === undefined ? 10_000 : parseInteger('idle', v.idle, 1, 100_000),
      slowClients: v.slow === undefined ? 8 : parseInteger('slow', v.slow, 1, 10_000),
      maxRssMb: v['max-rss'] === undefined ? 4096 : parseInteger('max-rss', v['max-rss'], 16, 1_000_000),
      countRequests: v['count-requests'] ?? false,
      progress: !(v['no-progress'] ?? false),
      command: ['fourfold', 'bench', ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' '),
      out: v.out ?? null,
      json: v.json ?? false,
    };
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

const stamp = (d: Date) => d.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');

export async function benchCommand(argv: string[]): Promise<number> {
  const o = parseBenchArgs(argv);
  if (o === 'help') {
    process.stdout.write(BENCH_HELP + '\n');
    return 0;
  }
  // Loaded here, not at the top: `fourfold serve` imports this module too and must not pay for Vega.
  const { runBench } = await import('../lab/run.js');
  const { writeReport } = await import('../lab/report/index.js');
  let results;
  try {
    results = await runBench(o);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message); // an unknown model or scenario
    throw e;
  }
  const dir = path.resolve(o.out ?? path.join('bench-results', stamp(new Date(results.startedAt))));
  const report = await writeReport(results, dir);
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else process.stdout.write(`${report.summary}\nWritten to ${dir}: results.json, report.html, summary.md, charts/ (${report.charts.length} charts, SVG and PNG)\n`);
  // A run where a server did not start or a measurement failed still writes its report, but is not green.
  const failures = results.targets.filter((t) => t.error !== null).length + results.runs.filter((r) => r.error !== null).length;
  if (failures > 0) process.stderr.write(`fourfold bench: ${failures} measurement(s) failed; see the report\n`);
  return failures > 0 ? 1 : 0;
}
