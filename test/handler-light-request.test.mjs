// The light Request a fetch handler receives: lazy, yet undici's Request in
// everything a handler can observe, including its URL.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fetchAdapter } from '../dist/app/handler/fetch-adapter.js';
import { LightRequest, GlobalRequest, requestUrl } from '../dist/app/handler/light-request.js';
import { request } from './fixtures/handler-requests.mjs';

describe('light Request (what a fetch handler receives)', () => {
  /** The Request the handler saw for `req`. */
  function seen(req) {
    let got;
    fetchAdapter((r) => {
      got = r;
      return new Response(null);
    })(req);
    return got;
  }

  test('method, url and headers, without a real Request', () => {
    const r = seen(request({ method: 'post', target: '/p?q=1', headers: ['host', 'h.test:8080', 'x-a', '1', 'x-a', '2', 'accept', '*/*'] }));
    assert.ok(r instanceof LightRequest);
    assert.ok(r instanceof Request);
    assert.ok(r instanceof GlobalRequest, 'code that kept the original class sees a Request too');
    assert.equal(r.constructor, Request);
    assert.equal(Object.prototype.toString.call(r), '[object Request]');
    assert.equal(r.method, 'POST', 'normalised as undici does');
    assert.equal(r.url, 'http://h.test:8080/p?q=1');
    assert.equal(r.headers.get('x-a'), '1, 2');
    assert.deepEqual([...r.headers], [['accept', '*/*'], ['host', 'h.test:8080'], ['x-a', '1, 2']]);
    assert.equal(r.bodyUsed, false);
    assert.equal(seen(request({ method: 'PATCH' })).method, 'PATCH');
    assert.equal(seen(request({ method: 'patch' })).method, 'patch', 'undici upper-cases only the six standard methods');
  });

  test('body readers read the Buffer once, as undici does', async () => {
    const post = (body, headers = ['host', 'h']) => seen(request({ method: 'POST', headers, body: Buffer.from(body) }));
    const t = post('\ufeffhéllo');
    assert.equal(await t.text(), 'héllo', 'UTF-8, BOM removed');
    assert.equal(t.bodyUsed, true);
    await assert.rejects(t.text(), /Body is unusable/);
    await assert.rejects(t.arrayBuffer(), TypeError);
    assert.deepEqual(await post('{"a":[1]}').json(), { a: [1] });
    await assert.rejects(post('{nope').json(), SyntaxError);
    const ab = await post('abc').arrayBuffer();
    assert.ok(ab instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(ab), Buffer.from('abc'));
    const bytes = await post('ab').bytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes], [97, 98]);

    // No body for GET, HEAD or an empty one: reads give "" and use nothing up.
    const get = seen(request({ method: 'GET', body: Buffer.from('ignored') }));
    assert.equal(await get.text(), '');
    assert.equal(await get.text(), '');
    assert.equal(get.bodyUsed, false);
    assert.equal(get.body, null);
    assert.equal(await seen(request({ method: 'POST' })).text(), '');
  });

  test('what only the real Request has: signal, the body stream, clone(), formData(), blob()', async () => {
    const form = () => seen(request({ method: 'POST', headers: ['host', 'h', 'content-type', 'application/x-www-form-urlencoded'], body: Buffer.from('a=1&b=two') }));
    const r = form();
    assert.ok(r.signal instanceof AbortSignal);
    assert.equal(r.signal.aborted, false);
    assert.equal(r.cache, 'default');
    assert.equal(r.redirect, 'follow');
    const copy = r.clone();
    assert.equal(await copy.text(), 'a=1&b=two');
    assert.ok(r.body instanceof ReadableStream);
    assert.equal((await r.formData()).get('b'), 'two');
    assert.equal(r.bodyUsed, true);
    const blob = await form().blob();
    assert.equal(blob.type, 'application/x-www-form-urlencoded');
    assert.equal(await blob.text(), 'a=1&b=two');
  });

  test('new Request(light) unwraps it: method, url, headers and body carry over', async () => {
    const r = seen(request({ method: 'PUT', target: '/x', headers: ['host', 'h.test', 'x-a', '1'], body: Buffer.from('payload') }));
    assert.throws(() => new GlobalRequest(r), TypeError, 'undici alone cannot read a light one: hence the unwrapping');
    const copy = new Request(r);
    assert.ok(!(copy instanceof LightRequest));
    assert.equal(copy.method, 'PUT');
    assert.equal(copy.url, 'http://h.test/x');
    assert.equal(copy.headers.get('x-a'), '1');
    assert.equal(await copy.text(), 'payload');
    const changed = new Request(seen(request({ method: 'POST', body: Buffer.from('b') })), { method: 'PATCH', headers: { 'x-b': '2' } });
    assert.equal(changed.method, 'PATCH');
    assert.equal(changed.headers.get('x-b'), '2');

    // Headers changed on the light one are the ones carried over.
    const h = seen(request({ headers: ['host', 'h', 'x-a', '1'] }));
    h.headers.set('x-a', 'changed');
    assert.equal(new Request(h).headers.get('x-a'), 'changed');

    // A body read already is used up in the real one too, as undici would have it.
    const used = seen(request({ method: 'POST', body: Buffer.from('once') }));
    assert.equal(await used.text(), 'once');
    assert.throws(() => new Request(used), /already been used/);
    assert.throws(() => used.clone(), TypeError);
    assert.equal(used.bodyUsed, true);
  });

  test('fetch(light) sends the same request on', async (t) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, xa: req.headers['x-a'], body: Buffer.concat(chunks).toString() })));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const { port } = server.address();
    const r = seen(request({ method: 'POST', target: '/proxied?q=1', headers: ['host', `127.0.0.1:${port}`, 'x-a', '1'], body: Buffer.from('sent on') }));
    const res = await fetch(r);
    assert.deepEqual(await res.json(), { method: 'POST', url: '/proxied?q=1', xa: '1', body: 'sent on' });
    assert.ok(res instanceof Response, 'a real undici Response is a Response');
  });

  test('the URL is what undici would make of it, with or without new URL()', () => {
    // Each host with each target, plus a seeded random set of both.
    const hosts = ['example.test', 'EXAMPLE.test', 'a.b-c.test', 'localhost', '127.0.0.1', '127.1', '0x7f.0.0.1', '1.2.3.4.', '256.1.1.1', '01.2.3.4',
      'a..b', 'xn--nxasmq6b.test', 'xn--bad-.test', 'h:80', 'h:8080', 'h:080', 'h:0', 'h:65535', 'h:65536', 'h:', '[::1]:8080', '[::FFFF:127.0.0.1]',
      'a_b.test', '-a.test', 'a-.test', '1a.test', 'a.1', 'a.123', 'a.0x1', 'ab.', 'a%41.test', "a'b", 'a!b', 'a*b'];
    const targets = ['/', '/a/b?x=1&y=%20', '/a/../b', '/a/./b', '/a/%2e%2E/b', '/a/.%2e', '/%2e', '/.', "/it's?q='x'", '/a"b', '/a<b>', '/a`b?`', '/a{b}?{c}',
      '/a\\b', '/a?b\\c', '/a#b', '/a?b#c', '/~user/%7e/%zz', '/a/..?x', '/..', '//x', '/a;b=c,d@e:f', '/[x]?[y]', '/a|b^c', '/%', '/a?%2e%2e', '/.a/a.', '*'];
    let seed = 42;
    const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pick = (chars, length) => Array.from({ length }, () => chars[random(chars.length)]).join('');
    for (let i = 0; i < 300; i++) hosts.push(pick('abz019.-:xnAX', 1 + random(12)));
    for (let i = 0; i < 300; i++) targets.push('/' + pick("/./%2eE?#azAZ09~!$&'()*+,;=:@[]\\\"<>`{}^|_-", random(14)));
    let fast = 0;
    for (const host of hosts) {
      for (const target of targets) {
        const req = request({ target, headers: ['host', host] });
        let expected;
        try {
          expected = new GlobalRequest(`http://${host}${target === '*' ? '/*' : target}`).url;
        } catch {
          expected = 'throws';
        }
        let got;
        try {
          got = requestUrl(req);
        } catch {
          got = 'throws';
        }
        // A Host our check refuses outright is fine to refuse: the parser may have accepted it.
        if (got === 'throws' && /[^\w.~%!$&'()*+,;=:[\]-]/.test(host)) continue;
        assert.equal(got, expected, `Host ${JSON.stringify(host)}, target ${JSON.stringify(target)}`);
        if (`http://${host}${target}` === got) fast++;
      }
    }
    assert.ok(fast > 1000, `the fast path is taken (${fast} times)`);
  });
});
