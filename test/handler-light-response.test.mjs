// The light global Response: recorded instead of built, yet the same as
// undici's Response in everything a handler can observe.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import { toReply, fetchAdapter, installFetchGlobals } from '../dist/app/handler/fetch-adapter.js';
import { LightResponse, GlobalResponse } from '../dist/app/handler/light-response.js';
import { request, field } from './fixtures/handler-requests.mjs';

describe('light Response (the global Response while a fetch handler is loaded)', () => {
  before(() => installFetchGlobals());

  /** What undici and the light Response make of (body, init): the same, or the same error. */
  async function outcome(R, [body, init]) {
    try {
      const r = new R(body, init);
      return { status: r.status, statusText: r.statusText, headers: [...r.headers], text: await r.text() };
    } catch (e) {
      return { error: e.constructor.name, message: e.message };
    }
  }

  /** Reply header fields grouped as Headers would show them: names lower-cased, values joined. */
  function canonical(fields) {
    const h = new Headers();
    for (let i = 0; i < fields.length; i += 2) h.append(fields[i], fields[i + 1]);
    return [...h];
  }

  test('is the global Response; instanceof holds for light and real ones', async () => {
    assert.equal(globalThis.Response, LightResponse);
    assert.equal(Response.name, 'Response');
    const light = new Response('x');
    assert.notEqual(LightResponse.recordOf(light), null);
    assert.ok(light instanceof Response);
    assert.ok(light instanceof GlobalResponse, 'code that kept the original class sees a Response too');
    assert.equal(Object.prototype.toString.call(light), '[object Response]');
    assert.ok(new GlobalResponse('y') instanceof Response);
    assert.ok(Response.error() instanceof Response);
    assert.equal(Response.error().type, 'error');
    assert.ok(!({ status: 200 } instanceof Response));
    class Mine extends Response {}
    const mine = new Mine('z', { status: 201 });
    assert.ok(mine instanceof Mine && mine instanceof Response);
    assert.ok(!(light instanceof Mine));
    assert.equal(mine.status, 201);
    assert.equal(await mine.text(), 'z');
  });

  test('answers status, headers and the like without becoming a real Response', () => {
    const r = new Response('hé', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } });
    assert.equal(r.status, 201);
    assert.equal(r.ok, true);
    assert.equal(r.statusText, 'Made');
    assert.equal(r.type, 'default');
    assert.equal(r.url, '');
    assert.equal(r.redirected, false);
    assert.equal(r.bodyUsed, false);
    assert.deepEqual([...r.headers], [['content-type', 'text/plain;charset=UTF-8'], ['x-a', '1']]);
    assert.notEqual(LightResponse.recordOf(r), null, 'still light');
    assert.equal(new Response(null, { status: 404 }).ok, false);
  });

  test('becomes the real one when its body is needed', async () => {
    const r = new Response('{"a":[1]}', { headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await r.json(), { a: [1] });
    assert.equal(LightResponse.recordOf(r), null);
    assert.equal(r.bodyUsed, true);
    await assert.rejects(r.text(), TypeError);
    assert.equal(r.headers.get('content-type'), 'application/json');

    const s = new Response(new Uint8Array([104, 105]));
    assert.ok(s.body instanceof ReadableStream);
    const c = s.clone();
    assert.equal(await c.text(), 'hi');
    assert.equal(await s.text(), 'hi');
    assert.equal(await new Response('blob').blob().then((b) => b.text()), 'blob');
    assert.deepEqual(Buffer.from(await new Response('ab').arrayBuffer()), Buffer.from('ab'));
  });

  test('refuses and normalises exactly as undici does', async () => {
    const cases = [
      () => ['x'],
      () => [undefined],
      () => [null, { status: 204 }],
      () => ['x', { status: 204 }],
      () => ['', { status: 304 }],
      () => ['x', { status: 205 }],
      () => ['x', { status: 99 }],
      () => ['x', { status: 600 }],
      () => ['x', { status: 200.5 }],
      () => ['x', { status: '201' }],
      () => ['x', { status: 299, statusText: 'Fine Enough' }],
      () => ['x', { statusText: 'bad\nreason' }],
      () => ['x', { statusText: 'é' }],
      () => ['x', { headers: { 'x-a': 'a\nb' } }],
      () => ['x', { headers: { 'x-a': 'a\0b' } }],
      () => ['x', { headers: { 'bad name': 'v' } }],
      () => ['x', { headers: { 'x-a': ' \ttrimmed \r\n' } }],
      () => ['x', { headers: { 'x-a': 'é' } }],
      () => ['x', { headers: { 'x-a': 'ā' } }],
      () => ['x', { headers: { 'x-a': 5 } }],
      () => ['x', { headers: { 'Content-Type': 'text/csv' } }],
      () => ['x', { headers: [['x-a', '1'], ['X-A', '2'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']] }],
      () => ['x', { headers: [['x-a']] }],
      () => ['x', { headers: new Headers({ 'content-type': 'a/b', 'x-b': '2' }) }],
      () => ['x', { headers: new Map([['x-a', '1']]) }],
      () => ['x', { headers: null }],
      () => ['x', null],
      () => [new Uint8Array([104, 105])],
      () => [new Uint16Array([0x6968]).buffer],
      () => [new DataView(new Uint8Array([104, 105, 106]).buffer, 1)],
      () => [new URLSearchParams('a=1&b=2')],
      () => [new Blob(['blob'], { type: 'x/y' })],
      () => [new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([65])), c.close()) })],
      () => [42],
    ];
    for (const make of cases) {
      const light = await outcome(Response, make());
      const real = await outcome(GlobalResponse, make());
      assert.deepEqual(light, real, util.inspect(make()));
    }
  });

  test('the reply agrees with undici\'s Response, read the long way', async () => {
    const cases = [
      () => ['Hello', { headers: { 'content-type': 'text/plain', 'x-a': '1' } }],
      () => [null, { status: 204, headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-a', '1'], ['x-a', '3']] }],
      () => ['é', { status: 418, statusText: 'Teapot Indeed', headers: new Headers([['x-b', '2']]) }],
      () => [new Uint8Array([1, 2, 3]), { headers: { 'Content-Length': '99', Connection: 'close', 'Keep-Alive': 'x', 'Transfer-Encoding': 'chunked' } }],
    ];
    for (const make of cases) {
      const [body, init] = make();
      const light = await toReply(new Response(body, init));
      const real = await toReply(new GlobalResponse(...make()));
      assert.equal(light.status, real.status);
      assert.equal(light.reason, real.reason);
      assert.deepEqual(canonical(light.headers), canonical(real.headers));
      assert.deepEqual(light.body, real.body);
    }
  });

  test('bytes are copied when the Response is made, as undici does', async () => {
    const u8 = new Uint8Array([1, 2, 3]);
    const ab = new Uint8Array([4, 5]).buffer;
    const r1 = new Response(u8);
    const r2 = new Response(ab);
    u8[0] = 9;
    new Uint8Array(ab)[0] = 9;
    assert.deepEqual((await toReply(r1)).body, Buffer.from([1, 2, 3]));
    assert.deepEqual((await toReply(r2)).body, Buffer.from([4, 5]));
  });

  test('Response.json() is light; Response.redirect() and Response.error() are undici\'s', async () => {
    const j = Response.json({ a: 1 }, { status: 201, headers: { 'x-a': '1' } });
    assert.notEqual(LightResponse.recordOf(j), null);
    const r = await toReply(j);
    assert.equal(r.status, 201);
    assert.equal(r.body.toString(), '{"a":1}');
    assert.deepEqual(canonical(r.headers), [['content-type', 'application/json'], ['x-a', '1']]);
    assert.equal(field(await toReply(Response.json(1, { headers: { 'Content-Type': 'application/vnd.x+json' } })), 'content-type'), 'application/vnd.x+json');
    assert.deepEqual(await Response.json([1, 'two']).json(), [1, 'two']);
    assert.throws(() => Response.json(undefined), TypeError);
    assert.throws(() => Response.json(1, { status: 204 }), TypeError);

    const to = Response.redirect('http://a.test/x', 301);
    assert.ok(to instanceof Response);
    assert.equal(to.status, 301);
    assert.equal(to.headers.get('location'), 'http://a.test/x');
    assert.throws(() => Response.redirect('http://a.test/', 200), RangeError);
    assert.equal((await toReply(to)).status, 301);
  });

  test('Headers once asked for are the truth: changes show in the reply', () => {
    const handle = fetchAdapter(() => {
      const r = new Response('x', { headers: { 'x-a': '1' } });
      r.headers.set('x-b', '2');
      r.headers.delete('x-a');
      r.headers.append('set-cookie', 'c=1');
      r.headers.append('set-cookie', 'd=2');
      return r;
    });
    const reply = handle(request());
    assert.ok(!(reply instanceof Promise), 'still the synchronous path');
    assert.equal(field(reply, 'x-a'), undefined);
    assert.equal(field(reply, 'x-b'), '2');
    assert.deepEqual(field(reply, 'set-cookie'), ['c=1', 'd=2']);
  });

  test('a light Response that became a real one takes the general path', async () => {
    const handle = fetchAdapter(() => {
      const r = new Response('abc');
      void r.body; // the stream exists now
      return r;
    });
    const reply = handle(request());
    assert.ok(reply instanceof Promise);
    assert.equal((await reply).body.toString(), 'abc');
  });
});
