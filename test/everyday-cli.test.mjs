// The command line as users of http-server, serve and nginx expect it
// ("Everyday use", items 5, 12, 14, the new flags, and 17's source maps):
// stdout carries the access log alone; no root means the current directory,
// listed; short flags; our own messages; every flag in the help and README.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { startServer, runCli, ROOT, CLI } from './helpers/server.mjs';
import { makeSite, exchange } from './fixtures/app-requests.mjs';
import { SERVE_FLAGS } from '../dist/cli/serve-args.js';
import { flagOf } from '../dist/models/config.js';
import { serve, DEMO_ROOT } from '../dist/index.js';

const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

let site;
before(() => {
  site = makeSite('cli', {
    'hello.txt': 'hello\n',
    'docs/a.txt': 'a\n',
    'about.html': '<p>about</p>\n',
    '404.html': '<h1>lost</h1>\n',
    'edit.txt': 'one\n',
  });
});
after(() => site.remove());

// ── 5. stdout is the access log's alone ──────────────────────────────────────
describe('--log json | jq', () => {
  test('every line on stdout is a JSON log entry; the listening line is on stderr', async () => {
    const s = await startServer([site.dir, '--log', 'json']);
    await (await fetch(`${s.url}/hello.txt`)).text();
    await (await fetch(`${s.url}/nope`)).text();
    await s.stop();
    const { stdout, stderr } = s.output();
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2, stdout);
    assert.deepEqual(lines.map((l) => JSON.parse(l).status), [200, 404]);
    assert.match(stderr, /^fourfold listening on http:\/\/127\.0\.0\.1:\d+ \(model: event-loop\)$/m);
  });

  test('combined: only access-log lines on stdout, notices on stderr', async () => {
    const s = await startServer([site.dir, '--log', 'combined']);
    await (await fetch(`${s.url}/hello.txt`)).text();
    await s.stop();
    const { stdout, stderr } = s.output();
    assert.match(stdout, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 6 "-" "[^"]*"\n$/);
    assert.match(stderr, /listening on/);
    assert.match(stderr, /SIGTERM: stopping/);
  });
});

