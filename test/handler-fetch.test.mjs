// The fetch adapter in both directions, without sockets: our Request as a
// WHATWG Request, a WHATWG Response (light or real, bytes or streams) as a
// Reply, and the synchronous path for handlers that answer at once.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { toFetchRequest, toReply, fetchAdapter, READ_AHEAD } from '../dist/app/handler/fetch-adapter.js';
import { request, isStream, collect, bodyText, field, sleep } from './fixtures/handler-requests.mjs';

describe('fetch adapter: Request', () => {
  test('origin-form: URL from Host, every field in order, repeated fields appended', async () => {
    const r = toFetchRequest(
      request({ target: '/a/b?x=1&y=%20', headers: ['host', 'example.test:8080', 'x-a', '1', 'accept', '*/*', 'x-a', '2', 'cookie', 'c=1'] }),
    );
    assert.ok(r instanceof Request);
    assert.equal(r.url, 'http://example.test:8080/a/b?x=1&y=%20');
    assert.equal(r.method, 'GET');
    assert.equal(r.headers.get('x-a'), '1, 2');
    assert.equal(r.headers.get('host'), 'example.test:8080');
    assert.equal(r.headers.get('cookie'), 'c=1');
    assert.equal(r.body, null);
  });

  test('no Host: http://localhost', () => {
    assert.equal(toFetchRequest(request({ target: '/p', headers: [] })).url, 'http://localhost/p');
  });

  test('absolute-form is used as it is; "*" becomes /*', () => {
    const abs = toFetchRequest(request({ target: 'http://other.test:81/q?z', headers: ['host', 'ignored.test'] }));
    assert.equal(abs.url, 'http://other.test:81/q?z');
    const star = toFetchRequest(request({ method: 'OPTIONS', target: '*', headers: ['host', 'h.test'] }));
    assert.equal(star.url, 'http://h.test/*');
    assert.equal(star.method, 'OPTIONS');
  });

  test('body for POST/PUT when non-empty; none for GET, HEAD or an empty body', async () => {
    const post = toFetchRequest(request({ method: 'POST', target: '/', headers: ['host', 'h', 'content-type', 'text/plain'], body: Buffer.from('héllo') }));
    assert.equal(await post.text(), 'héllo');
    assert.equal(post.headers.get('content-type'), 'text/plain');
    const put = toFetchRequest(request({ method: 'PUT', body: Buffer.from([0, 255, 1]) }));
    assert.deepEqual(Buffer.from(await put.arrayBuffer()), Buffer.from([0, 255, 1]));
    assert.equal(toFetchRequest(request({ method: 'POST' })).body, null);
    assert.equal(toFetchRequest(request({ method: 'GET', body: Buffer.from('x') })).body, null);
    assert.equal(toFetchRequest(request({ method: 'HEAD', body: Buffer.from('x') })).body, null);
  });

  test('a Host that would change the URL is refused: 400, and the handler is not called', async () => {
    assert.throws(() => toFetchRequest(request({ headers: ['host', 'evil.test/x?'] })), /invalid Host header/);
    let called = false;
    const handle = fetchAdapter(() => {
      called = true;
      return new Response('no');
    });
    const r = await handle(request({ headers: ['host', 'a@b'] }));
    assert.equal(r.status, 400);
    assert.match(r.body, /^Bad Request: invalid Host header/);
    assert.equal(called, false);
  });

  test('methods fetch forbids get 501', async () => {
    const handle = fetchAdapter(() => new Response('no'));
    for (const method of ['TRACE', 'CONNECT']) {
      const r = await handle(request({ method, target: '/' }));
      assert.equal(r.status, 501, method);
    }
  });
});

