// The command line as a user meets it: help, bad usage, start-up failures,
// the listening line, graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli, startServer } from './helpers/server.mjs';

test('fourfold --help and serve --help list the commands and every flag', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /serve \[root\]/);
  const r = await runCli(['serve', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--model', '--poller', '--workers', '--host', '--port', '--backlog', '--app', '--dir-listing', '--cache-control', '--cors', '--spa', '--no-compress', '--follow-symlinks', '--dotfiles', '--header-timeout', '--idle-timeout', '--send-timeout', '--max-target', '--max-header', '--max-headers', '--max-body', '--log', '--quiet']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
  for (const model of ['iterative', 'process', 'prefork', 'thread', 'threadpool', 'event-loop']) assert.ok(r.stdout.includes(model));
});

const usageErrors = [
  [['serve', '--bogus'], /unknown option '--bogus'/i],
  [['serve', '--model', 'nope'], /unknown model 'nope'/],
  [['serve', '--model', 'fork'], /unknown model 'fork' \(choose: iterative, process, prefork, thread, threadpool, event-loop\)/],
  [['serve', '--port', 'abc'], /--port expects a whole number/],
  [['serve', '--port', '70000'], /--port must be a whole number from 0 to 65535, got 70000/],
  [['serve', '--header-timeout', 'soon'], /--header-timeout expects a duration/],
  [['serve', '--max-body', '12 parsecs'], /--max-body expects a size/],
  [['serve', '--log', 'xml'], /--log must be combined, json or off/],
  [['serve', '--model', 'iterative', '--workers', '2'], /--workers applies to --model .*event-loop.*, not iterative/],
  [['serve', '--model', 'iterative', '--poller', 'poll'], /--poller applies to --model event-loop, not iterative/],
  [['serve', '--model', 'event-loop', '--max-children', '3'], /--max-children applies to --model process, not event-loop/],
  [['serve', '--poller', 'kqueue'], /unknown poller 'kqueue'/],
  [['serve', 'a', 'b'], /at most one root/],
  [['frobnicate'], /unknown command 'frobnicate'/],
];
for (const [args, message] of usageErrors) {
  test(`bad usage exits 2 with one line: ${args.join(' ')}`, async () => {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^fourfold: /);
  });
}

test('a busy port: one line naming the port, exit 1', async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const port = blocker.address().port;
  try {
    for (const model of ['iterative', 'event-loop']) {
      const r = await runCli(['serve', '--model', model, '--port', String(port)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${port} is already in use`));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  } finally {
    blocker.close();
  }
});

test('a missing root or app module: one line, exit 1', async () => {
  const r = await runCli(['serve', './no/such/dir', '--port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /root directory not found: \.\/no\/such\/dir/);
  const a = await runCli(['serve', '--app', './no-such-app.mjs', '--port', '0']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /no-such-app\.mjs/);
});

test('--port 0 prints the port it got; IPv6 works', async (t) => {
  const s = await startServer(['--host', '::1', 'test/fixtures/site']);
  t.after(() => s.stop());
  assert.match(s.output().stderr, /^fourfold listening on http:\/\/\[::1\]:\d+ \(model: event-loop\)\n/m);
  assert.equal(s.output().stdout, '', 'stdout is the access log\'s alone');
  const res = await fetch(`${s.url}/hello.txt`);
  assert.equal(await res.text(), 'Hello, fixture!\n');
});

test('fourfold demo serves the bundled demo site', async (t) => {
  const s = await startServer([], { command: 'demo' });
  t.after(() => s.stop());
  const res = await fetch(`${s.url}/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /fourfold/i);
});

for (const model of ['iterative', 'event-loop']) {
  test(`${model}: SIGTERM finishes the request in flight, then exits 0`, async () => {
    const s = await startServer(['--model', model, '--app', 'test/fixtures/apps/slow-app.mjs']);
    const pending = fetch(`${s.url}/slow?ms=600`).then(async (r) => ({ status: r.status, body: await r.text(), connection: r.headers.get('connection') }));
    await new Promise((r) => setTimeout(r, 200));
    s.proc.kill('SIGTERM');
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'slept 600 ms\n');
    const { code } = await s.exited;
    assert.equal(code, 0);
    // …and it no longer accepts connections
    await assert.rejects(fetch(`${s.url}/`));
  });

  test(`${model}: SIGINT on an idle server exits 0 promptly`, async () => {
    const s = await startServer(['--model', model, 'test/fixtures/site']);
    const started = Date.now();
    s.proc.kill('SIGINT');
    const { code } = await s.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 3000);
  });
}

test('access log: combined format by default, json on request, off when quiet', async (t) => {
  const s = await startServer(['test/fixtures/site', '--log', 'combined']);
  t.after(() => s.stop());
  await (await fetch(`${s.url}/hello.txt`, { headers: { 'user-agent': 'tester/1.0', referer: 'http://r/' } })).text();
  await s.stop();
  assert.match(s.output().stdout, /127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/hello\.txt HTTP\/1\.1" 200 16 "http:\/\/r\/" "tester\/1\.0"/);

  const j = await startServer(['test/fixtures/site', '--log', 'json']);
  await (await fetch(`${j.url}/nope`)).text();
  await j.stop();
  const line = j.output().stdout.split('\n').find((l) => l.startsWith('{'));
  const entry = JSON.parse(line);
  assert.equal(entry.status, 404);
  assert.equal(entry.target, '/nope');
});
