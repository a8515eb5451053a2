// The static-file application, called directly with plain Request objects.
// Fixtures live in a temporary directory made here.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createStaticApp } from '../dist/app/static/index.js';
import { parseHttpDate } from '../dist/app/static/conditional.js';
import { makeRequest, field as header, bodyOf } from './fixtures/app-requests.mjs';

// --- fixtures ------------------------------------------------------------------

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'fourfold-static-'));
const root = path.join(base, 'root');
const outside = path.join(base, 'outside');
const OLD = new Date('2020-01-02T03:04:05.678Z');
const NEWER = new Date('2021-01-01T00:00:00Z');
const OLDER = new Date('2019-01-01T00:00:00Z');

const text = (n) => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${i}: the quick brown fox jumps over the lazy dog\n`;
  return s.slice(0, n);
};
const DATA = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const BIG = text(6000);
const HUGE = text(200 * 1024);
const APP = `// app\n${text(3000)}`;
const STYLE = `body { color: red }\n${text(2000)}`;

function write(rel, content, mtime = OLD) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, mtime, mtime);
}

before(() => {
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret\n');
  write('index.html', '<!doctype html><h1>home</h1>\n');
  write('hello.txt', 'hello world\n');
  write('data.bin', DATA);
  write('empty.txt', '');
  write('big.txt', BIG);
  write('huge.txt', HUGE);
  write('image.png', Buffer.alloc(2000, 7));
  write('app.js', APP);
  write('app.js.br', zlib.brotliCompressSync(APP), NEWER);
  write('app.js.gz', zlib.gzipSync(APP), NEWER);
  write('style.css', STYLE);
  write('style.css.gz', Buffer.from('stale'), OLDER);
  write('small.css', 'a{}\n');
  write('data.json', '{"a":1}\n');
  write('pic.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  write('noext', 'no extension\n');
  write('sub/index.html', '<p>sub</p>\n');
  write('sub/page.html', '<p>page</p>\n');
  write('sub/.secret', 'hidden\n');
  write('list/a&b<c>.txt', 'x');
  write('list/x y.txt', 'x');
  write('list/"q".txt', 'x');
  write('list/.hidden', 'x');
  write('list/z/inner.txt', 'x');
  write('.env', 'SECRET=1\n');
  write('.well-known/security.txt', 'Contact: mailto:a@example.com\n');
  write('%41.txt', 'literal percent\n');
  write('back\\slash.txt', 'backslash\n');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync(outside, path.join(root, 'link-dir-out'));
  fs.symlinkSync(path.join(root, 'hello.txt'), path.join(root, 'link-in.txt'));
});

after(() => fs.rmSync(base, { recursive: true, force: true }));

const apps = [];
function app(options = {}) {
  // memoryMaxBytes: 0 — these tests look at descriptors; small files from memory are tested on their own
  const a = createStaticApp({ root, memoryMaxBytes: 0, ...options });
  apps.push(a);
  return a;
}
after(() => apps.forEach((a) => a.close()));

const get = (a, p, h) => a.handle(makeRequest('GET', p, h));

// --- methods ---------------------------------------------------------------------

describe('methods', () => {
  test('GET serves a file with its headers and a FileBody', async () => {
    const r = get(app(), '/hello.txt');
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-type'), 'text/plain; charset=utf-8');
    assert.equal(header(r, 'accept-ranges'), 'bytes');
    assert.equal(header(r, 'last-modified'), 'Thu, 02 Jan 2020 03:04:05 GMT');
    const mtime = Math.floor(fs.statSync(path.join(root, 'hello.txt')).mtimeMs);
    assert.equal(header(r, 'etag'), `"c-${mtime.toString(16)}"`);
    assert.equal(header(r, 'content-length'), undefined);
    assert.equal(header(r, 'date'), undefined);
    assert.equal(r.body.kind, 'file');
    assert.equal(r.body.offset, 0);
    assert.equal(r.body.length, 12);
    assert.equal((await bodyOf(r)).toString(), 'hello world\n');
  });

  test('HEAD returns the same reply as GET', () => {
    const a = app();
    const g = get(a, '/hello.txt');
    const h = a.handle(makeRequest('HEAD', '/hello.txt'));
    assert.equal(h.status, g.status);
    assert.deepEqual(h.headers, g.headers);
    assert.equal(h.body.length, g.body.length);
  });

  test('OPTIONS answers 204 with Allow', () => {
    const r = app().handle(makeRequest('OPTIONS', '/hello.txt'));
    assert.equal(r.status, 204);
    assert.equal(header(r, 'allow'), 'GET, HEAD, OPTIONS');
    assert.equal(r.body, null);
  });

  test('OPTIONS * answers 204 with Allow', () => {
    const r = app().handle(makeRequest('OPTIONS', '*'));
    assert.equal(r.status, 204);
    assert.equal(header(r, 'allow'), 'GET, HEAD, OPTIONS');
  });

  test('other methods on a resource are 405 with Allow', () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = app().handle(makeRequest(m, '/hello.txt'));
      assert.equal(r.status, 405, m);
      assert.equal(header(r, 'allow'), 'GET, HEAD, OPTIONS');
    }
  });

  test('404 vs handleOrNull', () => {
    const a = app();
    const r = get(a, '/missing.txt');
    assert.equal(r.status, 404);
    assert.equal(r.body, 'Not Found\n');
    assert.equal(header(r, 'content-type'), 'text/plain; charset=utf-8');
    assert.equal(a.handleOrNull(makeRequest('GET', '/missing.txt')), null);
    assert.equal(a.handleOrNull(makeRequest('POST', '/api/things')), null, 'unknown paths stay free for a handler behind');
    assert.equal(a.handleOrNull(makeRequest('GET', '/hello.txt')).status, 200);
  });

  test('CORS: ACAO on responses and preflight answers', () => {
    const a = app({ cors: true });
    assert.equal(header(get(a, '/hello.txt'), 'access-control-allow-origin'), '*');
    assert.equal(header(get(a, '/missing'), 'access-control-allow-origin'), '*');
    const r = a.handle(
      makeRequest('OPTIONS', '/hello.txt', {
        Origin: 'http://x.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-foo, content-type',
      }),
    );
    assert.equal(r.status, 204);
    assert.equal(header(r, 'access-control-allow-origin'), '*');
    assert.equal(header(r, 'access-control-allow-methods'), 'GET, HEAD, OPTIONS');
    assert.equal(header(r, 'access-control-allow-headers'), 'x-foo, content-type');
    assert.equal(header(r, 'access-control-max-age'), '86400');
    assert.equal(header(get(app(), '/hello.txt'), 'access-control-allow-origin'), undefined);
  });

  test('Cache-Control is set when configured', () => {
    const r = get(app({ cacheControl: 'public, max-age=60' }), '/hello.txt');
    assert.equal(header(r, 'cache-control'), 'public, max-age=60');
    assert.equal(header(get(app(), '/hello.txt'), 'cache-control'), undefined);
  });
});

