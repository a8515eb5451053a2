// The process models over real sockets, through the CLI: `process` (a new
// OS process per connection, under a master) and `prefork` (a supervised
// pool). What they promise beyond serving: a crash loses one connection only,
// the cap holds clients in the backlog, dead or retired workers are
// replaced, SIGTERM lets in-flight requests finish, and no process outlives
// its master — not even a master killed with kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, readdirSync, readlinkSync, existsSync } from 'node:fs';
import { startServer } from './helpers/server.mjs';
import { Cell, strideOf } from '../dist/models/scoreboard.js';

const CRASH_APP = 'test/fixtures/apps/crash-app.mjs';
const SITE = 'test/fixtures/site';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The pids of a process's children (those started by its main thread: libuv spawns from there). */
function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Is this pid a live process (a zombie is not)? */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Wait until test() holds, polling; returns its last value. */
async function until(test, { timeoutMs = 5000, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let v = test();
  while (!v && Date.now() < deadline) {
    await sleep(everyMs);
    v = test();
  }
  return v;
}

/** A keep-alive HTTP/1.1 client on one raw connection: get(path) resolves { status, body } or null when the connection ends first. */
function connect(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let buf = '';
  let waiter = null;
  let ended = false;
  const check = () => {
    if (waiter === null) return;
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = buf.slice(0, end);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length >= end + 4 + len) {
        const body = buf.slice(end + 4, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        const w = waiter;
        waiter = null;
        w({ status: Number(head.slice(9, 12)), body });
        return;
      }
    }
    if (ended) {
      const w = waiter;
      waiter = null;
      w(null);
    }
  };
  sock.setEncoding('latin1');
  sock.on('data', (d) => {
    buf += d;
    check();
  });
  const onEnd = () => {
    ended = true;
    check();
  };
  sock.on('end', onEnd);
  sock.on('close', onEnd);
  sock.on('error', onEnd);
  return {
    sock,
    get(path) {
      return new Promise((resolve) => {
        waiter = resolve;
        if (ended) return check();
        sock.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
      });
    },
    close() {
      sock.destroy();
    },
  };
}

/** One request on a fresh connection (closed after). */
async function once(port, path) {
  const c = connect(port);
  try {
    return await c.get(path);
  } finally {
    c.close();
  }
}

const lines = (text, re) => text.split('\n').filter((l) => re.test(l));

/** The master's scoreboard, read from outside: its memfd, opened through /proc/<pid>/fd. Rows of Float64 cells. */
function scoreboard(pid) {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith('/memfd:fourfold-scoreboard')) continue;
    const bytes = readFileSync(`/proc/${pid}/fd/${fd}`);
    const cells = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    const stride = strideOf(false); // (no --status-path: rows without a record region)
    return Array.from({ length: cells.length / stride }, (_, i) => cells.subarray(i * stride, (i + 1) * stride));
  }
  return null;
}

// ── process: one new process per connection ─────────────────────────────────

test('process: every connection is served by its own new process, keep-alive included; the process then exits', async (t) => {
  const s = await startServer(['--model', 'process', SITE, '--app', CRASH_APP]);
  t.after(() => s.stop());
  const a = connect(s.port);
  const first = await a.get('/pid');
  const second = await a.get('/pid');
  assert.equal(first.status, 200);
  assert.equal(first.body, second.body, 'one connection, one process');
  const child = Number(first.body);
  assert.notEqual(child, s.proc.pid);
  assert.deepEqual(children(s.proc.pid), [child]);
  const other = await once(s.port, '/pid');
  assert.notEqual(other.body, first.body, 'another connection, another process');
  assert.equal((await once(s.port, '/hello.txt')).body, 'Hello, fixture!\n');
  a.close();
  assert.ok(await until(() => !alive(child)), 'the child exits when its connection ends');
});

for (const [what, path, expect] of [
  ['calls process.exit()', '/exit', /exited with a connection open/],
  ['throws asynchronously (uncaught)', '/throw-later', /exited with code 1/],
]) {
  test(`process: a handler that ${what} loses only its own connection; the master logs one line and serves on`, async (t) => {
    const s = await startServer(['--model', 'process', SITE, '--app', CRASH_APP]);
    t.after(() => s.stop());
    const bystander = connect(s.port); // a keep-alive client in another child, before and after the crash
    assert.equal((await bystander.get('/hello.txt')).status, 200);
    assert.equal(await once(s.port, path), null, 'the crashing connection ends without a response');
    assert.equal((await once(s.port, '/hello.txt')).status, 200, 'the next connection is served');
    assert.equal((await bystander.get('/hello.txt')).status, 200, 'the other child never noticed');
    bystander.close();
    await until(() => lines(s.output().stderr, /^fourfold: child \d+/).length > 0);
    const said = lines(s.output().stderr, /^fourfold: child \d+/);
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0], expect);
    assert.match(said[0], /its connection is lost/);
    assert.equal(s.proc.exitCode, null, 'the master runs on');
  });
}

