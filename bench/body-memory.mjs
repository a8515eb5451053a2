#!/usr/bin/env node
// npm run bench:body-memory — what request bodies cost the server in memory:
// the peak RSS of the server while it receives
//   1. one chunked upload of 10 million 1-byte chunks (60 MB on the wire) to a handler,
//   2. 40 bodies of 10 MB at once to a static file (a 405: the body is not kept),
//   3. 40 bodies of 1 MiB at once to a handler that reads them,
// next to its RSS before. Loopback only, bounded, one fourfold process at a time.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const SITE = path.join(ROOT, 'test/fixtures/site');
const APP = path.join(ROOT, 'test/fixtures/apps/hostile-app.mjs');
const MB = 1024 * 1024;

const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

async function server(args) {
  const proc = spawn(process.execPath, [CLI, 'serve', SITE, '--port', '0', '--log', 'off', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    const look = (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    proc.stdout.on('data', look);
    proc.stderr.on('data', look);
    proc.on('exit', () => reject(new Error(out)));
  });
  return { proc, port };
}

/** Send head + body (written in big pieces), resolve with the status line. */
function send(port, head, body) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', async () => {
      sock.write(head);
      for (let at = 0; at < body.length && !sock.destroyed; at += MB) {
        if (!sock.write(body.subarray(at, at + MB))) await new Promise((r) => sock.once('drain', r));
      }
    });
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('end', () => resolve(got.split('\r\n')[0]));
    sock.on('error', (e) => (got ? resolve(got.split('\r\n')[0]) : reject(e)));
  });
}

async function measure(name, args, load) {
  const { proc, port } = await server(args);
  await new Promise((r) => setTimeout(r, 300));
  const before = rss(proc.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(proc.pid))), 10);
  const t0 = Date.now();
  const statuses = await load(port);
  clearInterval(sampler);
  const ms = Date.now() - t0;
  proc.kill('SIGKILL');
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  console.log(`${name.padEnd(58)} RSS ${(before / MB).toFixed(0).padStart(4)} MB → peak ${(peak / MB).toFixed(0).padStart(4)} MB (+${((peak - before) / MB).toFixed(0)} MB) in ${ms} ms  ${JSON.stringify(counts)}`);
}

console.log(`fourfold bench:body-memory — Node ${process.version}`);
const chunks = Buffer.from('1\r\na\r\n'.repeat(10_000_000) + '0\r\n\r\n', 'latin1');
await measure('10,000,000 one-byte chunks (60 MB chunked) to a handler', ['--app', APP, '--max-body', '64mb'], async (port) => [
  await send(port, 'POST /body-length HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', chunks),
]);
const ten = Buffer.alloc(10 * MB, 'x');
await measure('40 × 10 MB bodies at once to a static file (405)', ['--max-body', '16mb'], (port) =>
  Promise.all(Array.from({ length: 40 }, () => send(port, `POST /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: ${ten.length}\r\nConnection: close\r\n\r\n`, ten))),
);
const one = Buffer.alloc(MB, 'y');
await measure('40 × 1 MiB bodies at once to a handler that keeps them', ['--app', APP], (port) =>
  Promise.all(Array.from({ length: 40 }, () => send(port, `POST /body-length HTTP/1.1\r\nHost: a\r\nContent-Length: ${one.length}\r\nConnection: close\r\n\r\n`, one))),
);
