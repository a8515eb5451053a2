// The status page's JSON and Prometheus forms under every model, with the
// scoreboard aggregated across the master, its processes and its threads
// (whoever serves the status request reads the whole scoreboard); who may
// see it (the socket's peer address, not a header); --trace-syscalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import { startServer, runCli, ROOT, CLI } from './helpers/server.mjs';
import { isLoopback } from '../dist/models/status.js';
// Served with the bundled demo site as root (it has /hello.txt): `serve` without a root serves the current directory.
const DEMO_SITE = 'public';

const STATUS = ['--status-path', '/server-status'];

/** One request on its own connection (closed after: a blocking worker is free at once). */
export function get(port, target, headers = {}, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: target, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${target}: no answer in 10 s`)));
  });
}

const json = async (port, q = '') => {
  const r = await get(port, `/server-status?format=json${q}`);
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers['content-type'], /^application\/json/);
  return JSON.parse(r.body);
};

const calls = (steps) => steps.filter((s) => 'call' in s).map((s) => s.call);

const MODELS = [
  { spec: ['--model', 'iterative'], slots: 1, workers: 1 },
  { spec: ['--model', 'process'], slots: 65, perConnection: true },
  { spec: ['--model', 'prefork', '--workers', '3'], slots: 4, workers: 3 },
  { spec: ['--model', 'thread'], slots: 65, perConnection: true }, // 1 + --max-threads' default
  { spec: ['--model', 'threadpool', '--workers', '3'], slots: 4, workers: 3 },
  { spec: ['--model', 'event-loop'], slots: 1, workers: 1 },
  { spec: ['--model', 'event-loop', '--workers', '2'], slots: 3, workers: 2 },
];

for (const m of MODELS) {
  const name = m.spec.slice(1).join(' ');
  test(`status (${name}): JSON and Prometheus forms, the whole scoreboard, syscalls per request, a request's system calls`, { timeout: 60_000 }, async (t) => {
    const s = await startServer([DEMO_SITE, ...m.spec, ...STATUS]);
    t.after(() => s.stop());
    // The workers record their calls while somebody watches: say so, then make the requests to be seen.
    await json(s.port, '&watch=1');
    const N = 12;
    for (let i = 0; i < N; i++) assert.equal((await get(s.port, '/hello.txt')).status, 200);
    assert.equal((await get(s.port, '/no-such-file')).status, 404);

    const j = await json(s.port);
    assert.equal(j.server.name, 'fourfold');
    assert.equal(j.model.name, m.spec[1]);
    assert.equal(j.scoreboard.slots, m.slots);
    assert.equal(j.pid, s.proc.pid, 'slot 0 is the master: this process');
    assert.ok(j.requests.total >= N + 2, `requests ${j.requests.total}`); // + the watch poll and the 404
    assert.ok(j.responses['2xx'] >= N + 1 && j.responses['4xx'] >= 1, JSON.stringify(j.responses));
    assert.ok(j.connections.accepted >= N + 2);
    assert.ok(j.connections.open >= 1, 'this very request is open');
    assert.ok(j.bytes.in > 0 && j.bytes.out > 0);
    assert.ok(j.uptimeSeconds > 0 && j.uptimeSeconds < 60);
    assert.ok(j.requests.perSecond.last60s >= 0 && j.requests.lastMinute.length === 60);

    // Aggregation is real: the totals are the sum of the rows, whichever worker wrote them.
    const rows = j.scoreboard.workers;
    const sum = (k) => rows.reduce((a, w) => a + w[k], 0);
    assert.equal(sum('requests'), j.requests.total);
    assert.equal(sum('connections'), j.connections.accepted);
    const workers = rows.filter((w) => w.role === 'worker');
    if (m.workers !== undefined) {
      assert.equal(workers.length, m.workers, `${m.workers} worker rows: ${JSON.stringify(rows.map((w) => [w.slot, w.role]))}`);
      if (m.slots > 1) assert.deepEqual(rows.find((w) => w.slot === 0).role, 'master');
    }
    if (m.slots > 1) {
      const kind = j.model.workersAre === 'threads' ? 'thread' : 'process';
      assert.ok(workers.every((w) => w.kind === kind), `workers are ${kind}es`);
      assert.equal(rows.find((w) => w.slot === 0).requests, 0, 'the master serves nothing itself');
      assert.ok(workers.reduce((a, w) => a + w.requests, 0) === j.requests.total);
      if (kind === 'process') assert.ok(j.pids.length >= 2, `pids of the master and its processes: ${j.pids}`);
      else assert.deepEqual(j.pids, [s.proc.pid], 'threads share the master pid');
      assert.notEqual(j.servedBy.slot, 0, 'a worker answered the status request');
    }
    if (m.perConnection) assert.ok(workers.length >= 2, 'each connection had a worker of its own (slots are reused)');

    // System calls, counted by every worker into its row: per request, by name.
    assert.ok(j.syscalls.byName.accept4 >= N, `accept4 ${j.syscalls.byName.accept4}`);
    assert.ok(j.syscalls.byName.recv >= N);
    assert.ok(j.syscalls.byName.close >= N);
    assert.ok(j.syscalls.byName.socket >= 1 && j.syscalls.byName.bind >= 1, 'the master set-up is counted');
    assert.ok(j.syscalls.perRequest > 3 && j.syscalls.perRequest < 100, `per request ${j.syscalls.perRequest}`);
    assert.equal(j.syscalls.total, Object.values(j.syscalls.byName).reduce((a, b) => a + b, 0));

    // The most recent request as system calls, from the worker's record.
    assert.ok(j.recording, 'recording while watched');
    const tr = j.trace;
    assert.ok(tr !== null, 'a request was recorded');
    const own = calls(tr.calls);
    assert.ok(own.includes('recv'), own.join(' '));
    assert.ok(own.includes('send') || own.includes('sendmsg') || own.includes('sendfile'), own.join(' '));
    assert.ok(tr.calls.filter((c) => 'call' in c && ['recv', 'send', 'sendmsg'].includes(c.call)).every((c) => c.fd === tr.fd), 'its I/O is on its connection');
    if (m.spec[1] === 'event-loop') assert.ok(own.includes('epoll_wait'), own.join(' '));
    const setup = [...calls(tr.masterSetup), ...calls(tr.setup)];
    assert.ok(setup.includes('socket') && setup.includes('bind'), `set-up: ${setup.join(' ')}`);
    if (m.perConnection) {
      const master = calls(tr.master);
      assert.equal(master[0], 'accept4', master.join(' '));
      assert.ok(master.includes(m.spec[1] === 'thread' ? 'thread' : 'spawn'), master.join(' '));
      assert.ok(tr.calls.every((c) => c.by === 'worker') && tr.master.every((c) => c.by === 'master'));
    } else assert.ok(own.includes('accept4'), `a blocking worker's (or the loop's) own accept: ${own.join(' ')}`);

    // Prometheus text format, as a scraper sees it.
    const p = await get(s.port, '/server-status?format=prometheus');
    assert.equal(p.status, 200);
    assert.match(p.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(p.body);
    const family = (n) => families.find((f) => f.name === n);
    for (const f of families) {
      assert.ok(f.help && f.help.length > 5, `${f.name} has help`);
      assert.ok(['COUNTER', 'GAUGE'].includes(f.type), `${f.name} has a type`);
      assert.ok(!f.name.endsWith('_total') || f.type === 'COUNTER');
      for (const x of f.metrics) assert.ok(Number.isFinite(Number(x.value)), `${f.name} ${x.value}`);
    }
    assert.equal(family('fourfold_info').metrics[0].labels.model, m.spec[1]);
    assert.ok(Number(family('fourfold_requests_total').metrics[0].value) >= j.requests.total);
    const recv = family('fourfold_syscalls_total').metrics.find((x) => x.labels.syscall === 'recv');
    assert.ok(Number(recv.value) >= j.syscalls.byName.recv);
    assert.equal(family('fourfold_responses_total').metrics.length, 5);
    assert.equal(family('fourfold_connections').metrics.length, 5);
    assert.ok(family('fourfold_worker_requests_total').metrics.length >= (m.workers ?? 2));
  });
}

