#!/usr/bin/env node
// npm run bench:threads — what the thread models cost, beside the other
// models, in the same run. The server is pinned to CPU 0, wrk and this
// script's own clients to CPU 1 (taskset), everything on 127.0.0.1.
//
//   node bench/threads.mjs [--duration 5] [--runs 3] [--idle 500] [--samples 30]
//                          [--only breakdown,first-byte,idle,rps]
//                          [--models "iterative,thread,threadpool,prefork,event-loop"]
//
// Sections:
//   breakdown   what a worker thread's start-up and memory are made of: an
//               empty isolate, then our modules layer by layer (in one
//               process pinned to CPU 0, no server)
//   first-byte  connect() done → first response byte, a new connection each
//               time, one at a time (for thread: a thread start per sample)
//   idle        server RSS with N idle keep-alive connections (each made one
//               request); how many of them were answered at all
//   rps         wrk, keep-alive, 1 / 50 / 500 connections: requests/s, p99,
//               errors (timeouts: clients a bounded model never got to),
//               after a 3 s warm-up; each run starts with the server idle.
//               For thread every wrk connection is a new thread, so its
//               figure includes starting them (a few at a time).
//
// Every model runs with its defaults, except thread in `idle`, whose cap is
// raised to N so that each connection really holds a thread.
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { readFileSync, readdirSync, readlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '500' },
    samples: { type: 'string', default: '30' },
    only: { type: 'string' },
    models: { type: 'string', default: 'iterative,thread,threadpool,prefork,event-loop' },
    'breakdown-child': { type: 'boolean', default: false },
  },
});

if (opt['breakdown-child']) {
  await breakdownChild();
  process.exit(0);
}

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const cores = availableParallelism();
const pinning = has('taskset') && cores >= 2;
const pin = (cpu, argv) => (pinning ? ['taskset', '-c', String(cpu), ...argv] : argv);
if (pinning) execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' }); // our clients: CPU 1
const sections = opt.only?.split(',') ?? ['breakdown', 'first-byte', 'idle', 'rps'];
const models = opt.models.split(',').map((m) => m.trim()).filter(Boolean);
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const APP = path.join(ROOT, 'bench/apps/hello-native.mjs');
const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const CLOSE_REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