describe('fetch adapter: Response', () => {
  test('status; statusText only when it is not the standard phrase', async () => {
    assert.equal((await toReply(new Response(null, { status: 201 }))).reason, undefined);
    assert.equal((await toReply(new Response(null, { status: 201, statusText: 'Created' }))).reason, undefined);
    const r = await toReply(new Response(null, { status: 299, statusText: 'Fine Enough' }));
    assert.equal(r.status, 299);
    assert.equal(r.reason, 'Fine Enough');
  });

  test('Set-Cookie stays one field per cookie; framing fields are dropped', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('x-b', '2');
    headers.append('set-cookie', 'b=2, with comma; HttpOnly');
    headers.append('content-length', '999');
    headers.append('transfer-encoding', 'chunked');
    headers.append('connection', 'close');
    headers.append('keep-alive', 'timeout=5');
    headers.append('x-a', '1');
    headers.append('x-a', '3');
    const r = await toReply(new Response('body', { headers }));
    assert.deepEqual(field(r, 'set-cookie'), ['a=1; Path=/', 'b=2, with comma; HttpOnly']);
    assert.equal(field(r, 'x-a'), '1, 3');
    assert.equal(field(r, 'x-b'), '2');
    for (const name of ['content-length', 'transfer-encoding', 'connection', 'keep-alive']) assert.equal(field(r, name), undefined, name);
    assert.equal(field(r, 'content-type'), 'text/plain;charset=UTF-8');
  });

  test('null body → null; small bodies → one Buffer', async () => {
    assert.equal((await toReply(new Response(null))).body, null);
    const empty = await toReply(new Response(''));
    assert.ok(Buffer.isBuffer(empty.body));
    assert.equal(empty.body.length, 0);
    const s = await toReply(new Response('Hello, Wörld!'));
    assert.ok(Buffer.isBuffer(s.body));
    assert.equal(s.body.toString(), 'Hello, Wörld!');
    const u8 = await toReply(new Response(new Uint8Array([1, 2, 3])));
    assert.deepEqual(u8.body, Buffer.from([1, 2, 3]));
    const j = await toReply(Response.json({ ok: true }));
    assert.equal(j.body.toString(), '{"ok":true}');
    assert.equal(field(j, 'content-type'), 'application/json');
  });

  test('a stream of ready chunks under the read-ahead → one Buffer', async () => {
    const parts = ['a', 'bb', 'ccc'];
    const stream = new ReadableStream({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(Buffer.isBuffer(r.body));
    assert.equal(r.body.toString(), 'abbccc');
  });

  test('strings enqueued by a hand-made stream are sent as UTF-8', async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue('é');
        c.close();
      },
    });
    const r = await toReply(new Response(stream));
    assert.equal(r.body.toString(), 'é');
  });

  test('a streamed body longer than the read-ahead → AsyncIterable that yields all of it', async () => {
    const big = Buffer.alloc(READ_AHEAD * 3 + 17, 'x');
    big[big.length - 1] = 0x79; // "y": the last byte must arrive too
    const one = new ReadableStream({
      start(c) {
        c.enqueue(big);
        c.close();
      },
    });
    const r = await toReply(new Response(one));
    assert.ok(isStream(r.body));
    const { bytes } = await collect(r.body);
    assert.ok(bytes.equals(big));

    // Many small ready chunks adding up past the read-ahead.
    let n = 0;
    const many = new ReadableStream({
      pull(c) {
        if (n === 100) return c.close();
        c.enqueue(Buffer.alloc(1024, n++ % 256));
      },
    });
    const r2 = await toReply(new Response(many));
    assert.ok(isStream(r2.body));
    const { bytes: b2 } = await collect(r2.body);
    assert.equal(b2.length, 100 * 1024);
    assert.equal(b2[99 * 1024], 99);
  });

  test('a stream that waits between chunks → AsyncIterable, chunks in order', async () => {
    let n = 0;
    const stream = new ReadableStream({
      async pull(c) {
        if (n === 4) return c.close();
        if (n > 0) await sleep(10);
        c.enqueue(new TextEncoder().encode(`part ${++n};`));
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(n < 4, `the reply does not wait for the slow chunks (${n} produced)`);
    assert.ok(isStream(r.body));
    const { bytes } = await collect(r.body);
    assert.equal(bytes.toString(), 'part 1;part 2;part 3;part 4;');
  });

  test('a stream whose first chunk waits is not held up', async () => {
    const stream = new ReadableStream({
      async start(c) {
        await sleep(30);
        c.enqueue(new Uint8Array([65]));
        c.close();
      },
    });
    const r = await toReply(new Response(stream));
    assert.ok(isStream(r.body));
    assert.equal((await collect(r.body)).bytes.toString(), 'A');
  });

  test('stopping early (client gone) cancels an endless stream', async () => {
    let cancelled = null;
    let n = 0;
    const endless = new ReadableStream({
      async pull(c) {
        await sleep(1);
        c.enqueue(new Uint8Array([n++ % 256]));
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    });
    const r = await toReply(new Response(endless));
    assert.ok(isStream(r.body));
    let got = 0;
    for await (const _ of r.body) if (++got === 3) break;
    assert.equal(got, 3);
    await sleep(5);
    assert.notEqual(cancelled, null);
  });

  test('HEAD: a streaming body is cancelled, the reply still says "stream"', async () => {
    let cancelled = false;
    const stream = new ReadableStream({
      async pull(c) {
        await sleep(5);
        c.enqueue(new Uint8Array([1]));
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = await toReply(new Response(stream), true);
    assert.ok(isStream(r.body));
    await sleep(1);
    assert.ok(cancelled);
    assert.equal((await collect(r.body)).chunks.length, 0);
  });

  test('204 and 304: no body', async () => {
    assert.equal((await toReply(new Response(null, { status: 204 }))).body, null);
    assert.equal((await toReply(new Response(null, { status: 304 }))).body, null);
  });

  test('a stream that fails while read ahead rejects; one that fails later throws from the iterator', async () => {
    const early = new ReadableStream({
      pull(c) {
        c.error(new Error('early failure'));
      },
    });
    await assert.rejects(toReply(new Response(early)), /early failure/);

    let sent = false;
    const late = new ReadableStream({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(new Uint8Array([1]));
          return;
        }
        await sleep(50); // "later": well after the read-ahead gave up waiting, even on a loaded machine
        c.error(new Error('late failure'));
      },
    });
    const r = await toReply(new Response(late));
    assert.ok(isStream(r.body));
    await assert.rejects(collect(r.body), /late failure/);
  });

  test('fetchAdapter: errors of the handler propagate; non-Responses are refused', async () => {
    await assert.rejects(
      fetchAdapter(() => {
        throw new Error('sync boom');
      })(request()),
      /sync boom/,
    );
    await assert.rejects(fetchAdapter(async () => Promise.reject(new Error('async boom')))(request()), /async boom/);
    await assert.rejects(fetchAdapter(() => undefined)(request()), /fetch handler returned undefined, not a Response/);
    await assert.rejects(fetchAdapter(() => ({ status: 200 }))(request()), /returned an object \(Object\), not a Response/);
  });
});

describe('fetch adapter: synchronous replies', () => {
  test('a handler answering synchronously gets a Reply, not a Promise; an async one a Promise', async () => {
    const sync = fetchAdapter(() => new Response('hi', { headers: { 'content-type': 'text/plain' } }));
    const r = sync(request());
    assert.ok(!(r instanceof Promise));
    assert.equal(r.status, 200);
    assert.equal(r.reason, undefined);
    assert.deepEqual(r.headers, ['content-type', 'text/plain']);
    assert.deepEqual(r.body, Buffer.from('hi'));

    const head = sync(request({ method: 'HEAD' }));
    assert.ok(!(head instanceof Promise));
    assert.deepEqual(head.body, Buffer.from('hi'), 'the length still counts; http/ sends no body for HEAD');

    const later = fetchAdapter(async () => new Response('later'))(request());
    assert.ok(later instanceof Promise);
    assert.equal((await later).body.toString(), 'later');

    const stream = fetchAdapter(() => new Response(new Blob(['blob']).stream()))(request());
    assert.ok(stream instanceof Promise);
    // read ahead into one Buffer, or streamed when the stream was slower than one turn (Node 24)
    assert.equal(await bodyText(await stream), 'blob');
  });

  test('big light bodies are sent whole too: they are in memory already', async () => {
    const big = Buffer.alloc(READ_AHEAD * 2, 'b');
    const r = fetchAdapter(() => new Response(big))(request());
    assert.ok(!(r instanceof Promise));
    assert.ok(Buffer.isBuffer(r.body));
    assert.ok(r.body.equals(big));
    const s = fetchAdapter(() => new Response('s'.repeat(READ_AHEAD * 2)))(request());
    assert.equal(s.body.length, READ_AHEAD * 2);
  });

  test('failures stay rejections, whichever way the handler answered', async () => {
    await assert.rejects(fetchAdapter(() => null)(request()), /returned null, not a Response/);
    await assert.rejects(fetchAdapter(async () => 'text')(request()), /returned a string, not a Response/);
    await assert.rejects(fetchAdapter(() => new Response('x', { headers: { 'x-a': 'a\nb' } }))(request()), TypeError);
  });
});
