// The bundled demo site (public/), served by the real CLI and driven by a real
// browser: it must render, describe every model, and its live check must get
// an answer from the server that served it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startServer } from './helpers/server.mjs';
import { MODELS } from '../dist/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/fourfold-demo.png';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (install it with: apt-get install chromium)`;

const LAUNCH = {
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

// Tab id on the page, the model it stands for, and the command it must show.
const PAGE_MODELS = [
  { id: 'iterative', model: 'iterative', command: 'npx fourfold serve --model iterative' },
  { id: 'process', model: 'process', command: 'npx fourfold serve --model process' },
  { id: 'prefork', model: 'prefork', command: 'npx fourfold serve --model prefork' },
  { id: 'thread', model: 'thread', command: 'npx fourfold serve --model thread' },
  { id: 'threadpool', model: 'threadpool', command: 'npx fourfold serve --model threadpool' },
  { id: 'event-loop', model: 'event-loop', command: 'npx fourfold serve --model event-loop --poller epoll' },
  { id: 'workers', model: 'event-loop', command: 'npx fourfold serve --model event-loop --workers auto' },
];

/** Collect everything that would mean the page is broken. */
function watch(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  return problems;
}

test('demo site: renders, describes every model, and its live check reaches the server', { skip, timeout: 60_000 }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = await startServer([], { command: 'demo' }); // the bundled public/
  t.after(() => server.stop());
  const browser = await chromium.launch(LAUNCH);
  t.after(() => browser.close());

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watch(page);

  const res = await page.goto(`${server.url}/`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'fourfold — one HTTP server, seven ways to share the CPU');
  assert.equal(await page.locator('h1').count(), 1);

  // The socket-call diagram, with the calls of the lecture in it.
  const seq = await page.locator('svg.seq').textContent();
  for (const call of ['socket()', 'bind(', 'listen(', 'accept()', 'recv(', 'send(', 'close(', 'connect(']) {
    assert.ok(seq.includes(call), `socket diagram lacks ${call}`);
  }

  // Every model: its tab shows exactly its panel, with a diagram, trade-offs and the command to run it.
  for (const m of PAGE_MODELS) {
    await page.click(`#tab-${m.id}`);
    const panel = page.locator(`#model-${m.id}`);
    assert.equal(await panel.isVisible(), true, `${m.id}: panel not shown`);
    assert.equal(await page.locator('[role=tabpanel]:visible').count(), 1, `${m.id}: more than one panel shown`);
    assert.equal(await page.getAttribute(`#tab-${m.id}`, 'aria-selected'), 'true');
    assert.equal(await panel.locator('svg[role=img]').count(), 1, `${m.id}: no diagram`);
    assert.ok((await panel.locator('.tradeoffs li').count()) >= 2, `${m.id}: no trade-offs`);
    const text = await panel.innerText();
    assert.ok(text.includes(m.command), `${m.id}: command '${m.command}' missing`);

    // "available" on the page must match what this build can actually run.
    const built = MODELS.find((x) => x.name === m.model)?.available === true;
    const badge = (await panel.locator('h3 .badge').innerText()).toLowerCase();
    assert.equal(badge, built ? 'available' : 'coming', `${m.id}: page says ${badge}, build says ${built ? 'available' : 'coming'}; update public/index.html`);
  }

  // Keyboard: arrow keys move between tabs and wrap around.
  await page.focus('#tab-workers');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-iterative', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-iterative');

  // The live check: the page asks the server for /hello.txt and shows the answer.
  await page.click('#ask');
  const answer = page.locator('#answer pre');
  await answer.waitFor({ timeout: 10_000 });
  const shown = await answer.innerText();
  assert.match(shown, /^HTTP\/1\.1 200 OK/);
  assert.match(shown, /^server: fourfold$/m);
  assert.match(shown, /^content-type: text\/plain/m);
  assert.ok(shown.includes('Hello from fourfold.'), shown);
  await page.click('#ask');
  await page.locator('#answer .meta', { hasText: 'Request 2' }).waitFor({ timeout: 10_000 });

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(problems, []);
});

test('demo site: without JavaScript every model is still readable', { skip, timeout: 60_000 }, async (t) => {
  const { chromium } = await import('playwright-core');
  const server = await startServer([], { command: 'demo' });
  t.after(() => server.stop());
  const browser = await chromium.launch(LAUNCH);
  t.after(() => browser.close());

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${server.url}/`, { waitUntil: 'load' });
  assert.equal(await page.locator('[role=tablist]').isVisible(), false);
  for (const m of PAGE_MODELS) {
    assert.equal(await page.locator(`#model-${m.id}`).isVisible(), true, `${m.id}: hidden without JavaScript`);
  }
  assert.deepEqual(problems, []);
});
