// Which file a request path names, in process: dot segments at the end of a
// path (RFC 3986 §5.2.4), directory redirects that keep to this host, and the
// dotfile rule applied to where a symlink leads.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createStaticApp } from '../dist/app/static/index.js';
import { siteFixture, makeRequest, makeSite, field, bodyOf } from './fixtures/app-requests.mjs';

const { app, get } = siteFixture(
  'paths',
  {
    'index.html': 'home\n',
    'hello.txt': 'hello\n',
    'sub/index.html': 'sub\n',
    'docs/guide/index.html': 'guide\n',
    '.git/config': '[core]\n',
    '.well-known/security.txt': 'Contact: x\n',
    'public/config': 'public\n',
  },
  { gitlink: '.git', 'git-config': '.git/config', wk: '.well-known', pub: 'public' },
);

describe('dot segments', () => {
  test('a path ending in "." or ".." names a directory: served, never a redirect to "//"', async () => {
    const a = app();
    for (const target of ['/sub/..', '/.', '/%2e', '/x/..', '/.?x', '/sub/%2E%2e', '/sub/./..']) {
      const r = get(a, target);
      assert.equal(r.status, 200, target);
      assert.equal((await bodyOf(r)).toString(), 'home\n', target);
    }
    assert.equal((await bodyOf(get(a, '/sub/.'))).toString(), 'sub\n');
    assert.equal((await bodyOf(get(a, '/docs/guide/x/..'))).toString(), 'guide\n');
  });

  test('a directory redirect is a path with one leading slash', () => {
    const a = app();
    for (const [target, location] of [['/sub', '/sub/'], ['//sub', '/sub/'], ['/docs//guide?x=1', '/docs/guide/?x=1'], ['/./docs/guide', '/docs/guide/']]) {
      const r = get(a, target);
      assert.equal(r.status, 301, target);
      assert.equal(field(r, 'location'), location, target);
    }
  });

  test('a file followed by a dot segment is 404, like a file followed by a slash', () => {
    const a = app();
    for (const target of ['/hello.txt/.', '/hello.txt/%2e', '/hello.txt/', '/sub/../hello.txt/.']) assert.equal(get(a, target).status, 404, target);
    assert.equal(get(a, '/sub/../hello.txt').status, 200);
  });
});

describe('dotfiles behind symlinks', () => {
  test('a link to a dotfile directory or file is as hidden as its target, unless dotfiles', async () => {
    const a = app();
    for (const target of ['/gitlink/config', '/git-config', '/gitlink/']) assert.equal(get(a, target).status, 404, target);
    assert.equal((await bodyOf(get(a, '/pub/config'))).toString(), 'public\n', 'a link to a visible directory is fine');
    assert.equal((await bodyOf(get(a, '/wk/security.txt'))).toString(), 'Contact: x\n', '/.well-known stays public, however reached');
    const open = app({ dotfiles: true });
    assert.equal((await bodyOf(get(open, '/gitlink/config'))).toString(), '[core]\n');
  });

  test('the listing does not show links that lead to dotfiles', () => {
    const dir = makeSite('listing', { 'a.txt': 'a', '.secret/x': 'x' }, { 'to-secret': '.secret', 'to-a': 'a.txt' });
    try {
      const l = createStaticApp({ root: dir.dir, dirListing: true });
      const body = l.handle(makeRequest('GET', '/')).body;
      assert.ok(body.includes('to-a'));
      assert.ok(!body.includes('to-secret'));
      assert.ok(!body.includes('.secret'));
      l.close();
    } finally {
      dir.remove();
    }
  });
});
