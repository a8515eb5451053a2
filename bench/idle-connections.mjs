#!/usr/bin/env node
// How much memory does a server need to hold N idle keep-alive connections?
// Starts each server in turn (fourfold's event loop, node:http, and nginx
// when installed), opens N connections that each made one request and then
// stay idle, and prints the server's total RSS (all its processes) before and
// after, the KB per connection, and fourfold's figure over each peer's.
//
//   node bench/idle-connections.mjs [--conns 10000] [--server all|fourfold|node:http|nginx]
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { readFileSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (() => {
  try {
    return parseArgs({ options: { conns: { type: 'string', default: '10000' }, server: { type: 'string', default: 'all' } } }).values;
  } catch (e) {
    console.error(`bench:idle: ${e.message}`);
    process.exit(2);
  }
})();
const N = Number(opt.conns);
const hasNginx = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SERVERS = ['fourfold', 'node:http', ...(hasNginx ? ['nginx'] : [])];
const servers = opt.server === 'all' ? SERVERS : [opt.server];
if (!Number.isInteger(N) || N < 1 || servers.some((s) => !SERVERS.includes(s))) {
  console.error(`bench:idle: --conns takes a positive integer, --server one of all, ${SERVERS.join(', ')}`);
  process.exit(2);
}

function command(server, port) {
  if (server === 'fourfold')
    return [process.execPath, path.join(ROOT, 'dist/cli/main.js'), 'serve', '--port', String(port), '--quiet', '--idle-timeout', '120', '--app', path.join(ROOT, 'bench/apps/hello-native.mjs')];
  if (server === 'node:http') return [process.execPath, path.join(ROOT, 'bench/peers/node-http.mjs'), String(port)];
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-nginx-'));
  writeFileSync(`${dir}/nginx.conf`, `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1; daemon off; error_log ${dir}/e.log; pid ${dir}/p.pid; worker_rlimit_nofile 30000;\nevents { worker_connections 30000; }\nhttp { access_log off; keepalive_timeout 120s; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};\n server { listen 127.0.0.1:${port}; location / { return 200 'Hello, World!'; } } }\n`);
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(server) {
  const port = 19000 + Math.floor(Math.random() * 1000);
  const [cmd, ...args] = command(server, port);
  const proc = spawn(cmd, args, { stdio: 'ignore' });
  const socks = [];
  try {
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      await sleep(100);
      try {
        await (await fetch(`http://127.0.0.1:${port}/`)).text();
        up = true;
      } catch {}
    }
    if (!up) throw new Error(`${server} did not start on port ${port}`);
    await sleep(500);
    const before = treeRssMb(proc.pid);
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
    await sleep(1000);
    const after = treeRssMb(proc.pid);
    return { server, before, after, kb: ((after - before) * 1024) / N };
  } finally {
    socks.forEach((s) => s.destroy());
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  }
}

console.log(`fourfold bench:idle — ${N} idle keep-alive connections per server, Node ${process.version}`);
const rows = [];
for (const server of servers) {
  const r = await measure(server);
  rows.push(r);
  console.log(`  ${server.padEnd(10)} server RSS ${r.before.toFixed(1).padStart(6)} MB before, ${r.after.toFixed(1).padStart(6)} MB with them: ${r.kb.toFixed(2)} KB per connection`);
}
const ours = rows.find((r) => r.server === 'fourfold');
for (const r of rows) if (ours && r !== ours) console.log(`  fourfold / ${r.server}: ${(ours.kb / r.kb).toFixed(2)}× the memory per connection`);
