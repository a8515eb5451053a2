// The benchmark lab: `fourfold bench` as a user runs it (tiny runs: one
// model, one scenario, 1 s), checked for the shape and the consistency of its
// figures, never for speed. Plus: the report renders its charts in a real
// browser, Ctrl-C leaves no process behind, and a verdict follows the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, CLI } from './helpers/server.mjs';
import { processTree, snapshotTree, cpuBetween } from '../dist/lab/proc.js';
import { computeVerdicts } from '../dist/lab/verdicts.js';

const CHROMIUM = '/usr/bin/chromium';
const hasWrk = spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
const outDirs = [];
const tmpOut = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'fourfold-lab-test-'));
  outDirs.push(d);
  return d;
};
test.after(() => {
  for (const d of outDirs) if (!process.env.FOURFOLD_KEEP_LAB_OUTPUT) rmSync(d, { recursive: true, force: true });
});

/** Run `fourfold bench …` to completion; resolves with its exit code, stdout and stderr. */
function bench(args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'bench', '--no-progress', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`bench did not finish in ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The checks every tiny run must pass: shape, non-zero figures, and client count = server count. */
function checkRun(results, { model, connections, client }) {
  assert.equal(results.schema, 'fourfold-bench/1');
  for (const k of ['cpuModel', 'cores', 'kernel', 'node']) assert.ok(results.machine[k], `machine.${k}`);
  assert.equal(results.machine.node, process.version);
  assert.ok('wrk' in results.tools && 'nginx' in results.tools);
  assert.match(results.command, /^fourfold bench /);
  assert.equal(results.client.name, client);
  assert.deepEqual(
    results.targets.map((t) => t.id),
    [model],
  );
  assert.equal(results.targets[0].error, null);
  assert.ok(results.notMeasured.every((n) => n.reason));

  assert.equal(results.runs.length, 1);
  const run = results.runs[0];
  assert.equal(run.error, null);
  assert.equal(run.scenario, 'hello');
  assert.equal(run.connections, connections);
  const l = run.load;
  assert.ok(l.requests > 0, 'requests answered');
  assert.ok(l.rps > 0 && l.durationS > 0);
  assert.ok(Math.abs(l.rps - l.requests / l.durationS) < 1e-6 * l.rps + 1e-9, 'rps = requests / duration');
  assert.ok(l.latencyMs.p50 <= l.latencyMs.p90 && l.latencyMs.p90 <= l.latencyMs.p99 && l.latencyMs.p99 <= l.latencyMs.max, 'percentiles in order');
  assert.ok(l.latencyMs.max > 0);

  const s = run.server;
  assert.ok(s.cpuUs.user + s.cpuUs.kernel > 0, 'the server used CPU');
  const per = s.cpuPerRequestUs;
  assert.ok(per.total > 0);
  assert.ok(Math.abs(per.user + per.kernel - per.total) < 1e-6 * per.total);
  assert.ok(Math.abs(per.total * l.requests - (s.cpuUs.user + s.cpuUs.kernel)) < 1e-6 * (s.cpuUs.user + s.cpuUs.kernel), 'per request = total / requests');
  assert.ok(s.rssKb.after > 1000 && s.rssKb.peak >= s.rssKb.after);
  assert.ok(s.processes.after >= 1 && s.threads.after >= s.processes.after);
  assert.ok(s.kernelQueues === null || s.kernelQueues.acceptedPeak >= 1);
  // From the server's own counters (its status page): every request needs at least a recv and a send.
  const sc = s.syscallsPerRequest;
  assert.equal(typeof sc, 'object');
  assert.ok(sc !== null, 'the lab read the server\'s syscall counters');
  assert.ok(sc.recv >= 0.5 && (sc.send ?? 0) + (sc.sendmsg ?? 0) >= 0.5, JSON.stringify(sc));
  const total = Object.values(sc).reduce((a, b) => a + b, 0);
  assert.ok(total > 1 && total < 100, `syscalls per request ${total}`);

  // The server's own count (its access log, --count-requests) against the client's: every
  // response the client counted was logged; the server may also have answered up to one
  // request per connection that was still in flight when the client stopped counting.
  assert.equal(typeof s.requestsLogged, 'number');
  assert.ok(s.requestsLogged >= l.requests, `server logged ${s.requestsLogged} < client counted ${l.requests}`);
  assert.ok(s.requestsLogged <= l.requests + connections, `server logged ${s.requestsLogged} > client ${l.requests} + ${connections} in flight`);

  assert.equal(results.verdicts.length, 7);
  for (const v of results.verdicts) {
    assert.ok(['supports', 'contradicts', 'mixed', 'inconclusive', 'not measured'].includes(v.verdict));
    assert.ok(v.quote.length > 10 && v.sentence.length > 10);
  }
}

function checkFiles(dir) {
  for (const f of ['results.json', 'report.html', 'summary.md', 'charts/throughput.svg', 'charts/throughput.png', 'charts/cpu.svg', 'charts/cpu.png']) {
    assert.ok(existsSync(path.join(dir, f)), `${f} written`);
    assert.ok(statSync(path.join(dir, f)).size > 100, `${f} not empty`);
  }
  const png = readFileSync(path.join(dir, 'charts/cpu.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.match(readFileSync(path.join(dir, 'charts/cpu.svg'), 'utf8'), /^<svg/);
  assert.match(readFileSync(path.join(dir, 'summary.md'), 'utf8'), /\| target \| scenario \|/);
}

let wrkOut = null;

test('bench with autocannon: iterative, hello, 1 connection, 1 s — figures consistent with the server log', { timeout: 60_000 }, async () => {
  const out = tmpOut();
  const r = await bench(['--models', 'iterative', '--scenarios', 'hello', '--connections', '1', '--duration', '1s', '--client', 'autocannon', '--count-requests', '--json', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const results = JSON.parse(r.out);
  checkRun(results, { model: 'iterative', connections: 1, client: 'autocannon' });
  assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')), results, '--json prints results.json');
  checkFiles(out);
});

test('bench with wrk: event-loop, hello, 4 connections, 1 s — figures consistent with the server log', { skip: hasWrk ? false : 'wrk is not installed', timeout: 60_000 }, async () => {
  const out = tmpOut();
  const r = await bench(['--models', 'event-loop', '--scenarios', 'hello', '--connections', '4', '--duration', '1s', '--client', 'wrk', '--count-requests', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  checkRun(results, { model: 'event-loop', connections: 4, client: 'wrk' });
  assert.equal(results.client.latencyResolutionMs, 0.001);
  // Without --json, stdout is the markdown summary.
  assert.match(r.out, /^# fourfold bench/);
  assert.match(r.out, /\| event-loop \| hello \| 4 \|/);
  checkFiles(out);
  wrkOut = out;
});

test('report.html renders its charts in Chromium', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`, timeout: 60_000 }, async (t) => {
  let out = wrkOut;
  if (out === null) {
    out = tmpOut();
    const r = await bench(['--models', 'event-loop', '--scenarios', 'hello', '--connections', '2', '--duration', '1s', '--out', out]);
    assert.equal(r.code, 0, r.err);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`file://${path.join(out, 'report.html')}`);
  const charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg ? svg.querySelectorAll('path, line, text').length : 0 };
    }),
  );
  assert.ok(charts.length >= 3, `charts on the page: ${JSON.stringify(charts)}`);
  for (const c of charts) {
    assert.ok(c.width > 100 && c.height > 50, `${c.id} has a size: ${c.width}×${c.height}`);
    assert.ok(c.marks > 10, `${c.id} has drawn marks`);
  }
  assert.ok(charts.some((c) => c.id === 'chart-throughput'));
  const claims = await page.$$eval('li.claim', (els) => els.length);
  assert.equal(claims, 7);
  await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
  assert.ok(statSync(path.join(out, 'report.png')).size > 10_000);
  assert.deepEqual(problems, []);
});

