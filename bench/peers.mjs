#!/usr/bin/env node
// npm run bench:peers — the same load, in the same run, against fourfold's
// event loop and its peers: node:http, @hono/node-server and nginx (when
// installed). wrk is the client. On a 2-core machine the server is pinned to
// CPU 0 and wrk to CPU 1 (taskset), since unpinned figures swing by 25%.
//
//   node bench/peers.mjs [--duration 5] [--runs 3] [--only hello,static-4k,…]
//                        [--workers] [--baseline <checkout>]
//
// Prints requests/s and the server's CPU per request split into user and
// kernel mode (its whole process tree, from /proc: the lab's sampler,
// dist/lab/proc.js), each the median of the runs, p99 latency and errors per
// server. The runs are interleaved — every server of a scenario is up at
// once, and round after round each gets one run in turn — so a drift of the
// machine (another tenant, a thermal step) hits all of them alike instead of
// whichever ran last. --baseline adds another build of fourfold (a checkout
// with its dist/ built) beside this one: the before/after of a change.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { snapshotTree, cpuBetween, cpuPerRequest } from '../dist/lab/proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OPTIONS = {
  duration: { type: 'string', default: '5' },
  runs: { type: 'string', default: '3' },
  only: { type: 'string' },
  workers: { type: 'boolean', default: false },
  baseline: { type: 'string' },
};
const opt = (() => {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (e) {
    console.error(`bench:peers: ${e.message}`);
    process.exit(2);
  }
})();
const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!has('wrk')) {
  console.error('bench:peers needs wrk (Debian: apt-get install wrk)');
  process.exit(2);
}
const cores = availableParallelism();
const pin = (cpu, argv) => (has('taskset') && cores >= 2 ? ['taskset', '-c', String(cpu), ...argv] : argv);

// The files every static server serves.
const site = mkdtempSync(path.join(tmpdir(), 'fourfold-bench-'));
writeFileSync(path.join(site, 'file4k.bin'), Buffer.alloc(4096, 'a'));
writeFileSync(path.join(site, 'file1m.bin'), Buffer.alloc(1 << 20, 'b'));
writeFileSync(path.join(site, 'index.html'), 'Hello, World!');

const node = process.execPath;
const cli = path.join(ROOT, 'dist/cli/main.js');
const fourfold = (port, ...args) => [node, cli, 'serve', '--port', String(port), '--log', 'off', '--quiet', ...args];
const baselineCli = opt.baseline ? path.resolve(opt.baseline, 'dist/cli/main.js') : null;
if (baselineCli && !existsSync(baselineCli)) {
  console.error(`bench:peers: --baseline ${opt.baseline} has no dist/cli/main.js (run npm run build there)`);
  process.exit(2);
}
const baseline = (port, ...args) => [node, baselineCli, 'serve', '--port', String(port), '--log', 'off', '--quiet', ...args];

