// The application as a user meets it: the real CLI, real sockets, requests
// written byte for byte (like curl --path-as-is). Each test names the
// behaviour it pins down; the sites are temporary directories made here.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, ROOT } from './helpers/server.mjs';
import { exchange, makeSite, decode } from './fixtures/app-requests.mjs';

const HONO_APP = 'test/fixtures/apps/hono-app.mjs';
const PLAIN_APP = 'test/fixtures/apps/plain-app.mjs';
const INDEX = '<h1>home</h1>\n';
const NOT_FOUND_PAGE = '<h1>no such page</h1>\n';

let site;
before(() => {
  site = makeSite(
    'live',
    {
      'index.html': INDEX,
      'hello.txt': 'hello\n',
      'sub/index.html': '<p>sub</p>\n',
      'about.html': '<p>about</p>\n',
      '404.html': NOT_FOUND_PAGE,
      '.git/config': '[core]\n\tbare = false\n',
    },
    { gitlink: '.git' },
  );
});
after(() => site.remove());

/** Start a server for the tests of one describe() and stop it after them. */
function serverFor(args) {
  const s = { server: null };
  before(async () => (s.server = await startServer(typeof args === 'function' ? args() : args)));
  after(() => s.server?.stop());
  return s;
}

describe('static files over the wire', () => {
  const s = serverFor(() => [site.dir]);
  const get = (target, headers) => exchange(s.server.port, 'GET', target, headers);

  test('a path ending in a dot segment never redirects to "//" (a network-path reference)', async () => {
    for (const target of ['/sub/..', '/.', '/%2e', '/x/..', '/.?x', '/sub/%2e%2e']) {
      const r = await get(target);
      const location = r.headers.location?.[0];
      assert.ok(location === undefined || /^\/(?!\/)/.test(location), `${target}: Location ${location}`);
      // RFC 3986 §5.2.4: "/sub/.." is "/", a directory: its index is served.
      assert.equal(r.status, 200, target);
      assert.equal(r.body.toString(), INDEX, target);
    }
    const sub = await get('/sub/.');
    assert.equal(sub.status, 200);
    assert.equal(sub.body.toString(), '<p>sub</p>\n');
    const redirect = await get('/sub?x=1');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location[0], '/sub/?x=1');
  });

  test('a file followed by a dot segment names nothing: /hello.txt/. is 404 like /hello.txt/', async () => {
    assert.equal((await get('/hello.txt/.')).status, 404);
    assert.equal((await get('/hello.txt/')).status, 404);
    assert.equal((await get('/hello.txt')).status, 200);
  });

  test('a symlink to a dotfile directory is as hidden as the directory', async () => {
    assert.equal((await get('/.git/config')).status, 404);
    const r = await get('/gitlink/config');
    assert.equal(r.status, 404);
    assert.ok(!r.body.toString().includes('bare'));
  });

  test('edits are seen by the next request: deleted, truncated in place, rewritten', async () => {
    const file = site.file('edit.txt');
    fs.writeFileSync(file, 'the first version, rather long\n');
    assert.equal((await get('/edit.txt')).body.toString(), 'the first version, rather long\n');
    fs.writeFileSync(file, 'short\n'); // same inode, truncated
    const truncated = await get('/edit.txt');
    assert.equal(truncated.headers['content-length'][0], '6');
    assert.equal(truncated.body.toString(), 'short\n');
    fs.writeFileSync(file, 'longer again\n');
    assert.equal((await get('/edit.txt')).body.toString(), 'longer again\n');
    fs.rmSync(file);
    assert.equal((await get('/edit.txt')).status, 404);
    fs.writeFileSync(file, 'back\n');
    assert.equal((await get('/edit.txt')).body.toString(), 'back\n');
    fs.rmSync(file);
  });

  test('404.html in the root is the body of 404s (status 404, text/html)', async () => {
    const r = await get('/no/such/thing');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'][0], 'text/html; charset=utf-8');
    assert.equal(r.body.toString(), NOT_FOUND_PAGE);
    const head = await exchange(s.server.port, 'HEAD', '/no/such/thing');
    assert.equal(head.status, 404);
    assert.equal(head.headers['content-length'][0], String(NOT_FOUND_PAGE.length));
  });

  test('clean URLs: /about serves about.html', async () => {
    const r = await get('/about');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'][0], 'text/html; charset=utf-8');
    assert.equal(r.body.toString(), '<p>about</p>\n');
    assert.equal((await get('/about.html')).status, 200);
    assert.equal((await get('/about/')).status, 404, 'a slash asks for a directory');
  });
});