test('status: the HTML page, content negotiation, methods, bad queries; off by default', async (t) => {
  const s = await startServer([DEMO_SITE, '--model', 'event-loop', ...STATUS]);
  t.after(() => s.stop());
  const html = await get(s.port, '/server-status');
  assert.equal(html.status, 200);
  assert.match(html.headers['content-type'], /^text\/html/);
  assert.match(html.body, /<title>fourfold status — event-loop<\/title>/);
  assert.ok(html.body.includes('id="initial" type="application/json"'));
  assert.equal(html.headers['cache-control'], 'no-store');
  assert.match((await get(s.port, '/server-status', { accept: 'application/json' })).headers['content-type'], /^application\/json/);
  const scrape = await get(s.port, '/server-status', { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' });
  assert.match(scrape.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.equal((await get(s.port, '/server-status?format=xml')).status, 400);
  assert.equal((await get(s.port, '/server-status?format=json&worker=99')).status, 400);
  const post = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, path: '/server-status', method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end('x');
  });
  assert.equal(post.statusCode, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');

  const off = await startServer([DEMO_SITE, '--model', 'event-loop']);
  t.after(() => off.stop());
  assert.equal((await get(off.port, '/server-status')).status, 404, 'no status page unless asked for');
});

test('status: a blocking pool closes the page\'s connection after each answer (a poll must not hold a worker)', async (t) => {
  const s = await startServer([DEMO_SITE, '--model', 'iterative', ...STATUS]);
  t.after(() => s.stop());
  const r = await new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true });
    http.get({ host: '127.0.0.1', port: s.port, path: '/server-status?format=json', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    }).on('error', reject);
  });
  assert.equal(r.headers.connection, 'close');
  const h = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: s.port, path: '/hello.txt', agent: new http.Agent({ keepAlive: true }) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    }).on('error', reject);
  });
  assert.notEqual(h.headers.connection, 'close', 'other requests keep their connection');
});