function nginxConf(port, workers) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fourfold-nginx-'));
  mkdirSync(path.join(dir, 'tmp'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes ${workers};\ndaemon off;\nerror_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents { worker_connections 20000; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;\n  sendfile on; tcp_nopush on; open_file_cache max=1000 inactive=20s;\n  server {\n    listen 127.0.0.1:${port};\n    root ${site};\n    location = / { default_type text/plain; return 200 'Hello, World!'; }\n  }\n}\n`,
  );
  return ['nginx', '-c', conf];
}

const SERVERS = {
  'fourfold native': (port) => fourfold(port, '--app', 'bench/apps/hello-native.mjs'),
  'fourfold fetch': (port) => fourfold(port, '--app', 'bench/apps/hello-fetch.mjs'),
  'fourfold static': (port) => fourfold(port, site),
  'node:http': (port) => [node, path.join(ROOT, 'bench/peers/node-http.mjs'), String(port), site],
  '@hono/node-server': (port) => [node, path.join(ROOT, 'bench/peers/hono-node-server.mjs'), String(port), 'bench/apps/hello-fetch.mjs'],
  nginx: has('nginx') ? (port) => nginxConf(port, 1) : null,
  'baseline native': baselineCli ? (port) => baseline(port, '--app', path.resolve(opt.baseline, 'bench/apps/hello-native.mjs')) : null,
  'baseline static': baselineCli ? (port) => baseline(port, site) : null,
};
const WORKER_SERVERS = {
  'fourfold native ×2': (port) => fourfold(port, '--workers', '2', '--app', 'bench/apps/hello-native.mjs'),
  'nginx ×2': has('nginx') ? (port) => nginxConf(port, 2) : null,
  'baseline native ×2': baselineCli ? (port) => baseline(port, '--workers', '2', '--app', path.resolve(opt.baseline, 'bench/apps/hello-native.mjs')) : null,
};

const SCENARIOS = [
  { name: 'hello', path: '/', conns: 50, servers: ['fourfold native', 'baseline native', 'fourfold fetch', 'node:http', '@hono/node-server', 'nginx'] },
  { name: 'hello-500', path: '/', conns: 500, servers: ['fourfold native', 'baseline native', 'node:http', 'nginx'] },
  { name: 'static-4k', path: '/file4k.bin', conns: 50, servers: ['fourfold static', 'baseline static', 'node:http', 'nginx'] },
  { name: 'static-1m', path: '/file1m.bin', conns: 50, servers: ['fourfold static', 'baseline static', 'node:http', 'nginx'] },
  { name: 'hello-close', path: '/', conns: 50, close: true, servers: ['fourfold native', 'baseline native', 'node:http', 'nginx'] },
];

let nextPort = 18000 + Math.floor(Math.random() * 1000);

async function startPeer(name, make, unpinned = false) {
  const port = nextPort++;
  const argv = unpinned ? make(port) : pin(0, make(port));
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  // ready when the port accepts a request
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.arrayBuffer();
      return { port, proc };
    } catch {
      if (proc.exitCode !== null) break;
    }
  }
  proc.kill('SIGKILL');
  throw new Error(`${name} did not start: ${out}`);
}

/** One wrk run, with the server tree's CPU time (user/kernel) read before and after. */
function runWrk(port, sc, serverPid, unpinned = false) {
  const before = serverPid ? snapshotTree(serverPid) : null;
  const args = ['-t1', `-c${sc.conns}`, `-d${opt.duration}s`, '--latency', '--timeout', '5s'];
  if (sc.close) args.push('-H', 'Connection: close');
  const wrk = ['wrk', ...args, `http://127.0.0.1:${port}${sc.path}`];
  const argv = unpinned ? wrk : pin(1, wrk);
  const text = execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const after = serverPid ? snapshotTree(serverPid) : null;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  const cpu = before && after ? cpuPerRequest(cpuBetween(before, after), requests) : null;
  const p99 = /99%\s+([\d.]+\w+)/.exec(text)?.[1] ?? '?';
  const errors = /Socket errors: (.*)/.exec(text)?.[1] ?? '';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
  return { rps, p99, cpu, errors: [errors, non2xx ? `non-2xx ${non2xx}` : ''].filter(Boolean).join(', ') };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const only = opt.only?.split(',');
const runs = Number(opt.runs);
const rows = [];
console.log(`fourfold bench:peers — ${cores} cores, server on CPU 0, wrk -t1 on CPU 1, ${opt.duration} s × ${runs} interleaved runs, Node ${process.version}${baselineCli ? `, baseline ${opt.baseline}` : ''}`);

const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
if (opt.workers) scenarios.push({ name: 'hello ×2 workers', path: '/', conns: 50, servers: Object.keys(WORKER_SERVERS), unpinned: true });
for (const sc of scenarios) {
  const up = [];
  try {
    for (const name of sc.servers) {
      const make = SERVERS[name] ?? WORKER_SERVERS[name];
      if (make) up.push({ name, ...(await startPeer(name, make, sc.unpinned)), results: [] });
    }
    for (const s of up) runWrk(s.port, sc, null, sc.unpinned); // warm-up (JIT, caches)
    for (let i = 0; i < runs; i++) {
      // Each round in another order: no server always runs right after the same one.
      for (let k = 0; k < up.length; k++) {
        const s = up[(k + i) % up.length];
        s.results.push(runWrk(s.port, sc, s.proc.pid, sc.unpinned));
      }
    }
  } finally {
    for (const s of up) s.proc.kill('SIGTERM');
    await Promise.all(up.map((s) => (s.proc.exitCode === null ? new Promise((r) => s.proc.once('exit', r)) : null)));
  }
  for (const s of up) {
    const r = summarize(sc.name, s.name, s.results);
    rows.push(r);
    const cpu = r.cpu ? `${r.cpu.user.toFixed(1).padStart(6)} + ${r.cpu.kernel.toFixed(1).padStart(6)} µs/req (user + kernel)` : '';
    console.log(`  ${sc.name.padEnd(17)} ${s.name.padEnd(20)} ${String(Math.round(r.rps)).padStart(8)} req/s   ${cpu}   p99 ${r.p99}${r.errors ? '   ' + r.errors : ''}`);
  }
}

/** A server's runs in one row: median req/s, and the CPU per request of the run whose total is the median. */
function summarize(scenario, server, results) {
  const cpus = results.filter((x) => x.cpu).sort((a, b) => a.cpu.total - b.cpu.total);
  return {
    scenario,
    server,
    rps: median(results.map((x) => x.rps)),
    cpu: cpus.length ? cpus[Math.floor(cpus.length / 2)].cpu : null,
    p99: results.map((x) => x.p99).join('/'),
    errors: results.map((x) => x.errors).filter(Boolean).join('; '),
  };
}

console.log('\nRatios (same run):');
const row = (sc, s) => rows.find((r) => r.scenario === sc && r.server === s);
const get = (sc, s) => row(sc, s)?.rps;
const ratio = (label, a, b) => a && b && console.log(`  ${label.padEnd(50)} ${(a / b).toFixed(2)}×`);
ratio('hello: fourfold native / node:http', get('hello', 'fourfold native'), get('hello', 'node:http'));
ratio('hello: fourfold fetch / @hono/node-server', get('hello', 'fourfold fetch'), get('hello', '@hono/node-server'));
ratio('hello: fourfold native / nginx', get('hello', 'fourfold native'), get('hello', 'nginx'));
ratio('hello-500: fourfold native / node:http', get('hello-500', 'fourfold native'), get('hello-500', 'node:http'));
ratio('static-4k: fourfold / nginx', get('static-4k', 'fourfold static'), get('static-4k', 'nginx'));
ratio('static-1m: fourfold / nginx', get('static-1m', 'fourfold static'), get('static-1m', 'nginx'));
ratio('hello-close: fourfold native / node:http', get('hello-close', 'fourfold native'), get('hello-close', 'node:http'));

// The performance goal is CPU, not req/s (wrk -t1 is the ceiling for
// keep-alive): fourfold's server CPU per request over nginx's, < 1 is better.
// Each scenario lists fourfold first and nginx (or nginx ×2) among its peers.
const cpuOf = (sc, s) => {
  const c = row(sc, s)?.cpu;
  return c ? c.user + c.kernel : undefined;
};
console.log('\nServer CPU per request, fourfold / nginx (same run, ≤ 1.00× is the goal):');
for (const sc of scenarios) {
  const a = cpuOf(sc.name, sc.servers[0]);
  const b = cpuOf(sc.name, sc.servers.find((s) => s.startsWith('nginx')));
  if (a && b) console.log(`  ${sc.name.padEnd(50)} ${(a / b).toFixed(2)}×  (${a.toFixed(1)} vs ${b.toFixed(1)} µs)`);
}
if (baselineCli) {
  console.log('\nServer CPU per request, this build / the baseline (same run, < 1.00× is an improvement):');
  for (const sc of scenarios) {
    const a = cpuOf(sc.name, sc.servers[0]);
    const b = cpuOf(sc.name, sc.servers.find((s) => s.startsWith('baseline')));
    if (a && b) console.log(`  ${sc.name.padEnd(50)} ${(a / b).toFixed(2)}×  (${a.toFixed(1)} vs ${b.toFixed(1)} µs)`);
  }
}
