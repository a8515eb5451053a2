// Soak: each scalable model under a mixed load of 1,000 connections —
// keep-alive and Connection: close, static files and the handler, and some
// clients that reset — for FOURFOLD_SOAK_SECONDS (default 8 here; `npm run
// soak` runs 60). Afterwards the server's process tree holds about what it
// held before (descriptors, memory), and it answered no request with a 5xx.
//
//   FOURFOLD_SOAK_SECONDS=60        how long each model is loaded (0: skip)
//   FOURFOLD_SOAK_CONNECTIONS=1000  clients at once
//   FOURFOLD_MODELS=...             soak only the scalable configurations in that list
//
// The load comes from a process of its own (test/helpers/soak-load.mjs).
// The bounds, from measurement (see the figures each test prints):
//  - descriptors: back to the baseline once the clients are gone, but for
//    what each worker opens lazily and keeps: its file cache holds the site's
//    three files open (measured: prefork's 8 workers +24, threadpool's 16
//    threads +48), and +16 for the rest (libuv's threads; measured: 10);
//  - memory: V8 grows its heaps under load and gives back only part of them
//    (a prefork tree of 9 processes at ~60 MB each, an event loop at ~70 MB);
//    a leak of the soak's ~10^5–10^6 requests would show as hundreds of MB.
//    RSS ≤ 2 × baseline + 64 MB holds that growth and catches such a leak;
//  - 5xx: none. Overload may delay a client (its connection waits in the
//    backlog, a blocking pool serves a few at a time) but never answers 503:
//    no limit in these configurations is below 1,000 connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, ROOT } from './helpers/server.mjs';
import { MODELS, modelArgs, modelOf, flagOf, servesAtOnce } from './helpers/models.mjs';
import { once } from './helpers/http-client.mjs';
import { treeFds, treeRss, processTree, closeWaitCount, until, steady, quiet } from './helpers/proc.mjs';

const SECONDS = Number(process.env.FOURFOLD_SOAK_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.FOURFOLD_SOAK_CONNECTIONS ?? 1000);
const APP = path.join(ROOT, 'test/fixtures/apps/faults-app.mjs');
const LOAD = path.join(ROOT, 'test/helpers/soak-load.mjs');
const MB = 1 << 20;
const FILES = 3; // in the site: each worker's file cache may keep them open

// The scalable models: by default these four; with FOURFOLD_MODELS, those of its list that scale
// (select cannot watch 1,000 descriptors: FD_SETSIZE is 1024, past it connections get 503).
const DEFAULT = ['event-loop', 'event-loop --workers 2', 'prefork', 'threadpool'];
const scalable = (c) => ['event-loop', 'prefork', 'threadpool'].includes(modelOf(c)) && flagOf(c, '--poller') !== 'select';
const CONFIGS = process.env.FOURFOLD_MODELS === undefined ? DEFAULT : MODELS.filter(scalable);

function makeSite() {
  const dir = mkdtempSync(path.join(tmpdir(), 'fourfold-soak-'));
  writeFileSync(path.join(dir, 'hello.txt'), 'Hello, soak!\n');
  writeFileSync(path.join(dir, 'file64k.bin'), Buffer.alloc(64 * 1024, 'sixty-four kibibytes\n'));
  const fd = openSync(path.join(dir, 'big.bin'), 'w');
  ftruncateSync(fd, MB);
  closeSync(fd);
  return dir;
}

/** Run the load generator; resolves with its figures. */
function load(port) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [LOAD, JSON.stringify({ port, connections: CONNECTIONS, seconds: SECONDS })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 60) * 1000);
    p.on('exit', (code) => {
      clearTimeout(killer);
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`the load generator exited with ${code}: ${out}`));
      }
    });
  });
}

const fmt = (bytes) => `${(bytes / MB).toFixed(0)} MB`;

if (SECONDS === 0) test('soak', { skip: 'FOURFOLD_SOAK_SECONDS=0' }, () => {});
else if (CONFIGS.length === 0) test('soak', { skip: `no scalable model in FOURFOLD_MODELS=${process.env.FOURFOLD_MODELS}` }, () => {});

for (const config of SECONDS === 0 ? [] : CONFIGS) {
  test(`soak ${config}: ${CONNECTIONS} mixed connections for ${SECONDS} s — no 5xx, descriptors and memory back near the baseline`, { timeout: (SECONDS + 120) * 1000 }, async (t) => {
    const site = makeSite();
    const s = await startServer([site, ...modelArgs(config), '--app', APP]);
    try {
      const pid = s.proc.pid;
      for (const p of ['/hello.txt', '/work', '/file64k.bin', '/big.bin']) assert.equal((await once(s.port, p, { method: p === '/big.bin' ? 'HEAD' : 'GET' }))?.status, 200, p);
      await quiet(pid);
      const base = { fds: await steady(() => treeFds(pid)), rss: treeRss(pid), processes: processTree(pid).length };

      const r = await load(s.port);

      const workers = servesAtOnce(config) === Infinity ? Number(flagOf(config, '--workers') ?? 1) : servesAtOnce(config);
      const fdBound = base.fds + FILES * workers + 16;
      const fds = await until(() => treeFds(pid), (n) => n <= fdBound, { ms: 15_000 });
      await quiet(pid);
      const after = { fds: treeFds(pid), rss: treeRss(pid), processes: processTree(pid).length };
      const fiveXX = Object.entries(r.status).filter(([code]) => code >= 500).reduce((n, [, k]) => n + k, 0);
      t.diagnostic(
        `${config}: ${r.requests} requests in ${SECONDS} s (${Math.round(r.requests / SECONDS)}/s) over ${r.connections} connections, ${r.resets} resets; ` +
          `status ${JSON.stringify(r.status)}; client-side failures ${JSON.stringify(r.failures)}; unfinished ${r.unfinished}; latency ${JSON.stringify(r.latencyMs)}; ` +
          `fds ${base.fds} → ${after.fds}; RSS ${fmt(base.rss)} → ${fmt(after.rss)}; processes ${base.processes} → ${after.processes}`,
      );
      assert.equal(s.proc.exitCode, null, `the server lives: ${s.output().stderr.slice(-2000)}`);
      assert.equal(fiveXX, 0, `5xx answers: ${JSON.stringify(r.status)}`);
      assert.ok(r.requests >= 100 * SECONDS, `requests answered: ${r.requests}`);
      assert.ok(fds <= fdBound, `descriptors: ${fds} after, ${base.fds} before (bound ${fdBound}: ${FILES} cached files × ${workers} workers + 16)`);
      assert.ok(after.rss <= 2 * base.rss + 64 * MB, `RSS: ${fmt(after.rss)} after, ${fmt(base.rss)} before`);
      assert.equal(after.processes, base.processes, 'the same number of processes');
      assert.equal(await until(() => closeWaitCount(s.port), (n) => n === 0, { ms: 3000 }), 0, 'sockets in CLOSE_WAIT');
      assert.equal((await once(s.port, '/hello.txt'))?.status, 200);
      const { code } = await s.stop();
      assert.equal(code, 0);
    } finally {
      await s.stop('SIGKILL');
      rmSync(site, { recursive: true, force: true });
    }
  });
}