test('process: a child killed with kill -9 loses only its own connection', async (t) => {
  const s = await startServer(['--model', 'process', SITE, '--app', CRASH_APP]);
  t.after(() => s.stop());
  const victim = connect(s.port);
  const answer = victim.get('/slow?ms=5000');
  const [pid] = await until(() => (children(s.proc.pid).length === 1 ? children(s.proc.pid) : null));
  await sleep(300); // past its start-up, into the request
  process.kill(pid, 'SIGKILL');
  assert.equal(await answer, null, 'its connection ends');
  assert.equal((await once(s.port, '/hello.txt')).status, 200);
  await until(() => /was killed by SIGKILL/.test(s.output().stderr));
  const said = lines(s.output().stderr, /^fourfold: child \d+/);
  assert.equal(said.length, 1, said.join('\n'));
  assert.match(said[0], new RegExp(`child ${pid} .*was killed by SIGKILL`));
});

test('process: --max-children 2: the third client waits in the backlog and is served when a child exits', async (t) => {
  const s = await startServer(['--model', 'process', SITE, '--app', CRASH_APP, '--max-children', '2', '--idle-timeout', '30']);
  t.after(() => s.stop());
  const a = connect(s.port);
  const b = connect(s.port);
  assert.equal((await a.get('/pid')).status, 200);
  assert.equal((await b.get('/pid')).status, 200);
  assert.equal(children(s.proc.pid).length, 2);
  // Two idle keep-alive connections hold both children: the third is connected (the kernel's backlog) but not served.
  const c = connect(s.port);
  let served = null;
  const third = c.get('/pid').then((r) => (served = r));
  await sleep(1000);
  assert.equal(served, null, 'not served while at the cap');
  assert.equal(children(s.proc.pid).length, 2, 'no third child');
  a.close(); // a child exits: a slot frees
  const r = await third;
  assert.equal(r?.status, 200, 'served once a slot was free');
  assert.equal(children(s.proc.pid).length, 2);
  b.close();
  c.close();
  assert.doesNotMatch(s.output().stderr, /child \d+ .*lost|Error/);
});

test('process: each child counts in its row of the master\'s scoreboard (shared memory, a memfd passed as fd)', async (t) => {
  const s = await startServer(['--model', 'process', SITE, '--app', CRASH_APP, '--max-children', '4']);
  t.after(() => s.stop());
  const a = connect(s.port);
  const pid = Number((await a.get('/pid')).body);
  await a.get('/hello.txt');
  await a.get('/hello.txt');
  // (a response is counted just after it is sent: give the child a moment)
  await until(() => scoreboard(s.proc.pid)?.find((r) => r[Cell.Pid] === pid)?.[Cell.Requests] === 3);
  const rows = scoreboard(s.proc.pid);
  assert.ok(rows, 'the master holds a memfd scoreboard');
  assert.equal(rows.length, 1 + 4, 'the master\'s row and one per child slot');
  const mine = rows.find((r) => r[Cell.Pid] === pid);
  assert.ok(mine, `the child ${pid} wrote its pid into a row`);
  assert.equal(mine[Cell.Requests], 3);
  assert.equal(mine[Cell.Status2xx], 3);
  assert.equal(mine[Cell.Open], 1);
  a.close();
  await until(() => !alive(pid));
  await sleep(100);
  const after = scoreboard(s.proc.pid).find((r) => r[Cell.Pid] === pid);
  assert.equal(after[Cell.Open], 0, 'closed in the books');
  assert.equal(after[Cell.Requests], 3, 'the counts stay');
});

// ── prefork: a supervised pool ──────────────────────────────────────────────

test('prefork: a worker killed with kill -9 is replaced; the port keeps answering', async (t) => {
  const s = await startServer(['--model', 'prefork', '--workers', '2', SITE, '--app', CRASH_APP]);
  t.after(() => s.stop());
  const before = await until(() => (children(s.proc.pid).length === 2 ? children(s.proc.pid) : null));
  process.kill(before[0], 'SIGKILL');
  const after = await until(() => {
    const now = children(s.proc.pid);
    return now.length === 2 && !now.includes(before[0]) ? now : null;
  });
  assert.ok(after, 'a new worker took its place');
  assert.ok(after.includes(before[1]), 'the other worker was left alone');
  for (let i = 0; i < 6; i++) assert.equal((await once(s.port, '/hello.txt'))?.status, 200);
  assert.equal(lines(s.output().stderr, /died with SIGKILL; starting a new one/).length, 1);
  const pids = () => scoreboard(s.proc.pid).slice(1).map((r) => r[Cell.Pid]).sort((x, y) => x - y);
  await until(() => pids().join() === [...after].sort((x, y) => x - y).join());
  assert.deepEqual(pids(), [...after].sort((x, y) => x - y), 'each worker has its row in the master\'s scoreboard, the new one in the dead one\'s');
  const rows = scoreboard(s.proc.pid);
  assert.equal(rows.reduce((n, r) => n + r[Cell.Status2xx], 0), 6, 'the requests were counted where the master sees them');
});