// --- content types -----------------------------------------------------------------

describe('content types', () => {
  const cases = {
    '/index.html': 'text/html; charset=utf-8',
    '/app.js': 'application/javascript; charset=utf-8',
    '/data.json': 'application/json; charset=utf-8',
    '/pic.svg': 'image/svg+xml; charset=utf-8',
    '/image.png': 'image/png',
    '/noext': 'application/octet-stream',
    '/data.bin': 'application/octet-stream',
  };
  for (const [p, type] of Object.entries(cases)) {
    test(`${p} → ${type}`, () => assert.equal(header(get(app(), p), 'content-type'), type));
  }
  test('an empty file has a null body', () => {
    const r = get(app(), '/empty.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, null);
  });
});

// --- path safety -------------------------------------------------------------------

describe('path safety', () => {
  const forbidden = [
    '/../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/a/../../x',
    '/%2e%2e%2fetc%2fpasswd',
    '/sub/..%2f..%2f..%2fetc%2fpasswd',
    '/..',
    '/./../hello.txt',
  ];
  for (const p of forbidden) test(`${p} → 403`, () => assert.equal(get(app(), p).status, 403));

  test('malformed escapes and NUL → 400', () => {
    for (const p of ['/%zz', '/%', '/a%2', '/%e0%a4', '/a%00b', '/%00']) assert.equal(get(app(), p).status, 400, p);
  });

  test('%2f decoded stays inside root and serves', () => {
    assert.equal(get(app(), '/sub%2fpage.html').status, 200);
    assert.equal(get(app(), '/sub/x/..%2fpage.html').status, 200);
  });

  test('double encoding is decoded once only', () => {
    assert.equal(get(app(), '/%252e%252e/%252e%252e/etc/passwd').status, 404);
    const r = get(app(), '/%2541.txt');
    assert.equal(r.status, 200, 'names the file literally called %41.txt');
  });

  test('backslash is an ordinary character', async () => {
    const r = get(app(), '/back%5Cslash.txt');
    assert.equal(r.status, 200);
    assert.equal((await bodyOf(r)).toString(), 'backslash\n');
    assert.equal(get(app(), '/sub%5C..%5Chello.txt').status, 404);
  });

  test('symlinks out of the root are 404 unless followSymlinks', async () => {
    assert.equal(get(app(), '/link-out.txt').status, 404);
    assert.equal(get(app(), '/link-dir-out/secret.txt').status, 404);
    const r = get(app({ followSymlinks: true }), '/link-out.txt');
    assert.equal(r.status, 200);
    assert.equal((await bodyOf(r)).toString(), 'top secret\n');
  });

  test('symlinks inside the root are served', () => {
    assert.equal(get(app(), '/link-in.txt').status, 200);
  });

  test('dotfiles are 404 except /.well-known/', () => {
    const a = app();
    assert.equal(get(a, '/.env').status, 404);
    assert.equal(get(a, '/sub/.secret').status, 404);
    assert.equal(get(a, '/%2eenv').status, 404);
    assert.equal(get(a, '/.well-known/security.txt').status, 200);
    assert.equal(get(app({ dotfiles: true }), '/.env').status, 200);
  });

  test('a file path with a trailing slash is 404', () => {
    assert.equal(get(app(), '/hello.txt/').status, 404);
  });
});

// --- directories ---------------------------------------------------------------------

describe('directories', () => {
  test('directory without slash → 301 with Location and query', () => {
    const r = get(app(), '/sub?x=1&y=2');
    assert.equal(r.status, 301);
    assert.equal(header(r, 'location'), '/sub/?x=1&y=2');
    const r2 = get(app(), '//sub');
    assert.equal(header(r2, 'location'), '/sub/', 'never a protocol-relative redirect');
  });

  test('directory with index.html serves it', async () => {
    const r = get(app(), '/sub/');
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-type'), 'text/html; charset=utf-8');
    assert.equal((await bodyOf(r)).toString(), '<p>sub</p>\n');
    assert.equal(get(app(), '/').status, 200);
  });

  test('directory without index: 404 unless dirListing', () => {
    assert.equal(get(app(), '/list/').status, 404);
  });

  test('listing: escaped, encoded, sorted, dirs first, parent link, no dotfiles', () => {
    const r = get(app({ dirListing: true }), '/list/');
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-type'), 'text/html; charset=utf-8');
    const html = r.body;
    assert.match(html, /<title>Index of \/list\/<\/title>/);
    assert.ok(html.includes('<a href="../">../</a>'));
    assert.ok(html.includes('<a href="a%26b%3Cc%3E.txt">a&amp;b&lt;c&gt;.txt</a>'));
    assert.ok(html.includes('<a href="x%20y.txt">x y.txt</a>'));
    assert.ok(html.includes('<a href="%22q%22.txt">&quot;q&quot;.txt</a>'));
    assert.ok(!html.includes('hidden'));
    assert.ok(!html.includes('<c>'));
    const order = ['z/', '%22q%22.txt', 'a%26b', 'x%20y'].map((s) => html.indexOf(`href="${s}`));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.ok(order.every((i) => i > 0));
  });

  test('root listing has no parent link and hides escaping symlinks', () => {
    const a = app({ dirListing: true });
    fs.renameSync(path.join(root, 'index.html'), path.join(root, 'index.html.off'));
    try {
      const html = a.handle(makeRequest('GET', '/')).body;
      assert.ok(!html.includes('href="../"'));
      assert.ok(!html.includes('link-out.txt'));
      assert.ok(html.includes('link-in.txt'));
      assert.ok(html.includes('href=".well-known/"'));
    } finally {
      fs.renameSync(path.join(root, 'index.html.off'), path.join(root, 'index.html'));
    }
  });
});

// --- conditionals ----------------------------------------------------------------------

describe('conditional requests', () => {
  const a = app({ cacheControl: 'max-age=5' });
  const etag = () => header(get(a, '/hello.txt'), 'etag');
  const LM = 'Thu, 02 Jan 2020 03:04:05 GMT';

  test('If-None-Match match → 304 with validators, no body', () => {
    const r = get(a, '/hello.txt', { 'If-None-Match': etag() });
    assert.equal(r.status, 304);
    assert.equal(r.body, null);
    assert.equal(header(r, 'etag'), etag());
    assert.equal(header(r, 'last-modified'), LM);
    assert.equal(header(r, 'cache-control'), 'max-age=5');
    assert.equal(header(r, 'content-type'), undefined);
  });

  test('If-None-Match: weak comparison, lists and *', () => {
    assert.equal(get(a, '/hello.txt', { 'If-None-Match': `W/${etag()}` }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-None-Match': `"x", "a,b" , ${etag()}` }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-None-Match': '*' }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-None-Match': '"other"' }).status, 200);
    assert.equal(a.handle(makeRequest('HEAD', '/hello.txt', { 'If-None-Match': etag() })).status, 304);
  });

  test('If-Modified-Since', () => {
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': LM }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': 'Fri, 01 Jan 2021 00:00:00 GMT' }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': 'Thu, 02 Jan 2020 03:04:04 GMT' }).status, 200);
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': 'not a date' }).status, 200);
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': 'Thursday, 02-Jan-20 03:04:05 GMT' }).status, 304);
    assert.equal(get(a, '/hello.txt', { 'If-Modified-Since': 'Thu Jan  2 03:04:05 2020' }).status, 304);
  });

  test('If-Modified-Since is ignored when If-None-Match is present', () => {
    const r = get(a, '/hello.txt', { 'If-None-Match': '"other"', 'If-Modified-Since': LM });
    assert.equal(r.status, 200);
  });

  test('If-Match', () => {
    assert.equal(get(a, '/hello.txt', { 'If-Match': etag() }).status, 200);
    assert.equal(get(a, '/hello.txt', { 'If-Match': '*' }).status, 200);
    const r = get(a, '/hello.txt', { 'If-Match': '"other"' });
    assert.equal(r.status, 412);
    assert.equal(r.body, 'Precondition Failed\n');
    assert.equal(get(a, '/hello.txt', { 'If-Match': `W/${etag()}` }).status, 412, 'strong comparison');
  });

  test('If-Unmodified-Since, and its precedence rules', () => {
    assert.equal(get(a, '/hello.txt', { 'If-Unmodified-Since': 'Wed, 01 Jan 2020 00:00:00 GMT' }).status, 412);
    assert.equal(get(a, '/hello.txt', { 'If-Unmodified-Since': LM }).status, 200);
    assert.equal(get(a, '/hello.txt', { 'If-Unmodified-Since': 'garbage' }).status, 200);
    // If-Match present → If-Unmodified-Since ignored.
    assert.equal(get(a, '/hello.txt', { 'If-Match': etag(), 'If-Unmodified-Since': 'Wed, 01 Jan 2020 00:00:00 GMT' }).status, 200);
    // 412 wins over 304.
    assert.equal(get(a, '/hello.txt', { 'If-Match': '"x"', 'If-None-Match': etag() }).status, 412);
  });

  test('HTTP-date parsing rejects impossible dates', () => {
    assert.ok(Number.isNaN(parseHttpDate('Mon, 30 Feb 2020 00:00:00 GMT')));
    assert.ok(Number.isNaN(parseHttpDate('Mon, 01 Foo 2020 00:00:00 GMT')));
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), Date.UTC(1994, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), Date.UTC(1994, 10, 6, 8, 49, 37));
  });
});