console.log(
  `fourfold bench:threads — Node ${process.version}, ${cores} cores${pinning ? ', server on CPU 0, clients and wrk on CPU 1' : ' (not pinned)'}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// ── the server ─────────────────────────────────────────────────────────────

let nextPort = 20000 + Math.floor(Math.random() * 2000);

/** One request with Connection: close over a fresh connection; resolves { firstByteMs, text } (or rejects). */
function oneShot(port, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let t0 = 0;
    let first = 0;
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no answer in time'));
    }, timeoutMs);
    sock.on('connect', () => {
      t0 = performance.now();
      sock.write(CLOSE_REQUEST);
    });
    sock.on('data', (d) => {
      if (first === 0) first = performance.now();
      text += d;
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (first === 0) reject(new Error('closed without an answer'));
      else resolve({ firstByteMs: first - t0, text });
    });
  });
}

async function startServer(spec, extra = []) {
  const port = nextPort++;
  const [model, ...args] = spec.split(/\s+/);
  const argv = pin(0, [process.execPath, path.join(ROOT, 'dist/cli/main.js'), 'serve', '--model', model, ...args, ...extra, '--port', String(port), '--quiet', '--log', 'off', '--app', APP]);
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.once('exit', r));
  for (let i = 0; i < 150 && !/listening on/.test(out); i++) await sleep(100);
  try {
    await oneShot(port, 20_000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${spec} did not answer: ${e.message}\n${out}`);
  }
  return {
    port,
    pid: proc.pid,
    async stop() {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** RSS of a process and its descendants (prefork's children), MB. */
function treeRssMb(pid) {
  let kb = 0;
  const visit = (p) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) kids.split(/\s+/).forEach((k) => visit(Number(k)));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return kb / 1024;
}
/** CPU time (utime + stime, clock ticks) of a process and its descendants. */
function treeCpuTicks(pid) {
  let ticks = 0;
  const visit = (p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) kids.split(/\s+/).forEach((k) => visit(Number(k)));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return ticks;
}
const osThreads = (pid) => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

// ── breakdown: an isolate, then our modules layer by layer ─────────────────

if (sections.includes('breakdown')) {
  console.log('\nWorker thread start-up and memory, layer by layer (one process on CPU 0; median of 15 starts, wall clock and the new thread’s own CPU time; RSS: 20 such threads kept alive)');
  const argv = pin(0, [process.execPath, fileURLToPath(import.meta.url), '--breakdown-child']);
  const text = execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  for (const row of JSON.parse(text)) {
    console.log(`  ${row.name.padEnd(62)} start ${row.startMs.toFixed(1).padStart(6)} ms (CPU ${row.cpuMs.toFixed(1).padStart(5)} ms)   RSS ${row.rssMb.toFixed(1).padStart(5)} MB/thread   heap ${row.heapMb.toFixed(1).padStart(5)} MB`);
  }
}

async function breakdownChild() {
  const { Worker } = await import('node:worker_threads');
  const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
  const dir = mkdtempSync(path.join(tmpdir(), 'fourfold-breakdown-'));
  // Each stage: a module that imports its layers, then reports its heap.
  const report = `import { parentPort } from 'node:worker_threads'; parentPort.postMessage(process.memoryUsage().heapUsed); parentPort.once('message', () => {});`;
  const all = ['sys/index.js', 'http/index.js', 'app/static/index.js', 'app/handler/load.js', 'models/worker-main.js', 'models/thread.js'];
  const stages = [
    ['empty isolate (CommonJS eval, nothing loaded)', null],
    ['+ an ES module entry (the ESM loader)', []],
    ['+ koffi and sys/ (libc, every syscall declared)', all.slice(0, 1)],
    ['+ http/ (parser, encoder)', all.slice(0, 2)],
    ['+ app/static (mime-types, compressible: mime-db)', all.slice(0, 3)],
    ['+ app/handler (fetch adapter: globalThis.Response = undici)', all.slice(0, 4)],
    ['+ models/ (context, blocking connection, model table)', all],
    ['  the same, resourceLimits { maxYoungGenerationSizeMb: 1 }', all, { maxYoungGenerationSizeMb: 1 }],
  ];
  const makers = stages.map(([, layers, resourceLimits], i) => {
    if (layers === null) {
      return () => new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.postMessage(process.memoryUsage().heapUsed); parentPort.once('message', () => {});`, { eval: true });
    }
    const file = path.join(dir, `stage-${i}.mjs`);
    writeFileSync(file, layers.map((l) => `import ${JSON.stringify(dist(l))};\n`).join('') + report);
    return () => new Worker(pathToFileURL(file), { resourceLimits });
  });
  const start = (make) =>
    new Promise((resolve, reject) => {
      const tasks = new Set(readdirSync('/proc/self/task'));
      const t0 = performance.now();
      const w = make();
      w.once('error', reject);
      w.once('message', (heap) => {
        const ms = performance.now() - t0;
        // CPU time of the thread it started: what the start-up costs, whatever else runs on the machine.
        let cpuNs = 0;
        for (const t of readdirSync('/proc/self/task')) if (!tasks.has(t)) cpuNs += Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]);
        resolve({ w, ms, heap, cpuMs: cpuNs / 1e6 });
      });
    });
  const samples = stages.map(() => ({ ms: [], cpu: [], heap: [] }));
  // Rounds over all stages, so that a change in the machine's load touches each alike.
  for (let round = 0; round < 15; round++) {
    for (let i = 0; i < stages.length; i++) {
      const { w, ms, heap, cpuMs } = await start(makers[i]);
      samples[i].ms.push(ms);
      samples[i].cpu.push(cpuMs);
      samples[i].heap.push(heap);
      await w.terminate();
    }
  }
  const rows = [];
  for (let i = 0; i < stages.length; i++) {
    await sleep(300);
    const before = treeRssMb(process.pid);
    const alive = [];
    for (let k = 0; k < 20; k++) alive.push((await start(makers[i])).w);
    await sleep(500);
    const after = treeRssMb(process.pid);
    await Promise.all(alive.map((w) => w.terminate()));
    const x = samples[i];
    rows.push({ name: stages[i][0], startMs: median(x.ms), cpuMs: median(x.cpu), heapMb: median(x.heap) / 1048576, rssMb: (after - before) / 20 });
  }
  process.stdout.write(JSON.stringify(rows));
}

// ── first byte ──────────────────────────────────────────────────────────────

if (sections.includes('first-byte')) {
  const n = Number(opt.samples);
  console.log(`\nconnect() → first response byte, a new connection each time, one at a time (${n} samples after 3 warm-ups)`);
  for (const spec of models) {
    const s = await startServer(spec);
    try {
      const xs = [];
      for (let i = 0; i < n + 3; i++) {
        const { firstByteMs } = await oneShot(s.port);
        if (i >= 3) xs.push(firstByteMs);
        await sleep(30); // the previous connection's worker is gone (thread, process)
      }
      console.log(`  ${spec.padEnd(24)} median ${median(xs).toFixed(2).padStart(7)} ms   p90 ${pct(xs, 0.9).toFixed(2).padStart(7)} ms   min ${Math.min(...xs).toFixed(2).padStart(7)} ms`);
    } finally {
      await s.stop();
    }
  }
}

// ── idle connections ────────────────────────────────────────────────────────

if (sections.includes('idle')) {
  const n = Number(opt.idle);
  console.log(`\nRSS with ${n} idle keep-alive connections (each sent one request; waited for the answers until the server was idle for 3 s, at most 180 s)`);
  for (const spec of models) {
    const extra = spec.split(/\s+/)[0] === 'thread' && !/--max-threads/.test(spec) ? ['--max-threads', String(n)] : [];
    const s = await startServer(spec, ['--idle-timeout', '300', '--header-timeout', '300', ...extra]);
    try {
      await sleep(500);
      const before = treeRssMb(s.pid);
      const threadsBefore = osThreads(s.pid);
      const socks = [];
      let answered = 0;
      const t0 = performance.now();
      let allAnswered = 0;
      let firstAnswer = 0;
      const answers = [];
      for (let i = 0; i < n; i++) {
        const sock = net.connect(s.port, '127.0.0.1');
        socks.push(sock);
        sock.on('error', () => {});
        answers.push(
          new Promise((resolve) => {
            sock.once('connect', () => sock.write(REQUEST));
            sock.once('data', () => {
              if (answered === 0) firstAnswer = performance.now() - t0;
              answered++;
              if (answered === n) allAnswered = performance.now() - t0;
              resolve();
            });
            sock.once('close', resolve);
          }),
        );
        if (i % 50 === 49) await sleep(10);
      }
      // Until all are answered, or the server has been idle for 3 s (a bounded model serves only its N;
      // thread is still starting threads as long as it uses CPU), or 180 s.
      const all = Promise.all(answers);
      let settled = false;
      void all.then(() => (settled = true));
      for (let ticks = treeCpuTicks(s.pid), still = 0; !settled && performance.now() - t0 < 180_000 && still < 3000; ) {
        await Promise.race([all, sleep(500)]);
        const now = treeCpuTicks(s.pid);
        still = now - ticks <= 2 ? still + 500 : 0; // ≤ 2 ticks (20 ms) in 0.5 s: idle
        ticks = now;
      }
      await sleep(1000);
      const after = treeRssMb(s.pid);
      const threads = osThreads(s.pid) - threadsBefore;
      const label = `${spec}${extra.length ? ` ${extra.join(' ')}` : ''}`;
      console.log(
        `  ${label.padEnd(32)} RSS ${before.toFixed(0).padStart(5)} → ${after.toFixed(0).padStart(5)} MB  (+${(((after - before) * 1024) / n).toFixed(0).padStart(5)} KB a connection)   answered ${String(answered).padStart(4)}/${n}${allAnswered ? ` in ${(allAnswered / 1000).toFixed(1)} s` : ''} (first after ${(firstAnswer / 1000).toFixed(2)} s)   +${threads} OS threads`,
      );
      socks.forEach((x) => x.destroy());
    } finally {
      await s.stop();
    }
  }
}

// ── requests per second ─────────────────────────────────────────────────────

/** Wait until the server has used no CPU for 1 s (at most 120 s). */
async function quiet(server) {
  for (let ticks = treeCpuTicks(server.pid), still = 0, t0 = Date.now(); still < 1000 && Date.now() - t0 < 120_000; ) {
    await sleep(250);
    const now = treeCpuTicks(server.pid);
    still = now - ticks <= 1 ? still + 250 : 0;
    ticks = now;
  }
}

/** Sockets held by a process and its descendants (served connections, the listener). */
function treeSockets(pid) {
  let n = 0;
  const visit = (p) => {
    try {
      for (const fd of readdirSync(`/proc/${p}/fd`)) {
        try {
          if (readlinkSync(`/proc/${p}/fd/${fd}`).startsWith('socket:')) n++;
        } catch {
          /* closed meanwhile */
        }
      }
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) kids.split(/\s+/).forEach((k) => visit(Number(k)));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return n;
}

/** One wrk run; `served`: connections the server held half-way through (the rest wait in the backlog). */
async function runWrk(server, conns, seconds = opt.duration) {
  const argv = pin(1, ['wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--latency', '--timeout', '5s', `http://127.0.0.1:${server.port}/`]);
  const base = treeSockets(server.pid);
  const wrk = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  wrk.stdout.on('data', (d) => (text += d));
  const done = new Promise((r) => wrk.once('exit', r));
  await sleep((Number(seconds) * 1000) / 2);
  const served = treeSockets(server.pid) - base;
  await done;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  const p99 = /99%\s+([\d.]+\w+)/.exec(text)?.[1] ?? '-';
  const errors = /Socket errors: (.*)/.exec(text)?.[1] ?? '';
  return { rps, p99, errors, served };
}

if (sections.includes('rps')) {
  if (!has('wrk')) {
    console.error('the rps section needs wrk (Debian: apt-get install wrk)');
    process.exit(2);
  }
  console.log(`\nrequests/s, keep-alive, wrk -t1, ${opt.duration} s a run, median of ${opt.runs} runs (each run listed below; the hello-native app)`);
  console.log(`  ${'model'.padEnd(24)} ${[1, 50, 500].map((c) => `c=${c}`.padStart(34)).join('')}`);
  console.log(`  ${''.padEnd(24)} ${'(req/s, p99, connections the server held half-way: the others waited in the backlog)'.padStart(102)}`);
  for (const spec of models) {
    const s = await startServer(spec);
    const cells = [];
    const notes = [];
    try {
      await runWrk(s, 16, 3); // warm-up: JIT in every isolate that lives on (the pools', the event loop's)
      await quiet(s);
      for (const c of [1, 50, 500]) {
        const rs = [];
        for (let i = 0; i < Number(opt.runs); i++) {
          rs.push(await runWrk(s, c));
          await quiet(s); // the previous run's connections are over (thread: their threads, started late, have ended)
        }
        const r = rs.find((x) => x.rps === median(rs.map((y) => y.rps)));
        cells.push(`${String(Math.round(r.rps)).padStart(7)} p99 ${r.p99.padEnd(8)} ${String(r.served).padStart(3)} served`.padStart(34));
        notes.push(`c=${c}: ${rs.map((x) => Math.round(x.rps)).join(' / ')} req/s${rs.some((x) => x.errors) ? `; ${rs.map((x) => x.errors || 'no errors').join(' / ')}` : ''}`);
      }
    } finally {
      await s.stop();
    }
    console.log(`  ${spec.padEnd(24)} ${cells.join('')}`);
    for (const n of notes) console.log(`  ${''.padEnd(24)}   ${n}`);
  }
}