test('status: options are checked', async () => {
  const bad = await runCli(['serve', '--status-path', 'server-status']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--status-path must be a path like \/server-status/);
  const orphan = await runCli(['serve', '--status-public']);
  assert.equal(orphan.code, 2);
  assert.match(orphan.stderr, /--status-public needs --status-path/);
});

test('status: loopback is 127.0.0.0/8, ::1 and 127.x mapped into IPv6; nothing else', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
  for (const a of ['198.51.100.1', '10.0.0.1', '::ffff:10.0.0.1', '::', '0.0.0.0', '', '::2', '128.0.0.1', 'fe80::1', '1127.0.0.1']) assert.equal(isLoopback(a), false, a);
});

// A network namespace of our own (unshare --net: it ends with the process), with a second, non-loopback
// address on its lo: a client connecting to it has that address as its peer. No traffic leaves it.
const NETNS_ADDRESS = '198.51.100.1';
const netnsWorks = spawnSync('unshare', ['--net', '--', 'sh', '-c', `ip link set lo up && ip addr add ${NETNS_ADDRESS}/32 dev lo`], { timeout: 5000 }).status === 0;

test('status: served to loopback clients only, by the socket\'s peer address (a header cannot fake it); --status-public serves all', { skip: netnsWorks ? false : 'cannot make a network namespace here (unshare --net needs root)', timeout: 60_000 }, async () => {
  const script = path.join(ROOT, 'test/fixtures/status-access.mjs');
  const proc = spawn('unshare', ['--net', '--', 'sh', '-c', `ip link set lo up && ip addr add ${NETNS_ADDRESS}/32 dev lo && exec "${process.execPath}" "${script}" "${CLI}" ${NETNS_ADDRESS}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => proc.on('exit', resolve));
  assert.equal(code, 0, out);
  const r = JSON.parse(out);
  assert.equal(r.private.fromLoopback, 200);
  assert.equal(r.private.fromLoopbackClaimingElsewhere, 200, 'X-Forwarded-For does not matter');
  assert.equal(r.private.fromElsewhere, 403);
  assert.equal(r.private.fromElsewhereClaimingLoopback, 403, 'X-Forwarded-For: 127.0.0.1 does not open it');
  assert.equal(r.private.otherPathsFromElsewhere, 200, 'the rest of the site is served to everyone');
  assert.equal(r.public.fromElsewhere, 200);
  assert.equal(r.public.peerSeen, NETNS_ADDRESS, 'the access log shows the peer address');
});

test('--trace-syscalls: one request, strace-style on stderr, from the master and its child processes and threads', { timeout: 60_000 }, async (t) => {
  for (const model of ['iterative', 'process', 'thread']) {
    const s = await startServer([DEMO_SITE, '--model', model, '--trace-syscalls']);
    assert.equal((await get(s.port, '/hello.txt')).status, 200);
    await new Promise((r) => setTimeout(r, 300)); // the child's last lines
    await s.stop();
    const err = s.output().stderr;
    const lines = err.split('\n').filter((l) => /^\[\d+:\d+\] \w+\(/.test(l));
    const line = (re) => lines.find((l) => re.test(l));
    for (const re of [/\] socket\(AF_INET, SOCK_STREAM/, /\] bind\(\d+, 127\.0\.0\.1:\d+\) = 0/, /\] listen\(\d+, \d+\) = 0/, /\] accept4\(\d+, [A-Z_|0]+\) = \d+ </, /\] recv\(\d+, \d+, 0\) = \d+ </, /\] (send|sendmsg)\(\d+, .*\) = \d+ </, /\] close\(\d+\) = 0 </]) {
      assert.ok(line(re), `${model}: no line like ${re} in:\n${lines.join('\n')}`);
    }
    const who = (re) => /^\[(\d+):(\d+)\]/.exec(line(re)).slice(1).map(Number);
    const [masterPid] = who(/\] listen\(/);
    assert.equal(masterPid, s.proc.pid);
    const [pid, tid] = who(/\] recv\(\d+, \d+, 0\) = [1-9]/);
    if (model === 'process') assert.notEqual(pid, masterPid, 'the child inherited the trace');
    else assert.equal(pid, masterPid);
    if (model === 'thread') assert.notEqual(tid, masterPid, 'the thread traces itself');
  }
});