describe('a native module of plain objects, run the npx way (fourfold not installed beside it)', () => {
  let dir;
  const s = serverFor(() => {
    dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'fourfold-npx-'));
    fs.copyFileSync(path.join(ROOT, PLAIN_APP), path.join(dir, 'app.mjs'));
    return ['--app', path.join(dir, 'app.mjs')];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const get = (target, headers) => exchange(s.server.port, 'GET', target, headers);

  test('headers as an object or a flat list, no import needed', async () => {
    const hi = await get('/hi');
    assert.equal(hi.status, 200);
    assert.equal(hi.body.toString(), 'hi\n');
    assert.equal(hi.headers['x-kind'][0], 'object');
    assert.equal(hi.headers['content-type'][0], 'text/plain; charset=utf-8');
    const list = await get('/list');
    assert.equal(list.status, 201);
    assert.deepEqual(list.headers['set-cookie'], ['a=1', 'b=2']);
    const cookies = await get('/cookies');
    assert.deepEqual(cookies.headers['set-cookie'], ['c=3', 'd=4']);
    assert.equal(cookies.headers['content-length'][0], '0');
  });

  test('a wrong plain reply is a 500, and the log says what is wrong', async () => {
    for (const target of ['/bad-header', '/bad-status', '/bad-body']) {
      const r = await get(target);
      assert.equal(r.status, 500, target);
      assert.ok(!r.body.toString().includes('never sent'));
    }
    const { stderr } = s.server.output();
    assert.match(stderr, /GET \/bad-header: .*invalid header name: "bad name"/);
    assert.match(stderr, /GET \/bad-status: .*status must be an integer from 200 to 999, got 99/);
    assert.match(stderr, /GET \/bad-body: .*body must be a string, bytes, an async iterable or null, got a number/);
  });

  test('205 never has a body: a reply that gives one is refused', async () => {
    const r = await get('/reset');
    assert.equal(r.status, 500);
    assert.ok(!r.raw.includes('205'));
    assert.match(s.server.output().stderr, /GET \/reset: .*a 205 reply has no body/);
  });

  test("the server's own 404 writes Content-Type like every other field", async () => {
    const r = await get('/missing');
    assert.equal(r.status, 404);
    assert.match(r.raw, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    assert.doesNotMatch(r.raw, /\r\ncontent-type:/);
  });
});

describe('a fetch-style app with a root', () => {
  const s = serverFor(() => [site.dir, '--app', HONO_APP]);
  const get = (target, headers) => exchange(s.server.port, 'GET', target, headers);

  test('existing files are served, everything else goes to the app (Hono 404 included)', async () => {
    const file = await get('/hello.txt');
    assert.equal(file.status, 200);
    assert.equal(file.body.toString(), 'hello\n');
    assert.equal((await get('/')).body.toString(), INDEX, 'index.html is a file too');
    const json = await get('/json/7');
    assert.equal(json.status, 200);
    assert.equal(JSON.parse(json.body).id, '7');
    const missing = await get('/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), 'custom not found: /nope\n', "the app's own 404 wins over 404.html");
    const post = await exchange(s.server.port, 'POST', '/hello.txt');
    assert.equal(post.body.toString(), 'custom not found: /hello.txt\n', 'other methods go to the app');
  });

  test('app responses are compressed like files: negotiated, with Vary, streams too', async () => {
    const gz = await get('/big?size=5000', { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'][0], 'gzip');
    assert.equal(gz.headers.vary[0], 'Accept-Encoding');
    assert.ok(gz.body.length < 5000);
    assert.equal(decode(gz.body, 'gzip').toString(), 'x'.repeat(5000));
    const br = await get('/big?size=5000', { 'Accept-Encoding': 'gzip;q=0.5, br' });
    assert.equal(br.headers['content-encoding'][0], 'br');
    assert.equal(decode(br.body, 'br').toString(), 'x'.repeat(5000));
    const plain = await get('/big?size=5000');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary[0], 'Accept-Encoding');
    assert.equal(plain.body.length, 5000);
    const stream = await get('/stream', { 'Accept-Encoding': 'gzip' });
    assert.equal(stream.headers['content-encoding'][0], 'gzip');
    assert.equal(decode(stream.body, 'gzip').toString(), 'chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');
    const small = await get('/json/1', { 'Accept-Encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined, 'too small to be worth it');
  });
});

describe('--no-compress covers app responses', () => {
  const s = serverFor(() => [site.dir, '--app', HONO_APP, '--no-compress']);

  test('identity, and no Vary', async () => {
    const r = await exchange(s.server.port, 'GET', '/big?size=5000', { 'Accept-Encoding': 'gzip, br' });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.vary, undefined);
    assert.equal(r.body.length, 5000);
  });
});

describe('--cors with a handler', () => {
  const s = serverFor(() => [site.dir, '--app', PLAIN_APP, '--cors']);
  const get = (target, headers) => exchange(s.server.port, 'GET', target, headers);

  test('handler responses, files and 404s all carry Access-Control-Allow-Origin', async () => {
    for (const [target, status] of [['/hi', 200], ['/hello.txt', 200], ['/missing', 404]]) {
      const r = await get(target, { Origin: 'http://elsewhere.test' });
      assert.equal(r.status, status, target);
      assert.equal(r.headers['access-control-allow-origin']?.[0], '*', target);
    }
  });

  test('preflights are answered by the server, never by the handler', async () => {
    const r = await exchange(s.server.port, 'OPTIONS', '/hi', {
      Origin: 'http://elsewhere.test',
      'Access-Control-Request-Method': 'PUT',
      'Access-Control-Request-Headers': 'x-token, content-type',
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers['access-control-allow-origin'][0], '*');
    assert.match(r.headers['access-control-allow-methods'][0], /PUT/);
    assert.equal(r.headers['access-control-allow-headers'][0], 'x-token, content-type');
    const plain = await exchange(s.server.port, 'OPTIONS', '/hi');
    assert.equal(plain.status, 418, 'an OPTIONS that is no preflight is the handler’s');
  });
});
