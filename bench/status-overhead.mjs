#!/usr/bin/env node
// What the status page costs the hot path: the hello benchmark of
// bench/peers.mjs (native handler, 50 connections, wrk -t1 pinned to CPU 1,
// the server to CPU 0), for fourfold with and without --status-path, and with
// somebody watching the page (the workers then record every system call).
// Rounds are interleaved so that drift of the machine hits every variant
// alike; the median of the rounds is printed, as requests/s and as the
// server's CPU time per request (user + kernel, from /proc) — the steadier
// figure when other work shares the machine.
//
//   node bench/status-overhead.mjs [--duration 5] [--rounds 3] [--base /path/to/another/build] [--model event-loop]
//
// --base: a checkout of another commit, built (its dist/ is run as "base").
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { snapshotTree, cpuBetween, cpuPerRequest } from '../dist/lab/proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, base: { type: 'string' }, model: { type: 'string', default: 'event-loop' } } });
const site = mkdtempSync(path.join(tmpdir(), 'fourfold-status-bench-'));
writeFileSync(path.join(site, 'index.html'), 'Hello, World!');
const pin = (cpu, argv) => ['taskset', '-c', String(cpu), ...argv];
const APP = path.join(ROOT, 'bench/apps/hello-native.mjs');

const variants = [
  ...(opt.base ? [{ name: 'base (other build)', root: opt.base, args: [] }] : []),
  { name: 'no status page', root: ROOT, args: [] },
  { name: '--status-path (nobody watching)', root: ROOT, args: ['--status-path', '/server-status'] },
  { name: '--status-path, page open (recording)', root: ROOT, args: ['--status-path', '/server-status'], watch: true },
];

let port = 19000 + Math.floor(Math.random() * 500);
const get = (p, target) =>
  new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: p, path: target, agent: false, headers: { connection: 'close' } }, (r) => (r.resume(), r.on('end', resolve))).on('error', resolve);
  });

async function measure(v) {
  const p = port++;
  const argv = pin(0, [process.execPath, path.join(v.root, 'dist/cli/main.js'), 'serve', '--model', opt.model, '--port', String(p), '--log', 'off', '--quiet', '--app', path.join(v.root, 'bench/apps/hello-native.mjs'), ...v.args, site]);
  const proc = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (await new Promise((resolve) => http.get({ host: '127.0.0.1', port: p, path: '/', agent: false }, (r) => (r.resume(), resolve(true))).on('error', () => resolve(false)))) break;
    }
    // Somebody watching: one look at the page keeps the workers recording for 10 s; look again meanwhile.
    const looking = v.watch ? setInterval(() => void get(p, '/server-status?format=json&watch=1'), 2000) : null;
    if (v.watch) await get(p, '/server-status?format=json&watch=1');
    const wrk = (d) => execFileSync('taskset', ['-c', '1', 'wrk', '-t1', '-c50', `-d${d}s`, `http://127.0.0.1:${p}/`], { encoding: 'utf8' });
    wrk(1); // warm-up
    const before = snapshotTree(proc.pid);
    const text = wrk(opt.duration);
    const after = snapshotTree(proc.pid);
    if (looking) clearInterval(looking);
    const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
    const cpu = cpuPerRequest(cpuBetween(before, after), requests);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0), cpu: cpu.user + cpu.kernel };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

const results = new Map(variants.map((v) => [v.name, []]));
console.log(`status-overhead: ${opt.model}, hello (native handler), wrk -t1 -c50, ${opt.duration} s × ${opt.rounds} rounds, server on CPU 0, wrk on CPU 1; load average ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')}`);
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const v of variants) results.get(v.name).push(await measure(v));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ref = results.get(variants[0].name);
const refRps = median(ref.map((x) => x.rps));
const refCpu = median(ref.map((x) => x.cpu));
for (const v of variants) {
  const xs = results.get(v.name);
  const rps = median(xs.map((x) => x.rps));
  const cpu = median(xs.map((x) => x.cpu));
  console.log(
    `  ${v.name.padEnd(40)} ${String(Math.round(rps)).padStart(7)} req/s (${(rps / refRps).toFixed(2)}×)   ${cpu.toFixed(2).padStart(6)} µs CPU/req (${(cpu / refCpu).toFixed(2)}×)   runs: ${xs.map((x) => `${Math.round(x.rps)}/${x.cpu.toFixed(1)}`).join(', ')}`,
  );
}