// ── 12. No root: the current directory, listed ───────────────────────────────
/** Start the CLI with exactly these arguments (no command added) in `cwd`. */
function startRaw(args, cwd) {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const listening = new Promise((resolve, reject) => {
    proc.stderr.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { proc, listening, exited, output: () => ({ out, err }) };
}

describe('no root', () => {
  for (const args of [['-p', '0'], ['serve', '--port', '0'], ['--port=0', '--log', 'off']]) {
    test(`fourfold ${args.join(' ')} serves the current directory, with listings`, async () => {
      const r = startRaw(args, site.dir);
      try {
        const url = await r.listening;
        assert.equal(await (await fetch(`${url}/hello.txt`)).text(), 'hello\n');
        const listing = await fetch(`${url}/docs/`);
        assert.equal(listing.status, 200);
        assert.match(await listing.text(), /a\.txt/);
      } finally {
        r.proc.kill('SIGTERM');
        await r.exited;
      }
    });
  }

  test('fourfold with no arguments at all serves the current directory on port 8080 (or says the port is taken)', async () => {
    const r = startRaw([], site.dir);
    const outcome = await Promise.race([r.listening.then((url) => ({ url })), r.exited.then((code) => ({ code }))]).catch((e) => ({ error: e }));
    try {
      if (outcome.url !== undefined) {
        assert.equal(outcome.url, 'http://127.0.0.1:8080');
        assert.equal(await (await fetch(`${outcome.url}/hello.txt`, { headers: { connection: 'close' } })).text(), 'hello\n');
      } else {
        assert.match(r.output().err, /port 8080 is already in use/, JSON.stringify(outcome));
      }
      assert.ok(!r.output().out.includes('Usage:'), 'serves, does not print help');
    } finally {
      r.proc.kill('SIGTERM');
      await r.exited;
    }
  });

  test('fourfold ./dir serves that directory', async () => {
    const r = startRaw([site.dir, '-p', '0'], ROOT);
    try {
      assert.equal(await (await fetch(`${await r.listening}/hello.txt`)).text(), 'hello\n');
    } finally {
      r.proc.kill('SIGTERM');
      await r.exited;
    }
  });

  test('--no-dir-listing: a directory without index.html is not listed', async () => {
    const s = await startServer([site.dir, '--no-dir-listing']);
    try {
      assert.equal((await fetch(`${s.url}/docs/`)).status, 404);
    } finally {
      await s.stop();
    }
  });

  test('npm start and fourfold demo serve the bundled demo site', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.start, /dist\/cli\/main\.js demo\b/);
    const s = await startServer([], { command: 'demo', cwd: site.dir });
    try {
      const home = await (await fetch(`${s.url}/`)).text();
      assert.equal(home, fs.readFileSync(path.join(DEMO_ROOT, 'index.html'), 'utf8'));
    } finally {
      await s.stop();
    }
    const r = await runCli(['demo', site.dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fourfold demo serves the bundled demo site and takes no root/);
  });

  test('serve() keeps its own defaults: the demo site, no listings', async () => {
    const s = await serve({ port: 0, quiet: true });
    try {
      assert.match(await (await fetch(`${s.url}/`)).text(), /fourfold/);
    } finally {
      await s.close();
    }
    const t = await serve({ port: 0, quiet: true, root: site.dir });
    try {
      assert.equal((await fetch(`${t.url}/docs/`)).status, 404);
    } finally {
      await t.close();
    }
  });
});

// ── 14. Flags from habit, our own messages ───────────────────────────────────
describe('short flags, version, help', () => {
  test('-p and -a', async () => {
    const r = startRaw(['serve', site.dir, '-p', '0', '-a', '::1'], ROOT);
    try {
      const url = await r.listening;
      assert.match(url, /^http:\/\/\[::1\]:\d+$/);
      assert.equal(await (await fetch(`${url}/hello.txt`)).text(), 'hello\n');
    } finally {
      r.proc.kill('SIGTERM');
      await r.exited;
    }
  });

  for (const args of [['-v'], ['--version'], ['version'], ['serve', '--version'], ['serve', '-v']]) {
    test(`fourfold ${args.join(' ')} prints the version`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${VERSION}\n`);
    });
  }

  test('fourfold serve --help lists every flag, the short ones, and the stdout/stderr split', async () => {
    const r = await runCli(['serve', '--help']);
    assert.equal(r.code, 0);
    for (const flag of Object.keys(SERVE_FLAGS)) assert.ok(r.stdout.includes(`--${flag}`), `help mentions --${flag}`);
    for (const short of ['-p, --port', '-a, --host', '-h, --help', '-v, --version']) assert.ok(r.stdout.includes(short), short);
    assert.match(r.stdout, /stdout carries only the access log/);
    assert.match(r.stdout, /default: the current directory/);
  });

  test('every option with a flag in serve() has that flag on the command line', () => {
    const options = ['app', 'model', 'poller', 'workers', 'maxChildren', 'maxThreads', 'maxRequests', 'host', 'port', 'backlog', 'order', 'dirListing', 'cacheControl', 'cors', 'spa', 'compress', 'followSymlinks', 'dotfiles', 'notFoundPage', 'cleanUrls', 'cacheMetadataMs', 'timeouts.headerMs', 'timeouts.idleMs', 'timeouts.sendMs', 'timeouts.handlerMs', 'timeouts.shutdownMs', 'limits.maxTarget', 'limits.maxHeaderBytes', 'limits.maxHeaderCount', 'limits.maxBody', 'limits.maxBodyMemory', 'log', 'quiet'];
    for (const o of options) {
      const flag = flagOf(o);
      assert.ok(flag !== undefined && SERVE_FLAGS[flag.slice(2)] !== undefined, `${o} → ${flag}`);
    }
  });

  const ownWords = [
    [['serve', '--x'], /^fourfold: unknown option '--x'; see fourfold serve --help$/],
    [['serve', '--dir-listin'], /^fourfold: unknown option '--dir-listin' \(did you mean --dir-listing\?\); see fourfold serve --help$/],
    [['serve', '-z'], /^fourfold: unknown option '-z'; see fourfold serve --help$/],
    [['serve', '-p'], /^fourfold: --port needs a value: --port <n>; see fourfold serve --help$/],
    [['serve', '-p', '-h'], /^fourfold: --port needs a value: --port <n>;/],
    [['serve', '--port', '--cors'], /^fourfold: --port needs a value/],
    [['serve', '--cors=yes'], /^fourfold: --cors takes no value/],
    [['serve', '--port', 'abc'], /^fourfold: --port expects a whole number, got 'abc'; see fourfold serve --help$/],
    [['serve', '--model', 'foo'], /^fourfold: unknown model 'foo' \(choose: iterative, process, prefork, thread, threadpool, event-loop\); see fourfold serve --help$/],
    [['-p', 'abc'], /^fourfold: --port expects a whole number, got 'abc'; see fourfold serve --help$/],
    [['demo', '--bogus'], /^fourfold: unknown option '--bogus'; see fourfold serve --help$/],
    [['serv'], /^fourfold: unknown command 'serv' \(did you mean serve\?\); see fourfold --help$/],
  ];
  for (const [args, message] of ownWords) {
    test(`fourfold ${args.join(' ')}: our own one-line message, exit 2`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.trim(), message);
      assert.doesNotMatch(r.stderr, /To specify a positional|ambiguous|argument missing/);
    });
  }
});

// ── New flags for the static options ─────────────────────────────────────────
describe('flags for the static options', () => {
  const get = async (s, target) => exchange(s.port, 'GET', target);

  test('--handler-first asks the handler before the files', async () => {
    const app = 'test/fixtures/apps/claims-hello-app.mjs';
    const files = await startServer(['test/fixtures/site', '--app', app]);
    const first = await startServer(['test/fixtures/site', '--app', app, '--handler-first']);
    try {
      assert.equal((await get(files, '/hello.txt')).body.toString(), 'Hello, fixture!\n');
      assert.equal((await get(first, '/hello.txt')).body.toString(), 'from the handler\n');
    } finally {
      await Promise.all([files.stop(), first.stop()]);
    }
  });

  test('--no-404-page and --no-clean-urls', async () => {
    const plain = await startServer([site.dir, '--no-404-page', '--no-clean-urls']);
    const usual = await startServer([site.dir]);
    try {
      assert.equal((await get(usual, '/missing')).body.toString(), '<h1>lost</h1>\n');
      assert.equal((await get(usual, '/about')).status, 200);
      const missing = await get(plain, '/missing');
      assert.equal(missing.status, 404);
      assert.doesNotMatch(missing.body.toString(), /lost/);
      assert.equal((await get(plain, '/about')).status, 404);
    } finally {
      await Promise.all([plain.stop(), usual.stop()]);
    }
  });

  test('--cache-metadata 30s trusts what it knows of a file (an edit goes unseen); the default sees it', async () => {
    const trusting = await startServer([site.dir, '--cache-metadata', '30s']);
    const fresh = await startServer([site.dir]);
    try {
      assert.equal((await get(trusting, '/edit.txt')).body.toString(), 'one\n');
      assert.equal((await get(fresh, '/edit.txt')).body.toString(), 'one\n');
      fs.writeFileSync(site.file('edit.txt'), 'two, longer\n');
      assert.equal((await get(fresh, '/edit.txt')).body.toString(), 'two, longer\n');
      assert.equal((await get(trusting, '/edit.txt')).headers['content-length'][0], '4', 'stale, as asked');
    } finally {
      await Promise.all([trusting.stop(), fresh.stop()]);
    }
  });
});

// ── 17. The package: no source-map comments pointing at files it leaves out ──
test('every sourceMappingURL in the published .js files names a file the package includes', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const files = new Set(pack.files.map((f) => f.path));
  const dangling = [];
  for (const f of files) {
    if (!f.endsWith('.js')) continue;
    const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(ROOT, f), 'utf8'));
    if (m && !files.has(path.posix.join(path.posix.dirname(f), m[1]))) dangling.push(`${f} → ${m[1]}`);
  }
  assert.deepEqual(dangling.slice(0, 5), []);
});

// ── The README matches ────────────────────────────────────────────────────────
test("the README's command-line section lists every flag, the short ones and the new defaults", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const flag of Object.keys(SERVE_FLAGS)) assert.ok(readme.includes(`--${flag}`), `README mentions --${flag}`);
  for (const s of ['`-p`', '`-a`', '`-v`', 'fourfold demo', '--shutdown-timeout']) assert.ok(readme.includes(s), s);
  assert.match(readme, /current directory/);
  assert.match(readme, /stdout carries only the access log/i);
  assert.match(readme, /blocks the caller's event loop/);
});
