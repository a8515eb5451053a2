// The composition of a handler with static files (compose.ts), in process:
// who answers first, what falls through, what the caller gets back.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { text } from '../dist/app/handler/native.js';
import { loadHandler, handlerApp } from '../dist/app/handler/load.js';
import { composeApp } from '../dist/app/compose.js';
import { ROOT, APPS, request } from './fixtures/handler-requests.mjs';

describe('composeApp', () => {
  const fromStatic = text('static file');
  const statics = (calls = []) => ({
    handle: (req) => fromStatic,
    handleOrNull: (req) => {
      calls.push(req.path);
      return req.path === '/file.txt' ? fromStatic : null;
    },
  });

  test('files first for GET, then the handler; undefined falls through to 404; sync stays sync', async () => {
    const handler = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    const app = composeApp(handler, statics());
    const hello = app.handle(request({ target: '/hello' }));
    assert.ok(!(hello instanceof Promise));
    assert.equal(hello.body, 'Hello from native\n');
    assert.equal(app.handle(request({ target: '/file.txt' })), fromStatic);
    const nf = app.handle(request({ target: '/missing' }));
    assert.ok(!(nf instanceof Promise));
    assert.deepEqual({ ...nf }, { status: 404, headers: ['Content-Type', 'text/plain; charset=utf-8'], body: 'Not Found\n' });
  });

  test('handler first: an asynchronous "not mine" falls through to the files', async () => {
    const handler = await loadHandler(`${APPS}/async-app.mjs`, ROOT);
    const app = composeApp(handler, statics(), { order: 'handler-first' });
    const r = app.handle(request({ target: '/file.txt' }));
    assert.ok(r instanceof Promise);
    assert.equal(await r, fromStatic);
    assert.equal((await app.handle(request({ target: '/data' }))).status, 200);
    assert.equal((await app.handle(request({ target: '/nothing' }))).status, 404);
  });

  test('only one of them, or neither', async () => {
    assert.equal(composeApp(null, statics()).handle(request({ target: '/file.txt' })), fromStatic);
    assert.equal(composeApp(null, statics()).handle(request({ target: '/x' })).status, 404);
    assert.equal(composeApp(null, null).handle(request()).status, 404);
    const handler = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    assert.equal(composeApp(handler, null).handle(request({ target: '/x' })).status, 404);
  });

  test('a plain App as handler answers everything the files do not (everything, handler first)', () => {
    const calls = [];
    const app = composeApp({ handle: () => text('app') }, statics(calls));
    assert.equal(app.handle(request({ target: '/file.txt' })), fromStatic);
    assert.equal(app.handle(request({ target: '/other' })).body, 'app');
    const first = [];
    const handlerFirst = composeApp({ handle: () => text('app') }, statics(first), { order: 'handler-first' });
    assert.equal(handlerFirst.handle(request({ target: '/file.txt' })).body, 'app');
    assert.deepEqual(first, []);
  });

  test('errors of the handler reach the caller', async () => {
    const app = composeApp(await loadHandler(`${APPS}/throwing-app.mjs`, ROOT), statics());
    assert.throws(() => app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
  });

  test('close() reaches both, even when one fails', async () => {
    const closed = [];
    const handler = handlerApp({
      handle: () => undefined,
      close() {
        closed.push('handler');
        throw new Error('handler close failed');
      },
    });
    const app = composeApp(handler, { ...statics(), close: async () => void closed.push('static') });
    await assert.rejects(app.close(), /handler close failed/);
    assert.deepEqual(closed.sort(), ['handler', 'static']);
    await composeApp(null, null).close();
  });
});