test('Ctrl-C: bench stops every process it started and exits non-zero', { timeout: 60_000 }, async () => {
  const out = tmpOut();
  const p = spawn(process.execPath, [CLI, 'bench', '--models', 'event-loop', '--scenarios', 'hello', '--connections', '2', '--duration', '20s', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  // Wait until the measurement runs: the server and the load generator are up.
  const seen = new Set();
  const deadline = Date.now() + 30_000;
  while (!/hello · 2 conns/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.match(err, /hello · 2 conns/, err);
  await new Promise((r) => setTimeout(r, 700));
  for (const pid of processTree(p.pid)) seen.add(pid);
  assert.ok(seen.size >= 3, `bench, a server and a load generator are running: ${[...seen]}`);
  p.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, err);
  await new Promise((r) => setTimeout(r, 200));
  const alive = [...seen].filter((pid) => existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  assert.deepEqual(alive, [], 'no process outlives the bench');
  assert.ok(!existsSync(path.join(out, 'results.json')), 'an interrupted run writes no results');
});

test('bad usage exits 2 with a message', async () => {
  const r = await bench(['--models', 'no-such-model', '--out', tmpOut()]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown model 'no-such-model'/);
  const s = await bench(['--scenarios', 'nope', '--out', tmpOut()]);
  assert.equal(s.code, 2);
  assert.match(s.err, /unknown scenario 'nope'/);
});

test('/proc sampler: CPU of a child that exited during the run is counted (through cutime)', async () => {
  // A parent that starts a child burning 300 ms of CPU (CPU, not wall time: on a loaded machine
  // 300 ms of wall time can be much less CPU), waits for it, then idles.
  const burn = 'const c = process.cpuUsage(); for (;;) { const u = process.cpuUsage(c); if (u.user + u.system >= 300000) break; }';
  const script = `const { spawnSync } = require('node:child_process');
setTimeout(() => { spawnSync(process.execPath, ['-e', ${JSON.stringify(burn)}]); process.stdout.write('done\\n'); setTimeout(() => {}, 5000); }, 300);`;
  const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((r) => setTimeout(r, 150));
    const before = snapshotTree(p.pid);
    await new Promise((resolve) => p.stdout.once('data', resolve));
    const after = snapshotTree(p.pid);
    const cpu = cpuBetween(before, after);
    assert.ok(cpu.userUs + cpu.kernelUs >= 200_000, `child CPU counted: ${JSON.stringify(cpu)}`);
    assert.equal(after.processes, 1, 'the child has exited');
  } finally {
    p.kill('SIGKILL');
  }
});

test('verdicts follow the data: an event loop that starves beside slow clients contradicts the claim', () => {
  const target = (id, model) => ({ id, kind: 'model', model, summary: '', command: [], startMs: 1, error: null, skipped: {} });
  const run = (t, scenario, connections, rps) => ({ target: t, scenario, connections, durationMs: 1000, load: { rps, requests: rps, latencyMs: null, errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 } }, probe: null, slow: { clients: 8 }, idle: null, server: null, error: null, notes: [] });
  const input = (slowRps) => ({
    runs: [run('event-loop', 'hello', 50, 40_000), run('event-loop', 'slow-client', 50, slowRps)],
    targets: [target('event-loop', 'event-loop')],
    notMeasured: [{ id: 'prefork', summary: '', reason: 'not built yet' }, { id: 'threadpool', summary: '', reason: 'not built yet' }],
    connections: [1, 50, 500],
    standardConnections: 50,
    slowClients: 8,
    burnMs: 5,
  });
  const bad = computeVerdicts(input(100)).find((v) => v.id === 'slow-clients');
  assert.equal(bad.verdict, 'contradicts');
  assert.match(bad.sentence, /event-loop 100 req\/s/);
  assert.match(bad.sentence, /contradicts the claim/);
  const good = computeVerdicts(input(39_000)).find((v) => v.id === 'slow-clients');
  assert.equal(good.verdict, 'supports');
  assert.match(good.sentence, /39,000 req\/s/);
  assert.match(good.sentence, /prefork and threadpool are not built yet/);
});