test('prefork: a handler that calls process.exit() loses its connection only; the worker is replaced', async (t) => {
  const s = await startServer(['--model', 'prefork', '--workers', '2', SITE, '--app', CRASH_APP]);
  t.after(() => s.stop());
  const before = await until(() => (children(s.proc.pid).length === 2 ? children(s.proc.pid) : null));
  assert.equal(await once(s.port, '/exit'), null);
  assert.ok(await until(() => children(s.proc.pid).length === 2 && children(s.proc.pid).some((p) => !before.includes(p))));
  for (let i = 0; i < 4; i++) assert.equal((await once(s.port, '/hello.txt'))?.status, 200);
  const said = lines(s.output().stderr, /^fourfold: worker \d+/);
  assert.equal(said.length, 1, said.join('\n'));
  assert.match(said[0], /exited with a connection open.*starting a new one/);
});

test('prefork: --max-requests 2 recycles a worker after 2 connections (its pid changes), quietly', async (t) => {
  const s = await startServer(['--model', 'prefork', '--workers', '1', '--max-requests', '2', SITE, '--app', CRASH_APP]);
  t.after(() => s.stop());
  const pids = [];
  for (let i = 0; i < 6; i++) {
    const r = await once(s.port, '/pid');
    assert.equal(r?.status, 200);
    pids.push(Number(r.body));
  }
  assert.equal(pids[0], pids[1]);
  assert.equal(pids[2], pids[3]);
  assert.equal(pids[4], pids[5]);
  assert.equal(new Set(pids).size, 3, `three workers in turn: ${pids}`);
  assert.doesNotMatch(s.output().stderr, /died|exited/);
  const { code } = await s.stop();
  assert.equal(code, 0);
});

// ── both: graceful shutdown, and no process outlives the master ─────────────

for (const model of ['process', 'prefork']) {
  const args = ['--model', model, ...(model === 'prefork' ? ['--workers', '2'] : []), SITE, '--app', CRASH_APP];

  test(`${model}: SIGTERM lets a slow in-flight request complete, exits 0, and leaves no process`, async (t) => {
    const s = await startServer(args);
    t.after(() => s.stop());
    const slow = connect(s.port);
    const answer = slow.get('/slow?ms=1500');
    const workers = await until(() => (children(s.proc.pid).length > 0 ? children(s.proc.pid) : null));
    await sleep(500); // the request is in the handler now
    s.proc.kill('SIGTERM');
    const r = await answer;
    assert.equal(r?.status, 200, 'the in-flight request was answered');
    assert.match(r.body, /^slept 1500 ms/);
    slow.close();
    const { code, signal } = await s.exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(await until(() => workers.every((p) => !alive(p)), { timeoutMs: 2000 }), 'no worker left');
    assert.equal(await new Promise((resolve) => net.connect(s.port, '127.0.0.1').on('error', () => resolve('refused')).on('connect', () => resolve('connected'))), 'refused');
  });

  if (model === 'process') {
    test('process: SIGTERM while a child is still starting: the request its client already sent is answered', async (t) => {
      const s = await startServer(args);
      t.after(() => s.stop());
      const c = connect(s.port);
      const answer = c.get('/hello.txt'); // sent at once: it waits in the socket while the child loads
      await until(() => children(s.proc.pid).length === 1, { everyMs: 5 });
      s.proc.kill('SIGTERM'); // the child gets SIGTERM before it has read anything
      const r = await answer;
      c.close();
      assert.equal(r?.status, 200, 'answered, not closed unanswered');
      assert.equal((await s.exited).code, 0);
    });
  }

  test(`${model}: kill -9 of the master leaves no process behind`, async (t) => {
    const s = await startServer(args);
    t.after(() => s.stop());
    // Busy workers: an idle keep-alive connection and a request in a handler.
    const idle = connect(s.port);
    assert.equal((await idle.get('/hello.txt')).status, 200);
    const busy = connect(s.port);
    assert.equal((await busy.get('/hello.txt')).status, 200); // its worker is up (start-up under load can take a second)
    void busy.get('/slow?ms=800');
    await sleep(300);
    const workers = children(s.proc.pid);
    assert.ok(workers.length >= (model === 'process' ? 2 : 2), `workers: ${workers}`);
    process.kill(s.proc.pid, 'SIGKILL');
    await s.exited;
    const left = await until(() => workers.every((p) => !alive(p)), { timeoutMs: 2000 });
    idle.close();
    busy.close();
    if (!left) {
      const stuck = workers.filter(alive);
      const wchan = stuck.map((p) => `${p}: ${readFileSync(`/proc/${p}/wchan`, 'utf8')} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').slice(-2).join(' ')}`);
      await until(() => workers.every((p) => !alive(p)), { timeoutMs: 10000 });
      const late = workers.filter(alive);
      late.forEach((p) => process.kill(p, 'SIGKILL'));
      assert.fail(`still running 2 s after the master died: ${wchan.join('; ')}; after 12 s: ${late}`);
    }
    assert.ok(!existsSync(`/proc/${s.proc.pid}/stat`) || !alive(s.proc.pid));
  });
}
