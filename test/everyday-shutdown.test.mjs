// Items 10 and 2 of "Everyday use": stopping. Ctrl-C says that it drains and
// for how long (--shutdown-timeout, read by every model), a second Ctrl-C
// stops at once with exit code 130; and the workers of event-loop --workers N
// never outlive a supervisor killed with SIGKILL (PR_SET_PDEATHSIG and the
// IPC channel's end, in worker-process.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import { startServer } from './helpers/server.mjs';

const APP = 'test/fixtures/apps/drip-app.mjs';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Start /drip on a raw socket; resolves once its first bytes arrived. Returns { received(), ended }. */
async function startDrip(port) {
  const sock = net.connect(port, '127.0.0.1');
  let text = '';
  const ended = new Promise((resolve) => {
    sock.on('close', () => resolve(text));
    sock.on('error', () => {});
  });
  await new Promise((resolve) => {
    sock.on('data', (d) => {
      text += d;
      if (text.includes('drop 0')) resolve();
    });
    sock.write('GET /drip HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  return { received: () => text, ended, sock };
}

const children = (pid) => {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
/** Alive and not a zombie. */
const alive = (pid) => {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

const MODELS = [['iterative'], ['event-loop'], ['event-loop', '--workers', '2'], ['prefork', '--workers', '2'], ['process'], ['threadpool', '--workers', '2'], ['thread']];

describe('Ctrl-C during a long response', () => {
  for (const m of MODELS) {
    test(`${m.join(' ')}: says it drains and for how long, cuts the response at --shutdown-timeout, exits 0`, async () => {
      const s = await startServer(['--model', ...m, '--app', APP, '--shutdown-timeout', '1s']);
      const drip = await startDrip(s.port);
      const t0 = Date.now();
      s.proc.kill('SIGINT');
      await sleep(200);
      assert.match(s.output().stderr, /SIGINT: stopping: no new connections; requests in flight have up to 1 s to finish \(Ctrl-C again to stop now\)/);
      const { code } = await s.exited;
      const took = Date.now() - t0;
      assert.equal(code, 0, s.output().stderr);
      assert.ok(took >= 800 && took < 4000, `stopped after ${took} ms`);
      const text = await drip.ended;
      assert.ok(!text.endsWith('0\r\n\r\n'), 'the response was cut, not finished');
      assert.match(s.output().stderr, /shutdown timeout \(1000 ms\) reached/);
    });
  }

  // A handler still working when the shutdown timeout ends: its client is cut then (the master of a
  // pool or per-connection model kills its worker 2 s later at the latest; iterative has no master).
  for (const m of [['iterative'], ['prefork', '--workers', '2'], ['threadpool', '--workers', '2'], ['event-loop']]) {
    test(`${m.join(' ')}: a handler that has not answered when --shutdown-timeout ends does not hold its client`, async () => {
      const s = await startServer(['--model', ...m, '--app', 'test/fixtures/apps/slow-app.mjs', '--shutdown-timeout', '1s']);
      const sock = net.connect(s.port, '127.0.0.1');
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('error', () => {});
      const closed = new Promise((resolve) => sock.on('close', () => resolve(Date.now())));
      sock.write('GET /slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(300); // the handler is at work
      const t0 = Date.now();
      s.proc.kill('SIGTERM');
      const closedAt = await Promise.race([closed, sleep(4000).then(() => null)]);
      sock.destroy();
      assert.ok(closedAt !== null, 'the client is still waiting 4 s after SIGTERM, with a shutdown timeout of 1 s');
      assert.ok(closedAt - t0 >= 800, `cut after ${closedAt - t0} ms, before the shutdown timeout`);
      assert.equal(text, '', 'no answer: it was cut');
      assert.equal((await s.exited).code, 0, s.output().stderr);
    });
  }

  test('without --shutdown-timeout the message names the default, 10 s', async () => {
    const s = await startServer(['--app', APP]);
    const drip = await startDrip(s.port);
    s.proc.kill('SIGINT');
    await sleep(300);
    assert.match(s.output().stderr, /requests in flight have up to 10 s to finish/);
    s.proc.kill('SIGKILL');
    drip.sock.destroy();
    await s.exited;
  });

  for (const m of MODELS) {
    test(`${m.join(' ')}: a second Ctrl-C stops at once, exit code 130`, async () => {
      const s = await startServer(['--model', ...m, '--app', APP]);
      const workers = children(s.proc.pid);
      const drip = await startDrip(s.port);
      s.proc.kill('SIGINT');
      await sleep(300);
      const t0 = Date.now();
      s.proc.kill('SIGINT');
      const { code, signal } = await s.exited;
      assert.equal(code, 130, `code ${code}, signal ${signal}: ${s.output().stderr}`);
      assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
      assert.match(s.output().stderr, /SIGINT again: stopping now/);
      await drip.ended;
      await sleep(200);
      assert.deepEqual(workers.filter(alive), [], 'no worker process is left');
    });
  }

  test('--shutdown-timeout 0: requests in flight are cut at once', async () => {
    const s = await startServer(['--app', APP, '--shutdown-timeout', '0']);
    const drip = await startDrip(s.port);
    const t0 = Date.now();
    s.proc.kill('SIGTERM');
    const { code } = await s.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 1500);
    await drip.ended;
    assert.match(s.output().stderr, /SIGTERM: stopping: no new connections; requests in flight are cut/);
  });
});

describe('event-loop --workers 2 after kill -9 of the supervisor', () => {
  test('no worker keeps serving: the port stops answering and the workers exit', async () => {
    const s = await startServer(['--model', 'event-loop', '--workers', '2', 'test/fixtures/site']);
    const workers = children(s.proc.pid);
    assert.equal(workers.length, 2);
    s.proc.kill('SIGKILL');
    await s.exited;
    const until = Date.now() + 5000;
    while (workers.some(alive) && Date.now() < until) await sleep(50);
    assert.deepEqual(workers.filter(alive), [], 'every worker has exited');
    await assert.rejects(fetch(`${s.url}/hello.txt`), 'nothing answers on the port');
  });

  test(
    'and stopping does not crash with ERR_IPC_DISCONNECTED',
    async () => {
      const s = await startServer(['--model', 'event-loop', '--workers', '2', 'test/fixtures/site']);
      const workers = children(s.proc.pid);
      s.proc.kill('SIGKILL');
      await s.exited;
      const until = Date.now() + 5000;
      while (workers.some(alive) && Date.now() < until) await sleep(50);
      // The workers share the supervisor's stderr pipe: what they said on the way out is in it.
      assert.doesNotMatch(s.output().stderr, /ERR_IPC_DISCONNECTED|ERR_IPC_CHANNEL_CLOSED/);
    },
  );

  test('SIGTERM to a worker whose supervisor is gone does not crash it either', async () => {
    const s = await startServer(['--model', 'event-loop', '--workers', '2', 'test/fixtures/site', '--app', APP]);
    const workers = children(s.proc.pid);
    const drip = await startDrip(s.port); // keeps one worker busy past the supervisor's death
    s.proc.kill('SIGKILL');
    await s.exited;
    await sleep(200);
    for (const w of workers.filter(alive)) process.kill(w, 'SIGTERM');
    const until = Date.now() + 12_000;
    while (workers.some(alive) && Date.now() < until) await sleep(50);
    drip.sock.destroy();
    assert.deepEqual(workers.filter(alive), []);
    assert.doesNotMatch(s.output().stderr, /ERR_IPC_DISCONNECTED|ERR_IPC_CHANNEL_CLOSED/);
  });
});