// --- ranges --------------------------------------------------------------------------

describe('ranges', () => {
  const a = app();
  const range = (spec, extra = {}) => get(a, '/data.bin', { Range: spec, ...extra });

  test('bytes=a-b', async () => {
    const r = range('bytes=0-9');
    assert.equal(r.status, 206);
    assert.equal(header(r, 'content-range'), 'bytes 0-9/100');
    assert.equal(r.body.offset, 0);
    assert.equal(r.body.length, 10);
    assert.deepEqual(await bodyOf(r), DATA.subarray(0, 10));
  });

  test('bytes=a- and the suffix form bytes=-n', () => {
    let r = range('bytes=90-');
    assert.equal(header(r, 'content-range'), 'bytes 90-99/100');
    assert.equal(r.body.length, 10);
    r = range('bytes=-5');
    assert.equal(header(r, 'content-range'), 'bytes 95-99/100');
    assert.equal(r.body.offset, 95);
    r = range('bytes=-500');
    assert.equal(header(r, 'content-range'), 'bytes 0-99/100');
  });

  test('last-pos is clamped to size-1; unit is case-insensitive', () => {
    const r = range('bytes=50-1000');
    assert.equal(header(r, 'content-range'), 'bytes 50-99/100');
    assert.equal(r.body.length, 50);
    assert.equal(range('Bytes=1-1').status, 206);
  });

  test('unsatisfiable → 416 with Content-Range */size', () => {
    for (const spec of ['bytes=100-', 'bytes=200-300', 'bytes=-0']) {
      const r = range(spec);
      assert.equal(r.status, 416, spec);
      assert.equal(header(r, 'content-range'), 'bytes */100');
    }
  });

  test('syntactically invalid Range is ignored → 200', () => {
    for (const spec of ['bytes=abc', 'bytes=5-1', 'items=0-1', 'bytes=', 'bytes=-', 'bytes 0-1', 'bytes=1-2-3']) {
      const r = range(spec);
      assert.equal(r.status, 200, spec);
      assert.equal(r.body.length, 100);
    }
  });

  test('several ranges → multipart/byteranges', async () => {
    const r = range('bytes=0-1, 5-6,-2');
    assert.equal(r.status, 206);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(header(r, 'content-type'));
    assert.ok(m);
    const b = m[1];
    const body = (await bodyOf(r)).toString('latin1');
    const part = (s, e) =>
      `--${b}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${s}-${e}/100\r\n\r\n` +
      DATA.subarray(s, e + 1).toString('latin1');
    assert.equal(body, `${part(0, 1)}\r\n${part(5, 6)}\r\n${part(98, 99)}\r\n--${b}--\r\n`);
    assert.ok(header(r, 'etag'));
  });

  test('large multipart bodies are streamed', async () => {
    const r = get(a, '/huge.txt', { Range: 'bytes=0-69999,100000-179999' });
    assert.equal(r.status, 206);
    assert.equal(typeof r.body[Symbol.asyncIterator], 'function');
    const body = (await bodyOf(r)).toString('latin1');
    assert.ok(body.includes(HUGE.slice(0, 70000)));
    assert.ok(body.includes(HUGE.slice(100000, 180000)));
    assert.ok(body.includes('Content-Range: bytes 100000-179999/204800'));
  });

  test('overlapping or too many ranges → 200 full', () => {
    assert.equal(range('bytes=0-10,5-20').status, 200);
    const many = 'bytes=' + Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
    assert.equal(range(many).status, 200);
    const sixteen = 'bytes=' + Array.from({ length: 16 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
    assert.equal(range(sixteen).status, 206);
  });

  test('one satisfiable range among unsatisfiable ones is a single part', () => {
    const r = range('bytes=500-600, 3-4');
    assert.equal(r.status, 206);
    assert.equal(header(r, 'content-range'), 'bytes 3-4/100');
  });

  test('If-Range with entity-tag: strong match only', () => {
    const etag = header(get(a, '/data.bin'), 'etag');
    assert.equal(range('bytes=0-1', { 'If-Range': etag }).status, 206);
    assert.equal(range('bytes=0-1', { 'If-Range': '"stale"' }).status, 200);
    assert.equal(range('bytes=0-1', { 'If-Range': `W/${etag}` }).status, 200);
    assert.equal(range('bytes=500-', { 'If-Range': '"stale"' }).status, 200, 'no 416 either');
  });

  test('If-Range with a date: exact Last-Modified only', () => {
    const lm = header(get(a, '/data.bin'), 'last-modified');
    assert.equal(range('bytes=0-1', { 'If-Range': lm }).status, 206);
    assert.equal(range('bytes=0-1', { 'If-Range': 'Fri, 01 Jan 2021 00:00:00 GMT' }).status, 200);
    assert.equal(range('bytes=0-1', { 'If-Range': 'nonsense' }).status, 200);
  });

  test('HEAD honours Range too', () => {
    const r = a.handle(makeRequest('HEAD', '/data.bin', { Range: 'bytes=0-9' }));
    assert.equal(r.status, 206);
    assert.equal(r.body.length, 10);
  });

  test('preconditions are evaluated before Range', () => {
    const etag = header(get(a, '/data.bin'), 'etag');
    assert.equal(range('bytes=0-1', { 'If-None-Match': etag }).status, 304);
    assert.equal(range('bytes=0-1', { 'If-Match': '"x"' }).status, 412);
  });
});

// --- compression -----------------------------------------------------------------------

describe('compression', () => {
  test('precompressed .br sibling is preferred at equal q', async () => {
    const r = get(app(), '/app.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-encoding'), 'br');
    assert.match(header(r, 'etag'), /^"[0-9a-f]+-[0-9a-f]+-br"$/);
    assert.equal(header(r, 'vary'), 'Accept-Encoding');
    assert.equal(header(r, 'content-type'), 'application/javascript; charset=utf-8');
    assert.equal(r.body.kind, 'file');
    assert.equal(r.body.length, fs.statSync(path.join(root, 'app.js.br')).size);
    assert.equal(zlib.brotliDecompressSync(await bodyOf(r)).toString(), APP);
  });

  test('precompressed .gz sibling when gzip is preferred', async () => {
    const r = get(app(), '/app.js', { 'Accept-Encoding': 'br;q=0.5, gzip' });
    assert.equal(header(r, 'content-encoding'), 'gzip');
    assert.match(header(r, 'etag'), /-gzip"$/);
    assert.equal(zlib.gunzipSync(await bodyOf(r)).toString(), APP);
  });

  test('x-gzip is gzip; unknown codings are not acceptable', () => {
    assert.equal(header(get(app(), '/app.js', { 'Accept-Encoding': 'x-gzip' }), 'content-encoding'), 'gzip');
    assert.equal(header(get(app(), '/app.js', { 'Accept-Encoding': 'zstd, deflate' }), 'content-encoding'), undefined);
    assert.equal(header(get(app(), '/app.js', { 'Accept-Encoding': '*' }), 'content-encoding'), 'br');
  });

  test('an older sibling is ignored: compressed on the fly instead', async () => {
    const r = get(app(), '/style.css', { 'Accept-Encoding': 'gzip' });
    assert.equal(header(r, 'content-encoding'), 'gzip');
    assert.equal(zlib.gunzipSync(await bodyOf(r)).toString(), STYLE);
  });

  test('on-the-fly br and gzip, cached for repeated requests', async () => {
    const a = app();
    const r1 = get(a, '/big.txt', { 'Accept-Encoding': 'br' });
    assert.equal(header(r1, 'content-encoding'), 'br');
    assert.ok(r1.body instanceof Uint8Array);
    assert.ok(r1.body.length < BIG.length);
    assert.equal(zlib.brotliDecompressSync(r1.body).toString(), BIG);
    const r2 = get(a, '/big.txt', { 'Accept-Encoding': 'br' });
    assert.equal(r2.body, r1.body, 'the same cached buffer');
    const g = get(a, '/big.txt', { 'Accept-Encoding': 'gzip;q=0.8' });
    assert.equal(header(g, 'content-encoding'), 'gzip');
    assert.equal(zlib.gunzipSync(g.body).toString(), BIG);
    assert.notEqual(header(g, 'etag'), header(r1, 'etag'));
  });

  test('large files are compressed as a stream, then served from the cache', async () => {
    const a = app();
    const r1 = get(a, '/huge.txt', { 'Accept-Encoding': 'gzip' });
    assert.equal(typeof r1.body[Symbol.asyncIterator], 'function');
    assert.equal(zlib.gunzipSync(await bodyOf(r1)).toString(), HUGE);
    const r2 = get(a, '/huge.txt', { 'Accept-Encoding': 'gzip' });
    assert.ok(r2.body instanceof Uint8Array);
    assert.equal(zlib.gunzipSync(r2.body).toString(), HUGE);
  });

  test('q-values', () => {
    const ce = (ae) => header(get(app(), '/big.txt', { 'Accept-Encoding': ae }), 'content-encoding');
    assert.equal(ce('gzip;q=1, br;q=0.5'), 'gzip');
    assert.equal(ce('br;q=0, gzip'), 'gzip');
    assert.equal(ce('br;q=0.3, gzip;q=0.3'), 'br');
    assert.equal(ce('gzip;q=0.5, identity'), undefined, 'identity preferred explicitly');
    assert.equal(ce('br, *;q=0'), 'br');
    assert.equal(ce('br;q=0, gzip;q=0'), undefined);
    assert.equal(ce('br;q=abc'), undefined, 'an unreadable q drops the element');
    assert.equal(ce('BR;Q=0.9'), 'br');
  });

  test('identity refused and nothing else acceptable: identity anyway', () => {
    const r = get(app(), '/big.txt', { 'Accept-Encoding': 'identity;q=0, *;q=0' });
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-encoding'), undefined);
    assert.equal(r.body.length, BIG.length);
  });

  test('no Accept-Encoding → identity, but still Vary', () => {
    const r = get(app(), '/big.txt');
    assert.equal(header(r, 'content-encoding'), undefined);
    assert.equal(header(r, 'vary'), 'Accept-Encoding');
  });

  test('small files are not compressed; incompressible types have no Vary', () => {
    const s = get(app(), '/small.css', { 'Accept-Encoding': 'br' });
    assert.equal(header(s, 'content-encoding'), undefined);
    assert.equal(header(s, 'vary'), 'Accept-Encoding');
    const p = get(app(), '/image.png', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(header(p, 'content-encoding'), undefined);
    assert.equal(header(p, 'vary'), undefined);
  });

  test('Range disables compression', () => {
    const r = get(app(), '/big.txt', { 'Accept-Encoding': 'br', Range: 'bytes=0-9' });
    assert.equal(r.status, 206);
    assert.equal(header(r, 'content-encoding'), undefined);
    assert.equal(header(r, 'vary'), 'Accept-Encoding');
  });

  test('compress:false sends identity without Vary', () => {
    const r = get(app({ compress: false }), '/app.js', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(header(r, 'content-encoding'), undefined);
    assert.equal(header(r, 'vary'), undefined);
  });

  test('conditionals use the selected representation’s ETag', () => {
    const a = app();
    const br = header(get(a, '/big.txt', { 'Accept-Encoding': 'br' }), 'etag');
    const r = get(a, '/big.txt', { 'Accept-Encoding': 'br', 'If-None-Match': br });
    assert.equal(r.status, 304);
    assert.equal(header(r, 'vary'), 'Accept-Encoding');
    assert.equal(get(a, '/big.txt', { 'If-None-Match': br }).status, 200, 'identity has another tag');
  });
});

// --- SPA -----------------------------------------------------------------------------

describe('spa', () => {
  test('extension-less unknown paths get index.html with 200', async () => {
    const r = get(app({ spa: true }), '/some/client/route');
    assert.equal(r.status, 200);
    assert.equal(header(r, 'content-type'), 'text/html; charset=utf-8');
    assert.equal((await bodyOf(r)).toString(), '<!doctype html><h1>home</h1>\n');
  });

  test('missing assets stay 404, unless the client asks for HTML', () => {
    assert.equal(get(app({ spa: true }), '/missing.js').status, 404);
    assert.equal(get(app({ spa: true }), '/user/jane.doe', { Accept: 'text/html,*/*' }).status, 200);
    assert.equal(get(app(), '/some/client/route').status, 404);
  });
});

// --- cache and robustness -------------------------------------------------------------

describe('metadata cache and robustness', () => {
  test('cached descriptors are reused and closed by close()', () => {
    const a = createStaticApp({ root, memoryMaxBytes: 0 });
    const r1 = get(a, '/hello.txt');
    const r2 = get(a, '/hello.txt');
    assert.equal(r1.body.closeAfter, false);
    assert.equal(r1.body.fd, r2.body.fd);
    a.close();
    assert.throws(() => fs.fstatSync(r1.body.fd), /EBADF/);
  });

  test('by default the next request sees a change (one stat a request), descriptors still cached', () => {
    const file = path.join(root, 'changing.txt');
    fs.writeFileSync(file, 'one');
    const a = app();
    const r1 = get(a, '/changing.txt');
    assert.equal(r1.body.closeAfter, false);
    fs.writeFileSync(file, 'three');
    const r2 = get(a, '/changing.txt');
    assert.equal(r2.body.length, 5);
    assert.notEqual(header(r2, 'etag'), header(r1, 'etag'));
    fs.rmSync(file);
    assert.equal(get(a, '/changing.txt').status, 404);
  });

  test('with cacheMetadataMs the cached metadata is trusted for that long', () => {
    const file = path.join(root, 'cached.txt');
    fs.writeFileSync(file, 'one');
    const a = app({ cacheMetadataMs: 60_000 });
    const e1 = header(get(a, '/cached.txt'), 'etag');
    fs.writeFileSync(file, 'changed');
    assert.equal(header(get(a, '/cached.txt'), 'etag'), e1);
    fs.rmSync(file);
  });

  test('a change keeps the descriptor of an unchanged inode and never closes one in flight', async () => {
    const file = path.join(root, 'swap.txt');
    fs.writeFileSync(file, 'first');
    const a = app();
    const r1 = get(a, '/swap.txt');
    assert.equal(r1.body.closeAfter, false);
    await new Promise((r) => setTimeout(r, 5));
    fs.writeFileSync(file, 'first, rewritten in place');
    const r2 = get(a, '/swap.txt');
    assert.equal(r2.body.fd, r1.body.fd, 'same inode: same descriptor');
    assert.equal(r2.body.length, 25);
    fs.writeFileSync(file + '.new', 'second');
    fs.renameSync(file + '.new', file); // a new inode, as deploy tools do
    await new Promise((r) => setTimeout(r, 5));
    const r3 = get(a, '/swap.txt');
    assert.notEqual(r3.body.fd, r1.body.fd);
    assert.equal((await bodyOf(r3)).toString(), 'second');
    // The retired descriptor is still open: a model may still be sending from it.
    const buf = Buffer.alloc(5);
    fs.readSync(r1.body.fd, buf, 0, 5, 0);
    assert.equal(buf.toString(), 'first');
    fs.rmSync(file);
  });

  test('never throws, whatever the request', () => {
    const a = app({ dirListing: true, spa: true, cors: true });
    const weird = [
      ['GET', ''],
      ['GET', 'relative'],
      ['GET', '*'],
      ['BREW', '*'],
      ['GET', '/%ff%fe'],
      ['GET', '/' + 'a'.repeat(5000)],
      ['GET', '/' + 'a/'.repeat(3000)],
      ['get', '/hello.txt'],
      ['', '/'],
    ];
    for (const [m, p] of weird) {
      const r = a.handle(makeRequest(m, p, { Range: 'bytes=99999999999999999999-', 'If-Modified-Since': '\u0000' }));
      assert.equal(typeof r.status, 'number', `${m} ${p}`);
      assert.ok(r.status >= 200 && r.status < 600);
    }
  });
});

describe('small files from memory', () => {
  test('a small file is answered with its bytes; a larger one with a FileBody; changes are seen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fourfold-small-'));
    fs.writeFileSync(path.join(dir, 'small.txt'), 'tiny\n');
    fs.writeFileSync(path.join(dir, 'large.bin'), Buffer.alloc(20000, 1));
    const a = createStaticApp({ root: dir });
    try {
      const r = a.handle(makeRequest('GET', '/small.txt'));
      assert.ok(r.body instanceof Uint8Array);
      assert.equal(Buffer.from(r.body).toString(), 'tiny\n');
      const ranged = a.handle(makeRequest('GET', '/small.txt', { Range: 'bytes=1-2' }));
      assert.equal(ranged.status, 206);
      assert.equal(Buffer.from(ranged.body).toString(), 'in');
      const big = a.handle(makeRequest('GET', '/large.bin'));
      assert.equal(big.body.kind, 'file');
      await bodyOf(big);
      fs.writeFileSync(path.join(dir, 'small.txt'), 'changed!\n');
      fs.utimesSync(path.join(dir, 'small.txt'), new Date(), new Date(Date.now() + 5000));
      const again = a.handle(makeRequest('GET', '/small.txt'));
      assert.equal(Buffer.from(again.body).toString(), 'changed!\n');
    } finally {
      a.close();
    }
  });
});
