// The module loader (kinds, paths, failures) and every fixture app in
// test/fixtures/apps, called directly.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { text } from '../dist/app/handler/native.js';
import { loadHandler, handlerApp } from '../dist/app/handler/load.js';
import { ROOT, APPS, request, isStream, collect, bodyText, field } from './fixtures/handler-requests.mjs';

describe('loader', () => {
  test('detects the kind of each fixture', async () => {
    const kinds = {
      'native-app.mjs': 'native',
      'async-app.mjs': 'native',
      'throwing-app.mjs': 'native',
      'hono-app.mjs': 'fetch',
      'throwing-fetch-app.mjs': 'fetch',
      'echo-app.mjs': 'native',
    };
    for (const [file, kind] of Object.entries(kinds)) {
      const app = await loadHandler(`${APPS}/${file}`, ROOT);
      assert.equal(app.kind, kind, file);
      assert.equal(typeof app.handle, 'function');
      assert.equal(typeof app.handleOrUndefined, 'function');
    }
    assert.equal((await loadHandler('bench/apps/hello-fetch.mjs', ROOT)).kind, 'fetch');
  });

  test('resolves against cwd, which defaults to process.cwd()', async () => {
    const app = await loadHandler('apps/native-app.mjs', path.join(ROOT, 'test/fixtures'));
    assert.equal(app.kind, 'native');
    const abs = await loadHandler(path.join(ROOT, APPS, 'native-app.mjs'));
    assert.equal(abs.kind, 'native');
  });

  test('missing file', async () => {
    await assert.rejects(loadHandler('./x.mjs', ROOT), { message: 'app module not found: ./x.mjs' });
  });

  test('a module that fails to import: the original message is kept', async () => {
    await assert.rejects(loadHandler(`./${APPS}/broken-app.mjs`, ROOT), (e) => {
      assert.equal(e.message, `app module ./${APPS}/broken-app.mjs failed to load: broken at load time`);
      assert.equal(e.cause.message, 'broken at load time');
      return true;
    });
  });

  test('no usable default export', async () => {
    await assert.rejects(loadHandler(`./${APPS}/no-default-app.mjs`, ROOT), (e) => {
      assert.ok(e.message.startsWith(`./${APPS}/no-default-app.mjs has no default export with fetch() or handle()`), e.message);
      assert.match(e.message, /named export handle\(\)/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.equal(handlerApp(42), null);
    assert.equal(handlerApp({ fetch: 'no' }), null);
    assert.equal(handlerApp(null), null);
  });

  test('shapes: handle wins over fetch; a fetch method keeps its this; a bare function is fetch-style', async () => {
    const both = handlerApp({ handle: () => text('native'), fetch: () => new Response('fetch') });
    assert.equal(both.kind, 'native');
    assert.equal(both.handle(request()).body, 'native');

    const withThis = {
      greeting: 'kept this',
      fetch() {
        return new Response(this.greeting);
      },
    };
    assert.equal((await handlerApp(withThis).handle(request())).body.toString(), 'kept this');
    assert.equal((await handlerApp(() => new Response('fn')).handle(request())).body.toString(), 'fn');
  });

  test('close() of the module is forwarded', async () => {
    let closed = 0;
    const app = handlerApp({ handle: () => undefined, close: () => void closed++ });
    await app.close();
    assert.equal(closed, 1);
  });
});

describe('fixtures', () => {
  test('hono-app: text, json, 404, error handler', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const root = await app.handle(request({ target: '/' }));
    assert.equal(root.status, 200);
    assert.equal(root.body.toString(), 'Hello from Hono!');

    const j = await app.handle(request({ target: '/json/42?x=1' }));
    assert.equal(field(j, 'content-type'), 'application/json');
    assert.deepEqual(JSON.parse(j.body), { id: '42', query: { x: '1' } });

    const missing = await app.handle(request({ target: '/nope' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), 'custom not found: /nope\n');

    const boom = await app.handle(request({ target: '/boom' }));
    assert.equal(boom.status, 500);
    assert.equal(boom.body.toString(), 'hono caught: boom\n');

    // A fetch handler owns every path: it never declines.
    assert.equal((await app.handleOrUndefined(request({ target: '/nope' }))).status, 404);
  });

  test('hono-app: POST /echo returns body and content type', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const body = Buffer.from([0, 1, 2, 250, 255]);
    const r = await app.handle(request({ method: 'POST', target: '/echo', headers: ['host', 'h', 'content-type', 'application/x-bytes', 'content-length', '5'], body }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, body);
    assert.equal(field(r, 'content-type'), 'application/x-bytes');
    assert.equal(field(r, 'x-echo-length'), '5');
    assert.equal(field(r, 'content-length'), undefined);
  });

  test('hono-app: /stream streams, /big is sent whole, /cookies sets two cookies, /request shows the request', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const s = await app.handle(request({ target: '/stream' }));
    assert.ok(isStream(s.body));
    const { chunks, bytes } = await collect(s.body);
    assert.ok(chunks.length >= 2, 'several chunks');
    assert.equal(bytes.toString(), 'chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');

    // A string body is in memory already: one Buffer, with a Content-Length, however long.
    const big = await app.handle(request({ target: '/big?size=100000' }));
    assert.ok(Buffer.isBuffer(big.body));
    assert.equal(big.body.length, 100000);
    const small = await app.handle(request({ target: '/big?size=1000' }));
    assert.ok(Buffer.isBuffer(small.body));

    const c = await app.handle(request({ target: '/cookies' }));
    assert.deepEqual(field(c, 'set-cookie'), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);

    const seen = await app.handle(request({ method: 'PUT', target: '/request?q', headers: ['host', 'h.test:9', 'x-a', '1', 'x-a', '2'] }));
    assert.deepEqual(JSON.parse(seen.body), { method: 'PUT', url: 'http://h.test:9/request?q', headers: [['host', 'h.test:9'], ['x-a', '1, 2']] });
  });

  test('hono-app: HEAD', async () => {
    const app = await loadHandler(`${APPS}/hono-app.mjs`, ROOT);
    const r = await app.handle(request({ method: 'HEAD', target: '/' }));
    assert.equal(r.status, 200);
  });

  test('async-app: waits, reads a file, declines other paths asynchronously', async () => {
    const app = await loadHandler(`${APPS}/async-app.mjs`, ROOT);
    const pending = app.handle(request({ target: '/data' }));
    assert.ok(pending instanceof Promise);
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(await bodyText(r), 'read from disk after a timer\n');
    assert.equal(await app.handleOrUndefined(request({ target: '/other' })), undefined);
    assert.equal((await app.handle(request({ target: '/other' }))).status, 404);
  });

  test('throwing-app: throws synchronously, rejects asynchronously, else 200', async () => {
    const app = await loadHandler(`${APPS}/throwing-app.mjs`, ROOT);
    assert.throws(() => app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
    const ok = app.handle(request({ target: '/' }));
    assert.equal(ok.status, 200);
  });

  test('throwing-fetch-app: every failure propagates', async () => {
    const app = await loadHandler(`${APPS}/throwing-fetch-app.mjs`, ROOT);
    await assert.rejects(app.handle(request({ target: '/sync' })), /thrown synchronously/);
    await assert.rejects(app.handle(request({ target: '/async' })), /rejected asynchronously/);
    await assert.rejects(app.handle(request({ target: '/not-a-response' })), /not a Response/);
    const broken = await app.handle(request({ target: '/stream-error' }));
    assert.ok(isStream(broken.body));
    await assert.rejects(collect(broken.body), /stream broke/);
    assert.equal((await app.handle(request({ target: '/' }))).status, 200);
  });

  test('native-app: routes, undefined for the rest', async () => {
    const app = await loadHandler(`${APPS}/native-app.mjs`, ROOT);
    const hello = app.handle(request({ target: '/hello' }));
    assert.equal(hello.body, 'Hello from native\n');
    assert.equal(app.handle(request({ target: '/hello' })), hello, 'the same frozen reply every time');
    assert.deepEqual(JSON.parse(app.handle(request({ target: '/json?a=b' })).body), { method: 'GET', path: '/json', query: 'a=b', minor: 1 });
    assert.equal(field(app.handle(request({ target: '/html' })), 'content-type'), 'text/html; charset=utf-8');
    assert.equal(field(app.handle(request({ target: '/redirect' })), 'location'), '/hello');
    assert.equal(app.handle(request({ target: '/teapot' })).status, 418);
    const echo = app.handle(request({ method: 'POST', target: '/echo', headers: ['content-type', 'a/b'], body: Buffer.from('xyz') }));
    assert.equal(echo.body.toString(), 'xyz');
    assert.equal(app.handleOrUndefined(request({ target: '/index.html' })), undefined);
    assert.equal(app.handle(request({ target: '/index.html' })).status, 404);
  });

  test('bench apps', async () => {
    const fetchApp = await loadHandler('bench/apps/hello-fetch.mjs', ROOT);
    const r = fetchApp.handle(request());
    assert.ok(!(r instanceof Promise), 'a synchronous handler gets a synchronous Reply');
    assert.equal(r.body.toString(), 'Hello, World!');
    assert.equal(field(r, 'content-type'), 'text/plain');
  });

  test('bench apps: hello-native (needs dist/index.js)', { skip: !existsSync(path.join(ROOT, 'dist/index.js')) }, async () => {
    const app = await loadHandler('bench/apps/hello-native.mjs', ROOT);
    const r = app.handle(request());
    assert.equal(r.body, 'Hello, World!');
    assert.ok(Object.isFrozen(r));
  });
});
