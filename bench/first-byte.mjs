#!/usr/bin/env node
// The price of the process-per-connection server, measured: how long from
// the moment a fresh connection is established (the kernel has queued it for
// accept()) to the first byte of the response — for `--model process` that
// is a new Node process starting, loading the server and the app, reading
// the request and answering. Also the memory of one such child.
//
//   node bench/first-byte.mjs [--model process] [--count 50] [--node-flags="--jitless"] [--node /path/to/node] [--path /]
//
// Connections are made one after another (never two at once), each closed
// before the next; the figure is the median and p90 of `count` of them,
// after 3 warm-up connections. With --node-flags the server (and so every
// child, which inherits the master's Node flags) runs with those flags: a
// way to try start-up options without touching the code. The server is
// pinned to CPU 0 and this client to CPU 1 when taskset is there.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const canPin = has('taskset') && availableParallelism() >= 2;
export const pin = (cpu, argv) => (canPin ? ['taskset', '-c', String(cpu), ...argv] : argv);

/** Start `fourfold serve` (pinned to CPU 0) and resolve { port, proc } once it prints its listening line. */
export function startFourfold(args, { nodeFlags = [], env = {}, execPath = process.execPath } = {}) {
  const argv = pin(0, [execPath, ...nodeFlags, CLI, 'serve', '--port', '0', '--log', 'off', '--quiet', ...args]);
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fourfold ${args.join(' ')} did not start: ${out}`)), 20_000);
    // The listening line is on stderr (stdout is the access log's); either is read.
    const ready = () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (!m) return;
      proc.stdout.off('data', ready);
      proc.stderr.off('data', ready);
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        proc,
        output: () => out,
        stop: () => {
          proc.kill('SIGTERM');
          return new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
        },
      });
    };
    proc.stdout.on('data', ready);
    proc.stderr.on('data', ready);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fourfold ${args.join(' ')} exited with ${code}: ${out}`));
    });
  });
}

/** One fresh connection: ms from "connected" to the first response byte, and to the whole response (Connection: close). */
function probe(port, urlPath) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let connectedAt = 0;
    let first = 0;
    sock.on('connect', () => {
      connectedAt = performance.now();
      sock.write(`GET ${urlPath} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', () => {
      if (first === 0) first = performance.now() - connectedAt;
    });
    sock.on('error', reject);
    sock.on('close', () => (first > 0 ? resolve({ first, whole: performance.now() - connectedAt }) : reject(new Error('no response'))));
  });
}

/** Memory of one child serving an idle keep-alive connection: RSS, PSS (its share of pages shared with other processes) and private, in MiB. */
async function childMemory(server, port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
  await new Promise((r) => sock.once('data', r));
  const master = server.proc.pid;
  // The server may run under taskset: its node is then a child of taskset (exec'd in place: same pid).
  const kids = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const field = (pid, file, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? NaN) / 1024;
  const child = kids.at(-1);
  const mem =
    child === undefined
      ? null
      : {
          rss: field(child, 'status', 'VmRSS'),
          pss: field(child, 'smaps_rollup', 'Pss'),
          // Private: what this child alone adds (its heap, its stacks, its copy-on-write pages), the cost of one more.
          uss: field(child, 'smaps_rollup', 'Private_Clean') + field(child, 'smaps_rollup', 'Private_Dirty'),
          master: field(master, 'status', 'VmRSS'),
        };
  sock.destroy();
  return mem;
}

/** CPU time (user + system, ms) of a process's reaped children so far: /proc/pid/stat cutime + cstime. */
function childrenCpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / 100; // clock ticks of 1/100 s
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Run the measurement; returns { median, p90, min, max, whole, memory }. */
export async function firstByte({ model = 'process', count = 50, nodeFlags = [], urlPath = '/', args = [], env = {}, execPath } = {}) {
  const server = await startFourfold(['--model', model, '--app', 'bench/apps/hello-native.mjs', ...args], { nodeFlags, env, execPath });
  try {
    for (let i = 0; i < 3; i++) await probe(server.port, urlPath); // warm-up: page cache, the master's JIT
    const firsts = [];
    const wholes = [];
    const cpuBefore = childrenCpuMs(server.proc.pid);
    for (let i = 0; i < count; i++) {
      const r = await probe(server.port, urlPath);
      firsts.push(r.first);
      wholes.push(r.whole);
      await new Promise((r) => setTimeout(r, 20)); // the previous child has exited: one at a time
    }
    const childCpu = model === 'process' ? (childrenCpuMs(server.proc.pid) - cpuBefore) / count : null;
    const memory = model === 'process' ? await childMemory(server, server.port) : null;
    return { median: quantile(firsts, 0.5), p90: quantile(firsts, 0.9), min: Math.min(...firsts), max: Math.max(...firsts), whole: quantile(wholes, 0.5), childCpu, memory };
  } finally {
    await server.stop();
  }
}

export function formatFirstByte(label, r) {
  const mem = r.memory
    ? `   child RSS ${r.memory.rss.toFixed(1)} MiB, private ${r.memory.uss.toFixed(1)} MiB, PSS ${r.memory.pss.toFixed(1)} MiB (master RSS ${r.memory.master.toFixed(1)} MiB)`
    : '';
  const cpu = r.childCpu !== null ? `   CPU per child ${r.childCpu.toFixed(0)} ms` : '';
  return `  ${label.padEnd(34)} first byte median ${r.median.toFixed(1).padStart(6)} ms   p90 ${r.p90.toFixed(1).padStart(6)} ms   (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})${cpu}${mem}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: opt } = parseArgs({
    options: {
      model: { type: 'string', default: 'process' },
      count: { type: 'string', default: '50' },
      'node-flags': { type: 'string', default: '' },
      path: { type: 'string', default: '/' },
      node: { type: 'string', default: process.execPath },
    },
  });
  if (canPin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const nodeFlags = opt['node-flags'].split(/\s+/).filter(Boolean);
  const r = await firstByte({ model: opt.model, count: Number(opt.count), nodeFlags, urlPath: opt.path, execPath: opt.node });
  console.log(`fourfold first-byte — ${opt.count} sequential fresh connections, Node ${process.version}${canPin ? ', server on CPU 0, client on CPU 1' : ''}`);
  console.log(formatFirstByte(`${opt.model}${nodeFlags.length ? ' ' + nodeFlags.join(' ') : ''}`, r));
}
