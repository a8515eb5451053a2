#!/usr/bin/env node
// How much memory does a server need to hold N idle keep-alive connections?
// Starts the server (fourfold event-loop by default, or node:http / nginx),
// opens N connections that each made one request and then stay idle, and
// prints the server's total RSS (all its processes) before and after.
//
//   node bench/idle-connections.mjs [--conns 10000] [--server fourfold|node:http|nginx]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { readFileSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { conns: { type: 'string', default: '10000' }, server: { type: 'string', default: 'fourfold' } } });
const N = Number(opt.conns);
const port = 19000 + Math.floor(Math.random() * 1000);

function command() {
  if (opt.server === 'fourfold')
    return [process.execPath, path.join(ROOT, 'dist/cli/main.js'), 'serve', '--port', String(port), '--quiet', '--idle-timeout', '120', '--app', path.join(ROOT, 'bench/apps/hello-native.mjs')];
  if (opt.server === 'node:http') return [process.execPath, path.join(ROOT, 'bench/peers/node-http.mjs'), String(port)];
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-nginx-'));
  writeFileSync(`${dir}/nginx.conf`, `worker_processes 1; daemon off; error_log ${dir}/e.log; pid ${dir}/p.pid; worker_rlimit_nofile 30000;\nevents { worker_connections 30000; }\nhttp { access_log off; keepalive_timeout 120s; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};\n server { listen 127.0.0.1:${port}; location / { return 200 'Hello, World!'; } } }\n`);
  return ['nginx', '-c', `${dir}/nginx.conf`];
}

/** RSS of a process and all its descendants, in MB. */
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

const [cmd, ...args] = command();
const server = spawn(cmd, args, { stdio: 'ignore' });
for (let i = 0; i < 100; i++) {
  await new Promise((r) => setTimeout(r, 100));
  try {
    await (await fetch(`http://127.0.0.1:${port}/`)).text();
    break;
  } catch {}
}
await new Promise((r) => setTimeout(r, 500));
const before = treeRssMb(server.pid);
const socks = [];
for (let i = 0; i < N; i += 500) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 500); j++) {
    batch.push(
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        s.once('data', () => resolve());
        s.on('error', reject);
        socks.push(s);
      }),
    );
  }
  await Promise.all(batch);
}
await new Promise((r) => setTimeout(r, 1000));
const after = treeRssMb(server.pid);
console.log(`${opt.server}: ${N} idle keep-alive connections — server RSS ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB with them (${(((after - before) * 1024) / N).toFixed(2)} KB each)`);
socks.forEach((s) => s.destroy());
server.kill('SIGTERM');
