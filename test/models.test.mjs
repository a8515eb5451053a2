// Behaviour every model must share, over real sockets: handlers (async,
// throwing, Hono), concurrency, idle cost, the select() descriptor limit,
// and the supervision of --workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer } from './helpers/server.mjs';

const MODELS = [
  ['iterative'],
  ['event-loop', '--poller', 'epoll'],
  ['event-loop', '--poller', 'poll'],
  ['event-loop', '--poller', 'select'],
];

for (const args of MODELS) {
  const name = args.join(' ');
  const model = ['--model', ...args];

  test(`${name}: async handler (timer + fs.promises) answers, and declines to static files`, async (t) => {
    const s = await startServer([...model, 'test/fixtures/site', '--app', 'test/fixtures/apps/async-app.mjs']);
    t.after(() => s.stop());
    const r = await fetch(`${s.url}/data`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-async'), 'yes');
    assert.equal(await r.text(), readFileSync('test/fixtures/apps/async-data.txt', 'utf8'));
    const f = await fetch(`${s.url}/hello.txt`);
    assert.equal(await f.text(), 'Hello, fixture!\n');
  });

  test(`${name}: a throwing handler gives 500 and the server lives on`, async (t) => {
    const s = await startServer([...model, '--app', 'test/fixtures/apps/throwing-app.mjs']);
    t.after(() => s.stop());
    for (const path of ['/sync', '/async', '/sync']) {
      const r = await fetch(`${s.url}${path}`);
      assert.equal(r.status, 500, path);
      await r.text();
    }
    const ok = await fetch(`${s.url}/fine`);
    assert.equal(await ok.text(), 'still alive\n');
    assert.match(s.output().stderr, /thrown synchronously/);
  });

  test(`${name}: a Hono app runs unchanged`, async (t) => {
    const s = await startServer([...model, '--app', 'test/fixtures/apps/hono-app.mjs']);
    t.after(() => s.stop());
    const root = await fetch(`${s.url}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /hono/i);
    const j = await fetch(`${s.url}/json/42`);
    assert.equal(j.headers.get('content-type'), 'application/json');
    assert.equal((await j.json()).id, '42');
    const e = await fetch(`${s.url}/echo`, { method: 'POST', body: 'ping', headers: { 'content-type': 'text/x-test' } });
    assert.match(await e.text(), /ping/);
    const st = await fetch(`${s.url}/stream`);
    assert.equal(st.headers.get('transfer-encoding'), 'chunked');
    assert.ok((await st.text()).length > 0);
    const c = await fetch(`${s.url}/cookies`);
    assert.equal(c.headers.getSetCookie().length, 2);
    assert.equal((await fetch(`${s.url}/nope`)).status, 404);
    assert.equal((await fetch(`${s.url}/boom`)).status, 500);
  });
}

const EVENT_LOOPS = MODELS.slice(1);

/** Open n TCP connections (optionally sending a request on each) and wait for every answer. */
async function flood(port, n, request) {
  const socks = [];
  const answers = [];
  for (let i = 0; i < n; i++) {
    const sock = net.connect(port, '127.0.0.1');
    socks.push(sock);
    answers.push(
      new Promise((resolve) => {
        let data = '';
        sock.on('data', (d) => {
          data += d;
          if (request && /\r\n\r\n/.test(data) && data.includes('Hello, fixture!')) resolve(data);
          if (data.startsWith('HTTP/1.1 503')) resolve(data);
        });
        sock.on('error', () => resolve(data));
        sock.on('close', () => resolve(data));
      }),
    );
  }
  await Promise.all(socks.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r).once('error', r) : r()))));
  if (request) for (const s of socks) s.write(request);
  return { socks, answers };
}

for (const args of EVENT_LOOPS.slice(0, 2)) {
  test(`${args.join(' ')}: 2,000 concurrent connections are all served`, async (t) => {
    const s = await startServer(['--model', ...args, 'test/fixtures/site', '--header-timeout', '30']);
    t.after(() => s.stop());
    const { socks, answers } = await flood(s.port, 2000, 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await Promise.all(answers);
    socks.forEach((x) => x.destroy());
    assert.equal(got.filter((g) => g.startsWith('HTTP/1.1 200 OK')).length, 2000);
  });
}

test('event-loop select: descriptors ≥ 1024 get 503, nothing crashes, the server goes on', async (t) => {
  const s = await startServer(['--model', 'event-loop', '--poller', 'select', 'test/fixtures/site', '--header-timeout', '30']);
  t.after(() => s.stop());
  const { socks, answers } = await flood(s.port, 1100, 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n');
  const got = await Promise.all(answers);
  socks.forEach((x) => x.destroy());
  const ok = got.filter((g) => g.startsWith('HTTP/1.1 200')).length;
  const refused = got.filter((g) => g.startsWith('HTTP/1.1 503')).length;
  assert.equal(ok + refused, 1100, 'every connection got an answer');
  assert.ok(refused > 0, 'some were beyond FD_SETSIZE');
  assert.ok(ok > 900, `most were served (${ok})`);
  assert.equal((s.output().stderr.match(/cannot watch descriptors/g) ?? []).length, 1, 'said why, once');
  await new Promise((r) => setTimeout(r, 200));
  const after = await fetch(`${s.url}/hello.txt`);
  assert.equal(after.status, 200);
});

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
}

for (const args of EVENT_LOOPS) {
  test(`${args.join(' ')}: idle CPU stays near zero with 100 idle connections`, async (t) => {
    const s = await startServer(['--model', ...args, 'test/fixtures/site', '--idle-timeout', '30', '--header-timeout', '30']);
    t.after(() => s.stop());
    const { socks } = await flood(s.port, 100, null);
    await new Promise((r) => setTimeout(r, 300));
    const before = cpuTicks(s.proc.pid);
    await new Promise((r) => setTimeout(r, 2000));
    const used = cpuTicks(s.proc.pid) - before;
    socks.forEach((x) => x.destroy());
    assert.ok(used <= 6, `used ${used} ticks (1/100 s) in 2 s: more than 3% of a core`);
  });
}

test('event-loop --workers 2: a killed worker is replaced and the port keeps answering', async (t) => {
  const s = await startServer(['--model', 'event-loop', '--workers', '2', 'test/fixtures/site']);
  t.after(() => s.stop());
  const children = () =>
    readFileSync(`/proc/${s.proc.pid}/task/${s.proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const before = children();
  assert.equal(before.length, 2);
  process.kill(before[0], 'SIGKILL');
  let after = before;
  for (let i = 0; i < 50 && (after.length < 2 || after.includes(before[0])); i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = children();
  }
  assert.equal(after.length, 2);
  assert.ok(!after.includes(before[0]));
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${s.url}/hello.txt`, { headers: { connection: 'close' } })).status, 200);
  assert.match(s.output().stderr, /died with SIGKILL; starting a new one/);
  const { code } = await s.stop();
  assert.equal(code, 0);
});

for (const args of [['iterative'], ['event-loop']]) {
  test(`${args.join(' ')}: a client that stops reading is cut off after --send-timeout`, async (t) => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/fourfold-slow-reader-`);
    writeFileSync(`${dir}/big.bin`, Buffer.alloc(64 << 20, 7));
    const s = await startServer(['--model', ...args, dir, '--send-timeout', '1']);
    t.after(() => s.stop());
    const sock = net.connect(s.port, '127.0.0.1');
    sock.setNoDelay(true);
    sock.pause(); // read nothing: the kernel buffers fill, the server's send blocks
    sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 2500));
    if (args[0] === 'event-loop') {
      // meanwhile others are served
      assert.equal((await fetch(`${s.url}/big.bin`, { method: 'HEAD' })).status, 200);
    }
    let received = 0;
    const ended = new Promise((resolve) => {
      sock.on('data', (d) => (received += d.length));
      sock.on('end', resolve);
      sock.on('error', resolve);
      sock.on('close', resolve);
    });
    sock.resume();
    await ended;
    assert.ok(received < 64 << 20, `the response was cut short (${received} bytes)`);
    // and the server is fine
    assert.equal((await fetch(`${s.url}/big.bin`, { method: 'HEAD' })).status, 200);
  });
}
