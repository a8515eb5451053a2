// The status page in a real browser (Debian's Chromium, driven by
// playwright-core) while a load runs: the counters move, the scoreboard has
// one cell per worker of the model (one for iterative, N for a pool), and the
// system calls of a request are drawn. Screenshots go to test/output/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, ROOT } from './helpers/server.mjs';
// Served with the bundled demo site as root (it has /hello.txt): `serve` without a root serves the current directory.
const DEMO_SITE = 'public';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.join(ROOT, 'test/output');
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (install it with: apt-get install chromium)`;
const LAUNCH = {
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** A bounded load: `clients` loops of GET /hello.txt, one connection per request, until stopped (or 20 s, or 20,000 requests). */
function load(port, clients = 2) {
  let stopped = false;
  let done = 0;
  const deadline = Date.now() + 20_000;
  const one = () =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/hello.txt', agent: false, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', resolve);
      req.setTimeout(5000, () => req.destroy());
    });
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped && Date.now() < deadline && done < 20_000) {
      await one();
      done++;
      await new Promise((r) => setTimeout(r, 2)); // a steady load, not a flood: the page's own requests get their turn
    }
  });
  return {
    get done() {
      return done;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function watch(page) {
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} for ${r.url()}`));
  return problems;
}

const number = (text) => Number(text.replace(/[^\d.]/g, ''));

for (const { name, args, cells } of [
  { name: 'iterative', args: ['--model', 'iterative'], cells: 1 },
  { name: 'threadpool', args: ['--model', 'threadpool', '--workers', '3'], cells: 3 },
  { name: 'event-loop', args: ['--model', 'event-loop'], cells: 1 },
]) {
  test(`status page in a browser (${name}): live counters, ${cells} scoreboard cell(s), the system calls of a request`, { skip, timeout: 90_000 }, async (t) => {
    const { chromium } = await import('playwright-core');
    const server = await startServer([DEMO_SITE, ...args, '--status-path', '/server-status']);
    t.after(() => server.stop());
    const traffic = load(server.port);
    t.after(() => traffic.stop());
    const browser = await chromium.launch(LAUNCH);
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems = watch(page);

    const res = await page.goto(`${server.url}/server-status`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /^text\/html/);
    assert.equal(await page.locator('#model').innerText(), name);

    // The counters move while the load runs (the page polls the JSON form every second).
    const first = number(await page.locator('#requests-total').innerText());
    await page.waitForFunction((n) => Number(document.querySelector('#requests-total').textContent.replace(/[^\d]/g, '')) > n + 10, first, { timeout: 20_000 });
    await page.waitForFunction(() => Number(document.querySelector('#rps').textContent.replace(/[^\d.]/g, '')) > 0, null, { timeout: 20_000 });

    // One cell per worker: the iterative server and the event loop are one worker, the pool has N.
    assert.equal(await page.locator('#scoreboard .cell').count(), cells);
    assert.equal(await page.locator('#master .cell').count(), cells > 1 ? 1 : 0, 'a pool shows its master apart');
    const states = await page.locator('#scoreboard .cell .letter').allInnerTexts();
    for (const s of states) assert.match(s, /^[_SRHWKC.]$/);

    // The system calls of a request, drawn from the worker's own record.
    await page.locator('#trace svg').waitFor({ timeout: 20_000 });
    const drawn = await page.locator('#trace svg').textContent();
    for (const call of ['recv(', 'send', name === 'event-loop' ? 'epoll_wait(' : 'accept4(']) assert.ok(drawn.includes(call), `the diagram lacks ${call}: ${drawn}`);
    assert.ok(drawn.includes('listen('), 'the set-up (socket, bind, listen) is drawn');

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, `status-${name}.png`), fullPage: true });
    await traffic.stop();
    assert.ok(traffic.done > 0);
    assert.deepEqual(problems, []);
  });
}
