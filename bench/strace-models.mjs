#!/usr/bin/env node
// System calls per request, per model, counted by strace: for docs/models.md.
// Each model is started through the CLI with the lab's handler; strace -f -c
// attaches to its whole process tree once it listens (so start-up is not
// counted), wrk sends 13-byte hello requests for a few seconds — once on one
// keep-alive connection, once with Connection: close — and the counts are
// divided by the requests wrk completed. Under strace every syscall traps, so
// the rate is low: only the counts mean something here.
//
//   node bench/strace-models.mjs [--models "iterative,event-loop,event-loop --poller poll"] [--duration 3]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { processTree } from '../dist/lab/proc.js';
import { availableModels } from '../dist/lab/models.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { models: { type: 'string' }, duration: { type: 'string', default: '3' }, top: { type: 'string', default: '12' } } });
for (const tool of ['strace', 'wrk']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.error(`strace-models needs ${tool}`);
    process.exit(2);
  }
}
const defaults = availableModels()
  .filter((m) => m.available)
  .map((m) => m.name);
if (defaults.includes('event-loop')) defaults.push('event-loop --poller poll', 'event-loop --poller select', 'event-loop --workers 2');
const specs = opt.models ? opt.models.split(',').map((s) => s.trim()) : defaults;

const dir = mkdtempSync(path.join(tmpdir(), 'fourfold-strace-'));
const site = path.join(dir, 'site');
execFileSync('mkdir', ['-p', site]);
writeFileSync(path.join(site, 'index.html'), 'Hello, World!');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(spec) {
  const [name, ...extra] = spec.split(/\s+/);
  const argv = [path.join(ROOT, 'dist/cli/main.js'), 'serve', site, '--model', name, ...extra, '--port', '0', '--app', path.join(ROOT, 'dist/lab/fixtures/lab-app.js'), '--log', 'off', '--quiet'];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1] });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${spec} exited (${code}): ${out}`)));
  });
}

/** strace -c's table: { syscall: calls }. */
function parseSummary(text) {
  const calls = {};
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // % time, seconds, usecs/call, calls, [errors], syscall
    if (f.length >= 5 && /^\d+\.\d+$/.test(f[0]) && /^\d+$/.test(f[3])) calls[f[f.length - 1]] = Number(f[3]);
  }
  delete calls.total;
  return calls;
}

async function trace(spec, headers) {
  const { proc, url } = await start(spec);
  await sleep(300);
  const out = path.join(dir, 'strace.txt');
  const pids = processTree(proc.pid).flatMap((p) => ['-p', String(p)]);
  const st = spawn('strace', ['-f', '-c', '-o', out, ...pids], { stdio: ['ignore', 'ignore', 'pipe'] });
  await sleep(800); // attached
  const wrk = execFileSync('wrk', ['-t1', '-c1', `-d${opt.duration}s`, ...headers, `${url}/`], { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(wrk)?.[1] ?? 0);
  st.kill('SIGINT');
  await new Promise((r) => st.once('exit', r));
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  const calls = parseSummary(readFileSync(out, 'utf8'));
  return { requests, calls };
}

const results = [];
for (const spec of specs) {
  process.stderr.write(`strace: ${spec}…\n`);
  const keep = await trace(spec, []);
  const close = await trace(spec, ['-H', 'Connection: close']);
  results.push({ spec, keep, close });
}
rmSync(dir, { recursive: true, force: true });

const per = (r, name) => (r.requests > 0 && r.calls[name] ? r.calls[name] / r.requests : 0);
const fmt = (n) => (n === 0 ? '' : n >= 10 ? n.toFixed(0) : n >= 0.1 ? n.toFixed(2) : n >= 0.001 ? n.toFixed(3) : '<0.001');
console.log(`<!-- node bench/strace-models.mjs --duration ${opt.duration}; ${new Date().toISOString().slice(0, 10)}, Node ${process.version} -->`);
for (const r of results) {
  const names = [...new Set([...Object.keys(r.keep.calls), ...Object.keys(r.close.calls)])];
  names.sort((a, b) => per(r.keep, b) + per(r.close, b) - (per(r.keep, a) + per(r.close, a)));
  const total = (x) => Object.values(x.calls).reduce((a, b) => a + b, 0) / Math.max(1, x.requests);
  console.log(`\n#### \`${r.spec}\`\n`);
  console.log(`${r.keep.requests} keep-alive requests, ${r.close.requests} with \`Connection: close\`; all syscalls per request: **${fmt(total(r.keep))}** keep-alive, **${fmt(total(r.close))}** close.\n`);
  console.log('| syscall | per request, keep-alive | per request, close |');
  console.log('|---|---|---|');
  for (const n of names.slice(0, Number(opt.top))) console.log(`| \`${n}\` | ${fmt(per(r.keep, n))} | ${fmt(per(r.close, n))} |`);
}
