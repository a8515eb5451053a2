// What the static app answers when the path names no file, in process: the
// root's 404.html as the body of 404s, clean URLs (/about → about.html), and
// how both sit with a single-page app's fallback; each can be turned off.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { siteFixture, makeRequest, field, bodyOf, decode } from './fixtures/app-requests.mjs';

const PAGE = `<!doctype html><h1>Not here</h1>\n${'<p>Try the home page.</p>\n'.repeat(60)}`;
const { app, get } = siteFixture('pages', {
  'index.html': 'home\n',
  '404.html': PAGE,
  'about.html': 'about\n',
  'docs/intro.html': 'intro\n',
  'docs/index.html': 'docs\n',
  'both.html': 'both as a file\n',
  'both/index.html': 'both as a directory\n',
  'data.json': '{}\n',
});

describe('the 404 page', () => {
  test('404.html is the body of 404s: status 404, text/html, no validators', async () => {
    const r = get(app(), '/missing');
    assert.equal(r.status, 404);
    assert.equal(field(r, 'content-type'), 'text/html; charset=utf-8');
    assert.equal(field(r, 'etag'), undefined);
    assert.equal(field(r, 'accept-ranges'), undefined);
    assert.equal((await bodyOf(r)).toString(), PAGE);
    assert.equal(get(app(), '/404.html').status, 200, 'asked for by name it is an ordinary page');
  });

  test('compressed like any file, and no Range or conditional applies to it', async () => {
    const a = app();
    const r = get(a, '/missing', { 'Accept-Encoding': 'br', Range: 'bytes=0-3', 'If-None-Match': '*' });
    assert.equal(r.status, 404);
    assert.equal(field(r, 'content-encoding'), 'br');
    assert.equal(field(r, 'vary'), 'Accept-Encoding');
    assert.equal(decode(await bodyOf(r), 'br').toString(), PAGE);
  });

  test('every kind of "not found" gets it; other errors keep their plain text', () => {
    const a = app();
    for (const target of ['/missing', '/.env', '/index.html/', '/docs/missing.html']) assert.equal(field(get(a, target), 'content-type'), 'text/html; charset=utf-8', target);
    assert.equal(get(a, '/%zz').status, 400);
    assert.equal(get(a, '/%zz').body, 'Bad Request\n');
    assert.equal(a.handle(makeRequest('POST', '/missing')).status, 404);
  });

  test('notFoundPage: false gives the plain 404', () => {
    const r = get(app({ notFoundPage: false }), '/missing');
    assert.equal(r.body, 'Not Found\n');
    assert.equal(field(r, 'content-type'), 'text/plain; charset=utf-8');
  });
});

describe('clean URLs', () => {
  test('/about is about.html, when nothing called "about" exists', async () => {
    const a = app();
    assert.equal((await bodyOf(get(a, '/about'))).toString(), 'about\n');
    assert.equal((await bodyOf(get(a, '/docs/intro'))).toString(), 'intro\n');
    assert.equal(field(get(a, '/about'), 'content-type'), 'text/html; charset=utf-8');
    assert.equal(get(a, '/both').status, 301, 'a directory wins');
    assert.equal(get(a, '/about/').status, 404, 'a slash asks for a directory');
    assert.equal(get(a, '/about.html.html').status, 404);
    assert.equal(get(a, '/data').status, 404, 'only .html');
  });

  test('HEAD too; other methods are not pages', () => {
    const a = app();
    assert.equal(a.handle(makeRequest('HEAD', '/about')).status, 200);
    assert.equal(a.handleOrNull(makeRequest('POST', '/about')), null);
  });

  test('cleanUrls: false turns it off', () => {
    assert.equal(get(app({ cleanUrls: false }), '/about').status, 404);
  });
});

describe('with a single-page app', () => {
  test('a page for a clean URL first, then index.html for client-side routes, then the 404 page for assets', async () => {
    const a = app({ spa: true });
    assert.equal((await bodyOf(get(a, '/about'))).toString(), 'about\n');
    assert.equal((await bodyOf(get(a, '/app/route'))).toString(), 'home\n');
    assert.equal(get(a, '/app/route').status, 200);
    const asset = get(a, '/missing.js');
    assert.equal(asset.status, 404);
    assert.equal((await bodyOf(asset)).toString(), PAGE);
  });
});
