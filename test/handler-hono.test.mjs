// A real Hono application on the light Request and Response.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { handlerApp } from '../dist/app/handler/load.js';
import { request, field } from './fixtures/handler-requests.mjs';

describe('Hono on the light objects', () => {
  test('c.req.text() / json() for POST bodies, c.req.raw passed on, headers set after next()', async () => {
    const app = new Hono();
    app.use('/mw/*', async (c, next) => {
      await next();
      c.res.headers.set('x-after', 'set by middleware');
    });
    app.post('/text', async (c) => c.text(`got ${await c.req.text()}`));
    app.post('/json', async (c) => c.json({ got: await c.req.json(), type: c.req.header('content-type') }));
    app.post('/twice', async (c) => c.text(`${await c.req.text()} / ${JSON.stringify(await c.req.json())}`));
    app.put('/raw', async (c) => {
      const copy = new Request(c.req.raw);
      return c.text(`${copy.method} ${new URL(copy.url).pathname} ${await copy.text()}`);
    });
    app.get('/mw/x', (c) => c.text('inner'));
    app.get('/sync', (c) => c.text('sync'));
    const handle = handlerApp(app).handle;
    const post = (target, body, type = 'text/plain') => handle(request({ method: 'POST', target, headers: ['host', 'h', 'content-type', type], body: Buffer.from(body) }));

    assert.equal((await post('/text', 'héllo')).body.toString(), 'got héllo');
    const j = await post('/json', '{"a":1}', 'application/json');
    assert.deepEqual(JSON.parse(j.body), { got: { a: 1 }, type: 'application/json' });
    assert.equal((await post('/twice', '{"b":2}')).body.toString(), '{"b":2} / {"b":2}', 'Hono caches the body read once');
    const raw = await handle(request({ method: 'PUT', target: '/raw', body: Buffer.from('passed on') }));
    assert.equal(raw.body.toString(), 'PUT /raw passed on');
    const mw = await handle(request({ target: '/mw/x' }));
    assert.equal(mw.body.toString(), 'inner');
    assert.equal(field(mw, 'x-after'), 'set by middleware');

    // One handler, no middleware: Hono answers synchronously, and so does the adapter.
    const sync = handle(request({ target: '/sync' }));
    assert.ok(!(sync instanceof Promise));
    assert.equal(sync.body.toString(), 'sync');
    assert.equal(field(sync, 'content-type'), 'text/plain;charset=UTF-8', 'c.text(s) is new Response(s)');
  });
});
